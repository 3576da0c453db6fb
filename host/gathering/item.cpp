#include "item.h"

#include "core/vocabulary.h"

#include <array>

namespace conduit::gathering {

namespace {

using conduit::core::Named;

constexpr std::array<Named<ItemKind>, 3> kKindNames{{
    {ItemKind::SignalWindow, "signal-window"},
    {ItemKind::LogWindow, "log-window"},
    {ItemKind::Blob, "blob"},
}};
constexpr std::array<Named<DataClass>, 5> kClassNames{{
    {DataClass::Telemetry, "telemetry"},
    {DataClass::Location, "location"},
    {DataClass::Camera, "camera"},
    {DataClass::Diagnostics, "diagnostics"},
    {DataClass::Logs, "logs"},
}};
constexpr std::array<Named<Priority>, 5> kPriorityNames{{
    {Priority::Bulk, "bulk"},
    {Priority::Low, "low"},
    {Priority::Normal, "normal"},
    {Priority::High, "high"},
    {Priority::Safety, "safety"},
}};
constexpr std::array<Named<DropReason>, 5> kDropNames{{
    {DropReason::Evicted, "evicted"},
    {DropReason::Expired, "expired"},
    {DropReason::Deleted, "deleted"},
    {DropReason::Damaged, "damaged"},
    {DropReason::Refused, "refused"},
}};

template <typename E, std::size_t N>
std::optional<E> fromInt(const std::array<Named<E>, N> &table, qint64 v) {
    for (const Named<E> &n : table)
        if (qint64(n.value) == v) return n.value;
    return std::nullopt;
}

} // namespace

QString nameOf(ItemKind v) { return core::nameOf(kKindNames, v); }
QString nameOf(DataClass v) { return core::nameOf(kClassNames, v); }
QString nameOf(Priority v) { return core::nameOf(kPriorityNames, v); }
QString nameOf(DropReason v) { return core::nameOf(kDropNames, v); }
std::optional<ItemKind> itemKindFromName(QStringView name) { return core::valueOf(kKindNames, name); }
std::optional<DataClass> dataClassFromName(QStringView name) { return core::valueOf(kClassNames, name); }
std::optional<Priority> priorityFromName(QStringView name) { return core::valueOf(kPriorityNames, name); }
std::optional<ItemKind> itemKindFromInt(qint64 v) { return fromInt(kKindNames, v); }
std::optional<DataClass> dataClassFromInt(qint64 v) { return fromInt(kClassNames, v); }
std::optional<Priority> priorityFromInt(qint64 v) { return fromInt(kPriorityNames, v); }

} // namespace conduit::gathering
