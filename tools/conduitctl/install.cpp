// install BUNDLE (verify on the host and run the campaign, following it)
// and watch (follow the campaign in progress).
#include "campaignwatcher.h"
#include "hostbus.h"
#include "subcommand.h"

#include <QCoreApplication>
#include <QDBusConnectionInterface>
#include <QDBusUnixFileDescriptor>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace conduit::ctl {

namespace {

bool hostAlive(QDBusInterface &host) {
    QDBusConnectionInterface *bus = host.connection().interface();
    return bus && bus->isServiceRegistered(host.service()).value();
}

int follow(QDBusInterface &host, const QCommandLineParser &p, const char *name, const QString &installPath) {
    CampaignWatcher watcher;
    if (!watcher.attach(host, p.isSet(QStringLiteral("json")),
                        installPath.isEmpty() && p.isSet(QStringLiteral("follow"))))
        return printError(name, kExitError, QStringLiteral("cannot subscribe to the host's signals"));
    QObject::connect(&watcher, &CampaignWatcher::done, [] { QCoreApplication::exit(0); });
    if (!installPath.isEmpty()) {
        // Opened here, with this user's rights, and passed as a descriptor:
        // the host never opens a path on a caller's behalf.
        QFile bundle(installPath);
        if (!bundle.open(QIODevice::ReadOnly))
            return printError(name, kExitUsage, QStringLiteral("%1: %2").arg(installPath, bundle.errorString()));
        const QDBusUnixFileDescriptor fd(bundle.handle());
        bundle.close();
        if (!callHost(host, name, QStringLiteral("InstallBundleFd"), {QVariant::fromValue(fd)}))
            return hostAlive(host) ? kExitRejected
                                   : printError(name, kExitError,
                                                QStringLiteral("conduitd left the bus while it verified the bundle"));
        if (jsonOutput())
            std::printf("{\"event\":\"queued\"}\n");
        else
            printLine(QStringLiteral("bundle verified by the host; campaign queued"));
        std::fflush(stdout);
        if (p.isSet(QStringLiteral("no-wait"))) return kExitOk;
    } else if (host.property("State").toString() == QLatin1String("Idle") && !p.isSet(QStringLiteral("follow"))) {
        if (jsonOutput())
            std::printf("{\"event\":\"idle\"}\n");
        else
            printLine(QStringLiteral("no campaign in progress (--follow waits for the next one)"));
        return kExitOk;
    } else {
        // Start from the current state: a question asked, or a condition
        // missing, before we attached is still open and is shown first.
        watcher.onState(host.property("State").toString());
        const QStringList unmet = host.property("UnmetConditions").toStringList();
        if (!unmet.isEmpty()) watcher.onConditions(unmet);
        const QString pending = host.property("PendingConsent").toString();
        QVariant campaign;
        if (!pending.isEmpty() && callHost(host, name, QStringLiteral("GetCampaign"), {}, &campaign))
            watcher.onConsent(
                pending,
                QString::fromUtf8(QJsonDocument(parseJsonReply(campaign).object()).toJson(QJsonDocument::Compact)));
    }
    QCoreApplication::exec();
    if (watcher.hostLost())
        return printError(name, kExitError,
                          QStringLiteral("conduitd left the bus (%1) before the campaign finished; last known: %2")
                              .arg(host.service(), watcher.lastKnown()));
    return exitForOutcome(watcher.outcome());
}

void declareInstall(QCommandLineParser &p) {
    declareBusOptions(p, true);
    p.addPositionalArgument(QStringLiteral("bundle"), QStringLiteral("The update bundle file."));
    p.addOption({QStringLiteral("no-wait"), QStringLiteral("Return once the host has verified and queued it.")});
}

int runInstall(const QCommandLineParser &p) {
    const QString path = p.positionalArguments().value(0);
    if (path.isEmpty()) return printError("install", kExitUsage, QStringLiteral("which bundle?"));
    if (!QFileInfo(path).isFile()) return printError("install", kExitUsage, QStringLiteral("%1: not a file").arg(path));
    auto host = connectHost(p, "install");
    if (!host) return kExitError;
    return follow(*host, p, "install", QFileInfo(path).absoluteFilePath());
}

void declareWatch(QCommandLineParser &p) {
    declareBusOptions(p, true);
    p.addOption({QStringLiteral("follow"), QStringLiteral("Wait for the next campaign when none is running.")});
}

int runWatch(const QCommandLineParser &p) {
    auto host = connectHost(p, "watch");
    if (!host) return kExitError;
    return follow(*host, p, "watch", {});
}

} // namespace

const Subcommand &installSubcommand() {
    static const Subcommand c{"install",
                              "BUNDLE [--no-wait] [--json]",
                              "Install an update bundle through the host (same checks, consent and reporting).",
                              "The host verifies the bundle (Uptane) for this vehicle, then runs its campaign; this\n"
                              "command follows it and exits by how it ended: 0 success, 4 rolled back, 5 failed,\n"
                              "6 cancelled, 7 declined; 1 when the host refuses the bundle, 3 when conduitd leaves\n"
                              "the bus before the campaign ends. Consent is asked as usual\n"
                              "(answer with `conduitctl consent accept` or the HMI).",
                              declareInstall,
                              runInstall};
    return c;
}
const Subcommand &watchSubcommand() {
    static const Subcommand c{"watch",
                              "[--follow] [--json]",
                              "Follow the campaign in progress: states, a progress bar, consent, conditions.",
                              "Starts from the current state: a consent question asked, or a condition missing,\n"
                              "before it attached is shown first. Ends when the campaign finishes, with its outcome\n"
                              "as exit status (0 success, 4 rolled back, 5 failed, 6 cancelled, 7 declined; 0 when\n"
                              "none is in progress); exits 3 (with the last state and campaign seen) when conduitd\n"
                              "leaves the bus; with --follow it waits for conduitd to come back (a restart, a reboot).",
                              declareWatch,
                              runWatch};
    return c;
}

} // namespace conduit::ctl
