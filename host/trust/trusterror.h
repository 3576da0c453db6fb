// Error domain of the trust module: every fallible function returns a Result
// that either holds a value or a TrustError naming what was detected.
#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace conduit::trust {

// The kind says whether an operator looks at an attack or at a broken setup.
enum class TrustErrorKind {
    Malformed,           // not parseable / violates the format (also fuzz input)
    TooLarge,            // over a byte limit (endless data on metadata)
    Unsupported,         // unknown key type, scheme or hash algorithm
    BadKey,              // a key that is structurally wrong (size, curve, bits)
    ArbitrarySoftware,   // signature missing, invalid or below threshold
    Rollback,            // a version or release counter went backwards
    Freeze,              // expired metadata or a clock moved backwards
    MixAndMatch,         // pieces that were never released together
    EndlessData,         // image longer than its signed length
    ImageMismatch,       // image hash or length differs from signed metadata
    Vehicle,             // targets not matching this vehicle (serial, hardware)
    Missing,             // required metadata or target absent
    Storage,             // trusted state could not be read or written
};

struct TrustError {
    TrustErrorKind kind = TrustErrorKind::Malformed;
    QString message;
};

inline TrustError trustError(TrustErrorKind kind, QString message)
{
    return TrustError{kind, std::move(message)};
}

// Minimal expected-like type (C++20 has no std::expected).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(TrustError error) : m_data(std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }
    const TrustError &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, TrustError> m_data;
};

// Result without a value.
struct Ok {};
using Status = Result<Ok>;

} // namespace conduit::trust
