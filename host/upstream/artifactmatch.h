// Which offered artifact carries which verified target: the security rule
// between what a server offers (DDI chunks and artifacts) and what Uptane
// verified for this vehicle (docs/upstream.md, "DDI and Uptane"). A pure
// function: no network, no state, the same answer for the same inputs.
//
// The rules, in the order they are applied to each artifact:
//   1. Its length and SHA-256 are a signed target's: it carries that target
//      (every target with those bytes; the file name does not count). An
//      artifact whose bytes an earlier one already carries is a duplicate:
//      ignored (downloaded once), listed.
//   2. Its SHA-256 is a signed target's, its length is not: refused as an
//      attack (the server misstates the signed image).
//   3. It is named like a signed target but holds other bytes: refused as
//      an attack, whatever the strictness.
//   4. Strict: anything else is refused as an attack.
//   5. Otherwise it matches no signed target (a detached .sig, a changelog):
//      ignored (never downloaded nor installed), listed.
// Then every signed target must be carried by an artifact, or the offer is
// refused.
#pragma once

#include "error/result.h"
#include "trust/uptane.h"

#include <QList>
#include <QString>

#include <map>
#include <vector>

namespace conduit::upstream {

struct OfferedArtifact {
    QString name;      // the server's file name
    qint64 size = -1;  // as the server states it
    QString sha256;    // lowercase hex, as the server states it
    QString offeredIn; // where it was offered (a DDI chunk), for messages; may be empty
};

// "artifact notes.sig (812 bytes, sha256 …) in ecus": how operators see one.
QString describeArtifact(const OfferedArtifact &artifact);

enum class ArtifactPolicy {
    IgnoreUnsigned, // an artifact no signed target names is ignored and listed
    RefuseUnsigned, // ... is refused as an attack (strict_artifacts = true)
};

struct IgnoredArtifact {
    enum class Why { NoSignedTarget, Duplicate };
    int artifact = -1; // index into the offered artifacts
    Why why = Why::NoSignedTarget;
    QString target; // Duplicate: the target whose bytes it repeats
    bool operator==(const IgnoredArtifact &) const = default;
};

struct ArtifactMatch {
    std::map<QString, int> artifactOf; // target name -> index into the offered artifacts
    QList<IgnoredArtifact> ignored;    // in the order offered
};

// Why an offer is refused: the error domain of matching (error/result.h).
enum class ArtifactRefusal {
    LengthMismatch,     // rule 2
    ImpersonatesTarget, // rule 3
    Unsigned,           // rule 4
    MissingArtifact,    // a signed target no artifact carries
};
QString nameOf(ArtifactRefusal kind); // "length-mismatch", ...: logs and tests

// The error's message is what the server, the log and the history say.
using ArtifactMatchResult = error::Result<ArtifactMatch, ArtifactRefusal>;

ArtifactMatchResult matchArtifacts(const std::vector<trust::VerifiedTarget> &targets,
                                   const QList<OfferedArtifact> &offered, ArtifactPolicy policy);

} // namespace conduit::upstream
