// conduitd: the Conduit host.
#include "checkagent.h"
#include "host.h"
#include "hostconfig.h"
#include "hostlog.h"
#include "journalsink.h"
#include "servicenotify.h"
#include "unixsignals.h"

#include <conduit/agent.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

#include "core/logfields.h"
#include "text/untrustedtext.h"

#include <cstdio>
#include <memory>

using namespace conduit;
using daemon::lcHost;

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
        for (agents::AgentProxy *r : registry.agents()) {
            if (r->state() != agents::AgentProxy::State::Ready) {
                std::fprintf(stderr, "agent %s: FAILED: %s\n", conduit_printable(r->manifest().id),
                             conduit_printable(r->lastFailure()));
                out.append(QJsonObject{{QStringLiteral("agent"), r->manifest().id},
                                       {QStringLiteral("error"), r->lastFailure()}});
                exitCode = 1;
                finishOne();
                continue;
            }
            auto *call = r->call(ipc::Op::Inventory);
            QObject::connect(call, &agents::AgentCall::finished, [&, r](const agents::CallResult &res) {
                QJsonArray devices;
                if (!json)
                    std::printf("agent %s %s (ABI 1.%d, pid %lld)\n", conduit_printable(r->info().agentId),
                                conduit_printable(r->info().agentVersion), r->info().negotiatedMinor,
                                static_cast<long long>(r->pid()));
                if (!res.ok()) {
                    std::printf("  inventory failed: %s\n", conduit_printable(res.message));
                    exitCode = 1;
                }
                for (const QString &why : res.refusedDevices) {
                    std::fprintf(stderr, "agent %s: %s\n", conduit_printable(r->info().agentId),
                                 conduit_printable(why));
                    exitCode = 1;
                }
                for (const auto &d : res.devices) {
                    if (!json)
                        std::printf("  device %-14s type %-10s hw %-16s version %-10s state %s\n",
                                    conduit_printable(d.id), conduit_printable(d.type), conduit_printable(d.hardwareId),
                                    conduit_printable(d.currentVersion),
                                    conduit_printable(agents::updateStateName(d.updateState)));
                    devices.append(daemon::deviceJson(d));
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

// `--install BUNDLE`: verify the bundle, run its campaign, print each state
// and the outcome, exit 0 only on success.
int installBundle(daemon::Host &host, const QString &bundle) {
    core::CampaignEngine *engine = host.engine();
    int exitCode = 1;
    bool submitted = false;
    auto printState = [](core::CampaignEngine::State s) {
        if (s == core::CampaignEngine::State::Idle) return;
        if (s == core::CampaignEngine::State::Installing) return; // per phase, below
        std::printf("  %s\n", conduit_printable(core::CampaignEngine::stateName(s)));
        std::fflush(stdout);
    };
    QObject::connect(engine, &core::CampaignEngine::stateChanged, printState);
    QObject::connect(engine, &core::CampaignEngine::phaseChanged,
                     [](int index, int count) { std::printf("  Installing phase %d of %d\n", index + 1, count); });
    QObject::connect(engine, &core::CampaignEngine::conditionsChanged, [](const QStringList &unmet) {
        for (const QString &u : unmet) std::printf("  waiting: %s\n", conduit_printable(u));
    });
    QObject::connect(engine, &core::CampaignEngine::consentRequested, [](core::CampaignEngine::ConsentKind) {
        std::printf("  consent needed: this mode only runs with --yes or an auto-consent policy\n");
        QCoreApplication::exit(3);
    });
    QObject::connect(engine, &core::CampaignEngine::finished, [&](const core::CampaignEngine::Result &r) {
        std::printf("result: %s%s%s\n", conduit_printable(core::outcomeName(r.outcome)),
                    r.failure.reason.isEmpty() ? "" : " - ", conduit_printable(r.failure.reason));
        exitCode = r.outcome == core::Outcome::Success ? 0 : 1;
    });
    auto submit = [&] {
        if (submitted || engine->state() != core::CampaignEngine::State::Idle) return;
        submitted = true;
        host.installBundle(bundle, [&, engine](const QString &error) {
            if (!error.isEmpty()) {
                std::fprintf(stderr, "conduitd: bundle refused: %s\n", conduit_printable(error));
                QCoreApplication::exit(2);
                return;
            }
            std::printf("campaign from %s: metadata verified; each image is verified as it streams\n",
                        conduit_printable(bundle));
        });
    };
    QObject::connect(engine, &core::CampaignEngine::stateChanged, [&](core::CampaignEngine::State s) {
        if (s != core::CampaignEngine::State::Idle) return;
        if (!submitted) return submit();
        if (engine->queued() == 0) QTimer::singleShot(0, [&] { QCoreApplication::exit(exitCode); });
    });
    QTimer::singleShot(0, submit);
    const int rc = QCoreApplication::exec();
    host.stop();
    return rc == 0 ? exitCode : rc;
}

// The options of `--check-agent --lifecycle`; nullopt with *error for a bad one.
std::optional<daemon::LifecycleOptions> lifecycleOptions(const QCommandLineParser &p, const QCommandLineOption &device,
                                                         const QCommandLineOption &payloadSize,
                                                         const QCommandLineOption &custom, QString *error) {
    daemon::LifecycleOptions o;
    o.deviceId = p.value(device);
    if (p.isSet(payloadSize)) {
        bool ok = false;
        o.payloadSize = p.value(payloadSize).toULongLong(&ok);
        if (!ok) {
            *error = QStringLiteral("--payload-size must be a number of bytes");
            return std::nullopt;
        }
    }
    if (p.isSet(custom)) {
        QFile f(p.value(custom));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("--custom-json: cannot read %1: %2").arg(f.fileName(), f.errorString());
            return std::nullopt;
        }
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
        if (!doc.isObject()) {
            *error = QStringLiteral("--custom-json: %1 is not a JSON object%2")
                         .arg(f.fileName(), pe.error == QJsonParseError::NoError
                                                ? QString()
                                                : QStringLiteral(" (%1)").arg(pe.errorString()));
            return std::nullopt;
        }
        o.custom = doc.object();
    }
    return o;
}

// journald, when conduitd runs under it (journalsink.h); else stderr.
// Never destroyed: lines may still be logged while statics are.
const daemon::JournalSink *journal = nullptr;

// Every log line leaves with its control characters escaped: messages
// carry agents' text, server answers and bundle names. On stderr a line is
// one line; a journal entry keeps its newlines (its fields are
// length-delimited, a newline cannot forge an entry).
void logLine(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    if (!journal ||
        !journal->write(type, context, qFormatLogMessage(type, context, text::printable(message, text::Newlines::Keep)),
                        core::currentLogFields())) {
        const QString line = qFormatLogMessage(type, context, text::printable(message));
        std::fputs((line.toLocal8Bit() + '\n').constData(), stderr);
    }
    if (type == QtFatalMsg) std::abort();
    daemon::tapLogLine(context, message);
}

// The service manager hears how far conduitd is (servicenotify.h): READY=1
// once the bus name is owned and every agent started or failed, a STATUS=
// line per campaign state, STOPPING=1 on the way out; the watchdog is
// petted from this (the main) thread's event loop.
void announceToServiceManager(daemon::ServiceNotifier &notifier, daemon::Host &host) {
    if (!notifier.active()) return;
    agents::AgentRegistry *registry = host.registry();
    auto running = [registry] {
        int ready = 0;
        for (agents::AgentProxy *a : registry->agents()) ready += a->state() == agents::AgentProxy::State::Ready;
        return QStringLiteral("running: %1 of %2 agents ready").arg(ready).arg(registry->agents().size());
    };
    auto announce = [&notifier, running] {
        notifier.ready(running());
        notifier.startWatchdog();
    };
    if (registry->settled()) {
        announce();
    } else {
        notifier.status(QStringLiteral("starting agents"));
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = QObject::connect(registry, &agents::AgentRegistry::settledChanged, [registry, announce, once] {
            if (!registry->settled()) return;
            QObject::disconnect(*once);
            announce();
        });
    }
    core::CampaignEngine *engine = host.engine();
    QObject::connect(
        engine, &core::CampaignEngine::stateChanged, [&notifier, engine, running](core::CampaignEngine::State s) {
            notifier.status(
                s == core::CampaignEngine::State::Idle
                    ? running()
                    : QStringLiteral("campaign %1: %2").arg(engine->current().id, core::CampaignEngine::stateName(s)));
        });
}

} // namespace

int main(int argc, char **argv) {
    journal = daemon::JournalSink::fromEnvironment().release();
    qInstallMessageHandler(logLine);
    // Before any runner starts: they must not inherit NOTIFY_SOCKET.
    daemon::ServiceNotifier notifier;
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
    QCommandLineOption configOpt(QStringLiteral("config"), QStringLiteral("Configuration file (INI)."),
                                 QStringLiteral("file"));
    QCommandLineOption checkOpt(
        QStringLiteral("check-agent"),
        QStringLiteral(
            "Load one agent plugin (.so or manifest .json) in a runner, run inventory, print a JSON report and exit."),
        QStringLiteral("path"));
    QCommandLineOption inventoryOpt(QStringLiteral("inventory"),
                                    QStringLiteral("Start all agents, print their devices and exit."));
    QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Machine-readable output for --inventory."));
    QCommandLineOption inProcessOpt(
        QStringLiteral("in-process"),
        QStringLiteral("Run agents on threads inside conduitd (for debugging a plugin under gdb; no isolation)."));
    QCommandLineOption agentDirOpt(
        QStringLiteral("agent-dir"),
        QStringLiteral("Agent manifest directory (repeatable; replaces the configured ones)."), QStringLiteral("dir"));
    QCommandLineOption stateOpt(QStringLiteral("state-dir"),
                                QStringLiteral("Directory for persistent state (overrides host/state_dir)."),
                                QStringLiteral("dir"));
    QCommandLineOption installOpt(
        QStringLiteral("install"),
        QStringLiteral("Verify an update bundle for this vehicle, run its campaign and exit (0 on success)."),
        QStringLiteral("bundle"));
    QCommandLineOption yesOpt(QStringLiteral("yes"),
                              QStringLiteral("Consent to download and install by policy (no driver prompt)."));
    QCommandLineOption trustOpt(QStringLiteral("trust-state"),
                                QStringLiteral("Trusted Uptane state file (default <state-dir>/trust.json)."),
                                QStringLiteral("file"));
    QCommandLineOption timeoutOpt(QStringLiteral("timeout-ms"),
                                  QStringLiteral("Init and call deadline for --check-agent."), QStringLiteral("ms"));
    QCommandLineOption lifecycleOpt(
        QStringLiteral("lifecycle"),
        QStringLiteral("With --check-agent: then run one device through an update to commit and a second to rollback, "
                       "checking the ABI's rules after each step."));
    QCommandLineOption deviceOpt(QStringLiteral("device"),
                                 QStringLiteral("The device for --lifecycle (default: the first in the inventory)."),
                                 QStringLiteral("id"));
    QCommandLineOption payloadSizeOpt(
        QStringLiteral("payload-size"),
        QStringLiteral("Bytes of the generated payload for --lifecycle (default 1048576)."), QStringLiteral("bytes"));
    QCommandLineOption customOpt(
        QStringLiteral("custom-json"),
        QStringLiteral("The image target's custom metadata (a JSON object) the agent gets in --lifecycle."),
        QStringLiteral("file"));
    p.addOptions({configOpt, checkOpt, inventoryOpt, jsonOpt, inProcessOpt, agentDirOpt, stateOpt, timeoutOpt,
                  installOpt, yesOpt, trustOpt, lifecycleOpt, deviceOpt, payloadSizeOpt, customOpt});
    p.process(app);

    QStringList warnings;
    QString error;
    daemon::HostConfig config = daemon::HostConfig::load(p.value(configOpt), &warnings, &error);
    for (const QString &w : warnings) qCWarning(lcHost).noquote() << w;
    if (!error.isEmpty()) {
        std::fprintf(stderr, "conduitd: %s\n", conduit_printable(error));
        return 2;
    }
    if (p.isSet(inProcessOpt)) config.agents.inProcess = true;
    if (p.isSet(agentDirOpt)) config.agents.agentDirs = p.values(agentDirOpt);
    if (p.isSet(stateOpt)) config.agents.stateDir = p.value(stateOpt);
    if (p.isSet(trustOpt)) config.trustStatePath = p.value(trustOpt);
    if (config.trustStatePath.isEmpty())
        config.trustStatePath = QDir(config.agents.stateDir).filePath(QStringLiteral("trust.json"));
    if (p.isSet(yesOpt)) config.campaign.autoConsentDownload = config.campaign.autoConsentInstall = true;
    if (p.isSet(timeoutOpt)) {
        const int ms = p.value(timeoutOpt).toInt();
        if (ms <= 0) {
            std::fprintf(stderr, "conduitd: --timeout-ms must be a positive integer\n");
            return 2;
        }
        config.agents.limits.initTimeoutMs = config.agents.limits.callTimeoutMs = ms;
    }

    if ((p.isSet(installOpt) || p.isSet(inventoryOpt)) && qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false\nconduit.*.info=false"));
    if (p.isSet(checkOpt)) {
        if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
            QLoggingCategory::setFilterRules(
                QStringLiteral("conduit.*.debug=false\nconduit.*.info=false\nconduit.*.warning=false"));
        std::optional<daemon::LifecycleOptions> lifecycle;
        if (p.isSet(lifecycleOpt) && !(lifecycle = lifecycleOptions(p, deviceOpt, payloadSizeOpt, customOpt, &error))) {
            std::fprintf(stderr, "conduitd: %s\n", conduit_printable(error));
            return 2;
        }
        return daemon::checkAgent(p.value(checkOpt), config.agents, p.isSet(stateOpt), lifecycle);
    }

    daemon::Host host(config);
    daemon::UnixSignals unixSignals({SIGINT, SIGTERM});
    QObject::connect(&unixSignals, &daemon::UnixSignals::received, [&](int sig) {
        qCInfo(lcHost) << "signal" << sig << "- shutting down";
        notifier.stopping(QStringLiteral("stopping agents"));
        host.stop();
        QCoreApplication::exit(0);
    });
    QStringList problems;
    if (!host.start(&problems, &error)) {
        std::fprintf(stderr, "conduitd: %s\n", conduit_printable(error));
        return 2;
    }
    for (const QString &problem : problems) qCWarning(lcHost).noquote() << problem;
    if (p.isSet(inventoryOpt)) return printInventory(*host.registry(), p.isSet(jsonOpt));
    if (p.isSet(installOpt)) return installBundle(host, p.value(installOpt));

    if (!host.startControlApi(&error)) {
        std::fprintf(stderr, "conduitd: %s\n", conduit_printable(error));
        return 2;
    }
    qCInfo(lcHost).noquote() << "conduitd" << CONDUIT_HOST_VERSION << "running with" << host.registry()->agents().size()
                             << "agents";
    announceToServiceManager(notifier, host);
    return QCoreApplication::exec();
}
