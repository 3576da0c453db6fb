// The driver's decisions: consent accept|decline|postpone, auto-consent,
// cancel. On the system bus these need root or the HMI's group (policy).
#include "hostbus.h"
#include "subcommand.h"

#include <QDateTime>

namespace conduit::ctl {

namespace {

void declareConsent(QCommandLineParser &p) {
    declareBusOptions(p, false);
    p.addPositionalArgument(QStringLiteral("answer"), QStringLiteral("accept, decline or postpone"));
    p.addPositionalArgument(QStringLiteral("kind"),
                            QStringLiteral("download or install (default: the one being asked)"),
                            QStringLiteral("[kind]"));
    p.addOption({QStringLiteral("minutes"), QStringLiteral("postpone: ask again in N minutes (default 60)."),
                 QStringLiteral("N")});
    p.addOption({QStringLiteral("until"), QStringLiteral("postpone: ask again at this time (ISO 8601)."),
                 QStringLiteral("time")});
}

int runConsent(const QCommandLineParser &p) {
    const QStringList args = p.positionalArguments();
    const QStringList answers{QStringLiteral("accept"), QStringLiteral("decline"), QStringLiteral("postpone")};
    if (args.isEmpty() || !answers.contains(args[0]))
        return printError("consent", kExitUsage, QStringLiteral("say accept, decline or postpone"));
    auto host = connectHost(p, "consent");
    if (!host) return kExitError;
    QString kind = args.value(1);
    if (kind.isEmpty()) kind = host->property("PendingConsent").toString();
    if (kind.isEmpty()) return printError("consent", kExitRejected, QStringLiteral("no consent is being asked"));
    if (args[0] == QLatin1String("postpone")) {
        QDateTime until = QDateTime::currentDateTimeUtc().addSecs(
            60 * (p.isSet(QStringLiteral("minutes")) ? p.value(QStringLiteral("minutes")).toInt() : 60));
        if (p.isSet(QStringLiteral("until")))
            until = QDateTime::fromString(p.value(QStringLiteral("until")), Qt::ISODate);
        if (!until.isValid())
            return printError("consent", kExitUsage, QStringLiteral("--until needs an ISO 8601 time"));
        if (!callHost(*host, "consent", QStringLiteral("Postpone"), {kind, until.toSecsSinceEpoch()}))
            return kExitRejected;
        printLine(QStringLiteral("%1 postponed until %2").arg(kind, until.toLocalTime().toString(Qt::ISODate)));
        return kExitOk;
    }
    const QString method = args[0] == QLatin1String("accept") ? QStringLiteral("Accept") : QStringLiteral("Decline");
    if (!callHost(*host, "consent", method, {kind})) return kExitRejected;
    printLine(QStringLiteral("%1 %2ed").arg(kind, args[0] == QLatin1String("accept") ? QStringLiteral("accept")
                                                                                     : QStringLiteral("declin")));
    return kExitOk;
}

void declareAuto(QCommandLineParser &p) {
    declareBusOptions(p, false);
    p.addPositionalArgument(QStringLiteral("state"), QStringLiteral("on or off"));
}

int runAuto(const QCommandLineParser &p) {
    const QString s = p.positionalArguments().value(0);
    if (s != QLatin1String("on") && s != QLatin1String("off"))
        return printError("auto-consent", kExitUsage, QStringLiteral("say on or off"));
    auto host = connectHost(p, "auto-consent");
    if (!host) return kExitError;
    if (!callHost(*host, "auto-consent", QStringLiteral("SetAutoConsent"), {s == QLatin1String("on")}))
        return kExitRejected;
    printLine(QStringLiteral("auto-consent %1").arg(s));
    return kExitOk;
}

void declareCancel(QCommandLineParser &p) {
    declareBusOptions(p, false);
    p.addOption({QStringLiteral("reason"), QStringLiteral("Why (shown in the history)."), QStringLiteral("text")});
}

int runCancel(const QCommandLineParser &p) {
    auto host = connectHost(p, "cancel");
    if (!host) return kExitError;
    if (!callHost(*host, "cancel", QStringLiteral("Cancel"), {p.value(QStringLiteral("reason"))})) return kExitRejected;
    printLine(QStringLiteral("cancel requested: the campaign rolls back"));
    return kExitOk;
}

} // namespace

const Subcommand &consentSubcommand() {
    static const Subcommand c{"consent",
                              "accept|decline|postpone [download|install]",
                              "Answer the consent the host is asking for.",
                              "Without a kind, answers the consent being asked now.",
                              declareConsent,
                              runConsent};
    return c;
}
const Subcommand &autoConsentSubcommand() {
    static const Subcommand c{"auto-consent",
                              "on|off",
                              "Consent to every download and install by policy (auto-confirm).",
                              "Also answers a consent being asked now.",
                              declareAuto,
                              runAuto};
    return c;
}
const Subcommand &cancelSubcommand() {
    static const Subcommand c{"cancel",
                              "[--reason TEXT]",
                              "Cancel the campaign (refused once devices are being activated).",
                              "Before activation every touched device rolls back.",
                              declareCancel,
                              runCancel};
    return c;
}

} // namespace conduit::ctl
