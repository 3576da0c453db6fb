#include "checkagent.h"

#include "agents/agentregistry.h"
#include "checklifecycle.h"
#include "text/untrustedtext.h"

#include <conduit/agent.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace conduit::daemon {

QJsonObject deviceJson(const agents::DeviceInfo &d) {
    QJsonArray caps;
    if (d.capabilities & CONDUIT_CAP_ROLLBACK) caps << QStringLiteral("rollback");
    if (d.capabilities & CONDUIT_CAP_NEEDS_REBOOT) caps << QStringLiteral("needs-reboot");
    if (d.capabilities & CONDUIT_CAP_DELTA) caps << QStringLiteral("delta");
    if (d.capabilities & CONDUIT_CAP_FULL_FILE) caps << QStringLiteral("full-file");
    return {{QStringLiteral("id"), d.id},
            {QStringLiteral("type"), d.type},
            {QStringLiteral("hardware_id"), d.hardwareId},
            {QStringLiteral("current_version"), d.currentVersion},
            {QStringLiteral("previous_version"), d.previousVersion},
            {QStringLiteral("update_state"), agents::updateStateName(d.updateState)},
            {QStringLiteral("capabilities"), caps}};
}

using agents::AgentManifest;
using agents::AgentProxy;
using agents::CallResult;

namespace {

int fail(const QString &reason) {
    std::fprintf(stderr, "check-agent: FAIL: %s\n", conduit_printable(reason));
    return 1;
}

void warn(QJsonArray &warnings, const QString &what) {
    std::fprintf(stderr, "check-agent: WARNING: %s\n", conduit_printable(what));
    warnings << what;
}

// What the manifest promises against what the library says (at ready) and
// reports (at inventory): a host lists agents from manifests alone, so a
// manifest that disagrees misleads it.
void checkManifest(const AgentManifest &m, const agents::AgentInfo &i, QJsonArray &warnings) {
    if (m.manifestPath.isEmpty()) return; // a bare library: nothing to compare
    if (m.version != i.agentVersion)
        warn(warnings, QStringLiteral("manifest says version %1, the library %2").arg(m.version, i.agentVersion));
    QStringList declared = m.deviceTypes, offered = i.deviceTypes;
    declared.sort();
    offered.sort();
    if (declared != offered)
        warn(warnings, QStringLiteral("manifest declares device types [%1], the library [%2]")
                           .arg(declared.join(QStringLiteral(", ")), offered.join(QStringLiteral(", "))));
}

void checkInventoryTypes(const AgentManifest &m, const agents::AgentInfo &i, const QList<agents::DeviceInfo> &devices,
                         QJsonArray &warnings) {
    for (const agents::DeviceInfo &d : devices)
        if (!i.deviceTypes.contains(d.type) || (!m.manifestPath.isEmpty() && !m.deviceTypes.contains(d.type)))
            warn(warnings, QStringLiteral("device %1 has type %2, which the agent does not declare").arg(d.id, d.type));
}

} // namespace

int checkAgent(const QString &path, const agents::RegistryConfig &config, bool useStateDir,
               const std::optional<LifecycleOptions> &lifecycle) {
    QFileInfo fi(path);
    if (!fi.exists()) return fail(QStringLiteral("%1: no such file").arg(path));
    AgentManifest m;
    if (fi.suffix() == QLatin1String("json")) {
        QString error;
        auto parsed = AgentManifest::load(fi.absoluteFilePath(), &error);
        if (!parsed) return fail(error);
        m = *parsed;
    } else {
        m.library = fi.absoluteFilePath(); // id unknown: taken from the library
    }
    // The agent's own configuration (--config), and its real state dir only
    // when asked (--state-dir): a check must not touch a vehicle's state.
    QString problem;
    const QString configJson = agentConfigJson(config, m.id, &problem);
    if (!problem.isEmpty()) std::fprintf(stderr, "check-agent: %s\n", conduit_printable(problem));
    QTemporaryDir scratch;
    QString stateDir = scratch.path();
    if (useStateDir) {
        stateDir =
            QDir(config.stateDir).filePath(QStringLiteral("agents/") + (m.id.isEmpty() ? fi.completeBaseName() : m.id));
        if (!QDir().mkpath(stateDir)) return fail(QStringLiteral("cannot create the state directory %1").arg(stateDir));
    }
    agents::RunnerProcess::Spec spec{config.runnerPath, m.library, config.limits.memoryLimit, config.inProcess, {}};
    // The compartment conduitd would give it, so that a check run as root
    // shows what the agent cannot do there.
    if (!config.inProcess)
        spec.sandboxArgs = agents::sandboxArguments(config.sandbox, m.needs, m.id, config.sandbox.uidBase, stateDir);
    AgentProxy runner(m, spec, config.limits, configJson, stateDir);

    int exitCode = 1;
    QJsonObject report;
    QJsonArray warnings;
    // What the plugin logs is what a vendor needs most when a check fails.
    QObject::connect(&runner, &AgentProxy::log, [](int level, const QString &message) {
        static const char *const names[] = {"debug", "info", "warning", "error"};
        std::fprintf(stderr, "check-agent: agent %s: %s\n", names[std::clamp(level, 0, 3)], conduit_printable(message));
    });
    const QMetaObject::Connection onFailed = QObject::connect(&runner, &AgentProxy::failed, [&](const QString &reason) {
        exitCode = fail(reason);
        QCoreApplication::exit(exitCode);
    });
    std::unique_ptr<LifecycleRun> run;
    // The report, complete: on stdout even when the lifecycle run failed
    // (its steps say where), with the reason on stderr and exit code 1.
    auto finish = [&](const QString &failure) {
        report.insert(QStringLiteral("result"), failure.isEmpty() ? QStringLiteral("ok") : QStringLiteral("fail"));
        std::printf("%s", QJsonDocument(report).toJson(QJsonDocument::Indented).constData());
        std::fflush(stdout);
        exitCode = failure.isEmpty() ? 0 : fail(QStringLiteral("lifecycle: %1").arg(failure));
        runner.stop();
        QCoreApplication::exit(exitCode);
    };
    QObject::connect(&runner, &AgentProxy::ready, [&] {
        const agents::AgentInfo &i = runner.info();
        if (!m.id.isEmpty() && (i.abiMajor != m.abiMajor || i.abiMinor != m.abiMinor)) {
            exitCode = fail(QStringLiteral("manifest says ABI %1.%2, library was built for %3.%4")
                                .arg(m.abiMajor)
                                .arg(m.abiMinor)
                                .arg(i.abiMajor)
                                .arg(i.abiMinor));
            QCoreApplication::exit(exitCode);
            return;
        }
        report = {
            {QStringLiteral("library"), m.library},
            {QStringLiteral("agent_id"), i.agentId},
            {QStringLiteral("agent_version"), i.agentVersion},
            {QStringLiteral("abi"), QStringLiteral("%1.%2.%3").arg(i.abiMajor).arg(i.abiMinor).arg(i.abiPatch)},
            {QStringLiteral("negotiated_abi"), QStringLiteral("%1.%2").arg(i.abiMajor).arg(i.negotiatedMinor)},
            {QStringLiteral("device_types"), QJsonArray::fromStringList(i.deviceTypes)},
            {QStringLiteral("needs"), m.needs.toJson()},
            {QStringLiteral("sandbox"), spec.sandboxArgs.isEmpty() ? QStringLiteral("off") : QStringLiteral("on")},
            {QStringLiteral("start_ms"), runner.startLatencyMs()}};
        checkManifest(m, i, warnings);
        auto *inv = runner.call(ipc::Op::Inventory);
        QObject::connect(inv, &agents::AgentCall::finished, [&](const CallResult &r) {
            if (!r.ok()) {
                exitCode = fail(QStringLiteral("inventory failed (%1): %2")
                                    .arg(QString::fromStdString(ipc::resultText(r.code)), r.message));
                QCoreApplication::exit(exitCode);
                return;
            }
            if (!r.refusedDevices.isEmpty()) {
                exitCode = fail(QStringLiteral("inventory: %1").arg(r.refusedDevices.join(QStringLiteral("; "))));
                QCoreApplication::exit(exitCode);
                return;
            }
            QJsonArray devices;
            for (const auto &d : r.devices) devices << deviceJson(d);
            report.insert(QStringLiteral("devices"), devices);
            checkInventoryTypes(m, runner.info(), r.devices, warnings);
            auto *probe = runner.call(ipc::Op::ProbeExtension, {}, nullptr, QStringLiteral(CONDUIT_EXT_DATA_CAPTURE));
            QObject::connect(probe, &agents::AgentCall::finished, [&, inventory = r.devices](const CallResult &p) {
                if (!p.ok()) {
                    exitCode = fail(QStringLiteral("extension query failed: %1").arg(p.message));
                    QCoreApplication::exit(exitCode);
                    return;
                }
                report.insert(QStringLiteral("extensions"),
                              QJsonObject{{QStringLiteral(CONDUIT_EXT_DATA_CAPTURE), p.found}});
                report.insert(QStringLiteral("warnings"), warnings);
                if (!lifecycle) return finish(QString());
                const QString wanted = lifecycle->deviceId;
                auto d = std::find_if(inventory.begin(), inventory.end(),
                                      [&](const agents::DeviceInfo &x) { return wanted.isEmpty() || x.id == wanted; });
                if (d == inventory.end()) {
                    exitCode =
                        fail(wanted.isEmpty() ? QStringLiteral("lifecycle: the agent reports no device")
                                              : QStringLiteral("lifecycle: no device %1 in the inventory").arg(wanted));
                    QCoreApplication::exit(exitCode);
                    return;
                }
                // From here a runner that dies is a step that failed: the run reports it.
                QObject::disconnect(onFailed);
                run = std::make_unique<LifecycleRun>(runner, *d, *lifecycle);
                QObject::connect(run.get(), &LifecycleRun::stepReported, [](const QString &line) {
                    std::fprintf(stderr, "check-agent: lifecycle: %s\n", conduit_printable(line));
                });
                QObject::connect(run.get(), &LifecycleRun::finished, [&] {
                    report.insert(QStringLiteral("lifecycle"), run->report());
                    finish(run->failure());
                });
                run->start();
            });
        });
    });
    runner.start();
    QCoreApplication::exec();
    return exitCode;
}

} // namespace conduit::daemon
