// The one way host/core turns a closed vocabulary (an enum) into its wire
// names and back: a table per enum, in the .cpp that owns the enum, looked up
// by these two functions. Names exist only at the edges (JSON, D-Bus, logs).
#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace conduit::core {

template <typename E>
struct Named {
    E value;
    const char *name;
};

template <typename E, std::size_t N>
QString nameOf(const std::array<Named<E>, N> &table, E value) {
    for (const Named<E> &n : table)
        if (n.value == value) return QLatin1String(n.name);
    return {};
}

template <typename E, std::size_t N>
std::optional<E> valueOf(const std::array<Named<E>, N> &table, QStringView name) {
    for (const Named<E> &n : table)
        if (name == QLatin1String(n.name)) return n.value;
    return std::nullopt;
}

} // namespace conduit::core
