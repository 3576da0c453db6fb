#include "capturerequest.h"

#include "json.h"

#include <algorithm>
#include <array>
#include <utility>

namespace conduit::camera {

namespace {

constexpr std::array<std::pair<std::string_view, StreamKind>, 3> kKinds{{
    {"clip", StreamKind::Clip},
    {"still", StreamKind::Still},
    {"live", StreamKind::Live},
}};

bool number(const plugin::Json &o, std::string_view key, double lo, double hi, double &out, std::string &error) {
    const plugin::Json &v = o[key];
    if (v.kind() == plugin::Json::Kind::Null) return true;
    if (!v.isNumber() || v.number() < lo || v.number() > hi) {
        error = "parameter \"" + std::string(key) + "\" must be a number in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]";
        return false;
    }
    out = v.number();
    return true;
}

} // namespace

std::optional<StreamKind> streamKindOf(std::string_view id) {
    for (const auto &[prefix, kind] : kKinds) {
        if (id.substr(0, prefix.size()) != prefix) continue;
        if (id.size() == prefix.size() || id[prefix.size()] == '-') return kind;
    }
    return std::nullopt;
}

std::optional<CaptureRequest> parseCaptureRequest(std::string_view streamId, std::string_view paramsJson,
                                                  const CameraConfig &config, uint64_t nowNs, std::string &error) {
    const std::optional<StreamKind> kind = streamKindOf(streamId);
    if (!kind) {
        error = "unknown stream \"" + std::string(streamId) + "\": the camera offers clip, still and live";
        return std::nullopt;
    }
    plugin::Json o;
    if (!plugin::Json::parse(paramsJson.empty() ? std::string_view("{}") : paramsJson, o, error) || !o.isObject()) {
        error = "parameters must be a JSON object" + (error.empty() ? std::string() : ": " + error);
        return std::nullopt;
    }
    CaptureRequest r;
    r.kind = *kind;
    if (r.kind == StreamKind::Clip) {
        double trigger = static_cast<double>(nowNs);
        if (!number(o, "trigger_ns", 0, 1e19, trigger, error) ||
            !number(o, "pre_s", 0, config.maxClipSeconds(), r.clip.preSeconds, error) ||
            !number(o, "post_s", 0, config.maxClipSeconds(), r.clip.postSeconds, error))
            return std::nullopt;
        r.clip.triggerNs = static_cast<uint64_t>(trigger);
        if (r.clip.preSeconds + r.clip.postSeconds > config.maxClipSeconds()) {
            error = "pre_s + post_s is " + std::to_string(r.clip.preSeconds + r.clip.postSeconds) +
                    " s; the ring holds clips of at most " + std::to_string(config.maxClipSeconds()) + " s";
            return std::nullopt;
        }
        if (r.clip.preSeconds + r.clip.postSeconds <= 0) {
            error = "pre_s + post_s must be more than 0";
            return std::nullopt;
        }
        if (r.clip.triggerNs < static_cast<uint64_t>(r.clip.preSeconds * 1e9)) {
            error = "parameter \"trigger_ns\" is before the epoch's pre-trigger window";
            return std::nullopt;
        }
    } else if (r.kind == StreamKind::Live) {
        double fps = config.liveMaxFps, kbps = config.liveMaxKbps;
        if (!number(o, "fps", 0.01, 1000, fps, error) || !number(o, "kbps", 1, 1e9, kbps, error)) return std::nullopt;
        // The configuration caps what a request may ask for.
        r.live.fps = std::clamp(static_cast<int>(fps), 1, config.liveMaxFps);
        r.live.kbps = std::clamp(static_cast<int>(kbps), 1, config.liveMaxKbps);
    }
    return r;
}

} // namespace conduit::camera
