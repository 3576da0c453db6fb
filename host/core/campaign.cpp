#include "campaign.h"

#include <QJsonArray>

namespace conduit::core {

QJsonObject CampaignTarget::toJson() const {
    return {{QStringLiteral("device"), deviceId},
            {QStringLiteral("hardware_id"), hardwareId},
            {QStringLiteral("target"), targetName},
            {QStringLiteral("version"), version},
            {QStringLiteral("sha256"), sha256},
            {QStringLiteral("custom"), customJson},
            {QStringLiteral("length"), QString::number(length)},
            {QStringLiteral("phase"), phase},
            {QStringLiteral("dependencies"), QJsonArray::fromStringList(dependencies)},
            {QStringLiteral("require_parked"), conditions.requireParked},
            {QStringLiteral("min_battery_soc"), conditions.minBatterySoc},
            {QStringLiteral("allow_no_rollback"), allowNoRollback}};
}

CampaignTarget CampaignTarget::fromJson(const QJsonObject &o) {
    CampaignTarget t;
    t.deviceId = o.value(QLatin1String("device")).toString();
    t.hardwareId = o.value(QLatin1String("hardware_id")).toString();
    t.targetName = o.value(QLatin1String("target")).toString();
    t.version = o.value(QLatin1String("version")).toString();
    t.sha256 = o.value(QLatin1String("sha256")).toString();
    t.customJson = o.value(QLatin1String("custom")).toString(QStringLiteral("{}"));
    t.length = o.value(QLatin1String("length")).toString().toULongLong();
    t.phase = o.value(QLatin1String("phase")).toInt();
    for (const QJsonValue &d : o.value(QLatin1String("dependencies")).toArray()) t.dependencies << d.toString();
    t.conditions.requireParked = o.value(QLatin1String("require_parked")).toBool();
    t.conditions.minBatterySoc = o.value(QLatin1String("min_battery_soc")).toInt(-1);
    t.allowNoRollback = o.value(QLatin1String("allow_no_rollback")).toBool();
    return t;
}

quint64 Campaign::totalBytes() const {
    quint64 n = 0;
    for (const CampaignTarget &t : targets) n += t.length;
    return n;
}

QJsonObject Campaign::toJson() const {
    QJsonArray targetsJson;
    for (const CampaignTarget &t : targets) targetsJson << t.toJson();
    QJsonObject notes;
    for (auto it = releaseNotes.begin(); it != releaseNotes.end(); ++it) notes.insert(it.key(), it.value());
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), name},
            {QStringLiteral("release_notes"), notes},
            {QStringLiteral("targets"), targetsJson},
            {QStringLiteral("forced"), forced},
            {QStringLiteral("max_deferrals"), maxDeferrals},
            {QStringLiteral("on_condition_break"), onConditionBreak},
            {QStringLiteral("origin"), origin}};
}

Campaign Campaign::fromJson(const QJsonObject &o) {
    Campaign c;
    c.id = o.value(QLatin1String("id")).toString();
    c.name = o.value(QLatin1String("name")).toString();
    const QJsonObject notes = o.value(QLatin1String("release_notes")).toObject();
    for (auto it = notes.begin(); it != notes.end(); ++it) c.releaseNotes.insert(it.key(), it.value().toString());
    for (const QJsonValue &t : o.value(QLatin1String("targets")).toArray()) c.targets << CampaignTarget::fromJson(t.toObject());
    c.forced = o.value(QLatin1String("forced")).toBool();
    c.maxDeferrals = o.value(QLatin1String("max_deferrals")).toInt(-1);
    c.onConditionBreak = o.value(QLatin1String("on_condition_break")).toString(QStringLiteral("pause"));
    c.origin = o.value(QLatin1String("origin")).toString();
    return c;
}

} // namespace conduit::core
