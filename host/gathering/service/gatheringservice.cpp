#include "gatheringservice.h"

#include <QDir>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcService, "conduit.gathering.service")

namespace conduit::gathering {

GatheringService::GatheringService(GatheringConfig config, CaptureAgents *agents, QObject *parent)
    : QObject(parent), config_(std::move(config)), agents_(agents),
      consent_(QDir(config_.storeDir).filePath(QStringLiteral("consent.json"))),
      ingest_(
          config_.capture, &consent_, [this](const Item &item, qint64 frames) { return worker_->offer(item, frames); },
          [this] { return monotonic_.elapsed(); }) {
    monotonic_.start();
    campaigns_.setChanged([this] { emit campaignsChanged(); });
    flushTimer_.setInterval(std::max(10, config_.capture.batchMs / 4));
    connect(&flushTimer_, &QTimer::timeout, this, [this] { ingest_.flushDue(); });
}

GatheringService::~GatheringService() { stop(); }

bool GatheringService::start(QStringList *warnings, QString *error) {
    if (!QDir().mkpath(config_.storeDir)) {
        *error = QStringLiteral("cannot create the gathering store directory %1").arg(config_.storeDir);
        return false;
    }
    QString warning;
    if (!consent_.load(&warning)) warnings->append(warning);
    worker_ = std::make_unique<StoreWorker>(config_.storeDir, config_.store, config_.backlogBytes);
    connect(worker_.get(), &StoreWorker::stored, this, [this] { emit usageChanged(); });
    connect(worker_.get(), &StoreWorker::failed, this,
            [this](DataClass c, qint64 frames, qint64 bytes, const QString &why) {
                qCWarning(lcService).noquote() << "capture of" << nameOf(c) << "not stored:" << why;
                ingest_.count(c, FrameDrop::StoreError, frames, bytes);
                emit usageChanged();
            });
    StoreFailure f;
    bool opened = false;
    worker_->run([&](Store &s) { opened = s.open(&f); });
    if (!opened) {
        *error = QStringLiteral("gathering store: %1").arg(f.message);
        return false;
    }
    flushTimer_.start();
    if (!config_.captures.isEmpty()) {
        CampaignSummary local{
            QStringLiteral("local"), QStringLiteral("Captures configured on this vehicle"), {}, {}, 0};
        local.purpose.insert(QStringLiteral("en"), QStringLiteral("Data streams configured in this vehicle's setup"));
        local.purpose.insert(QStringLiteral("de"), QStringLiteral("In diesem Fahrzeug eingerichtete Datenströme"));
        for (const CaptureRequest &r : config_.captures)
            if (!local.classes.contains(r.dataClass)) local.classes << r.dataClass;
        campaigns_.upsert(local);
    }
    for (const CaptureRequest &r : config_.captures)
        startCapture(r, [r](const QString &why) {
            if (!why.isEmpty())
                qCWarning(lcService).noquote()
                    << QStringLiteral("capture %1/%2 not started: %3").arg(r.deviceId, r.stream, why);
        });
    return true;
}

void GatheringService::stop() {
    if (!worker_) return;
    flushTimer_.stop();
    for (const CaptureRequest &r : ingest_.active()) stopCapture(r.deviceId, r.stream);
    objects_.failAll(QStringLiteral("data gathering stopped"));
    ingest_.flushAll();
    worker_.reset(); // drains the backlog into the store
}

void GatheringService::onCaptureData(const QString &agentId, const QString &stream, const QByteArray &data,
                                     quint64 timestampNs) {
    if (!worker_) return;
    if (objects_.record(agentId, stream, data, qint64(timestampNs))) return;
    ingest_.frame(agentId, stream, data, qint64(timestampNs));
}

void GatheringService::onCaptureEnded(const QString &agentId, const QString &stream, int reason) {
    qCInfo(lcService).noquote() << QStringLiteral("capture %1 of agent %2 ended (%3)").arg(stream, agentId).arg(reason);
    if (objects_.end(agentId, stream, reason)) return;
    ingest_.end(agentId, stream);
    emit usageChanged();
}

void GatheringService::onAgentGone(const QString &agentId) {
    objects_.failAgent(agentId, QStringLiteral("the agent's runner ended before the object was whole"));
    ingest_.endAgent(agentId);
    emit usageChanged();
}

void GatheringService::startCapture(const CaptureRequest &request, Done done) {
    if (request.campaignId.isEmpty()) return done(QStringLiteral("a capture needs a campaign id"));
    if (ingest_.agentOf(request.deviceId, request.stream))
        return done(QStringLiteral("%1/%2 is already being captured").arg(request.deviceId, request.stream));
    // Started even while the class is refused: its frames are dropped and
    // counted until the driver allows it, and stored from that moment on.
    agents_->start(request.deviceId, request.stream, request.paramsJson,
                   [this, request, done](const QString &agentId, const QString &error) {
                       if (error.isEmpty()) ingest_.begin(agentId, request);
                       done(error);
                   });
}

void GatheringService::stopCapture(const QString &deviceId, const QString &stream) {
    const auto agent = ingest_.agentOf(deviceId, stream);
    if (!agent) return;
    agents_->stop(*agent, stream);
    ingest_.end(*agent, stream);
}

void GatheringService::captureObject(const ObjectRequest &request, ObjectDone done) {
    if (!worker_) return done(std::nullopt, QStringLiteral("data gathering is not running"));
    if (!consent_.allowed(request.dataClass))
        return done(std::nullopt, QStringLiteral("the driver refused data class %1").arg(nameOf(request.dataClass)));
    if (objects_.expects(request.stream) || ingest_.agentOf(request.deviceId, request.stream))
        return done(std::nullopt,
                    QStringLiteral("%1/%2 is already being captured").arg(request.deviceId, request.stream));
    const QString stream = request.stream;
    objects_.expect(request, [this, stream, done](std::optional<CapturedObject> object, const QString &error) {
        if (const auto agent = objects_.agentOf(stream)) agents_->stop(*agent, stream);
        done(std::move(object), error);
    });
    agents_->start(request.deviceId, stream, request.paramsJson,
                   [this, stream](const QString &agentId, const QString &error) {
                       if (!error.isEmpty()) return objects_.fail(stream, error);
                       if (!objects_.known(stream, agentId))
                           agents_->stop(agentId, stream); // answered or cancelled meanwhile
                   });
}

void GatheringService::cancelObject(const QString &stream) {
    const auto agent = objects_.agentOf(stream);
    objects_.forget(stream);
    if (agent) agents_->stop(*agent, stream);
}

QList<CapturedFrame> GatheringService::capturedBetween(const QString &deviceId, const QString &stream, qint64 t0Ns,
                                                       qint64 t1Ns) const {
    return ingest_.window(deviceId, stream, t0Ns, t1Ns);
}

void GatheringService::delivered(DataClass c, qint64 items, qint64 bytes, qint64 atMs, const QString &uplink) {
    UplinkState &u = uplinks_[c];
    u.lastDeliveredMs = atMs;
    u.items = items;
    u.bytes = bytes;
    u.uplink = uplink;
    u.lastFailure.clear();
    emit usageChanged();
}

void GatheringService::deliveryFailed(DataClass c, const QString &why, qint64 atMs, const QString &uplink) {
    UplinkState &u = uplinks_[c];
    u.lastFailureMs = atMs;
    u.lastFailure = QStringLiteral("%1: %2").arg(uplink, why);
    emit usageChanged();
}

bool GatheringService::deleteClasses(const QList<DataClass> &classes, Removal *out, QString *error) {
    *out = {};
    bool ok = true;
    worker_->run([&](Store &s) {
        for (DataClass c : classes) {
            Removal r;
            StoreFailure f;
            if (!s.deleteClass(c, &r, &f)) {
                *error = QStringLiteral("deleting %1 data: %2").arg(nameOf(c), f.message);
                ok = false;
                return;
            }
            out->items += r.items;
            out->bytes += r.bytes;
        }
    });
    if (ok) emit dataDeleted(classes, out->items, out->bytes);
    emit usageChanged();
    return ok;
}

bool GatheringService::setConsent(DataClass c, bool allowed, Removal *removed, QString *error) {
    *removed = {};
    if (!worker_) {
        *error = QStringLiteral("data gathering is not running");
        return false;
    }
    const bool was = consent_.allowed(c);
    if (!consent_.set(c, allowed, error)) return false;
    if (was != allowed) {
        qCInfo(lcService).noquote() << "the driver" << (allowed ? "allows" : "refuses") << nameOf(c);
        emit consentChanged(c, allowed);
    }
    if (allowed) return true;
    ingest_.discard(c);
    objects_.discard(c, QStringLiteral("withheld: the driver refused data class %1").arg(nameOf(c)));
    return deleteClasses({c}, removed, error);
}

bool GatheringService::deleteMyData(DeletionScope scope, Deletion *out, QString *error) {
    if (!worker_) {
        *error = QStringLiteral("data gathering is not running");
        return false;
    }
    out->classes.clear();
    for (DataClass c : kDataClasses)
        if (scope == DeletionScope::All || ConsentBook::personal(c)) out->classes << c;
    for (DataClass c : out->classes) {
        ingest_.discard(c);
        objects_.discard(c, QStringLiteral("withheld: the driver asked to delete %1 data").arg(nameOf(c)));
    }
    qCInfo(lcService).noquote() << "the driver asked to delete"
                                << (scope == DeletionScope::All ? "all gathered data" : "personal data");
    return deleteClasses(out->classes, &out->removed, error);
}

bool GatheringService::usage(Usage *out, QString *error) {
    if (!worker_) {
        *error = QStringLiteral("data gathering is not running");
        return false;
    }
    bool ok = false;
    StoreFailure f;
    worker_->run([&](Store &s) { ok = s.usage(out, &f); });
    if (!ok) *error = f.message;
    return ok;
}

} // namespace conduit::gathering
