#include "signalring.h"

#include <algorithm>

namespace conduit::gathering::campaign {

void SignalRing::add(const SignalSample &s) {
    const auto later = [](const SignalSample &a, const SignalSample &b) { return a.timeUs < b.timeUs; };
    if (samples_.empty() || samples_.back().timeUs <= s.timeUs)
        samples_.push_back(s);
    else
        samples_.insert(std::upper_bound(samples_.begin(), samples_.end(), s, later), s);
    const qint64 horizon = samples_.back().timeUs - spanUs_;
    while (!samples_.empty() && samples_.front().timeUs < horizon) samples_.pop_front();
    while (int(samples_.size()) > maxSamples_) {
        samples_.pop_front();
        ++droppedForCount_;
    }
}

std::vector<SignalSample> SignalRing::between(qint64 t0Us, qint64 t1Us, bool includeEnd) const {
    std::vector<SignalSample> out;
    for (const SignalSample &s : samples_) {
        if (s.timeUs < t0Us) continue;
        if (s.timeUs > t1Us || (!includeEnd && s.timeUs == t1Us)) break;
        out.push_back(s);
    }
    return out;
}

} // namespace conduit::gathering::campaign
