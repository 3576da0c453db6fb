// conduitd: the Conduit host.
#include "checkagent.h"
#include "hostconfig.h"
#include "unixsignals.h"

#include <conduit/agent.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cstdio>

Q_LOGGING_CATEGORY(lcHost, "conduit.host")

using namespace conduit;

namespace {

// `--inventory`: start every agent, ask each for its devices, print, exit.
int printInventory(agents::AgentRegistry &registry, bool json) {
    int pending = 0, exitCode = 0;
    QJsonArray out;
    auto finishOne = [&] {
        if (--pending == 0) {
            if (json) {
                std::printf("%s", QJsonDocument(out).toJson().constData());
            }
            QCoreApplication::exit(exitCode);
        }
    };
    auto query = [&] {
        pending = static_cast<int>(registry.agents().size());
        if (pending == 0) {
            std::fprintf(stderr, "conduitd: no agents found\n");
            QCoreApplication::exit(1);
            return;
        }
        for (agents::AgentRunner *r : registry.agents()) {
            if (r->state() != agents::AgentRunner::State::Ready) {
                std::fprintf(stderr, "agent %s: FAILED: %s\n", qPrintable(r->manifest().id), qPrintable(r->lastFailure()));
                out.append(QJsonObject{{QStringLiteral("agent"), r->manifest().id}, {QStringLiteral("error"), r->lastFailure()}});
                exitCode = 1;
                finishOne();
                continue;
            }
            auto *call = r->call(ipc::Op::Inventory);
            QObject::connect(call, &agents::AgentCall::finished, [&, r](const agents::CallResult &res) {
                QJsonArray devices;
                if (!json) std::printf("agent %s %s (ABI 1.%d, pid %lld)\n", qPrintable(r->info().agentId),
                                       qPrintable(r->info().agentVersion), r->info().negotiatedMinor,
                                       static_cast<long long>(r->pid()));
                if (!res.ok()) {
                    std::printf("  inventory failed: %s\n", qPrintable(res.message));
                    exitCode = 1;
                }
                for (const auto &d : res.devices) {
                    if (!json) std::printf("  device %-14s type %-10s hw %-16s version %-10s state %s\n", qPrintable(d.id),
                                           qPrintable(d.type), qPrintable(d.hardwareId), qPrintable(d.currentVersion),
                                           qPrintable(d.updateState));
                    devices.append(QJsonObject{{QStringLiteral("id"), d.id}, {QStringLiteral("type"), d.type},
                                               {QStringLiteral("hardware_id"), d.hardwareId},
                                               {QStringLiteral("version"), d.currentVersion}});
                }
                out.append(QJsonObject{{QStringLiteral("agent"), r->info().agentId},
                                       {QStringLiteral("version"), r->info().agentVersion},
                                       {QStringLiteral("devices"), devices}});
                finishOne();
            });
        }
    };
    QObject::connect(&registry, &agents::AgentRegistry::settledChanged, [&] {
        static bool done = false;
        if (!done && registry.settled()) {
            done = true;
            query();
        }
    });
    if (registry.settled()) query();
    const int rc = QCoreApplication::exec();
    registry.stop();
    return rc;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("conduitd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONDUIT_HOST_VERSION));

    // Quiet by default; QT_LOGGING_RULES (e.g. "conduit.agents.debug=true")
    // turns a concern's debug output on.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false"));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Conduit over-the-air update host"));
    p.addHelpOption();
    p.addVersionOption();
    QCommandLineOption configOpt(QStringLiteral("config"), QStringLiteral("Configuration file (INI)."), QStringLiteral("file"));
    QCommandLineOption checkOpt(QStringLiteral("check-agent"),
                                QStringLiteral("Load one agent plugin (.so or manifest .json) in a runner, run inventory, print a JSON report and exit."),
                                QStringLiteral("path"));
    QCommandLineOption inventoryOpt(QStringLiteral("inventory"), QStringLiteral("Start all agents, print their devices and exit."));
    QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Machine-readable output for --inventory."));
    QCommandLineOption inProcessOpt(QStringLiteral("in-process"),
                                    QStringLiteral("Run agents on threads inside conduitd (for debugging a plugin under gdb; no isolation)."));
    QCommandLineOption agentDirOpt(QStringLiteral("agent-dir"), QStringLiteral("Agent manifest directory (repeatable; replaces the configured ones)."),
                                   QStringLiteral("dir"));
    QCommandLineOption stateOpt(QStringLiteral("state-dir"), QStringLiteral("Directory for persistent state (overrides host/state_dir)."),
                                QStringLiteral("dir"));
    QCommandLineOption timeoutOpt(QStringLiteral("timeout-ms"), QStringLiteral("Init and call deadline for --check-agent."), QStringLiteral("ms"));
    p.addOptions({configOpt, checkOpt, inventoryOpt, jsonOpt, inProcessOpt, agentDirOpt, stateOpt, timeoutOpt});
    p.process(app);

    QStringList warnings;
    QString error;
    daemon::HostConfig config = daemon::HostConfig::load(p.value(configOpt), &warnings, &error);
    for (const QString &w : warnings) qCWarning(lcHost).noquote() << w;
    if (!error.isEmpty()) {
        std::fprintf(stderr, "conduitd: %s\n", qPrintable(error));
        return 2;
    }
    if (p.isSet(inProcessOpt)) config.agents.inProcess = true;
    if (p.isSet(agentDirOpt)) config.agents.agentDirs = p.values(agentDirOpt);
    if (p.isSet(stateOpt)) config.agents.stateDir = p.value(stateOpt);
    if (p.isSet(timeoutOpt)) {
        const int ms = p.value(timeoutOpt).toInt();
        if (ms <= 0) {
            std::fprintf(stderr, "conduitd: --timeout-ms must be a positive integer\n");
            return 2;
        }
        config.agents.limits.initTimeoutMs = config.agents.limits.callTimeoutMs = ms;
    }

    if (p.isSet(checkOpt)) {
        if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
            QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false\nconduit.*.info=false\nconduit.*.warning=false"));
        return daemon::checkAgent(p.value(checkOpt), config.agents);
    }

    agents::AgentRegistry registry(config.agents);
    daemon::UnixSignals unixSignals({SIGINT, SIGTERM});
    QObject::connect(&unixSignals, &daemon::UnixSignals::received, [&](int sig) {
        qCInfo(lcHost) << "signal" << sig << "- shutting down";
        registry.stop();
        QCoreApplication::exit(0);
    });
    for (const QString &problem : registry.start()) qCWarning(lcHost).noquote() << problem;
    if (p.isSet(inventoryOpt)) return printInventory(registry, p.isSet(jsonOpt));

    qCInfo(lcHost).noquote() << "conduitd" << CONDUIT_HOST_VERSION << "running with" << registry.agents().size() << "agents";
    return QCoreApplication::exec();
}
