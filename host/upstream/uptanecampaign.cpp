#include "uptanecampaign.h"

#include "releaseinfo.h"

#include <QCryptographicHash>

#include <algorithm>
#include <tuple>

namespace conduit::upstream {

namespace {

// The `conduit` block of a target's custom metadata, Director's first.
const trust::JsonValue *conduitField(const trust::VerifiedTarget &t, const char *key) {
    for (const trust::JsonValue *custom : {&t.directorCustom, &t.imageCustom}) {
        if (!custom->isObject() || !custom->contains("conduit")) continue;
        const trust::JsonValue &c = (*custom)["conduit"];
        if (c.isObject() && c.contains(key)) return &c[key];
    }
    return nullptr;
}

// The campaign's notes, merged in install order, within the caps of what
// one consent screen and one D-Bus signal carry.
bool mergeNotes(core::Campaign &c, QList<std::pair<const core::CampaignTarget *, QMap<QString, QString>>> notes,
                QString *error) {
    std::stable_sort(notes.begin(), notes.end(), [](const auto &a, const auto &b) {
        return std::tie(a.first->phase, a.first->targetName) < std::tie(b.first->phase, b.first->targetName);
    });
    QList<QMap<QString, QString>> ordered;
    for (const auto &n : notes) ordered << n.second;
    c.releaseNotes = core::mergeReleaseNotes(ordered);
    const ReleaseInfoLimits limits;
    if (c.releaseNotes.size() > limits.maxLocales) {
        *error = QStringLiteral("the release notes of this update come in %1 locales, over the limit of %2")
                     .arg(c.releaseNotes.size())
                     .arg(limits.maxLocales);
        return false;
    }
    for (auto it = c.releaseNotes.begin(); it != c.releaseNotes.end(); ++it) {
        const qsizetype bytes = it.value().toUtf8().size();
        if (bytes > limits.maxMergedNoteBytes) {
            *error =
                QStringLiteral("the release notes of this update in %1 are %2 bytes together, over the limit of %3")
                    .arg(it.key())
                    .arg(bytes)
                    .arg(limits.maxMergedNoteBytes);
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<core::Campaign> campaignFromUptane(const trust::UptaneUpdate &update, QString *error) {
    core::Campaign c;
    QMap<QString, QString> deviceOfTarget;
    for (const trust::VerifiedTarget &t : update.targets) deviceOfTarget.insert(t.name, t.ecuSerial);
    // The campaign's identity is what was signed: the same release is the
    // same campaign, a new one a new campaign.
    QCryptographicHash id(QCryptographicHash::Sha256);
    QList<QMap<QString, QString>> notesOf; // per target, in c.targets order
    for (const trust::VerifiedTarget &t : update.targets) {
        core::CampaignTarget ct;
        ct.deviceId = t.ecuSerial;
        ct.hardwareId = t.hardwareId;
        ct.targetName = t.name;
        ct.length = quint64(t.length);
        ct.sha256 = t.hashes.count(QStringLiteral("sha256")) ? t.hashes.at(QStringLiteral("sha256")) : QString();
        const trust::JsonValue *version = conduitField(t, "version");
        ct.version = version && version->isString() ? version->toString() : t.name;
        const trust::JsonValue *noRollback = conduitField(t, "allow_no_rollback");
        ct.allowNoRollback = noRollback && noRollback->isBool() && noRollback->toBool();
        ct.phase = int(t.policy.phase);
        for (const QString &dep : t.policy.dependencies) {
            if (!deviceOfTarget.contains(dep)) {
                *error = QStringLiteral("target %1 depends on %2, which this update does not install").arg(t.name, dep);
                return std::nullopt;
            }
            ct.dependencies << deviceOfTarget.value(dep);
        }
        ct.conditions.requireParked = t.policy.requiresParked;
        ct.conditions.minBatterySoc = t.policy.minBatterySoc ? int(*t.policy.minBatterySoc) : -1;
        ct.customJson = QString::fromUtf8(trust::canonicalJson(
            t.imageCustom.isObject() ? t.imageCustom : trust::JsonValue(trust::JsonValue::Object{})));
        // The strictest signed deferral limit of the package applies.
        const trust::JsonValue *deferrals = conduitField(t, "max_deferrals");
        if (deferrals && deferrals->isInteger() && deferrals->toInteger() >= 0)
            c.maxDeferrals = c.maxDeferrals < 0 ? int(deferrals->toInteger())
                                                : std::min(c.maxDeferrals, int(deferrals->toInteger()));
        // Of the targets' condition-break rules, the most careful applies.
        const trust::JsonValue *onBreak = conduitField(t, "on_condition_break");
        if (onBreak && onBreak->isString()) {
            const std::optional<core::ConditionBreak> rule = core::conditionBreakFromName(onBreak->toString());
            if (!rule) {
                *error =
                    QStringLiteral("target %1: on_condition_break must be continue, pause or rollback").arg(t.name);
                return std::nullopt;
            }
            c.onConditionBreak = std::max(c.onConditionBreak, *rule); // declared from the least careful
        }
        // What the driver is told: checked strictly although signed.
        auto info = releaseInfoOf(t, error);
        if (!info) return std::nullopt;
        ct.installSeconds = info->installSeconds.value_or(-1);
        ct.unusableSeconds = info->unusableSeconds.value_or(-1);
        notesOf << info->releaseNotes;
        c.targets << ct;
        id.addData(t.ecuSerial.toUtf8() + '\0' + t.name.toUtf8() + '\0' + ct.sha256.toUtf8() + '\n');
    }
    QList<std::pair<const core::CampaignTarget *, QMap<QString, QString>>> notes;
    for (qsizetype i = 0; i < c.targets.size(); ++i) notes.append({&c.targets.at(i), notesOf.at(i)});
    if (!mergeNotes(c, notes, error)) return std::nullopt;
    c.id = QString::fromLatin1(id.result().toHex().left(16));
    return c;
}

} // namespace conduit::upstream
