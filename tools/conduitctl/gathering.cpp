// Data gathering: gathering status | campaigns | consent [CLASS on|off] |
// delete-my-data [--all], over io.conduit.Gathering1 (docs/dbus-api.md).
// On the system bus, consent changes and deletion need root or the HMI's
// group (policy); reading is open to everyone.
#include "hostbus.h"
#include "subcommand.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>

namespace conduit::ctl {

namespace {

const QString kGathering = QStringLiteral("io.conduit.Gathering1");

void declare(QCommandLineParser &p) {
    declareBusOptions(p, true);
    p.addPositionalArgument(QStringLiteral("action"), QStringLiteral("status, campaigns, consent or delete-my-data"));
    p.addPositionalArgument(QStringLiteral("args"), QStringLiteral("consent: CLASS on|off"),
                            QStringLiteral("[args...]"));
    p.addOption({QStringLiteral("all"), QStringLiteral("delete-my-data: every data class, not only personal data.")});
}

void printJson(const QJsonDocument &doc) { std::printf("%s", doc.toJson().constData()); }

// Calls a Gathering1 method that answers with a JSON document; prints it
// as is with --json (then *printed is true). false when the call failed.
bool query(QDBusInterface &g, const QString &method, const QVariantList &args, bool json, QJsonDocument *doc,
           bool *printed) {
    QVariant reply;
    if (!callHost(g, "gathering", method, args, &reply)) return false;
    *doc = parseJsonReply(reply);
    *printed = json;
    if (json) printJson(*doc);
    return true;
}

QString when(double ms) {
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(qint64(ms), Qt::UTC).toString(Qt::ISODate) : QStringLiteral("never");
}

QString cells(const QJsonObject &o, const char *unit) {
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonObject c = it.value().toObject();
        parts << QStringLiteral("%1 %2 %3 (%4)")
                     .arg(it.key())
                     .arg(qint64(c.value(QLatin1String(unit)).toDouble()))
                     .arg(QLatin1String(unit), humanBytes(quint64(c.value(QLatin1String("bytes")).toDouble())));
    }
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

int status(QDBusInterface &g, bool json) {
    QJsonDocument doc;
    bool printed = false;
    if (!query(g, QStringLiteral("GetUsage"), {}, json, &doc, &printed)) return kExitRejected;
    if (printed) return kExitOk;
    const QJsonObject u = doc.object();
    printLine(QStringLiteral("store: %1 items, %2 of %3; backlog %4")
                  .arg(qint64(u.value(QLatin1String("items")).toDouble()))
                  .arg(humanBytes(quint64(u.value(QLatin1String("bytes")).toDouble())),
                       humanBytes(quint64(u.value(QLatin1String("max_bytes")).toDouble())),
                       humanBytes(quint64(u.value(QLatin1String("backlog_bytes")).toDouble()))));
    for (const QJsonValue &v : u.value(QLatin1String("classes")).toArray()) {
        const QJsonObject c = v.toObject();
        const QJsonObject up = c.value(QLatin1String("last_upload")).toObject();
        printLine(QStringLiteral("%1 (%2): pending %3 items, %4")
                      .arg(c.value(QLatin1String("class")).toString(), c.value(QLatin1String("allowed")).toBool()
                                                                           ? QStringLiteral("allowed")
                                                                           : QStringLiteral("refused"))
                      .arg(qint64(c.value(QLatin1String("items")).toDouble()))
                      .arg(humanBytes(quint64(c.value(QLatin1String("bytes")).toDouble()))));
        printLine(
            QStringLiteral("  by priority: %1").arg(cells(c.value(QLatin1String("by_priority")).toObject(), "items")));
        printLine(QStringLiteral("  dropped: %1; frames dropped: %2")
                      .arg(cells(c.value(QLatin1String("drops")).toObject(), "items"),
                           cells(c.value(QLatin1String("frame_drops")).toObject(), "frames")));
        printLine(QStringLiteral("  last upload: %1%2")
                      .arg(when(up.value(QLatin1String("at_ms")).toDouble()),
                           up.isEmpty()
                               ? QString()
                               : QStringLiteral(" over %1").arg(up.value(QLatin1String("uplink")).toString())));
        const QString failure =
            c.value(QLatin1String("last_failure")).toObject().value(QLatin1String("error")).toString();
        if (!failure.isEmpty()) printLine(QStringLiteral("  last failure: %1").arg(failure));
    }
    return kExitOk;
}

int campaigns(QDBusInterface &g, bool json) {
    QJsonDocument doc;
    bool printed = false;
    if (!query(g, QStringLiteral("GetCampaigns"), {}, json, &doc, &printed)) return kExitRejected;
    if (printed) return kExitOk;
    const QJsonArray a = doc.array();
    if (a.isEmpty()) printLine(QStringLiteral("no active collection campaigns"));
    for (const QJsonValue &v : a) {
        const QJsonObject c = v.toObject();
        QStringList classes;
        for (const QJsonValue &k : c.value(QLatin1String("classes")).toArray()) classes << k.toString();
        printLine(QStringLiteral("%1 %2: %3")
                      .arg(c.value(QLatin1String("id")).toString(), c.value(QLatin1String("name")).toString(),
                           classes.join(QStringLiteral(", "))));
        const QString purpose = c.value(QLatin1String("purpose")).toObject().value(QLatin1String("en")).toString();
        if (!purpose.isEmpty()) printLine(QStringLiteral("  %1").arg(purpose));
    }
    return kExitOk;
}

int consent(QDBusInterface &g, const QStringList &args, bool json) {
    if (args.size() == 2) {
        if (args[1] != QLatin1String("on") && args[1] != QLatin1String("off"))
            return printError("gathering", kExitUsage, QStringLiteral("consent CLASS on|off"));
        QJsonDocument doc;
        bool printed = false;
        if (!query(g, QStringLiteral("SetConsent"), {args[0], args[1] == QLatin1String("on")}, json, &doc, &printed))
            return kExitRejected;
        if (printed) return kExitOk;
        const QJsonObject r = doc.object();
        printLine(args[1] == QLatin1String("on")
                      ? QStringLiteral("%1 allowed").arg(args[0])
                      : QStringLiteral("%1 refused; deleted %2 items (%3)")
                            .arg(args[0])
                            .arg(qint64(r.value(QLatin1String("items")).toDouble()))
                            .arg(humanBytes(quint64(r.value(QLatin1String("bytes")).toDouble()))));
        return kExitOk;
    }
    if (!args.isEmpty()) return printError("gathering", kExitUsage, QStringLiteral("consent [CLASS on|off]"));
    QJsonDocument doc;
    bool printed = false;
    if (!query(g, QStringLiteral("GetConsent"), {}, json, &doc, &printed)) return kExitRejected;
    if (printed) return kExitOk;
    for (const QJsonValue &v : doc.array()) {
        const QJsonObject c = v.toObject();
        QStringList campaigns;
        for (const QJsonValue &k : c.value(QLatin1String("campaigns")).toArray()) campaigns << k.toString();
        printLine(QStringLiteral("%1 %2%3%4")
                      .arg(c.value(QLatin1String("class")).toString(), -12)
                      .arg(c.value(QLatin1String("allowed")).toBool() ? QStringLiteral("on") : QStringLiteral("off"))
                      .arg(c.value(QLatin1String("personal")).toBool() ? QStringLiteral(" (personal)") : QString())
                      .arg(campaigns.isEmpty() ? QString()
                                               : QStringLiteral(" for %1").arg(campaigns.join(QStringLiteral(", ")))));
    }
    return kExitOk;
}

int deleteMyData(QDBusInterface &g, bool all, bool json) {
    QJsonDocument doc;
    bool printed = false;
    if (!query(g, QStringLiteral("DeleteMyData"), {all ? QStringLiteral("all") : QStringLiteral("personal")}, json,
               &doc, &printed))
        return kExitRejected;
    if (printed) return kExitOk;
    const QJsonObject r = doc.object();
    QStringList classes;
    for (const QJsonValue &k : r.value(QLatin1String("classes")).toArray()) classes << k.toString();
    printLine(
        QStringLiteral("deleted %1 items (%2) of %3")
            .arg(qint64(r.value(QLatin1String("items")).toDouble()))
            .arg(humanBytes(quint64(r.value(QLatin1String("bytes")).toDouble())), classes.join(QStringLiteral(", "))));
    return kExitOk;
}

int run(const QCommandLineParser &p) {
    const QStringList args = p.positionalArguments();
    const QString action = args.value(0);
    const QStringList actions{QStringLiteral("status"), QStringLiteral("campaigns"), QStringLiteral("consent"),
                              QStringLiteral("delete-my-data")};
    if (!actions.contains(action))
        return printError("gathering", kExitUsage, QStringLiteral("say status, campaigns, consent or delete-my-data"));
    auto g = connectHost(p, "gathering", kGathering);
    if (!g) return kExitError;
    const bool json = p.isSet(QStringLiteral("json"));
    if (action == QLatin1String("status")) return status(*g, json);
    if (action == QLatin1String("campaigns")) return campaigns(*g, json);
    if (action == QLatin1String("consent")) return consent(*g, args.mid(1), json);
    return deleteMyData(*g, p.isSet(QStringLiteral("all")), json);
}

} // namespace

const Subcommand &gatheringSubcommand() {
    static const Subcommand c{
        "gathering",
        "status | campaigns | consent [CLASS on|off] | delete-my-data [--all]",
        "Data gathering: store usage, campaigns, the driver's consent, deletion.",
        "Classes: telemetry, location, camera, diagnostics, logs (location and camera are personal data).\n"
        "Turning a class off deletes what is stored of it. delete-my-data deletes the personal classes,\n"
        "with --all every class; consent stays as it is.",
        declare,
        run};
    return c;
}

} // namespace conduit::ctl
