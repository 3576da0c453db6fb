// The camera's health as one JSON object (the inventory's status line and
// what reaches D-Bus): the only place its field names are written.
#pragma once

#include "cameraconfig.h"
#include "delivery.h"
#include "videoring.h"

#include <string>

namespace conduit::camera {

std::string healthJson(const RingHealth &h, const DeliveryCounters &c, const CameraConfig &config);

} // namespace conduit::camera
