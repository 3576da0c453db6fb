#include "campaignresult.h"

#include "vocabulary.h"

#include <QJsonArray>

namespace conduit::core {

namespace {

constexpr std::array<Named<Outcome>, 5> kOutcomes{{
    {Outcome::Success, "success"},
    {Outcome::RolledBack, "rolled-back"},
    {Outcome::Failed, "failed"},
    {Outcome::Cancelled, "cancelled"},
    {Outcome::Declined, "declined"},
}};

QStringList stringsOf(const QJsonValue &v) {
    QStringList out;
    for (const QJsonValue &d : v.toArray()) out << d.toString();
    return out;
}

} // namespace

QString outcomeName(Outcome outcome) { return nameOf(kOutcomes, outcome); }
std::optional<Outcome> outcomeFromName(QStringView name) { return valueOf(kOutcomes, name); }

QJsonObject CampaignResult::toJson() const {
    QJsonObject o{{QStringLiteral("campaign"), campaignId},
                  {QStringLiteral("name"), name},
                  {QStringLiteral("outcome"), outcomeName(outcome)},
                  {QStringLiteral("finished"), finished.toString(Qt::ISODate)},
                  {QStringLiteral("flagged_devices"), QJsonArray::fromStringList(flaggedDevices)},
                  {QStringLiteral("reboot_needed"), QJsonArray::fromStringList(rebootNeeded)}};
    failure.writeTo(o);
    return o;
}

std::optional<CampaignResult> CampaignResult::fromJson(const QJsonObject &o, QString *error) {
    const QString outcome = o.value(QLatin1String("outcome")).toString();
    const std::optional<Outcome> known = outcomeFromName(outcome);
    if (!known) {
        *error = QStringLiteral("unknown outcome \"%1\"").arg(outcome);
        return std::nullopt;
    }
    CampaignResult r;
    r.campaignId = o.value(QLatin1String("campaign")).toString();
    r.name = o.value(QLatin1String("name")).toString();
    r.outcome = *known;
    r.failure = Failure::fromJson(o);
    r.finished = QDateTime::fromString(o.value(QLatin1String("finished")).toString(), Qt::ISODate);
    r.flaggedDevices = stringsOf(o.value(QLatin1String("flagged_devices")));
    r.rebootNeeded = stringsOf(o.value(QLatin1String("reboot_needed")));
    return r;
}

} // namespace conduit::core
