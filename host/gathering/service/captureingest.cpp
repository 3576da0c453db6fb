#include "captureingest.h"

#include "captureframes.h"

#include <QDateTime>

namespace conduit::gathering {

QString nameOf(FrameDrop d) {
    switch (d) {
    case FrameDrop::Consent: return QStringLiteral("consent");
    case FrameDrop::Backlog: return QStringLiteral("backlog");
    case FrameDrop::StoreError: return QStringLiteral("store-error");
    }
    return QStringLiteral("unknown");
}

CaptureIngest::CaptureIngest(Config config, const ConsentBook *consent, Output out, Clock clock)
    : config_(config), consent_(consent), out_(std::move(out)), clock_(std::move(clock)) {}

void CaptureIngest::begin(const QString &agentId, const CaptureRequest &request) {
    Stream &s = streams_[key(agentId, request.stream)];
    flush(s);
    s.request = request;
}

void CaptureIngest::end(const QString &agentId, const QString &stream) {
    auto it = streams_.find(key(agentId, stream));
    if (it == streams_.end()) return;
    flush(*it);
    streams_.erase(it);
}

void CaptureIngest::endAgent(const QString &agentId) {
    const QString prefix = key(agentId, {});
    for (auto it = streams_.begin(); it != streams_.end();) {
        if (!it.key().startsWith(prefix)) {
            ++it;
            continue;
        }
        flush(*it);
        it = streams_.erase(it);
    }
}

void CaptureIngest::count(DataClass c, FrameDrop why, qint64 frames, qint64 bytes) {
    FrameCount &n = drops_[{c, why}];
    n.frames += frames;
    n.bytes += bytes;
}

void CaptureIngest::frame(const QString &agentId, const QString &stream, const QByteArray &data, qint64 timestampNs) {
    auto it = streams_.find(key(agentId, stream));
    if (it == streams_.end()) {
        ++unclaimed_.frames;
        unclaimed_.bytes += data.size();
        return;
    }
    Stream &s = *it;
    if (!consent_->allowed(s.request.dataClass)) return count(s.request.dataClass, FrameDrop::Consent, 1, data.size());
    const CapturedFrame f{timestampNs, data};
    remember(s, f);
    const qint64 size = kCaptureFrameOverhead + data.size();
    if (!s.batch.isEmpty() && s.batchBytes + size > config_.batchBytes) flush(s);
    if (s.batch.isEmpty()) {
        s.batchStartMs = clock_();
        s.batchBytes = kCaptureFramesHeader;
    }
    s.batch.append(f);
    s.batchBytes += size;
    if (s.batchBytes >= config_.batchBytes) flush(s);
}

void CaptureIngest::remember(Stream &s, const CapturedFrame &f) {
    s.recent.push_back(f);
    s.recentBytes += f.data.size();
    const qint64 oldest = f.timestampNs - config_.windowMs * 1'000'000;
    while (!s.recent.empty() && (s.recentBytes > config_.windowBytes || s.recent.front().timestampNs < oldest)) {
        s.recentBytes -= s.recent.front().data.size();
        s.recent.pop_front();
    }
}

void CaptureIngest::flush(Stream &s) {
    if (s.batch.isEmpty()) return;
    const CaptureRequest &r = s.request;
    Item item;
    item.kind = r.kind;
    item.campaignId = r.campaignId;
    item.dataClass = r.dataClass;
    item.priority = r.priority;
    item.createdMs = s.batch.constFirst().timestampNs / 1'000'000;
    if (r.retentionMs > 0) item.expiresMs = QDateTime::currentMSecsSinceEpoch() + r.retentionMs;
    item.bytes = encodeCaptureFrames(s.batch);
    const qint64 frames = s.batch.size();
    s.batch.clear();
    s.batchBytes = 0;
    if (!out_(item, frames)) count(r.dataClass, FrameDrop::Backlog, frames, item.bytes.size());
}

void CaptureIngest::flushDue() {
    const qint64 now = clock_();
    for (Stream &s : streams_)
        if (!s.batch.isEmpty() && now - s.batchStartMs >= config_.batchMs) flush(s);
}

void CaptureIngest::flushAll() {
    for (Stream &s : streams_) flush(s);
}

void CaptureIngest::discard(DataClass c) {
    for (Stream &s : streams_) {
        if (s.request.dataClass != c) continue;
        s.batch.clear();
        s.batchBytes = 0;
        s.recent.clear();
        s.recentBytes = 0;
    }
}

QList<CapturedFrame> CaptureIngest::window(const QString &deviceId, const QString &stream, qint64 t0Ns,
                                           qint64 t1Ns) const {
    QList<CapturedFrame> out;
    for (const Stream &s : streams_) {
        if (s.request.deviceId != deviceId || s.request.stream != stream) continue;
        if (!consent_->allowed(s.request.dataClass)) continue;
        for (const CapturedFrame &f : s.recent)
            if (f.timestampNs >= t0Ns && f.timestampNs <= t1Ns) out.append(f);
    }
    return out;
}

QList<CaptureRequest> CaptureIngest::active() const {
    QList<CaptureRequest> out;
    for (const Stream &s : streams_) out.append(s.request);
    return out;
}

std::optional<QString> CaptureIngest::agentOf(const QString &deviceId, const QString &stream) const {
    for (auto it = streams_.begin(); it != streams_.end(); ++it)
        if (it->request.deviceId == deviceId && it->request.stream == stream)
            return it.key().section(QLatin1Char('\n'), 0, 0);
    return std::nullopt;
}

} // namespace conduit::gathering
