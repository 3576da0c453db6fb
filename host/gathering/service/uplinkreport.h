// What the uplinks (MQTT in host/gathering/mqtt/, tus in
// host/gathering/upload/) report after delivering, so that the D-Bus API
// and `conduitctl gathering status` show the last upload per data class.
#pragma once

#include "gathering/item.h"

#include <QString>

namespace conduit::gathering {

// [service-thread] Implemented by GatheringService.
class UplinkReport {
public:
    virtual ~UplinkReport() = default;
    // Items of `c` were delivered (and acknowledged in the store) at atMs
    // (wall clock) over `uplink` ("mqtt", "tus").
    virtual void delivered(DataClass c, qint64 items, qint64 bytes, qint64 atMs, const QString &uplink) = 0;
    // A delivery attempt of `c` failed; `why` is shown until the next success.
    virtual void deliveryFailed(DataClass c, const QString &why, qint64 atMs, const QString &uplink) = 0;
};

} // namespace conduit::gathering
