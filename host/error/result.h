// The one error shape of the host's modules, after RAUC's error domains:
// each module has an enum of what can go wrong (its domain: trust's
// TrustErrorKind, upstream admission's AdmissionStep), and every fallible
// function returns an error::Result<T, Kind> that holds either its value or a
// DomainError<Kind> with a message for a person. The enum stays typed inside
// the program; its names appear only at the edges (logs, D-Bus, JSON).
#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace conduit::error {

template <typename Kind>
struct DomainError {
    Kind kind{};
    QString message;
};

// Minimal expected-like type (C++20 has no std::expected).
template <typename T, typename Kind>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(DomainError<Kind> error) : m_data(std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }
    const DomainError<Kind> &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, DomainError<Kind>> m_data;
};

// The value of a Result that has none.
struct Ok {};

} // namespace conduit::error
