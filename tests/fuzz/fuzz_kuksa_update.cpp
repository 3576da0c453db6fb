// Fuzz target: a kuksa.val.v2 SubscribeResponse as a databroker (or
// whatever answers on its port) sends it, taken into the vehicle state.
// Whatever arrives, a value that is kept is of its signal's VSS type and
// range, and a refused entry says why.
#include "vehicle/kuksaupdate.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

using namespace conduit;

namespace {
void mustHold(bool ok) {
    if (!ok) __builtin_trap();
}
bool within(const QVariant &v, double lo, double hi) {
    bool ok = false;
    const double d = v.toDouble(&ok);
    return ok && std::isfinite(d) && d >= lo && d <= hi;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kuksa::val::v2::SubscribeResponse response;
    if (!response.ParseFromArray(data, int(size))) return 0;
    core::VehicleState state;
    const QStringList refused = vehicle::applySubscribeResponse(response, &state);
    for (const QString &why : refused) mustHold(!why.isEmpty());
    const QVariantMap values = state.values();
    mustHold(values.size() + refused.size() <= qsizetype(response.entries_size()));
    if (values.contains(core::vss::Speed)) mustHold(within(values.value(core::vss::Speed), 0, 400));
    if (values.contains(core::vss::BatterySoc)) mustHold(within(values.value(core::vss::BatterySoc), 0, 100));
    if (values.contains(core::vss::SelectedGear)) {
        const QVariant g = values.value(core::vss::SelectedGear);
        mustHold(within(g, -10, 15) || g.toInt() == 126 || g.toInt() == 127);
    }
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        mustHold(core::VehicleState::knownSignals().contains(it.key()));
    return 0;
}
