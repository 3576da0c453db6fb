// What the engine tells about a campaign's progress: per device (step,
// bytes, error, time left) and overall. Split from campaignengine.cpp,
// same class.
#include "campaignengine.h"

#include <algorithm>

namespace conduit::core {

QList<CampaignEngine::DeviceProgress> CampaignEngine::deviceProgress() const {
    QList<DeviceProgress> out;
    const qint64 now = state_ == State::Downloading && transferClock_.isValid() ? transferClock_.elapsed() : -1;
    for (const DeviceUpdate &r : updates_) {
        out << r.progress;
        // Remaining bytes at the rate measured since the device's first
        // report; unknown until 200 ms of it (too noisy before).
        const qint64 ms = now - r.firstReportMs;
        const quint64 moved = r.progress.done - std::min(r.progress.done, r.firstReportBytes);
        if (now >= 0 && r.firstReportMs >= 0 && ms >= 200 && moved > 0 && r.progress.done < r.progress.total)
            out.last().etaSeconds = int((r.progress.total - r.progress.done) * quint64(ms) / moved / 1000);
    }
    return out;
}

quint64 CampaignEngine::bytesDone() const {
    quint64 n = 0;
    for (const DeviceUpdate &r : updates_) n += r.progress.done;
    return n;
}

int CampaignEngine::etaSeconds() const {
    if (state_ != State::Downloading || !transferClock_.isValid()) return -1;
    const quint64 done = bytesDone(), total = campaign_.totalBytes();
    const qint64 ms = transferClock_.elapsed();
    if (done == 0 || ms < 200) return -1;
    return int((total - std::min(done, total)) * ms / done / 1000);
}

} // namespace conduit::core
