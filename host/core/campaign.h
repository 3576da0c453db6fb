// A campaign: the verified targets to install on this vehicle, with the
// signed install policy of each (phase, dependencies, vehicle conditions).
// Only a trusted source (an Uptane-verified bundle or repository) builds one.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>

namespace conduit::core {

class PayloadStore; // devicegateway.h

// Vehicle-state conditions from the signed policy (docs/metadata.md).
struct Conditions {
    bool requireParked = false;
    int minBatterySoc = -1; // percent; -1: no requirement
    bool operator==(const Conditions &) const = default;
};

struct CampaignTarget {
    QString deviceId;     // ECU serial
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
    // Signed policy: what to do when a vehicle condition breaks once the
    // installation has started: "pause" (wait until it holds again),
    // "continue", or "rollback".
    QString onConditionBreak = QStringLiteral("pause");
    QString origin;        // "bundle:/path", "ddi:action/42", ...
    // Where this campaign's payloads come from (its bundle, its DDI
    // action). Not journaled: a campaign resumed after a restart has none,
    // and the engine's own store answers for it.
    std::shared_ptr<PayloadStore> payloads;

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
