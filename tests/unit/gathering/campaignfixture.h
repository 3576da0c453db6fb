// Shared pieces of the campaign tests: a valid campaign document to mutate,
// deterministic keys, a test clock, and fakes of the store and the capture
// archive.
#pragma once

#include "gathering/campaign/admission.h"
#include "gathering/campaign/capture.h"
#include "gathering/seams.h"

#include <QDateTime>

namespace campaigntest {

using namespace conduit::gathering;
using namespace conduit::gathering::campaign;
using conduit::trust::JsonValue;

// 2026-12-01T00:00:00Z and the window of the base document.
inline constexpr qint64 kStartMs = 1796083200000;
inline constexpr qint64 kNowMs = kStartMs + 3600 * 1000;

inline JsonValue baseDocument() {
    auto doc = conduit::trust::parseJson(R"({
      "_type": "campaign", "spec_version": "1.0", "id": "hard-braking", "version": 1,
      "start": "2026-12-01T00:00:00Z", "expires": "2027-01-01T00:00:00Z",
      "scope": {"vehicles": ["WVW*", "TEST-1"]},
      "collect": {"signals": ["Vehicle.Speed", "Vehicle.Chassis.Brake.PedalPosition"],
                  "logs": ["conduit.gathering.*"],
                  "streams": [{"device": "cam-front", "stream": "clip", "params": {"fps": "10"},
                               "data_class": "camera"}]},
      "trigger": {"condition": "Vehicle.Speed > 50 && Vehicle.Chassis.Brake.PedalPosition >= 80",
                  "min_interval_ms": 60000},
      "window": {"pre_ms": 2000, "post_ms": 1000},
      "priority": "safety", "data_class": "telemetry", "retention_s": 86400, "upload": "unmetered"
    })");
    return *doc;
}

using conduit::trust::SigningKey;
inline SigningKey key(char seed) { return *SigningKey::ed25519FromSeed(QByteArray(32, seed)); }

inline CampaignKeys trustOf(const std::vector<SigningKey> &keys, qint64 threshold) {
    std::vector<conduit::trust::PublicKey> pubs;
    for (const SigningKey &k : keys) pubs.push_back(k.publicKey());
    return *CampaignKeys::parse(CampaignKeys::serialize(pubs, threshold));
}

inline QByteArray sign(const JsonValue &signedPart, const std::vector<SigningKey> &keys) {
    auto env = signCampaign(conduit::trust::compactJson(signedPart), keys);
    return env ? *env : QByteArray();
}

inline VehicleIdentity vehicle() { return VehicleIdentity{QStringLiteral("WVW0001"), {QStringLiteral("cam-front")}}; }

struct TestClock {
    qint64 ms = kNowMs;
    std::function<qint64()> fn() {
        return [this] { return ms; };
    }
};

class FakeSink : public ItemSink {
public:
    bool put(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) override {
        if (refuse) {
            if (f) *f = StoreFailure{StoreError::Full, QStringLiteral("full")};
            return false;
        }
        for (const Item &i : items) {
            stored.append(i);
            if (ids) ids->append(stored.size());
        }
        return true;
    }
    QList<Item> stored;
    bool refuse = false;
};

// Gives "<device>/<stream> <t0>..<t1>" as the capture, or refuses a device.
class FakeCaptures : public CaptureArchive {
public:
    conduit::error::Result<CaptureSlice, CaptureErrorKind> capture(const StreamRequest &r, qint64 t0, qint64 t1,
                                                                   qint64) override {
        asked.append({r.device, t0, t1});
        if (r.device == refusedDevice)
            return conduit::error::DomainError<CaptureErrorKind>{CaptureErrorKind::Unavailable,
                                                                 QStringLiteral("not running")};
        return CaptureSlice{QStringLiteral("%1/%2 %3..%4").arg(r.device, r.stream).arg(t0).arg(t1).toUtf8(), t0, t1};
    }
    struct Ask {
        QString device;
        qint64 t0, t1;
    };
    QList<Ask> asked;
    QString refusedDevice;
};

// Records what is asked; the test answers (or not) through answer().
class FakeClips : public ClipSource {
public:
    void clip(const ClipRequest &r, Done done) override {
        asked.append(r);
        pending.push_back(std::move(done));
    }
    void cancel(const QString &campaignId, qint64 incident) override { cancelled.append({campaignId, incident}); }
    void answer(size_t i, conduit::error::Result<Clip, CaptureErrorKind> result) {
        Done d = std::move(pending.at(i));
        d(std::move(result));
    }
    QList<ClipRequest> asked;
    std::vector<Done> pending;
    QList<std::pair<QString, qint64>> cancelled;
};

} // namespace campaigntest
