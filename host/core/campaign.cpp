#include "campaign.h"

#include "vocabulary.h"

#include <QJsonArray>

#include <algorithm>

namespace conduit::core {

namespace {

QString languageOf(const QString &locale) {
    return locale.section(QLatin1Char('-'), 0, 0).section(QLatin1Char('_'), 0, 0).toLower();
}

// The text of `notes` a reader of `locale` should get (the HMI picks the
// same way among the campaign's locales).
QString nearestNote(const QMap<QString, QString> &notes, const QString &locale) {
    if (notes.contains(locale)) return notes.value(locale);
    const auto spelling = [](QString l) { return l.replace(QLatin1Char('_'), QLatin1Char('-')).toLower(); };
    for (auto it = notes.begin(); it != notes.end(); ++it)
        if (spelling(it.key()) == spelling(locale)) return it.value();
    const QString language = languageOf(locale);
    for (auto it = notes.begin(); it != notes.end(); ++it)
        if (languageOf(it.key()) == language) return it.value();
    for (auto it = notes.begin(); it != notes.end(); ++it)
        if (languageOf(it.key()) == QLatin1String("en")) return it.value();
    return notes.isEmpty() ? QString() : notes.first();
}

qint64 phasedSeconds(const QList<CampaignTarget> &targets, qint64 CampaignTarget::*field) {
    QMap<int, qint64> longest; // phase -> its longest device
    bool stated = false;
    for (const CampaignTarget &t : targets) {
        stated |= t.*field >= 0;
        longest[t.phase] = std::max(longest.value(t.phase, 0), std::max<qint64>(t.*field, 0));
    }
    if (!stated) return -1;
    qint64 sum = 0;
    for (qint64 s : longest) sum += s;
    return sum;
}

} // namespace

QJsonObject CampaignTarget::toJson() const {
    QJsonObject o{{QStringLiteral("device"), deviceId},
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
    // Absent, not -1, when not stated: readers treat absence as unknown.
    if (installSeconds >= 0) o.insert(QStringLiteral("install_seconds"), double(installSeconds));
    if (unusableSeconds >= 0) o.insert(QStringLiteral("unusable_seconds"), double(unusableSeconds));
    return o;
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
    t.installSeconds = o.value(QLatin1String("install_seconds")).toInteger(-1);
    t.unusableSeconds = o.value(QLatin1String("unusable_seconds")).toInteger(-1);
    return t;
}

quint64 Campaign::totalBytes() const {
    quint64 n = 0;
    for (const CampaignTarget &t : targets) n += t.length;
    return n;
}

qint64 Campaign::installSeconds() const { return phasedSeconds(targets, &CampaignTarget::installSeconds); }
qint64 Campaign::unusableSeconds() const { return phasedSeconds(targets, &CampaignTarget::unusableSeconds); }

QJsonObject Campaign::toJson() const {
    QJsonArray targetsJson;
    for (const CampaignTarget &t : targets) targetsJson << t.toJson();
    QJsonObject notes;
    for (auto it = releaseNotes.begin(); it != releaseNotes.end(); ++it) notes.insert(it.key(), it.value());
    QJsonObject o{{QStringLiteral("id"), id},
                  {QStringLiteral("name"), name},
                  {QStringLiteral("release_notes"), notes},
                  {QStringLiteral("targets"), targetsJson},
                  {QStringLiteral("forced"), forced},
                  {QStringLiteral("max_deferrals"), maxDeferrals},
                  {QStringLiteral("on_condition_break"), conditionBreakName(onConditionBreak)},
                  {QStringLiteral("origin"), origin.toString()}};
    // Derived from the targets (fromJson does not read them back); absent
    // when no target states a figure, as the control API promises.
    if (const qint64 s = installSeconds(); s >= 0) o.insert(QStringLiteral("install_seconds"), double(s));
    if (const qint64 s = unusableSeconds(); s >= 0) o.insert(QStringLiteral("unusable_seconds"), double(s));
    return o;
}

Campaign Campaign::fromJson(const QJsonObject &o) {
    Campaign c;
    c.id = o.value(QLatin1String("id")).toString();
    c.name = o.value(QLatin1String("name")).toString();
    const QJsonObject notes = o.value(QLatin1String("release_notes")).toObject();
    for (auto it = notes.begin(); it != notes.end(); ++it) c.releaseNotes.insert(it.key(), it.value().toString());
    for (const QJsonValue &t : o.value(QLatin1String("targets")).toArray())
        c.targets << CampaignTarget::fromJson(t.toObject());
    c.forced = o.value(QLatin1String("forced")).toBool();
    c.maxDeferrals = o.value(QLatin1String("max_deferrals")).toInt(-1);
    // A rule this host does not know is not obeyed as "continue": pause.
    c.onConditionBreak =
        conditionBreakFromName(o.value(QLatin1String("on_condition_break")).toString()).value_or(ConditionBreak::Pause);
    c.origin = CampaignOrigin::fromString(o.value(QLatin1String("origin")).toString());
    return c;
}

namespace {

constexpr std::array<Named<ConditionBreak>, 3> kConditionBreaks{{
    {ConditionBreak::Continue, "continue"},
    {ConditionBreak::Pause, "pause"},
    {ConditionBreak::Rollback, "rollback"},
}};

constexpr std::array<Named<CampaignOrigin::Kind>, 2> kOriginPrefixes{{
    {CampaignOrigin::Kind::Bundle, "bundle:"},
    {CampaignOrigin::Kind::DdiAction, "ddi:action/"},
}};

} // namespace

QString conditionBreakName(ConditionBreak rule) { return nameOf(kConditionBreaks, rule); }
std::optional<ConditionBreak> conditionBreakFromName(QStringView name) { return valueOf(kConditionBreaks, name); }

QString CampaignOrigin::toString() const { return kind == Kind::Unknown ? ref : nameOf(kOriginPrefixes, kind) + ref; }

CampaignOrigin CampaignOrigin::fromString(const QString &text) {
    for (const Named<Kind> &p : kOriginPrefixes)
        if (text.startsWith(QLatin1String(p.name))) return {p.value, text.mid(qsizetype(qstrlen(p.name)))};
    return {Kind::Unknown, text};
}

QMap<QString, QString> mergeReleaseNotes(const QList<QMap<QString, QString>> &perTarget) {
    QStringList locales;
    for (const auto &notes : perTarget)
        for (auto it = notes.begin(); it != notes.end(); ++it)
            if (!locales.contains(it.key())) locales << it.key();
    QMap<QString, QString> merged;
    for (const QString &locale : locales) {
        QStringList paragraphs;
        for (const auto &notes : perTarget) {
            const QString text = nearestNote(notes, locale);
            if (!text.isEmpty() && !paragraphs.contains(text)) paragraphs << text;
        }
        merged.insert(locale, paragraphs.join(QStringLiteral("\n\n")));
    }
    return merged;
}

} // namespace conduit::core
