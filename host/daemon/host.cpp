#include "host.h"

#ifdef CONDUIT_HAVE_KUKSA
#include "vehicle/kuksaprovider.h"
#endif

#include "api/gathering1adaptor.h"
#include "api/host1adaptor.h"
#include "gathering/service/gatheringservice.h"
#include "gatheringwiring.h"
#include "hostlog.h"
#include "registrycapture.h"
#include "upstream/bundlecampaign.h"
#include "upstream/ddiconnector.h"

#include <QNetworkAccessManager>
#include <QProcess>

#include <QDBusError>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <sys/stat.h>
#include <unistd.h>

namespace conduit::daemon {

// Every campaign carries its payload source (Campaign::payloads); one
// resumed after a restart lost it with the process.
class Host::NoPayloadSource : public core::PayloadSource {
public:
    std::unique_ptr<QIODevice> open(const core::CampaignTarget &, QString *error) override {
        *error = QStringLiteral(
            "the source of this campaign is no longer available (host restarted); it must be offered again");
        return nullptr;
    }
};

Host::Host(HostConfig config, QObject *parent)
    : QObject(parent), config_(std::move(config)), registry_(config_.agents), gateway_(&registry_),
      journal_(QDir(config_.agents.stateDir).filePath(QStringLiteral("campaign.journal"))),
      payloads_(std::make_unique<NoPayloadSource>()) {
    vehicle_.setMaxAgeMs(config_.vehicleMaxAgeMs);
    if (config_.vehicleSource == core::VehicleSource::Kuksa) {
#ifdef CONDUIT_HAVE_KUKSA
        vehicleSource_ = std::make_unique<vehicle::KuksaProvider>(config_.kuksaAddress, &vehicle_);
        qCInfo(lcHost).noquote() << "vehicle signals: Kuksa databroker at" << config_.kuksaAddress;
#else
        qCCritical(lcHost) << "[vehicle] source = kuksa, but conduitd was built without gRPC: no vehicle signals";
#endif
    }
    if (!vehicleSource_) vehicleSource_ = core::makeVehicleProvider(config_.vehicleSource, &vehicle_);
    qCInfo(lcHost).noquote() << "vehicle signals from:" << core::vehicleSourceName(config_.vehicleSource)
                             << (config_.vehicleMaxAgeMs > 0
                                     ? QStringLiteral("(stale after %1 ms)").arg(config_.vehicleMaxAgeMs)
                                     : QString());
    core::CampaignEngine::Config ec = config_.campaign;
    ec.historyPath = QDir(config_.agents.stateDir).filePath(QStringLiteral("history.json"));
    engine_ = std::make_unique<core::CampaignEngine>(&journal_, &gateway_, payloads_.get(), &vehicle_, ec);
    connect(engine_.get(), &core::CampaignEngine::rebootRequested, this, [this] {
        if (config_.rebootCommand.isEmpty()) {
            qCWarning(lcHost) << "devices were activated that need a reboot: waiting for the vehicle to restart";
            return;
        }
        qCInfo(lcHost).noquote() << "reboot required: running" << config_.rebootCommand;
        QProcess::startDetached(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), config_.rebootCommand});
    });
}

Host::~Host() = default;

bool Host::start(QStringList *problems, QString *error) {
    QDir().mkpath(config_.agents.stateDir);
    if (!journal_.open(error)) return false;
    if (journal_.tornBytes() > 0)
        qCWarning(lcHost) << "campaign journal: dropped" << journal_.tornBytes()
                          << "bytes of a record cut by a power loss";
    *problems = registry_.start();
    engine_->recover();
    if (config_.gathering.enabled && !startGathering(problems, error)) return false;
    if (config_.ddi.ddi.server.isValid()) {
        network_ = std::make_unique<QNetworkAccessManager>();
        upstream::DdiConnectorConfig dc = config_.ddi;
        dc.trustStatePath = config_.trustStatePath;
        if (dc.stagingDir.isEmpty())
            dc.stagingDir = QDir(config_.agents.stateDir).filePath(QStringLiteral("downloads"));
        ddi_ = std::make_unique<upstream::DdiConnector>(network_.get(), dc, engine_.get(), &gateway_);
        ddi_->start();
        qCInfo(lcHost).noquote() << "polling" << dc.ddi.controllerBase().toString();
    }
    return true;
}

bool Host::startGathering(QStringList *problems, QString *error) {
    gathering::GatheringConfig gc = config_.gathering;
    if (gc.storeDir.isEmpty()) gc.storeDir = QDir(config_.agents.stateDir).filePath(QStringLiteral("gathering"));
    capture_ = std::make_unique<RegistryCapture>(&registry_, &gateway_);
    gathering_ = std::make_unique<gathering::GatheringService>(gc, capture_.get());
    capture_->feed(gathering_.get());
    if (!gathering_->start(problems, error)) return false;
    qCInfo(lcHost).noquote() << "data gathering: store in" << gc.storeDir;
    wiring_ = std::make_unique<GatheringWiring>(config_.gatheringLinks, gathering_.get(), &vehicle_);
    if (!wiring_->start(error)) {
        *error = QStringLiteral("data gathering: %1").arg(*error);
        return false;
    }
    const GatheringLinks &l = config_.gatheringLinks;
    qCInfo(lcHost).noquote() << "data gathering: campaigns"
                             << (l.campaignKeysFile.isEmpty() ? QStringLiteral("off (no campaign_keys)")
                                                              : QStringLiteral("trusting ") + l.campaignKeysFile)
                             << "; MQTT" << (l.mqtt ? l.mqtt->uri : QStringLiteral("off")) << "; tus"
                             << (l.tus ? l.tus->endpoint.toString() : QStringLiteral("off"));
    return true;
}

void Host::stop() {
    if (wiring_) wiring_->stop();
    if (gathering_) gathering_->stop();
    registry_.stop();
}

void Host::setAutoConsent(bool on) {
    engine_->setAutoConsent(on);
    if (ddi_) ddi_->client()->setAutoConfirm(on);
}

bool Host::startControlApi(QString *error) {
    const bool system = config_.bus == QLatin1String("system");
    bus_ = system ? QDBusConnection::systemBus() : QDBusConnection::sessionBus();
    if (!bus_.isConnected()) {
        *error = QStringLiteral("no D-Bus %1 bus: %2").arg(config_.bus, bus_.lastError().message());
        return false;
    }
    auto *object = new api::BusObject(this);
    busObject_ = object;
    new api::Host1Adaptor(object, {engine_.get(), &gateway_, &vehicle_, vehicleSource_.get(),
                                   ddi_ ? ddi_->client() : nullptr, this, bus_, &registry_});
    if (gathering_) new api::Gathering1Adaptor(object, gathering_.get(), bus_);
    if (!bus_.registerObject(QLatin1String(api::Host1Adaptor::kPath), busObject_)) {
        *error = QStringLiteral("cannot register %1 on the bus").arg(QLatin1String(api::Host1Adaptor::kPath));
        return false;
    }
    if (!bus_.registerService(QLatin1String(api::Host1Adaptor::kService))) {
        *error = QStringLiteral(
                     "cannot own %1 on the %2 bus: %3 (another conduitd running, or the bus policy does not allow it)")
                     .arg(QLatin1String(api::Host1Adaptor::kService), config_.bus, bus_.lastError().message());
        return false;
    }
    return true;
}

void Host::submitBundle(BundleAdmission admit, std::function<void(const QString &)> done) {
    gateway_.inventory([this, admit, done](const QList<core::DeviceRecord> &devices, const QString &invError) {
        if (!invError.isEmpty()) qCWarning(lcHost).noquote() << invError;
        QString error;
        auto campaign = admit(devices, &error);
        if (!campaign) return done(error);
        engine_->submit(*campaign);
        done({});
    });
}

void Host::installBundle(const QString &path, std::function<void(const QString &)> done) {
    submitBundle(
        [this, path](const QList<core::DeviceRecord> &devices, QString *error) {
            return upstream::admitBundle(path, config_.trustStatePath, devices, QDateTime::currentDateTimeUtc(), error);
        },
        std::move(done));
}

void Host::installBundleFd(int fd, std::function<void(const QString &)> done) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return done(QStringLiteral("the bundle passed is not a regular file"));
    }
    // What the caller opened, as the kernel names it: for the history only.
    QString name = QFileInfo(QStringLiteral("/proc/self/fd/%1").arg(fd)).symLinkTarget();
    if (name.isEmpty()) name = QStringLiteral("bundle");
    auto file = std::make_shared<QFile>();
    if (!file->open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return done(QStringLiteral("cannot read the bundle passed: %1").arg(file->errorString()));
    }
    submitBundle(
        [this, file, name](const QList<core::DeviceRecord> &devices, QString *error) {
            return upstream::admitBundle(file, name, config_.trustStatePath, devices, QDateTime::currentDateTimeUtc(),
                                         error);
        },
        std::move(done));
}

} // namespace conduit::daemon
