#include "artifactmatch.h"

#include <QStringList>

namespace conduit::upstream {

namespace {

QString sha256Of(const trust::VerifiedTarget &t) {
    auto it = t.hashes.find(QStringLiteral("sha256"));
    return it == t.hashes.end() ? QString() : it->second;
}

error::DomainError<ArtifactRefusal> attack(ArtifactRefusal kind, const OfferedArtifact &a) {
    return {
        kind,
        QStringLiteral("%1 matches no target signed for this vehicle: refused as an attack").arg(describeArtifact(a))};
}

} // namespace

QString describeArtifact(const OfferedArtifact &a) {
    const QString what = QStringLiteral("artifact %1 (%2 bytes, sha256 %3)").arg(a.name).arg(a.size).arg(a.sha256);
    return a.offeredIn.isEmpty() ? what : QStringLiteral("%1 in %2").arg(what, a.offeredIn);
}

QString nameOf(ArtifactRefusal kind) {
    switch (kind) {
    case ArtifactRefusal::LengthMismatch: return QStringLiteral("length-mismatch");
    case ArtifactRefusal::ImpersonatesTarget: return QStringLiteral("impersonates-target");
    case ArtifactRefusal::Unsigned: return QStringLiteral("unsigned");
    case ArtifactRefusal::MissingArtifact: return QStringLiteral("missing-artifact");
    }
    return QStringLiteral("unknown");
}

ArtifactMatchResult matchArtifacts(const std::vector<trust::VerifiedTarget> &targets,
                                   const QList<OfferedArtifact> &offered, ArtifactPolicy policy) {
    ArtifactMatch m;
    for (int i = 0; i < int(offered.size()); ++i) {
        const OfferedArtifact &a = offered.at(i);
        const bool hashKnown = !a.sha256.isEmpty();
        bool carries = false, sameHash = false, sameName = false;
        QString repeats;
        const trust::VerifiedTarget *hashOf = nullptr;
        for (const trust::VerifiedTarget &t : targets) {
            const bool hashMatches = hashKnown && sha256Of(t) == a.sha256;
            sameName = sameName || t.name == a.name;
            if (hashMatches && t.length != a.size) {
                sameHash = true;
                hashOf = &t;
            }
            if (!hashMatches || t.length != a.size) continue;
            if (m.artifactOf.emplace(t.name, i).second)
                carries = true;
            else if (repeats.isEmpty())
                repeats = t.name;
        }
        if (carries) continue;
        if (!repeats.isEmpty()) {
            m.ignored << IgnoredArtifact{i, IgnoredArtifact::Why::Duplicate, repeats};
            continue;
        }
        if (sameHash) {
            return error::DomainError<ArtifactRefusal>{
                ArtifactRefusal::LengthMismatch,
                QStringLiteral("%1 has the SHA-256 of target %2 but not its signed length of %3 bytes: "
                               "refused as an attack")
                    .arg(describeArtifact(a), hashOf->name)
                    .arg(hashOf->length)};
        }
        if (sameName) return attack(ArtifactRefusal::ImpersonatesTarget, a);
        if (policy == ArtifactPolicy::RefuseUnsigned) return attack(ArtifactRefusal::Unsigned, a);
        m.ignored << IgnoredArtifact{i, IgnoredArtifact::Why::NoSignedTarget, {}};
    }
    for (const trust::VerifiedTarget &t : targets) {
        if (m.artifactOf.count(t.name)) continue;
        QStringList instead;
        for (const IgnoredArtifact &ig : m.ignored)
            if (ig.why == IgnoredArtifact::Why::NoSignedTarget) instead << describeArtifact(offered.at(ig.artifact));
        return error::DomainError<ArtifactRefusal>{
            ArtifactRefusal::MissingArtifact,
            QStringLiteral("target %1 for ECU %2 is signed but the server offers no artifact for it%3")
                .arg(t.name, t.ecuSerial,
                     instead.isEmpty()
                         ? QString()
                         : QStringLiteral(" (offered instead: %1)").arg(instead.join(QStringLiteral(", "))))};
    }
    return m;
}

} // namespace conduit::upstream
