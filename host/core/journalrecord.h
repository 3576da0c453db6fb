// The records of the campaign journal (journal.h carries them, this header
// says what they are): one type per record, encoded and decoded here only,
// by the engine that writes them and by the recovery that reads them back.
// The JSON shape and the type names are the on-disk format
// (docs/campaign-engine.md, "Journal"): a record may gain members, never
// lose or rename one, so that a journal of an older host still recovers
// (tests/fixtures/journal/).
#pragma once

#include "campaign.h"
#include "campaignresult.h"
#include "failure.h"

#include "error/result.h"

#include <QJsonObject>
#include <QList>
#include <QStringList>

#include <optional>

namespace conduit::core {

enum class RecordType {
    Start,          // the whole campaign
    Plan,           // what each device runs before, through which agent, in which phase
    Consent,        // a consent passed (progress: not fsynced)
    Staged,         // one device's image transferred (progress)
    Installed,      // one device installed (progress)
    ActivateBegin,  // decision: from here a power cut resumes forward
    RebootPending,  // the devices switch on the reboot that follows
    CommitBegin,    // decision: the commit point
    CommitPending,  // a commit that failed: its devices, the failure, the attempt
    RollbackBegin,  // decision: undo, with the failure and the outcome it ends in
    Finish,         // the result
    ConditionBreak, // a vehicle condition broke while a phase installed, and the rule applied (progress)
};
// "start", "plan", "consent", "staged", "installed", "activate-begin",
// "reboot-pending", "commit-begin", "commit-pending", "rollback-begin",
// "finish", "condition-break".
QString recordTypeName(RecordType type);
std::optional<RecordType> recordTypeFromName(QStringView name);

struct PlannedUpdate {
    QString device, agent, fromVersion;
    quint32 capabilities = 0;
    int phase = 0;
};

// One record. Only the members its type names are meaningful.
// Why a journal record cannot be read back: the error domain of records
// (error/result.h). Either refuses the recovery of its campaign.
enum class RecordError {
    UnknownType, // a type this host does not know (a newer host's journal?)
    Malformed,   // a known type without a member it needs, or of the wrong kind
};

struct JournalRecord {
    RecordType type = RecordType::Start;
    Campaign campaign;                               // Start
    QList<PlannedUpdate> plan;                       // Plan
    ConsentKind consentKind = ConsentKind::Download; // Consent
    ConsentAnswer consentAnswer = ConsentAnswer::Policy;
    QString device;                                          // Staged, Installed
    QStringList devices;                                     // CommitPending: not confirmed
    int attempt = 0;                                         // CommitPending
    Failure failure;                                         // CommitPending, RollbackBegin
    Outcome outcome = Outcome::RolledBack;                   // RollbackBegin
    CampaignResult result;                                   // Finish
    QStringList unmet;                                       // ConditionBreak: what the driver was told
    core::ConditionBreak rule = core::ConditionBreak::Pause; // ConditionBreak
    int phase = -1;                                          // ConditionBreak: the phase (index) installing

    static JournalRecord start(const Campaign &c);
    static JournalRecord planned(const QList<PlannedUpdate> &runs);
    static JournalRecord consent(ConsentKind kind, ConsentAnswer answer);
    static JournalRecord staged(const QString &device);
    static JournalRecord installed(const QString &device);
    // ActivateBegin, RebootPending, CommitBegin: the type says it all.
    static JournalRecord marker(RecordType type);
    static JournalRecord commitPending(const QStringList &devices, int attempt, const Failure &why);
    static JournalRecord rollbackBegin(Outcome outcome, const Failure &why);
    static JournalRecord finish(const CampaignResult &result);
    static JournalRecord conditionBreak(const QStringList &unmet, core::ConditionBreak rule, int phase);

    // With "type" and "at" (the time it was written, UTC).
    QJsonObject toJson() const;
    // A record of a type this host does not know, or without a member its
    // type needs, is an error saying which and why.
    static error::Result<JournalRecord, RecordError> fromJson(const QJsonObject &o);
};

} // namespace conduit::core
