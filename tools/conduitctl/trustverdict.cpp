#include "trustverdict.h"

namespace conduit::ctl {

using trust::TrustErrorKind;

QString verdict(TrustErrorKind kind) {
    switch (kind) {
    case TrustErrorKind::ArbitrarySoftware: return QStringLiteral("ATTACK DETECTED (arbitrary software)");
    case TrustErrorKind::Rollback: return QStringLiteral("ATTACK DETECTED (rollback)");
    case TrustErrorKind::Freeze: return QStringLiteral("ATTACK DETECTED (freeze)");
    case TrustErrorKind::MixAndMatch: return QStringLiteral("ATTACK DETECTED (mix-and-match)");
    case TrustErrorKind::EndlessData: return QStringLiteral("ATTACK DETECTED (endless data)");
    case TrustErrorKind::ImageMismatch:
        return QStringLiteral("ATTACK DETECTED (image does not match its signed metadata)");
    case TrustErrorKind::TooLarge: return QStringLiteral("REJECTED (over a size limit)");
    case TrustErrorKind::Vehicle: return QStringLiteral("REJECTED (not for this vehicle)");
    case TrustErrorKind::Missing: return QStringLiteral("REJECTED (missing)");
    case TrustErrorKind::Unsupported: return QStringLiteral("REJECTED (unsupported)");
    case TrustErrorKind::BadKey: return QStringLiteral("REJECTED (bad key)");
    case TrustErrorKind::Storage: return QStringLiteral("ERROR");
    case TrustErrorKind::Malformed: break;
    }
    return QStringLiteral("REJECTED (malformed)");
}

QString describeRefusal(const trust::TrustError &error) {
    return QStringLiteral("%1: %2").arg(verdict(error.kind), error.message);
}

} // namespace conduit::ctl
