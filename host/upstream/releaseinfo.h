// What the driver is told about one target before agreeing to it
// (docs/metadata.md, section 6): release notes per locale, how long the
// installation takes and how long the vehicle cannot be driven. They come
// from the target's signed `custom.conduit` block, and are still checked
// strictly: a targets key holder (or a bug in a release tool) can put
// anything there, and it ends up on the bus and on the driver's screen.
//
// No network, no engine: parsed alone by the fuzz target and by
// conduit-repo, so a release the host would refuse is refused when made.
#pragma once

#include "trust/canonicaljson.h"
#include "trust/uptane.h"

#include <QMap>
#include <QString>

#include <optional>

namespace conduit::upstream {

struct ReleaseInfoLimits {
    // A figure above a day is a mistake in the metadata, not an estimate.
    qint64 maxSeconds = 24 * 3600;
    int maxLocales = 32;           // per target, and for the merged campaign
    qsizetype maxNoteBytes = 8192; // per locale of one target (UTF-8)
    // Per locale of the campaign, after merging the targets' notes: what
    // one consent screen and one D-Bus signal are expected to carry.
    qsizetype maxMergedNoteBytes = 32768;
};

struct ReleaseInfo {
    QMap<QString, QString> releaseNotes;   // locale ("en", "de-DE", "de_DE") -> plain text
    std::optional<qint64> installSeconds;  // installation time of this device
    std::optional<qint64> unusableSeconds; // time the vehicle cannot be driven for it
};

// Reads conduit.release_notes, conduit.install_seconds and
// conduit.unusable_seconds from a target's `conduit` block (null or an
// object; other keys are ignored). Absent fields stay empty. nullopt with
// *error naming the target and the field when one is malformed.
std::optional<ReleaseInfo> releaseInfoOf(const trust::JsonValue &conduit, const QString &target, QString *error,
                                         const ReleaseInfoLimits &limits = {});

// The same for a verified target: its Image and Director `conduit` blocks
// together (verifyUptane has already refused a key they disagree on).
std::optional<ReleaseInfo> releaseInfoOf(const trust::VerifiedTarget &target, QString *error,
                                         const ReleaseInfoLimits &limits = {});

// A locale tag as Conduit accepts it: a 2-3 letter language, then up to
// three subtags of 2-8 letters or digits, each after '-' or '_'.
bool isValidLocale(const QString &locale);

// Why `text` cannot be shown as release notes, or "" if it can: not empty,
// at most `maxBytes` of UTF-8, no control characters except tab and newline.
QString noteTextProblem(const QString &text, qsizetype maxBytes);

} // namespace conduit::upstream
