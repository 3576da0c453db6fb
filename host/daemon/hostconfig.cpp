#include "hostconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#include <unistd.h>

namespace conduit::daemon {

namespace {

QString besideBinary(const QString &relative) {
    return QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(relative);
}

const QStringList kKnownKeys = {
    QStringLiteral("agents/dirs"),
    QStringLiteral("agents/config_dir"),
    QStringLiteral("agents/runner"),
    QStringLiteral("agents/in_process"),
    QStringLiteral("agents/init_timeout_ms"),
    QStringLiteral("agents/call_timeout_ms"),
    QStringLiteral("agents/install_timeout_ms"),
    QStringLiteral("agents/stall_timeout_ms"),
    QStringLiteral("agents/memory_limit_mb"),
    QStringLiteral("agents/restart_backoff_ms"),
    QStringLiteral("agents/restart_backoff_max_ms"),
    QStringLiteral("agents/sandbox"),
    QStringLiteral("agents/require_sandbox"),
    QStringLiteral("agents/sandbox_uid_base"),
    QStringLiteral("host/state_dir"),
    QStringLiteral("host/trust_state"),
    QStringLiteral("campaign/auto_consent_download"),
    QStringLiteral("campaign/auto_consent_install"),
    QStringLiteral("campaign/history_size"),
    QStringLiteral("vehicle/source"),
    QStringLiteral("vehicle/max_age_ms"),
    QStringLiteral("vehicle/kuksa_address"),
    QStringLiteral("host/bus"),
    QStringLiteral("ddi/server"),
    QStringLiteral("ddi/tenant"),
    QStringLiteral("ddi/controller_id"),
    QStringLiteral("ddi/target_token"),
    QStringLiteral("ddi/gateway_token"),
    QStringLiteral("ddi/ca_file"),
    QStringLiteral("ddi/cert_file"),
    QStringLiteral("ddi/key_file"),
    QStringLiteral("ddi/director_url"),
    QStringLiteral("ddi/image_url"),
    QStringLiteral("ddi/plain_http"),
    QStringLiteral("ddi/min_poll_seconds"),
    QStringLiteral("host/vin"),
    QStringLiteral("campaign/reboot_command"),
    QStringLiteral("download/max_parallel"),
    QStringLiteral("download/bandwidth_limit_kib"),
    QStringLiteral("download/min_speed_bytes"),
    QStringLiteral("download/speed_window_seconds"),
    QStringLiteral("download/max_attempts"),
};

// [agent-devices]: one key per agent id, its device ids or globs.
const QString kAgentDevices = QStringLiteral("agent-devices/");
// [agent-paths]: one key per agent id, what its sandbox grants beyond its
// manifest ("rw:/dev/mmcblk0p2, ro:/usr/share/maps").
const QString kAgentPaths = QStringLiteral("agent-paths/");

} // namespace

HostConfig HostConfig::defaults() {
    HostConfig c;
    c.agents.agentDirs = {besideBinary(QStringLiteral("../lib/conduit/agents"))};
    c.agents.runnerPath = besideBinary(QStringLiteral("../libexec/conduit/conduit-agent-runner"));
    c.agents.stateDir = ::geteuid() == 0 ? QStringLiteral("/var/lib/conduit")
                                         : QDir::home().filePath(QStringLiteral(".local/state/conduit"));
    return c;
}

HostConfig HostConfig::load(const QString &path, QStringList *warnings, QString *error) {
    HostConfig c = defaults();
    QString file = path;
    if (file.isEmpty()) file = qEnvironmentVariable("CONDUIT_CONFIG");
    if (file.isEmpty() && QFileInfo::exists(QStringLiteral("/etc/conduit/conduit.conf")))
        file = QStringLiteral("/etc/conduit/conduit.conf");
    if (file.isEmpty()) return c;
    if (!QFileInfo(file).isReadable()) {
        *error = QStringLiteral("cannot read configuration file %1").arg(file);
        return c;
    }
    c.configFile = file;
    QSettings s(file, QSettings::IniFormat);
    if (s.status() != QSettings::NoError) {
        *error = QStringLiteral("%1: malformed INI file").arg(file);
        return c;
    }
    for (const QString &key : s.allKeys())
        if (!kKnownKeys.contains(key) && !gathering::gatheringConfigKeys().contains(key) &&
            !gatheringLinksKeys().contains(key) && !key.startsWith(kAgentDevices) && !key.startsWith(kAgentPaths))
            warnings->append(QStringLiteral("%1: unknown key \"%2\" ignored").arg(file, key));

    const QDir base = QFileInfo(file).absoluteDir();
    auto pathValue = [&](const QString &v) { return QDir::cleanPath(base.absoluteFilePath(v)); };
    auto intValue = [&](const QString &key, int fallback, int min) {
        if (!s.contains(key)) return fallback;
        bool ok = false;
        const int v = s.value(key).toString().toInt(&ok);
        if (!ok || v < min) {
            warnings->append(
                QStringLiteral("%1: %2 must be an integer >= %3; using %4").arg(file, key).arg(min).arg(fallback));
            return fallback;
        }
        return v;
    };
    if (s.contains(QStringLiteral("agents/dirs"))) {
        c.agents.agentDirs.clear();
        for (const QString &d :
             s.value(QStringLiteral("agents/dirs")).toString().split(QLatin1Char(':'), Qt::SkipEmptyParts))
            c.agents.agentDirs << pathValue(d);
    }
    if (s.contains(QStringLiteral("agents/config_dir")))
        c.agents.agentConfigDir = pathValue(s.value(QStringLiteral("agents/config_dir")).toString());
    if (s.contains(QStringLiteral("agents/runner")))
        c.agents.runnerPath = pathValue(s.value(QStringLiteral("agents/runner")).toString());
    if (s.contains(QStringLiteral("host/state_dir")))
        c.agents.stateDir = pathValue(s.value(QStringLiteral("host/state_dir")).toString());
    c.agents.inProcess = s.value(QStringLiteral("agents/in_process"), false).toBool();
    for (const QString &key : s.allKeys()) {
        if (!key.startsWith(kAgentDevices)) continue;
        QStringList patterns;
        for (const QString &p : s.value(key).toStringList())
            if (!p.trimmed().isEmpty()) patterns << p.trimmed();
        c.agents.deviceOwners.insert(key.mid(kAgentDevices.size()), patterns);
    }
    const QString sandbox = s.value(QStringLiteral("agents/sandbox")).toString();
    if (sandbox == QLatin1String("on"))
        c.agents.sandbox.mode = agents::SandboxConfig::Mode::On;
    else if (sandbox == QLatin1String("off"))
        c.agents.sandbox.mode = agents::SandboxConfig::Mode::Off;
    else if (!sandbox.isEmpty()) {
        *error = QStringLiteral("%1: agents/sandbox must be \"on\" or \"off\", not \"%2\"").arg(file, sandbox);
        return c;
    }
    c.agents.sandbox.required = s.value(QStringLiteral("agents/require_sandbox"), false).toBool();
    c.agents.sandbox.uidBase = quint32(intValue(QStringLiteral("agents/sandbox_uid_base"), 62000, 1000));
    for (const QString &key : s.allKeys()) {
        if (!key.startsWith(kAgentPaths)) continue;
        QString why;
        auto grants = agents::parsePathGrants(s.value(key).toStringList().join(QLatin1Char(',')), &why);
        if (!grants) {
            *error = QStringLiteral("%1: [agent-paths] %2: %3").arg(file, key.mid(kAgentPaths.size()), why);
            return c;
        }
        c.agents.sandbox.extraPaths.insert(key.mid(kAgentPaths.size()), *grants);
    }
    c.bus = s.value(QStringLiteral("host/bus"), c.bus).toString();
    if (c.bus != QLatin1String("session") && c.bus != QLatin1String("system")) {
        warnings->append(QStringLiteral("%1: host/bus must be \"session\" or \"system\"; using session").arg(file));
        c.bus = QStringLiteral("session");
    }
    // Where vehicle state comes from ([vehicle]): the simulation only when
    // asked for; a bad value keeps the safe default (no provider).
    if (s.contains(QStringLiteral("vehicle/source"))) {
        const QString source = s.value(QStringLiteral("vehicle/source")).toString();
        if (const auto v = core::vehicleSourceFromName(source))
            c.vehicleSource = *v;
        else
            warnings->append(
                QStringLiteral(
                    "%1: vehicle/source must be \"none\", \"simulation\" or \"kuksa\", not \"%2\"; using none")
                    .arg(file, source.left(64)));
    }
    c.vehicleMaxAgeMs = intValue(QStringLiteral("vehicle/max_age_ms"), c.vehicleMaxAgeMs, 0);
    c.kuksaAddress = s.value(QStringLiteral("vehicle/kuksa_address"), c.kuksaAddress).toString();
    if (s.contains(QStringLiteral("host/trust_state")))
        c.trustStatePath = pathValue(s.value(QStringLiteral("host/trust_state")).toString());
    c.campaign.autoConsentDownload = s.value(QStringLiteral("campaign/auto_consent_download"), false).toBool();
    c.campaign.autoConsentInstall = s.value(QStringLiteral("campaign/auto_consent_install"), false).toBool();
    c.rebootCommand = s.value(QStringLiteral("campaign/reboot_command")).toString();
    // hawkBit DDI and the online Uptane repositories
    auto &d = c.ddi;
    d.ddi.server = QUrl(s.value(QStringLiteral("ddi/server")).toString());
    d.ddi.tenant = s.value(QStringLiteral("ddi/tenant"), d.ddi.tenant).toString();
    d.ddi.controllerId = s.value(QStringLiteral("ddi/controller_id")).toString();
    d.ddi.targetToken = s.value(QStringLiteral("ddi/target_token")).toString();
    d.ddi.gatewayToken = s.value(QStringLiteral("ddi/gateway_token")).toString();
    d.ddi.minPollSeconds = intValue(QStringLiteral("ddi/min_poll_seconds"), d.ddi.minPollSeconds, 1);
    d.director.baseUrl = QUrl(s.value(QStringLiteral("ddi/director_url")).toString());
    d.image.baseUrl = QUrl(s.value(QStringLiteral("ddi/image_url")).toString());
    d.preferPlainHttp = s.value(QStringLiteral("ddi/plain_http"), false).toBool();
    d.strictArtifacts = s.value(QStringLiteral("ddi/strict_artifacts"), false).toBool();
    d.vin = s.value(QStringLiteral("host/vin")).toString();
    const QString ca = s.value(QStringLiteral("ddi/ca_file")).toString(),
                  cert = s.value(QStringLiteral("ddi/cert_file")).toString(),
                  key = s.value(QStringLiteral("ddi/key_file")).toString();
    if (!ca.isEmpty() || !cert.isEmpty()) {
        auto tls = trust::tlsConfigurationFromFiles(ca.isEmpty() ? QString() : pathValue(ca),
                                                    cert.isEmpty() ? QString() : pathValue(cert),
                                                    key.isEmpty() ? QString() : pathValue(key));
        if (!tls)
            *error = QStringLiteral("%1: ddi TLS settings: %2").arg(file, tls.error().message);
        else
            d.ddi.tls = d.director.tls = d.image.tls = *tls;
    }
    if (d.ddi.server.isValid() &&
        (d.ddi.controllerId.isEmpty() || !d.director.baseUrl.isValid() || !d.image.baseUrl.isValid()))
        *error = QStringLiteral("%1: [ddi] needs controller_id, director_url and image_url with server").arg(file);
    // Artifact downloads (docs/configuration.md, [download])
    auto &o = d.download;
    d.maxParallelDownloads = intValue(QStringLiteral("download/max_parallel"), d.maxParallelDownloads, 1);
    o.bandwidthLimit = qint64(intValue(QStringLiteral("download/bandwidth_limit_kib"), int(o.bandwidthLimit >> 10), 0))
                       << 10;
    o.minBytesPerSecond = intValue(QStringLiteral("download/min_speed_bytes"), int(o.minBytesPerSecond), 0);
    o.speedWindowMs = intValue(QStringLiteral("download/speed_window_seconds"), o.speedWindowMs / 1000, 1) * 1000;
    o.maxAttempts = intValue(QStringLiteral("download/max_attempts"), o.maxAttempts, 1);
    c.campaign.historySize = intValue(QStringLiteral("campaign/history_size"), c.campaign.historySize, 1);
    auto &l = c.agents.limits;
    l.initTimeoutMs = intValue(QStringLiteral("agents/init_timeout_ms"), l.initTimeoutMs, 1);
    l.callTimeoutMs = intValue(QStringLiteral("agents/call_timeout_ms"), l.callTimeoutMs, 1);
    l.installTimeoutMs = intValue(QStringLiteral("agents/install_timeout_ms"), l.installTimeoutMs, 1);
    l.stallTimeoutMs = intValue(QStringLiteral("agents/stall_timeout_ms"), l.stallTimeoutMs, 1);
    l.memoryLimit = quint64(intValue(QStringLiteral("agents/memory_limit_mb"), int(l.memoryLimit >> 20), 0)) << 20;
    c.agents.restartBackoffMs = intValue(QStringLiteral("agents/restart_backoff_ms"), c.agents.restartBackoffMs, 1);
    c.agents.restartBackoffMaxMs =
        intValue(QStringLiteral("agents/restart_backoff_max_ms"), c.agents.restartBackoffMaxMs, 1);
    QString gatheringError;
    if (!gathering::parseGatheringConfig(s, base, &c.gathering, &gatheringError) && error->isEmpty())
        *error = QStringLiteral("%1: %2").arg(file, gatheringError);
    if (!parseGatheringLinks(s, base, d.vin, &c.gatheringLinks, &gatheringError) && error->isEmpty())
        *error = QStringLiteral("%1: %2").arg(file, gatheringError);
    return c;
}

} // namespace conduit::daemon
