#include "journalrecord.h"

#include "vocabulary.h"

#include <QDateTime>
#include <QJsonArray>

namespace conduit::core {

namespace {

constexpr std::array<Named<RecordType>, 12> kTypes{{
    {RecordType::Start, "start"},
    {RecordType::Plan, "plan"},
    {RecordType::Consent, "consent"},
    {RecordType::Staged, "staged"},
    {RecordType::Installed, "installed"},
    {RecordType::ActivateBegin, "activate-begin"},
    {RecordType::RebootPending, "reboot-pending"},
    {RecordType::CommitBegin, "commit-begin"},
    {RecordType::CommitPending, "commit-pending"},
    {RecordType::RollbackBegin, "rollback-begin"},
    {RecordType::Finish, "finish"},
    {RecordType::ConditionBreak, "condition-break"},
}};

constexpr std::array<Named<ConsentKind>, 2> kConsentKinds{{
    {ConsentKind::Download, "download"},
    {ConsentKind::Install, "install"},
}};

constexpr std::array<Named<ConsentAnswer>, 3> kConsentAnswers{{
    {ConsentAnswer::Policy, "policy"},
    {ConsentAnswer::Accept, "accept"},
    {ConsentAnswer::Decline, "decline"},
}};

std::optional<ConsentKind> consentKindFromName(QStringView name) { return valueOf(kConsentKinds, name); }
std::optional<ConsentAnswer> consentAnswerFromName(QStringView name) { return valueOf(kConsentAnswers, name); }

// Reads the members of one record; the first that is missing or of the
// wrong kind is the error.
struct Reader {
    const QJsonObject &o;
    QString *error;
    bool ok = true;

    bool fail(const QString &why) {
        if (ok) *error = why;
        ok = false;
        return false;
    }
    QString text(const char *key, bool mayBeEmpty) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isString())
            return fail(QStringLiteral("\"%1\" is missing or not a string").arg(QLatin1String(key))), QString();
        if (!mayBeEmpty && v.toString().isEmpty())
            return fail(QStringLiteral("\"%1\" is empty").arg(QLatin1String(key))), QString();
        return v.toString();
    }
    double number(const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isDouble()) return fail(QStringLiteral("\"%1\" is missing or not a number").arg(QLatin1String(key))), 0;
        return v.toDouble();
    }
    QJsonArray array(const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isArray())
            return fail(QStringLiteral("\"%1\" is missing or not an array").arg(QLatin1String(key))), QJsonArray();
        return v.toArray();
    }
    QJsonObject object(const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isObject())
            return fail(QStringLiteral("\"%1\" is missing or not an object").arg(QLatin1String(key))), QJsonObject();
        return v.toObject();
    }
    template <typename E>
    E named(const char *key, std::optional<E> (*lookup)(QStringView), E fallback) {
        const QString name = text(key, true);
        const std::optional<E> v = lookup(name);
        if (!v && ok) fail(QStringLiteral("\"%1\" is \"%2\", not a known value").arg(QLatin1String(key), name));
        return v.value_or(fallback);
    }
};

std::optional<PlannedUpdate> plannedUpdate(const QJsonValue &v, QString *error) {
    if (!v.isObject()) {
        *error = QStringLiteral("a run is not an object");
        return std::nullopt;
    }
    const QJsonObject o = v.toObject();
    Reader in{o, error};
    PlannedUpdate r;
    r.device = in.text("device", false);
    r.agent = in.text("agent", false);
    r.fromVersion = in.text("from", true);
    r.capabilities = quint32(in.number("capabilities"));
    r.phase = int(in.number("phase"));
    if (!in.ok) return std::nullopt;
    return r;
}

} // namespace

QString recordTypeName(RecordType type) { return nameOf(kTypes, type); }
std::optional<RecordType> recordTypeFromName(QStringView name) { return valueOf(kTypes, name); }

JournalRecord JournalRecord::start(const Campaign &c) {
    JournalRecord r;
    r.type = RecordType::Start;
    r.campaign = c;
    return r;
}

JournalRecord JournalRecord::planned(const QList<PlannedUpdate> &runs) {
    JournalRecord r = marker(RecordType::Plan);
    r.plan = runs;
    return r;
}

JournalRecord JournalRecord::consent(ConsentKind kind, ConsentAnswer answer) {
    JournalRecord r = marker(RecordType::Consent);
    r.consentKind = kind;
    r.consentAnswer = answer;
    return r;
}

JournalRecord JournalRecord::staged(const QString &device) {
    JournalRecord r = marker(RecordType::Staged);
    r.device = device;
    return r;
}

JournalRecord JournalRecord::installed(const QString &device) {
    JournalRecord r = staged(device);
    r.type = RecordType::Installed;
    return r;
}

JournalRecord JournalRecord::marker(RecordType type) {
    JournalRecord r;
    r.type = type;
    return r;
}

JournalRecord JournalRecord::commitPending(const QStringList &devices, int attempt, const Failure &why) {
    JournalRecord r = marker(RecordType::CommitPending);
    r.devices = devices;
    r.attempt = attempt;
    r.failure = why;
    return r;
}

JournalRecord JournalRecord::rollbackBegin(Outcome outcome, const Failure &why) {
    JournalRecord r = marker(RecordType::RollbackBegin);
    r.outcome = outcome;
    r.failure = why;
    return r;
}

JournalRecord JournalRecord::finish(const CampaignResult &result) {
    JournalRecord r = marker(RecordType::Finish);
    r.result = result;
    return r;
}

JournalRecord JournalRecord::conditionBreak(const QStringList &unmet, core::ConditionBreak rule, int phase) {
    JournalRecord r = marker(RecordType::ConditionBreak);
    r.unmet = unmet;
    r.rule = rule;
    r.phase = phase;
    return r;
}

QJsonObject JournalRecord::toJson() const {
    QJsonObject o;
    switch (type) {
    case RecordType::Start: o.insert(QStringLiteral("campaign"), campaign.toJson()); break;
    case RecordType::Plan: {
        QJsonArray runs;
        for (const PlannedUpdate &p : plan)
            runs << QJsonObject{{QStringLiteral("device"), p.device},
                                {QStringLiteral("agent"), p.agent},
                                {QStringLiteral("from"), p.fromVersion},
                                {QStringLiteral("capabilities"), int(p.capabilities)},
                                {QStringLiteral("phase"), p.phase}};
        o.insert(QStringLiteral("runs"), runs);
        break;
    }
    case RecordType::Consent:
        o.insert(QStringLiteral("kind"), nameOf(kConsentKinds, consentKind));
        o.insert(QStringLiteral("answer"), nameOf(kConsentAnswers, consentAnswer));
        break;
    case RecordType::Staged:
    case RecordType::Installed: o.insert(QStringLiteral("device"), device); break;
    case RecordType::CommitPending:
        o.insert(QStringLiteral("devices"), QJsonArray::fromStringList(devices));
        o.insert(QStringLiteral("attempt"), attempt);
        failure.writeTo(o);
        break;
    case RecordType::RollbackBegin:
        // The whole failure, so that a rollback finished after a power cut
        // still explains itself.
        o.insert(QStringLiteral("outcome"), outcomeName(outcome));
        failure.writeTo(o);
        break;
    case RecordType::Finish: o.insert(QStringLiteral("result"), result.toJson()); break;
    case RecordType::ConditionBreak:
        o.insert(QStringLiteral("unmet"), QJsonArray::fromStringList(unmet));
        o.insert(QStringLiteral("rule"), conditionBreakName(rule));
        o.insert(QStringLiteral("phase"), phase);
        break;
    case RecordType::ActivateBegin:
    case RecordType::RebootPending:
    case RecordType::CommitBegin: break;
    }
    o.insert(QStringLiteral("type"), recordTypeName(type));
    o.insert(QStringLiteral("at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    return o;
}

error::Result<JournalRecord, RecordError> JournalRecord::fromJson(const QJsonObject &o) {
    const QString typeName = o.value(QLatin1String("type")).toString();
    const std::optional<RecordType> type = recordTypeFromName(typeName);
    if (!type)
        return error::DomainError<RecordError>{RecordError::UnknownType,
                                               QStringLiteral("unknown record type \"%1\"").arg(typeName)};
    QString why;
    Reader in{o, &why};
    JournalRecord r = marker(*type);
    switch (*type) {
    case RecordType::Start: {
        const QJsonObject c = in.object("campaign");
        if (in.ok) r.campaign = Campaign::fromJson(c);
        if (in.ok && r.campaign.id.isEmpty()) in.fail(QStringLiteral("the campaign has no id"));
        break;
    }
    case RecordType::Plan:
        for (const QJsonValue &v : in.array("runs")) {
            QString runError;
            const std::optional<PlannedUpdate> p = plannedUpdate(v, &runError);
            if (!p) {
                in.fail(QStringLiteral("run %1: %2").arg(r.plan.size()).arg(runError));
                break;
            }
            r.plan << *p;
        }
        break;
    case RecordType::Consent:
        r.consentKind = in.named("kind", consentKindFromName, ConsentKind::Download);
        r.consentAnswer = in.named("answer", consentAnswerFromName, ConsentAnswer::Policy);
        break;
    case RecordType::Staged:
    case RecordType::Installed: r.device = in.text("device", false); break;
    case RecordType::CommitPending:
        for (const QJsonValue &d : in.array("devices")) r.devices << d.toString();
        r.attempt = int(in.number("attempt"));
        r.failure = Failure::fromJson(o);
        break;
    case RecordType::RollbackBegin:
        // Absent in no host's journal so far; read as the default it meant.
        if (o.contains(QLatin1String("outcome"))) r.outcome = in.named("outcome", outcomeFromName, Outcome::RolledBack);
        r.failure = Failure::fromJson(o);
        break;
    case RecordType::ConditionBreak:
        for (const QJsonValue &u : in.array("unmet")) r.unmet << u.toString();
        r.rule = in.named("rule", conditionBreakFromName, core::ConditionBreak::Pause);
        r.phase = int(in.number("phase"));
        break;
    case RecordType::Finish: {
        const QJsonObject result = in.object("result");
        if (!in.ok) break;
        std::optional<CampaignResult> res = CampaignResult::fromJson(result, &why);
        if (!res)
            in.ok = false;
        else
            r.result = *res;
        break;
    }
    case RecordType::ActivateBegin:
    case RecordType::RebootPending:
    case RecordType::CommitBegin: break;
    }
    if (!in.ok)
        return error::DomainError<RecordError>{RecordError::Malformed,
                                               QStringLiteral("%1 record: %2").arg(typeName, why)};
    return r;
}

} // namespace conduit::core
