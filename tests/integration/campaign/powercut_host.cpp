// The host side of the power-cut harness (powercut.sh): the real campaign
// engine, journal, agent registry and example-ECU runners, one campaign,
// optionally SIGKILLing itself (and, through PDEATHSIG, its runners) at
// crash point N. Every start first recovers whatever the journal holds.
//
//   powercut_host --state DIR --agents DIR --agent-config DIR
//                 --campaign FILE --payloads DIR [--crash-at N]
//   powercut_host --state DIR ... --report
// Exit: 0 done, 3 a result was lost (the devices run the new version but
// no result is recorded), 4 the commit is pending (reported, retried at the
// next start).
#include "agents/agentregistry.h"
#include "core/campaignengine.h"
#include "core/vehicleprovider.h"
#include "daemon/registrygateway.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>

using namespace conduit;

namespace {

class DirectoryPayloads : public core::PayloadSource {
public:
    explicit DirectoryPayloads(QString dir) : dir_(std::move(dir)) {}
    std::unique_ptr<QIODevice> open(const core::CampaignTarget &t, QString *error) override {
        auto f = std::make_unique<QFile>(QDir(dir_).filePath(t.targetName));
        if (!f->open(QIODevice::ReadOnly)) {
            *error = f->errorString();
            return nullptr;
        }
        return f;
    }

private:
    QString dir_;
};

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    for (const char *o : {"state", "agents", "agent-config", "campaign", "payloads", "crash-at", "runner"})
        p.addOption({QLatin1String(o), QStringLiteral("."), QStringLiteral("v")});
    p.addOption({QStringLiteral("report"), QStringLiteral("print device versions and the last outcome")});
    p.process(app);
    const QString state = p.value(QStringLiteral("state"));

    agents::RegistryConfig rc;
    rc.agentDirs = {p.value(QStringLiteral("agents"))};
    rc.agentConfigDir = p.value(QStringLiteral("agent-config"));
    rc.stateDir = state;
    rc.runnerPath = p.value(QStringLiteral("runner"));
    // A cut is a power loss of the whole head unit: the fault shim in a
    // runner SIGKILLs the host too. A runner in its compartment runs as its
    // own uid and may not signal the host (EPERM: only the runner would
    // die, a crash, not a power cut), so the runners here run as the host.
    // The compartment's own tests are agents.tst_sandbox and the shipped
    // agents' suites; a real power loss of sandboxed runners is tests/vm.
    rc.sandbox.mode = agents::SandboxConfig::Mode::Off;
    agents::AgentRegistry registry(rc);
    registry.start();
    daemon::RegistryGateway gateway(&registry);

    if (p.isSet(QStringLiteral("report"))) {
        gateway.inventory([&](const QList<core::DeviceRecord> &devices, const QString &error) {
            QStringList v;
            for (const auto &d : devices)
                v << d.info.id + QLatin1Char('=') + d.info.currentVersion + QLatin1Char('/') +
                         conduit::agents::updateStateName(d.info.updateState);
            std::sort(v.begin(), v.end());
            QFile h(QDir(state).filePath(QStringLiteral("history.json")));
            h.open(QIODevice::ReadOnly);
            const auto hist = QJsonDocument::fromJson(h.readAll()).array();
            const QJsonObject last = hist.isEmpty() ? QJsonObject() : hist.first().toObject();
            QStringList flagged;
            for (const QJsonValue &d : last.value(QLatin1String("flagged_devices")).toArray()) flagged << d.toString();
            std::printf(
                "devices %s\noutcome %s\nhistory %lld\nflagged %s\nstep %s\nerror %s\n",
                qPrintable(v.join(QLatin1Char(' '))),
                qPrintable(hist.isEmpty() ? QStringLiteral("none") : last.value(QLatin1String("outcome")).toString()),
                static_cast<long long>(hist.size()), qPrintable(flagged.join(QLatin1Char(' '))),
                qPrintable(last.value(QLatin1String("failed_step")).toString()), qPrintable(error));
            registry.stop();
            QCoreApplication::exit(0);
        });
        return QCoreApplication::exec();
    }

    if (p.isSet(QStringLiteral("crash-at"))) core::setCrashPoint(p.value(QStringLiteral("crash-at")).toLongLong());
    core::Journal journal(QDir(state).filePath(QStringLiteral("journal")));
    QString error;
    if (!journal.open(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
    }
    QFile cf(p.value(QStringLiteral("campaign")));
    cf.open(QIODevice::ReadOnly);
    const core::Campaign campaign = core::Campaign::fromJson(QJsonDocument::fromJson(cf.readAll()).object());
    DirectoryPayloads payloads(p.value(QStringLiteral("payloads")));
    core::VehicleState vehicle;
    core::simulateParkedCar(&vehicle);
    core::CampaignEngine::Config ec;
    ec.autoConsentDownload = ec.autoConsentInstall = true;
    ec.historyPath = QDir(state).filePath(QStringLiteral("history.json"));
    ec.commitRetryMs = {10, 10}; // the rule, not its real delays
    core::CampaignEngine engine(&journal, &gateway, &payloads, &vehicle, ec);

    QObject::connect(&engine, &core::CampaignEngine::finished, [&](const core::CampaignEngine::Result &r) {
        std::printf("finished %s %s: %s\n", qPrintable(r.campaignId), qPrintable(conduit::core::outcomeName(r.outcome)),
                    qPrintable(r.failure.reason));
    });
    auto stop = [&](int code) {
        std::printf("crash-points %lld\n", static_cast<long long>(core::crashPointCount()));
        registry.stop();
        QTimer::singleShot(0, [code] { QCoreApplication::exit(code); });
    };
    // Once recovery is over: run the campaign unless an earlier life of this
    // host already finished it; then stop. A campaign not in the history
    // whose devices already run the new version lost its result (exit 3).
    bool submitted = false;
    auto proceed = [&] {
        if (engine.state() != core::CampaignEngine::State::Idle || engine.queued() > 0) return;
        bool ran = false;
        for (const auto &h : engine.history()) ran |= h.campaignId == campaign.id;
        if (ran || submitted) return stop(0);
        submitted = true;
        gateway.inventory([&](const QList<core::DeviceRecord> &devices, const QString &) {
            for (const auto &d : devices) {
                if (d.info.currentVersion != campaign.targets.value(0).version) continue;
                std::printf("lost: %s runs %s but no result is recorded\n", qPrintable(d.info.id),
                            qPrintable(d.info.currentVersion));
                return stop(3);
            }
            engine.submit(campaign);
        });
    };
    QObject::connect(&engine, &core::CampaignEngine::stateChanged, [&](core::CampaignEngine::State s) {
        if (s == core::CampaignEngine::State::Idle) QTimer::singleShot(0, proceed);
    });
    // A commit still pending once its retries are spent is reported; this
    // life ends there (the next start retries it).
    QObject::connect(&engine, &core::CampaignEngine::finished, [&] {
        if (engine.state() == core::CampaignEngine::State::CommitPending) stop(4);
    });
    engine.recover();
    QTimer::singleShot(0, proceed);
    return QCoreApplication::exec();
}
