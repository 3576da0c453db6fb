// A campaign: the verified targets to install on this vehicle, with the
// signed install policy of each (phase, dependencies, vehicle conditions).
// Only a trusted source (an Uptane-verified bundle or repository) builds one.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace conduit::core {

class PayloadSource; // devicegateway.h

// Signed policy: what to do when a vehicle condition breaks once the
// installation has started, from the least to the most careful (the most
// careful rule of a package's targets applies). Wire names: "continue",
// "pause", "rollback" (docs/metadata.md).
enum class ConditionBreak { Continue, Pause, Rollback };
QString conditionBreakName(ConditionBreak rule);
std::optional<ConditionBreak> conditionBreakFromName(QStringView name);

// The two consent gates of a campaign, and how one was passed.
enum class ConsentKind { Download, Install };
enum class ConsentAnswer { Policy, Accept, Decline };

// Where a campaign came from: journaled with it, so that after a restart
// the DDI connector knows its action again. As text ("bundle:/abs/path",
// "ddi:action/42") only in JSON: the journal, GetCampaign.
struct CampaignOrigin {
    enum class Kind { Unknown, Bundle, DdiAction };
    Kind kind = Kind::Unknown;
    QString ref; // the bundle's absolute path, the DDI action id; Unknown: the text as read

    static CampaignOrigin bundle(const QString &absolutePath) { return {Kind::Bundle, absolutePath}; }
    static CampaignOrigin ddiAction(const QString &actionId) { return {Kind::DdiAction, actionId}; }
    QString toString() const;
    // Any text reads: one this host does not know stays Unknown, as written.
    static CampaignOrigin fromString(const QString &text);
    bool operator==(const CampaignOrigin &) const = default;
};

// Vehicle-state conditions from the signed policy (docs/metadata.md).
struct Conditions {
    bool requireParked = false;
    int minBatterySoc = -1; // percent; -1: no requirement
    bool operator==(const Conditions &) const = default;
};

struct CampaignTarget {
    QString deviceId; // ECU serial
    QString hardwareId;
    QString targetName;
    QString version;
    QString sha256;
    QString customJson = QStringLiteral("{}");
    quint64 length = 0;
    int phase = 0;
    QStringList dependencies; // device ids that must be installed first
    Conditions conditions;
    // Signed flag: this device cannot roll back and is installed last.
    bool allowNoRollback = false;
    // Signed estimates for this device, seconds; -1: not stated.
    qint64 installSeconds = -1;
    qint64 unusableSeconds = -1;

    QJsonObject toJson() const;
    static CampaignTarget fromJson(const QJsonObject &o);
};

struct Campaign {
    QString id;
    QString name;
    QMap<QString, QString> releaseNotes; // locale -> text, merged over the targets (mergeReleaseNotes)
    QList<CampaignTarget> targets;
    bool forced = false;   // server-side "forced": consent not asked
    int maxDeferrals = -1; // signed policy: how often the driver may postpone (-1: no limit)
    // Signed policy: a condition that breaks once the installation has
    // started pauses it (until it holds again), is ignored, or rolls back.
    ConditionBreak onConditionBreak = ConditionBreak::Pause;
    CampaignOrigin origin;
    // Where this campaign's payloads come from (its bundle, its DDI
    // action). Not journaled: a campaign resumed after a restart has none,
    // and the engine's own store answers for it.
    std::shared_ptr<PayloadSource> payloads;

    quint64 totalBytes() const;
    // Estimates from the targets' signed figures. Phases run one after
    // another and the devices of a phase in parallel, so: the sum over the
    // phases of each phase's longest figure (a target that states none
    // counts as 0). -1 when no target states one.
    qint64 installSeconds() const;
    qint64 unusableSeconds() const;
    QJsonObject toJson() const;
    static Campaign fromJson(const QJsonObject &o);
};

// The campaign's release notes from its targets' (in install order): per
// locale, each target's text once (two ECUs flashed with one image carry
// the same notes), paragraphs apart. A target without that locale adds
// its text in the nearest one (same language, then English, then its
// first), so a driver reading German still learns that the brakes change.
QMap<QString, QString> mergeReleaseNotes(const QList<QMap<QString, QString>> &perTarget);

} // namespace conduit::core
