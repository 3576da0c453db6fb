// Error domain of the trust module: every fallible function returns a Result
// that either holds a value or a TrustError naming what was detected (the
// shared shape of error/result.h, with this module's kinds).
#pragma once

#include "error/result.h"

#include <QString>

#include <utility>

namespace conduit::trust {

// The kind says whether an operator looks at an attack or at a broken setup.
enum class TrustErrorKind {
    Malformed,         // not parseable / violates the format (also fuzz input)
    TooLarge,          // over a byte limit (endless data on metadata)
    Unsupported,       // unknown key type, scheme or hash algorithm
    BadKey,            // a key that is structurally wrong (size, curve, bits)
    ArbitrarySoftware, // signature missing, invalid or below threshold
    Rollback,          // a version or release counter went backwards
    Freeze,            // expired metadata or a clock moved backwards
    MixAndMatch,       // pieces that were never released together
    EndlessData,       // image longer than its signed length
    ImageMismatch,     // image hash or length differs from signed metadata
    Vehicle,           // targets not matching this vehicle (serial, hardware)
    Missing,           // required metadata or target absent
    Storage,           // trusted state could not be read or written
};

using TrustError = error::DomainError<TrustErrorKind>;

inline TrustError trustError(TrustErrorKind kind, QString message) { return TrustError{kind, std::move(message)}; }

template <typename T>
using Result = error::Result<T, TrustErrorKind>;

// Result without a value.
using Ok = error::Ok;
using Status = Result<Ok>;

} // namespace conduit::trust
