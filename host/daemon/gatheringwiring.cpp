#include "gatheringwiring.h"

#include "hostlog.h"

#include "core/vehiclestate.h"
#include "gathering/service/captureframes.h"
#include "gathering/service/gatheringservice.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace conduit::daemon {

using namespace gathering;
namespace cc = gathering::campaign;

namespace {

qint64 wallMs() { return QDateTime::currentMSecsSinceEpoch(); }

} // namespace

// The campaigns' items into the store, on its thread: one put per trigger.
class GatheringWiring::StoreSink : public ItemSink {
public:
    explicit StoreSink(GatheringWiring *w) : w_(w) {}
    bool put(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) override {
        bool ok = false;
        w_->service_->storeWorker()->run([&](Store &s) { ok = s.put(items, ids, f); });
        if (ok) w_->pokeUplinks();
        return ok;
    }

private:
    GatheringWiring *w_;
};

// An incident bundle's streams from the frames the service keeps per stream.
class GatheringWiring::WindowArchive : public cc::CaptureArchive {
public:
    explicit WindowArchive(const CaptureWindow *window) : window_(window) {}
    error::Result<cc::CaptureSlice, cc::CaptureErrorKind> capture(const cc::StreamRequest &r, qint64 t0Ms, qint64 t1Ms,
                                                                  qint64 maxBytes) override {
        using E = error::DomainError<cc::CaptureErrorKind>;
        const QList<CapturedFrame> frames =
            window_->capturedBetween(r.device, r.stream, t0Ms * 1'000'000, t1Ms * 1'000'000 + 999'999);
        if (frames.isEmpty())
            return E{cc::CaptureErrorKind::Unavailable, QStringLiteral("no frames of the stream in the window")};
        cc::CaptureSlice slice;
        slice.bytes = encodeCaptureFrames(frames);
        if (slice.bytes.size() > maxBytes)
            return E{cc::CaptureErrorKind::TooLarge,
                     QStringLiteral("%1 bytes captured, the bundle holds %2").arg(slice.bytes.size()).arg(maxBytes)};
        slice.firstMs = frames.first().timestampNs / 1'000'000;
        slice.lastMs = frames.last().timestampNs / 1'000'000;
        return slice;
    }

private:
    const CaptureWindow *window_;
};

// The clips of "window" streams: a one-shot stream of the device's agent,
// "<stream>-<campaign>-<incident>" (the camera's kind is the id's prefix),
// with the trigger and the windows as the camera's clip parameters.
class GatheringWiring::ServiceClips : public cc::ClipSource {
public:
    explicit ServiceClips(GatheringService *service) : service_(service) {}
    void clip(const cc::ClipRequest &r, Done done) override {
        ObjectRequest q;
        q.deviceId = r.stream.device;
        q.stream = streamId(r.stream.stream, r.campaignId, r.incident);
        QJsonObject params;
        for (const auto &[k, v] : r.stream.params) params[k] = v;
        params[QStringLiteral("trigger_ns")] = double(r.triggerMs) * 1e6;
        params[QStringLiteral("pre_s")] = double(r.preMs) / 1000.0;
        params[QStringLiteral("post_s")] = double(r.postMs) / 1000.0;
        q.paramsJson = QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact));
        q.dataClass = r.stream.dataClass;
        q.maxBytes = r.maxBytes;
        const std::pair<QString, qint64> key{r.campaignId, r.incident};
        asked_[key] << q.stream;
        service_->captureObject(
            q, [this, key, stream = q.stream, done](std::optional<CapturedObject> o, const QString &error) {
                forgetAsked(key, stream);
                using E = error::DomainError<cc::CaptureErrorKind>;
                if (!o) return done(E{cc::CaptureErrorKind::Unavailable, error});
                done(cc::Clip{std::move(o->bytes), o->firstNs});
            });
    }
    // Nothing asked may answer into a collection that is gone.
    ~ServiceClips() override {
        for (const auto &[key, streams] : asked_)
            for (const QString &stream : streams) service_->cancelObject(stream);
    }
    void cancel(const QString &campaignId, qint64 incident) override {
        const auto it = asked_.find({campaignId, incident});
        if (it == asked_.end()) return;
        for (const QString &stream : it->second) service_->cancelObject(stream);
        asked_.erase(it);
    }

private:
    void forgetAsked(const std::pair<QString, qint64> &key, const QString &stream) {
        const auto it = asked_.find(key);
        if (it == asked_.end()) return;
        it->second.removeAll(stream);
        if (it->second.isEmpty()) asked_.erase(it);
    }
    static QString streamId(const QString &stream, const QString &campaign, qint64 incident) {
        return QStringLiteral("%1-%2-%3").arg(stream, campaign).arg(incident);
    }
    GatheringService *service_;
    std::map<std::pair<QString, qint64>, QStringList> asked_;
};

GatheringWiring::GatheringWiring(GatheringLinks links, GatheringService *service, core::VehicleState *vehicle,
                                 QObject *parent)
    : QObject(parent), links_(std::move(links)), service_(service), vehicle_(vehicle),
      logs_(std::make_shared<cc::LogRing>()), sink_(std::make_unique<StoreSink>(this)),
      archive_(std::make_unique<WindowArchive>(service)), clips_(std::make_unique<ServiceClips>(service)) {
    deadline_.setSingleShot(true);
    connect(&deadline_, &QTimer::timeout, this, &GatheringWiring::tick);
}

GatheringWiring::~GatheringWiring() { stop(); }

bool GatheringWiring::start(QString *error) {
    if (!links_.campaignKeysFile.isEmpty()) {
        auto keys = cc::CampaignKeys::load(links_.campaignKeysFile);
        if (!keys) {
            *error = QStringLiteral("campaign trust file %1: %2").arg(links_.campaignKeysFile, keys.error().message);
            return false;
        }
        cc::CampaignCollection::Config cfg;
        cfg.stateDir = QDir(service_->config().storeDir).filePath(QStringLiteral("campaigns"));
        cfg.vehicle.vehicleId = links_.vehicleId;
        cfg.keys = *keys;
        cfg.clock = wallMs;
        cc::CampaignCollection::Dependencies deps;
        deps.sink = sink_.get();
        deps.logs = logs_.get();
        deps.captures = archive_.get();
        deps.clips = clips_.get();
        deps.consent = [s = service_](DataClass c) { return s->consent().allowed(c); };
        auto opened = cc::CampaignCollection::open(cfg, deps);
        if (!opened) {
            *error = QStringLiteral("campaign book: %1").arg(opened.error().message);
            return false;
        }
        collection_ = std::move(*opened);
        setLogRing(logs_);
    }
    connect(vehicle_, &core::VehicleState::changed, this, &GatheringWiring::onVehicleChanged);
    connect(service_->storeWorker(), &StoreWorker::stored, this, &GatheringWiring::pokeUplinks);

    GatheringUplinks::Callbacks cb;
    cb.delivered = [this](DataClass c, qint64 items, qint64 bytes, const QString &uplink) {
        QMetaObject::invokeMethod(this, [=, this] { service_->delivered(c, items, bytes, wallMs(), uplink); });
    };
    cb.failed = [this](DataClass c, const QString &why, const QString &uplink) {
        QMetaObject::invokeMethod(this, [=, this] { service_->deliveryFailed(c, why, wallMs(), uplink); });
    };
    cb.campaign = [this](const QByteArray &document) {
        QMetaObject::invokeMethod(this, [this, document] { onDocument(document); });
    };
    onVehicleChanged(); // the link conditions (read by the bulk scheduler at once) and signals as they are now
    QString uplinkError;
    service_->storeWorker()->run([&](Store &store) {
        storeContext_ = new QObject;
        uplinks_ = GatheringUplinks::create(store, links_, conditions_, cb, &uplinkError);
    });
    if (!uplinks_) {
        *error = uplinkError;
        stop();
        return false;
    }
    syncCampaigns();
    schedule();
    return true;
}

void GatheringWiring::stop() {
    deadline_.stop();
    disconnect(vehicle_, nullptr, this, nullptr);
    if (StoreWorker *w = service_->storeWorker(); w && storeContext_) {
        w->run([this](Store &) {
            uplinks_.reset();
            delete storeContext_; // drops what was posted to it
        });
        storeContext_ = nullptr;
    }
    if (collection_) setLogRing(nullptr);
}

void GatheringWiring::toStoreThread(std::function<void()> fn) {
    if (storeContext_) QMetaObject::invokeMethod(storeContext_, std::move(fn));
}

void GatheringWiring::pokeUplinks() {
    toStoreThread([this] {
        if (uplinks_) uplinks_->poke();
    });
}

void GatheringWiring::onVehicleChanged() {
    const QVariantMap now = vehicle_->values();
    auto flag = [&](const QString &signal, bool absent) {
        return now.contains(signal) ? now.value(signal).toBool() : absent;
    };
    LinkState s;
    s.online = flag(core::vss::ConnectivityAvailable, true);
    s.metered = flag(core::vss::LinkMetered, true);
    s.parked = now.value(core::vss::Speed, 0.0).toDouble() == 0.0 &&
               now.value(core::vss::SelectedGear).toInt() == core::vss::GearPark;
    conditions_.set(s);
    if (collection_) {
        const qint64 t = wallMs();
        for (auto it = now.constBegin(); it != now.constEnd(); ++it) {
            const int type = it.value().typeId();
            const bool numeric = type == QMetaType::Double || type == QMetaType::Int || type == QMetaType::LongLong ||
                                 type == QMetaType::UInt || type == QMetaType::ULongLong || type == QMetaType::Float;
            if (numeric && lastSignals_.value(it.key()) != it.value())
                collection_->onSignal(it.key(), it.value().toDouble(), t);
        }
        schedule();
    }
    lastSignals_ = now;
    pokeUplinks();
}

// The answer to a campaign document on the responses topic.
void GatheringWiring::onDocument(const QByteArray &document) {
    QJsonObject answer{{QStringLiteral("document_sha256"),
                        QString::fromLatin1(QCryptographicHash::hash(document, QCryptographicHash::Sha256).toHex())}};
    if (!collection_) {
        answer[QStringLiteral("result")] = cc::nameOf(cc::CampaignErrorKind::Unsigned);
        answer[QStringLiteral("message")] = QStringLiteral("this vehicle has no campaign trust file");
    } else if (auto r = collection_->accept(document); !r) {
        answer[QStringLiteral("result")] = cc::nameOf(r.error().kind);
        answer[QStringLiteral("message")] = r.error().message;
    } else {
        answer[QStringLiteral("result")] = cc::nameOf(r->offer);
        answer[QStringLiteral("campaign")] = r->id;
        answer[QStringLiteral("version")] = r->version;
        syncCampaigns();
        schedule();
    }
    QStringList said{answer.value(QStringLiteral("result")).toString()};
    for (const char *k : {"campaign", "message"})
        if (answer.contains(QLatin1String(k))) said << answer.value(QLatin1String(k)).toString();
    qCInfo(lcHost).noquote() << "gathering: campaign document:" << said.join(QStringLiteral(", "));
    const QByteArray json = QJsonDocument(answer).toJson(QJsonDocument::Compact);
    toStoreThread([this, json] {
        if (uplinks_) uplinks_->respond(json);
    });
}

void GatheringWiring::schedule() {
    if (!collection_) return;
    const qint64 next = collection_->nextDeadlineMs();
    if (next == std::numeric_limits<qint64>::max()) return deadline_.stop();
    deadline_.start(int(std::clamp<qint64>(next - wallMs(), 0, 3'600'000)));
}

void GatheringWiring::tick() {
    collection_->tick();
    syncCampaigns();
    schedule();
}

// The active campaigns into the service's list (the privacy screen) and
// their streams started; ended campaigns out, their streams stopped.
void GatheringWiring::syncCampaigns() {
    if (!collection_) return;
    CampaignList *list = service_->campaigns();
    QSet<QString> active;
    std::set<std::pair<QString, QString>> streams;
    for (const cc::BookEntry *e : collection_->book().active()) {
        const cc::Campaign &c = e->campaign;
        active.insert(c.id);
        CampaignSummary s;
        s.id = c.id;
        s.name = c.id;
        // The document carries no text for the driver: what it collects, in both languages of the HMI.
        const QString what = c.signalNames.join(QStringLiteral(", "));
        s.purpose[QStringLiteral("en")] = QStringLiteral("Collects %1").arg(what);
        s.purpose[QStringLiteral("de")] = QStringLiteral("Erfasst %1").arg(what);
        s.classes = {c.dataClass};
        if (!c.logCategories.isEmpty() && !s.classes.contains(DataClass::Logs)) s.classes << DataClass::Logs;
        for (const cc::StreamRequest &r : c.streams) {
            if (!s.classes.contains(r.dataClass)) s.classes << r.dataClass;
            if (r.capture == cc::StreamCapture::Window) continue; // asked at each trigger (ServiceClips)
            streams.insert({r.device, r.stream});
            if (captures_.count({r.device, r.stream})) continue;
            CaptureRequest q;
            q.deviceId = r.device;
            q.stream = r.stream;
            QJsonObject params;
            for (const auto &[k, v] : r.params) params[k] = v;
            q.paramsJson = QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact));
            q.campaignId = c.id;
            q.dataClass = r.dataClass;
            q.priority = c.priority;
            q.retentionMs = c.retentionMs;
            captures_.insert({r.device, r.stream});
            service_->startCapture(q, [q](const QString &why) {
                if (!why.isEmpty())
                    qCWarning(lcHost).noquote()
                        << QStringLiteral("gathering: capture %1/%2 for campaign %3 not started: %4")
                               .arg(q.deviceId, q.stream, q.campaignId, why);
            });
        }
        s.expiresMs = c.expiresMs;
        list->upsert(s);
    }
    for (const CampaignSummary &s : QList<CampaignSummary>(list->campaigns()))
        if (!active.contains(s.id) && s.id != QLatin1String("local")) list->remove(s.id);
    for (auto it = captures_.begin(); it != captures_.end();) {
        if (streams.count(*it)) {
            ++it;
            continue;
        }
        service_->stopCapture(it->first, it->second);
        it = captures_.erase(it);
    }
}

} // namespace conduit::daemon
