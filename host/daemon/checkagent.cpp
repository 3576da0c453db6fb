#include "checkagent.h"

#include "agents/agentregistry.h"
#include "text/untrustedtext.h"

#include <conduit/agent.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstdio>

namespace conduit::daemon {

using agents::AgentManifest;
using agents::AgentRunner;
using agents::CallResult;

namespace {

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
            {QStringLiteral("update_state"), d.updateState},
            {QStringLiteral("capabilities"), caps}};
}

int fail(const QString &reason) {
    std::fprintf(stderr, "check-agent: FAIL: %s\n", conduit_printable(reason));
    return 1;
}

} // namespace

int checkAgent(const QString &path, const agents::RegistryConfig &config) {
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
    QTemporaryDir state;
    agents::RunnerProcess::Spec spec{config.runnerPath, m.library, config.limits.memoryLimit, config.inProcess};
    AgentRunner runner(m, spec, config.limits, QStringLiteral("{}"), state.path());

    int exitCode = 1;
    QJsonObject report;
    QObject::connect(&runner, &AgentRunner::failed, [&](const QString &reason) {
        exitCode = fail(reason);
        QCoreApplication::exit(exitCode);
    });
    QObject::connect(&runner, &AgentRunner::ready, [&] {
        const agents::AgentInfo &i = runner.info();
        if (!m.id.isEmpty() && (i.abiMajor != m.abiMajor || i.abiMinor != m.abiMinor)) {
            exitCode = fail(QStringLiteral("manifest says ABI %1.%2, library was built for %3.%4")
                                .arg(m.abiMajor).arg(m.abiMinor).arg(i.abiMajor).arg(i.abiMinor));
            QCoreApplication::exit(exitCode);
            return;
        }
        report = {{QStringLiteral("library"), m.library},
                  {QStringLiteral("agent_id"), i.agentId},
                  {QStringLiteral("agent_version"), i.agentVersion},
                  {QStringLiteral("abi"), QStringLiteral("%1.%2.%3").arg(i.abiMajor).arg(i.abiMinor).arg(i.abiPatch)},
                  {QStringLiteral("negotiated_abi"), QStringLiteral("%1.%2").arg(i.abiMajor).arg(i.negotiatedMinor)},
                  {QStringLiteral("device_types"), QJsonArray::fromStringList(i.deviceTypes)},
                  {QStringLiteral("start_ms"), runner.startLatencyMs()}};
        auto *inv = runner.call(ipc::Op::Inventory);
        QObject::connect(inv, &agents::AgentCall::finished, [&](const CallResult &r) {
            if (!r.ok()) {
                exitCode = fail(QStringLiteral("inventory failed (%1): %2").arg(r.code).arg(r.message));
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
            auto *probe = runner.call(ipc::Op::ProbeExtension, {}, nullptr, QStringLiteral(CONDUIT_EXT_DATA_CAPTURE));
            QObject::connect(probe, &agents::AgentCall::finished, [&](const CallResult &p) {
                if (!p.ok()) {
                    exitCode = fail(QStringLiteral("extension query failed: %1").arg(p.message));
                    QCoreApplication::exit(exitCode);
                    return;
                }
                report.insert(QStringLiteral("extensions"),
                              QJsonObject{{QStringLiteral(CONDUIT_EXT_DATA_CAPTURE), p.found}});
                report.insert(QStringLiteral("result"), QStringLiteral("ok"));
                std::printf("%s", QJsonDocument(report).toJson(QJsonDocument::Indented).constData());
                std::fflush(stdout);
                exitCode = 0;
                runner.stop();
                QCoreApplication::exit(0);
            });
        });
    });
    runner.start();
    QCoreApplication::exec();
    return exitCode;
}

} // namespace conduit::daemon
