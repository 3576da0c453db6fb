#include "host1adaptor.h"

#include "agents/agentregistry.h"
#include "core/campaignengine.h"
#include "core/vehicleprovider.h"
#include "text/untrustedtext.h"
#include "upstream/ddiclient.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <time.h>

// Off unless asked for (QT_LOGGING_RULES="conduit.api.timing.debug=true"):
// one line per Progress signal with the CLOCK_MONOTONIC times of the engine
// changes it carries and of its emission. tests/bench/api measures the
// latency to a D-Bus client against them (same clock, same machine), which
// the signal itself cannot carry without changing io.conduit.Host1.
Q_LOGGING_CATEGORY(lcApiTiming, "conduit.api.timing", QtWarningMsg)

#include <fcntl.h>

namespace conduit::api {

using core::CampaignEngine;

namespace {

const QString kErrorPrefix = QStringLiteral("io.conduit.Host1.Error.");

qint64 monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

QString json(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }
QString json(const QJsonArray &a) { return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact)); }

QJsonArray devicesJson(const CampaignEngine &e) {
    QJsonArray out;
    for (const auto &d : e.deviceProgress())
        out << QJsonObject{{QStringLiteral("device"), d.deviceId},   {QStringLiteral("step"), d.step},
                           {QStringLiteral("done"), double(d.done)}, {QStringLiteral("total"), double(d.total)},
                           {QStringLiteral("error"), d.error},       {QStringLiteral("eta_seconds"), d.etaSeconds}};
    return out;
}

bool parseKind(const QString &kind, CampaignEngine::ConsentKind *out) {
    if (kind == QLatin1String("download"))
        *out = CampaignEngine::ConsentKind::Download;
    else if (kind == QLatin1String("install"))
        *out = CampaignEngine::ConsentKind::Install;
    else
        return false;
    return true;
}

// A device's status line as the agent wrote it: a JSON object stays one
// (the camera's health), anything else is a string.
QJsonValue deviceStatusJson(const QString &status) {
    const QJsonDocument doc = QJsonDocument::fromJson(status.toUtf8());
    if (doc.isObject()) return doc.object();
    return status;
}

} // namespace

Host1Adaptor::Host1Adaptor(BusObject *parent, ControlParts parts)
    : QDBusAbstractAdaptor(parent), parts_(std::move(parts)) {
    setAutoRelaySignals(false);
    // Introspection skips a method whose argument type is not registered by name.
    qRegisterMetaType<QDBusUnixFileDescriptor>();
    CampaignEngine *e = parts_.campaigns;
    connect(e, &CampaignEngine::stateChanged, this, [this](CampaignEngine::State s) {
        if (s != CampaignEngine::State::AwaitingDownloadConsent && s != CampaignEngine::State::AwaitingInstallConsent &&
            s != CampaignEngine::State::Postponed)
            pendingConsent_.clear();
        emit StateChanged(CampaignEngine::stateName(s));
        propertiesChanged({QStringLiteral("State"), QStringLiteral("CampaignId"), QStringLiteral("CampaignName"),
                           QStringLiteral("BytesTotal"), QStringLiteral("PendingConsent"), QStringLiteral("BytesDone"),
                           QStringLiteral("EtaSeconds"), QStringLiteral("Phase")});
    });
    connect(e, &CampaignEngine::phaseChanged, this, [this] { propertiesChanged({QStringLiteral("Phase")}); });
    connect(e, &CampaignEngine::consentRequested, this, [this](CampaignEngine::ConsentKind k) {
        pendingConsent_ =
            k == CampaignEngine::ConsentKind::Download ? QStringLiteral("download") : QStringLiteral("install");
        propertiesChanged({QStringLiteral("PendingConsent")});
        emit ConsentRequested(pendingConsent_, GetCampaign());
    });
    connect(e, &CampaignEngine::conditionBreak, this, [this](const QStringList &unmet, core::ConditionBreak rule) {
        emit ConditionBreak(unmet, core::conditionBreakName(rule));
    });
    connect(e, &CampaignEngine::conditionsChanged, this, [this](const QStringList &unmet) {
        emit ConditionsChanged(unmet);
        propertiesChanged({QStringLiteral("UnmetConditions")});
    });
    connect(e, &CampaignEngine::finished, this,
            [this](const CampaignEngine::Result &r) { emit CampaignFinished(json(r.toJson())); });
    if (upstream::DdiClient *fleet = parts_.fleet) {
        auto setUpstream = [this](const QString &status) {
            if (status == upstream_) return;
            upstream_ = status;
            propertiesChanged({QStringLiteral("Upstream")});
        };
        connect(fleet, &upstream::DdiClient::polled, this, [setUpstream] { setUpstream(QStringLiteral("ok")); });
        connect(fleet, &upstream::DdiClient::pollFailed, this,
                [setUpstream](const QString &why) { setUpstream(QStringLiteral("error: %1").arg(why)); });
    }
    // Progress is coalesced: a long transfer must not flood the bus.
    progressTimer_.setInterval(250);
    connect(&progressTimer_, &QTimer::timeout, this, [this] {
        if (!progressDirty_)
            progressTimer_.stop();
        else
            publishProgress();
    });
    connect(e, &CampaignEngine::progressChanged, this, [this] {
        // Direct connection: this runs inside the engine's change.
        if (lcApiTiming().isDebugEnabled()) {
            lastChangeNs_ = monotonicNs();
            if (!progressDirty_) firstChangeNs_ = lastChangeNs_;
        }
        progressDirty_ = true;
        if (!progressTimer_.isActive()) {
            publishProgress(); // the first change goes out at once
            progressTimer_.start();
        }
    });
}

QString Host1Adaptor::state() const { return CampaignEngine::stateName(parts_.campaigns->state()); }
QString Host1Adaptor::campaignId() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? QString() : parts_.campaigns->current().id;
}
QString Host1Adaptor::campaignName() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? QString() : parts_.campaigns->current().name;
}
// Idle: no campaign, so no figures of the last one (BytesDone 0 beside
// BytesTotal 0, EtaSeconds and Phase unknown).
int Host1Adaptor::phase() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? -1 : parts_.campaigns->phase();
}
qulonglong Host1Adaptor::bytesDone() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? 0 : parts_.campaigns->bytesDone();
}
qulonglong Host1Adaptor::bytesTotal() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? 0 : parts_.campaigns->current().totalBytes();
}
int Host1Adaptor::etaSeconds() const {
    return parts_.campaigns->state() == CampaignEngine::State::Idle ? -1 : parts_.campaigns->etaSeconds();
}
QStringList Host1Adaptor::unmetConditions() const { return parts_.campaigns->unmetConditions(); }
QString Host1Adaptor::pendingConsent() const { return pendingConsent_; }
bool Host1Adaptor::autoConsent() const { return parts_.campaigns->autoConsent(); }
QString Host1Adaptor::version() const { return QStringLiteral(CONDUIT_HOST_VERSION); }

void Host1Adaptor::publishProgress() {
    progressDirty_ = false;
    CampaignEngine *e = parts_.campaigns;
    emit Progress(e->bytesDone(), e->current().totalBytes(), e->etaSeconds(), json(devicesJson(*e)));
    if (lcApiTiming().isDebugEnabled())
        qCDebug(lcApiTiming).noquote() << QStringLiteral(
                                              "progress seq=%1 done=%2 first_change_ns=%3 last_change_ns=%4 sent_ns=%5")
                                              .arg(++progressSeq_)
                                              .arg(e->bytesDone())
                                              .arg(firstChangeNs_)
                                              .arg(lastChangeNs_)
                                              .arg(monotonicNs());
    propertiesChanged({QStringLiteral("BytesDone"), QStringLiteral("EtaSeconds")});
}

void Host1Adaptor::fail(const QString &name, const QString &message) {
    ctx()->sendErrorReply(kErrorPrefix + name, message);
}

void Host1Adaptor::Accept(const QString &kind) {
    CampaignEngine::ConsentKind k;
    QString error;
    if (!parseKind(kind, &k))
        return fail(QStringLiteral("InvalidArgument"), QStringLiteral("kind must be \"download\" or \"install\""));
    if (!parts_.campaigns->answerConsent(k, CampaignEngine::Answer::Accept, {}, &error))
        fail(QStringLiteral("NotAsked"), error);
}

void Host1Adaptor::Decline(const QString &kind) {
    CampaignEngine::ConsentKind k;
    QString error;
    if (!parseKind(kind, &k))
        return fail(QStringLiteral("InvalidArgument"), QStringLiteral("kind must be \"download\" or \"install\""));
    if (!parts_.campaigns->answerConsent(k, CampaignEngine::Answer::Decline, {}, &error))
        fail(QStringLiteral("NotAsked"), error);
}

void Host1Adaptor::Postpone(const QString &kind, qlonglong until) {
    CampaignEngine::ConsentKind k;
    QString error;
    if (!parseKind(kind, &k))
        return fail(QStringLiteral("InvalidArgument"), QStringLiteral("kind must be \"download\" or \"install\""));
    CampaignEngine::Refusal refusal;
    if (!parts_.campaigns->answerConsent(k, CampaignEngine::Answer::Postpone,
                                         QDateTime::fromSecsSinceEpoch(until, Qt::UTC), &error, &refusal))
        fail(refusal == CampaignEngine::Refusal::DeferralLimit ? QStringLiteral("DeferralLimitReached")
             : refusal == CampaignEngine::Refusal::InvalidTime ? QStringLiteral("InvalidArgument")
                                                               : QStringLiteral("NotAsked"),
             error);
}

void Host1Adaptor::Cancel(const QString &reason) {
    QString error;
    // Any caller's text, kept in the journal and the history and sent to
    // the server: one line, bounded, before the engine sees it.
    const QString why = text::boundedLine(reason, kMaxReasonCodePoints);
    if (!parts_.campaigns->cancel(why.isEmpty() ? QStringLiteral("cancelled by the driver") : why, &error))
        fail(QStringLiteral("Refused"), error);
}

void Host1Adaptor::SetAutoConsent(bool enabled) {
    parts_.host->setAutoConsent(enabled);
    propertiesChanged({QStringLiteral("AutoConsent")});
}

QString Host1Adaptor::GetCampaign() {
    const CampaignEngine *e = parts_.campaigns;
    if (e->state() == CampaignEngine::State::Idle) return QStringLiteral("{}");
    QJsonObject c = e->current().toJson();
    c.insert(QStringLiteral("state"), state());
    c.insert(QStringLiteral("total_bytes"), double(e->current().totalBytes()));
    c.insert(QStringLiteral("devices"), devicesJson(*e));
    c.insert(QStringLiteral("unmet_conditions"), QJsonArray::fromStringList(e->unmetConditions()));
    c.insert(QStringLiteral("deferrals_left"), e->deferralsLeft());
    return json(c);
}

QString Host1Adaptor::GetHistory() {
    QJsonArray a;
    for (const auto &r : parts_.campaigns->history()) a << r.toJson();
    return json(a);
}

QString Host1Adaptor::GetInventory() {
    ctx()->setDelayedReply(true);
    const QDBusMessage msg = ctx()->message();
    QDBusConnection conn = ctx()->connection();
    core::DeviceGateway *gateway = parts_.devices;
    QJsonArray agentsJson;
    if (const agents::AgentRegistry *registry = parts_.agents)
        for (const agents::AgentProxy *a : registry->agents())
            agentsJson << QJsonObject{
                {QStringLiteral("id"), a->manifest().id},
                {QStringLiteral("version"), a->manifest().version},
                {QStringLiteral("sandbox"), a->sandboxed() ? QStringLiteral("on") : QStringLiteral("off")},
                {QStringLiteral("needs"), a->manifest().needs.toJson()}};
    gateway->inventory(
        [msg, conn, gateway, agentsJson](const QList<core::DeviceRecord> &devices, const QString &error) mutable {
            QJsonArray a;
            for (const auto &d : devices)
                a << QJsonObject{{QStringLiteral("agent"), d.agentId},
                                 {QStringLiteral("id"), d.info.id},
                                 {QStringLiteral("type"), d.info.type},
                                 {QStringLiteral("hardware_id"), d.info.hardwareId},
                                 {QStringLiteral("version"), d.info.currentVersion},
                                 {QStringLiteral("previous_version"), d.info.previousVersion},
                                 {QStringLiteral("update_state"), agents::updateStateName(d.info.updateState)},
                                 {QStringLiteral("status"), deviceStatusJson(d.info.status)}};
            QJsonArray refused;
            for (const agents::RefusedDevice &r : gateway->refusedDevices())
                refused << QJsonObject{{QStringLiteral("agent"), r.agentId},
                                       {QStringLiteral("id"), r.deviceId},
                                       {QStringLiteral("reason"), r.reason}};
            conn.send(msg.createReply(json(QJsonObject{{QStringLiteral("devices"), a},
                                                       {QStringLiteral("refused"), refused},
                                                       {QStringLiteral("agents"), agentsJson},
                                                       {QStringLiteral("error"), error}})));
        });
    return {};
}

QString Host1Adaptor::GetVehicleState() { return json(QJsonObject::fromVariantMap(parts_.vehicle->values())); }

void Host1Adaptor::SetVehicleSignal(const QString &signal, const QString &value) {
    QString error;
    bool notSupported = false;
    if (!parts_.vehicleSource->simulate(signal, value, &error, &notSupported))
        fail(notSupported ? QStringLiteral("NotSupported") : QStringLiteral("InvalidArgument"), error);
}

void Host1Adaptor::InstallBundle(const QString &path) {
    ctx()->setDelayedReply(true);
    const QDBusMessage msg = ctx()->message();
    QDBusConnection conn = ctx()->connection();
    parts_.host->installBundle(path, [msg, conn](const QString &error) mutable {
        if (error.isEmpty())
            conn.send(msg.createReply());
        else
            conn.send(msg.createErrorReply(kErrorPrefix + QStringLiteral("Refused"), error));
    });
}

void Host1Adaptor::InstallBundleFd(const QDBusUnixFileDescriptor &bundle) {
    if (!bundle.isValid()) return fail(QStringLiteral("InvalidArgument"), QStringLiteral("no file descriptor passed"));
    const int fd = ::fcntl(bundle.fileDescriptor(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return fail(QStringLiteral("Failed"), QStringLiteral("cannot take the file descriptor passed"));
    ctx()->setDelayedReply(true);
    const QDBusMessage msg = ctx()->message();
    QDBusConnection conn = ctx()->connection();
    parts_.host->installBundleFd(fd, [msg, conn](const QString &error) mutable {
        if (error.isEmpty())
            conn.send(msg.createReply());
        else
            conn.send(msg.createErrorReply(kErrorPrefix + QStringLiteral("Refused"), error));
    });
}

void Host1Adaptor::propertiesChanged(const QStringList &names) {
    QVariantMap changed;
    for (const QString &n : names) changed.insert(n, property(n.toLatin1().constData()));
    QDBusMessage signal = QDBusMessage::createSignal(
        QLatin1String(kPath), QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("PropertiesChanged"));
    signal << QString::fromLatin1(kInterface) << changed << QStringList();
    parts_.bus.send(signal);
}

} // namespace conduit::api
