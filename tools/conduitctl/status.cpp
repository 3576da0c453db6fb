// Read-only views of the host: status, agents (inventory), history.
#include "hostbus.h"
#include "subcommand.h"
#include "text/untrustedtext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QPair>

#include <cstdio>

namespace conduit::ctl {

namespace {

QString roughDuration(qint64 seconds) {
    return seconds < 60 ? QStringLiteral("%1 s").arg(seconds) : QStringLiteral("about %1 min").arg((seconds + 59) / 60);
}

// The notes in the terminal's language if the update has it (exact locale,
// same language, English, any), as the HMI chooses; "" without notes.
QPair<QString, QString> notesForTerminal(const QJsonObject &notes) {
    if (notes.isEmpty()) return {};
    const QString wanted = QLocale::system().name(); // "de_DE", or "C"
    const QString language = wanted.section(QLatin1Char('_'), 0, 0);
    for (const QString &key : {wanted, QString(wanted).replace(QLatin1Char('_'), QLatin1Char('-')), language})
        if (notes.contains(key)) return {key, notes.value(key).toString()};
    for (auto it = notes.begin(); it != notes.end(); ++it)
        if (it.key().section(QLatin1Char('-'), 0, 0).section(QLatin1Char('_'), 0, 0) == language)
            return {it.key(), it.value().toString()};
    const QString key = notes.contains(QLatin1String("en")) ? QStringLiteral("en") : notes.begin().key();
    return {key, notes.value(key).toString()};
}

int runStatus(const QCommandLineParser &p) {
    auto host = connectHost(p, "status");
    if (!host) return kExitError;
    QVariant campaign;
    if (!callHost(*host, "status", QStringLiteral("GetCampaign"), {}, &campaign)) return kExitRejected;
    QJsonObject o = parseJsonReply(campaign).object();
    const QString state = host->property("State").toString();
    if (p.isSet(QStringLiteral("json"))) {
        o.insert(QStringLiteral("state"), state);
        o.insert(QStringLiteral("bytes_done"), double(host->property("BytesDone").toULongLong()));
        o.insert(QStringLiteral("eta_seconds"), host->property("EtaSeconds").toInt());
        o.insert(QStringLiteral("pending_consent"), host->property("PendingConsent").toString());
        o.insert(QStringLiteral("auto_consent"), host->property("AutoConsent").toBool());
        o.insert(QStringLiteral("upstream"), host->property("Upstream").toString());
        std::printf("%s", QJsonDocument(o).toJson().constData());
        return kExitOk;
    }
    printLine(QStringLiteral("state: %1").arg(state));
    if (const QString upstream = host->property("Upstream").toString(); !upstream.isEmpty())
        printLine(QStringLiteral("server: %1").arg(upstream));
    if (o.isEmpty()) return kExitOk;
    printLine(QStringLiteral("campaign: %1 (%2)")
                  .arg(o.value(QLatin1String("name")).toString(), o.value(QLatin1String("id")).toString()));
    const QString pending = host->property("PendingConsent").toString();
    if (!pending.isEmpty()) printLine(QStringLiteral("waiting for %1 consent: conduitctl consent accept").arg(pending));
    for (const QJsonValue &u : o.value(QLatin1String("unmet_conditions")).toArray())
        printLine(QStringLiteral("waiting: %1").arg(u.toString()));
    // Absent figures are unknown (the update does not state them), not zero.
    auto figure = [&](const char *key) {
        return o.contains(QLatin1String(key)) ? roughDuration(o.value(QLatin1String(key)).toInteger())
                                              : QStringLiteral("not stated");
    };
    if (o.contains(QLatin1String("install_seconds")) || o.contains(QLatin1String("unusable_seconds")))
        printLine(QStringLiteral("installation: %1, vehicle unusable: %2")
                      .arg(figure("install_seconds"), figure("unusable_seconds")));
    if (const auto [locale, text] = notesForTerminal(o.value(QLatin1String("release_notes")).toObject());
        !text.isEmpty()) {
        printLine(QStringLiteral("release notes (%1):").arg(locale));
        for (const QString &line : text.split(QLatin1Char('\n'))) printLine(QStringLiteral("  ") + line);
    }
    printLine(QStringLiteral("transfer: %1 of %2")
                  .arg(humanBytes(host->property("BytesDone").toULongLong()),
                       humanBytes(quint64(o.value(QLatin1String("total_bytes")).toDouble()))));
    for (const QJsonValue &d : o.value(QLatin1String("devices")).toArray()) {
        const QJsonObject x = d.toObject();
        printLine(QStringLiteral("  %1  %2%3")
                      .arg(x.value(QLatin1String("device")).toString(), -12)
                      .arg(x.value(QLatin1String("step")).toString(), -16)
                      .arg(x.value(QLatin1String("error")).toString().isEmpty()
                               ? QString()
                               : QStringLiteral(" error: ") + x.value(QLatin1String("error")).toString()));
    }
    return kExitOk;
}

// A device's status (GetInventory): an object as "key=value ..." (keys
// sorted, empty strings left out), a string as it is.
QString statusLine(const QJsonValue &status) {
    if (!status.isObject()) return status.toString();
    QStringList fields;
    const QJsonObject o = status.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonValue v = it.value();
        QString text;
        if (v.isString() && v.toString().isEmpty()) continue;
        if (v.isString())
            text = v.toString();
        else if (v.isBool())
            text = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        else if (v.isDouble())
            text = QString::number(v.toDouble(), 'g', 6);
        else
            text = QString::fromUtf8((v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject()))
                                         .toJson(QJsonDocument::Compact));
        fields << it.key() + QLatin1Char('=') + text;
    }
    return fields.join(QLatin1Char(' '));
}

int runAgents(const QCommandLineParser &p) {
    auto host = connectHost(p, "agents");
    if (!host) return kExitError;
    QVariant inv;
    if (!callHost(*host, "agents", QStringLiteral("GetInventory"), {}, &inv)) return kExitRejected;
    const QJsonObject o = parseJsonReply(inv).object();
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s", QJsonDocument(o).toJson().constData());
        return kExitOk;
    }
    printLine(QStringLiteral("%1 %2 %3 %4 %5")
                  .arg(QStringLiteral("DEVICE"), -14)
                  .arg(QStringLiteral("AGENT"), -26)
                  .arg(QStringLiteral("HARDWARE"), -12)
                  .arg(QStringLiteral("VERSION"), -16)
                  .arg(QStringLiteral("STATE")));
    for (const QJsonValue &v : o.value(QLatin1String("devices")).toArray()) {
        const QJsonObject d = v.toObject();
        printLine(QStringLiteral("%1 %2 %3 %4 %5")
                      .arg(d.value(QLatin1String("id")).toString(), -14)
                      .arg(d.value(QLatin1String("agent")).toString(), -26)
                      .arg(d.value(QLatin1String("hardware_id")).toString(), -12)
                      .arg(d.value(QLatin1String("version")).toString(), -16)
                      .arg(d.value(QLatin1String("update_state")).toString()));
        const QString status = statusLine(d.value(QLatin1String("status")));
        if (!status.isEmpty()) printLine(QStringLiteral("  status: ") + status);
    }
    if (!o.value(QLatin1String("error")).toString().isEmpty())
        printLine(QStringLiteral("warning: %1").arg(o.value(QLatin1String("error")).toString()));
    return kExitOk;
}

int runHistory(const QCommandLineParser &p) {
    auto host = connectHost(p, "history");
    if (!host) return kExitError;
    QVariant h;
    if (!callHost(*host, "history", QStringLiteral("GetHistory"), {}, &h)) return kExitRejected;
    const QJsonArray a = parseJsonReply(h).array();
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s", QJsonDocument(a).toJson().constData());
        return kExitOk;
    }
    for (const QJsonValue &v : a) {
        const QJsonObject r = v.toObject();
        // One campaign, one line: a reason (an agent's or a server's text)
        // that carries a newline or a carriage return must not forge or
        // overwrite a line, so those are escaped here too.
        auto field = [&r](const char *key) { return text::printable(r.value(QLatin1String(key)).toString()); };
        const QString reason = field("reason");
        printLine(QStringLiteral("%1  %2  %3%4")
                      .arg(field("finished"))
                      .arg(field("outcome"), -11)
                      .arg(field("name"))
                      .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason));
    }
    if (a.isEmpty()) printLine(QStringLiteral("no campaigns yet"));
    return kExitOk;
}

void declareJson(QCommandLineParser &p) { declareBusOptions(p, true); }

} // namespace

const Subcommand &statusSubcommand() {
    static const Subcommand c{"status",
                              "[--json]",
                              "Show the campaign in progress, consent asked, conditions and progress.",
                              "Reads the host's state over D-Bus.",
                              declareJson,
                              runStatus};
    return c;
}
const Subcommand &agentsSubcommand() {
    static const Subcommand c{"agents",
                              "[--json]",
                              "List the vehicle's devices, their agents and software versions.",
                              "Asks every agent for its devices (inventory).",
                              declareJson,
                              runAgents};
    return c;
}
const Subcommand &historySubcommand() {
    static const Subcommand c{"history",       "[--json]",  "List the last campaigns and how they ended.",
                              "Newest first.", declareJson, runHistory};
    return c;
}

} // namespace conduit::ctl
