// What the host asks of the camera through conduit.data-capture/1: the kind
// of stream is the prefix of its id ("clip-…", "still-…", "live-…", or the
// bare word), its parameters are the start() JSON. Parsed here, typed after.
#pragma once

#include "cameraconfig.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace conduit::camera {

enum class StreamKind { Clip, Still, Live };

struct ClipWindow {
    uint64_t triggerNs = 0; // wall clock, ns since the Unix epoch
    double preSeconds = 5, postSeconds = 5;
    uint64_t fromNs() const { return triggerNs - static_cast<uint64_t>(preSeconds * 1e9); }
    uint64_t toNs() const { return triggerNs + static_cast<uint64_t>(postSeconds * 1e9); }
};

struct LiveRate {
    int fps = 1;
    int kbps = 0;
};

struct CaptureRequest {
    StreamKind kind = StreamKind::Still;
    ClipWindow clip;
    LiveRate live;
};

std::optional<StreamKind> streamKindOf(std::string_view streamId);

// `nowNs` is the default trigger. Errors name the parameter.
std::optional<CaptureRequest> parseCaptureRequest(std::string_view streamId, std::string_view paramsJson,
                                                  const CameraConfig &config, uint64_t nowNs, std::string &error);

} // namespace conduit::camera
