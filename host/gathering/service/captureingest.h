// Frames of the data-capture extension on their way into the store: each
// capture stream's frames are batched into bounded items (kind, class,
// priority and campaign of the request that started it), after the
// driver's consent is checked (a frame of a refused class is counted and
// dropped at once: never batched, never kept in a window). A batch goes out
// when it holds batchBytes, is batchMs old, or the stream ends. Each stream
// also keeps a bounded recent window (windowBytes, windowMs) for incident
// bundles (CaptureWindow).
//
// Memory is bounded: one batch and one window per stream, and what waits for
// the store is bounded by StoreWorker's backlog (a batch it cannot take is
// dropped and counted as Backlog).
//
// [single-thread] the service's thread.
#pragma once

#include "capturecontrol.h"
#include "consentbook.h"

#include <QHash>

#include <deque>
#include <functional>
#include <map>

namespace conduit::gathering {

// Why frames never reached the store (the counters next to Store's drops).
enum class FrameDrop : quint8 {
    Consent = 1,    // the driver refuses the class
    Backlog = 2,    // the store was too slow: its queue was full
    StoreError = 3, // the store refused the item (full, disk error)
};
inline constexpr FrameDrop kFrameDrops[] = {FrameDrop::Consent, FrameDrop::Backlog, FrameDrop::StoreError};
QString nameOf(FrameDrop d);

struct FrameCount {
    qint64 frames = 0;
    qint64 bytes = 0;
};

class CaptureIngest {
public:
    struct Config {
        qint64 batchBytes = 1 << 20; // an item's payload, frames included whole
        int batchMs = 1000;
        qint64 windowBytes = 4 << 20; // recent frames kept per stream
        qint64 windowMs = 60'000;
    };
    // Hands a batch on; false when it could not be taken (backlog full).
    using Output = std::function<bool(const Item &item, qint64 frames)>;
    using Clock = std::function<qint64()>; // monotonic ms

    CaptureIngest(Config config, const ConsentBook *consent, Output out, Clock clock);

    // A capture of `agentId` started for `request`: its frames are claimed.
    void begin(const QString &agentId, const CaptureRequest &request);
    // Stores what is batched and forgets the stream (its window too).
    void end(const QString &agentId, const QString &stream);
    // The agent's runner is gone: every stream of it ends (what is batched
    // is stored).
    void endAgent(const QString &agentId);
    void frame(const QString &agentId, const QString &stream, const QByteArray &data, qint64 timestampNs);
    // Flushes every batch older than batchMs (call from a timer).
    void flushDue();
    void flushAll();
    // Consent withdrawn: batches and windows of `c` are dropped now.
    void discard(DataClass c);
    void count(DataClass c, FrameDrop why, qint64 frames, qint64 bytes);

    QList<CapturedFrame> window(const QString &deviceId, const QString &stream, qint64 t0Ns, qint64 t1Ns) const;
    const std::map<std::pair<DataClass, FrameDrop>, FrameCount> &drops() const { return drops_; }
    // Frames of streams no capture claimed (an agent streaming on its own).
    FrameCount unclaimed() const { return unclaimed_; }
    QList<CaptureRequest> active() const;
    std::optional<QString> agentOf(const QString &deviceId, const QString &stream) const;

private:
    struct Stream {
        CaptureRequest request;
        QList<CapturedFrame> batch;
        qint64 batchBytes = 0;
        qint64 batchStartMs = 0;
        std::deque<CapturedFrame> recent;
        qint64 recentBytes = 0;
    };
    static QString key(const QString &agentId, const QString &stream) { return agentId + QLatin1Char('\n') + stream; }
    void flush(Stream &s);
    void remember(Stream &s, const CapturedFrame &f);

    Config config_;
    const ConsentBook *consent_;
    Output out_;
    Clock clock_;
    QHash<QString, Stream> streams_; // key(agent, stream)
    std::map<std::pair<DataClass, FrameDrop>, FrameCount> drops_;
    FrameCount unclaimed_;
};

} // namespace conduit::gathering
