// How a campaign ended, as the engine reports it (CampaignEngine::finished),
// keeps it (the history file) and journals it (the `finish` record). The
// JSON form is the control API's (docs/dbus-api.md, "Results"): the names
// below are a contract with every HMI.
#pragma once

#include "failure.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace conduit::core {

enum class Outcome { Success, RolledBack, Failed, Cancelled, Declined };
// "success", "rolled-back", "failed", "cancelled", "declined".
QString outcomeName(Outcome outcome);
std::optional<Outcome> outcomeFromName(QStringView name);

struct CampaignResult {
    QString campaignId, name;
    Outcome outcome = Outcome::Failed;
    // Why it did not succeed (empty on success): structured for the
    // driver's language, with the technical reason (failure.h).
    Failure failure;
    QDateTime finished;
    QStringList flaggedDevices; // rollback (or commit) failed: needs service
    // Devices rolled back to their previous slot that still run the new
    // software until the vehicle restarts (a rollback after a trial boot).
    QStringList rebootNeeded;

    QJsonObject toJson() const;
    // Strict about the outcome (the one thing every reader acts on); the
    // failure's names read as failure.h says. nullopt with *error otherwise.
    static std::optional<CampaignResult> fromJson(const QJsonObject &o, QString *error);
};

} // namespace conduit::core
