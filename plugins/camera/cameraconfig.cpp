#include "cameraconfig.h"

#include "json.h"

#include <array>
#include <cmath>
#include <utility>

namespace conduit::camera {

namespace {

struct EncoderRow {
    Encoder encoder;
    std::string_view name, element;
};
constexpr std::array<EncoderRow, 3> kEncoders{{
    {Encoder::Vp8, "vp8", "vp8enc"},
    {Encoder::X264, "x264", "x264enc"},
    {Encoder::OpenH264, "openh264", "openh264enc"},
}};

constexpr std::array<std::pair<std::string_view, Source>, 2> kSources{{
    {"test", Source::Test},
    {"v4l2", Source::V4l2},
}};

bool readInt(const plugin::Json &o, std::string_view key, int lo, int hi, int &out, std::string &error) {
    const plugin::Json &v = o[key];
    if (v.kind() == plugin::Json::Kind::Null) return true;
    const double d = v.number(-1);
    if (!v.isNumber() || d != std::floor(d) || d < lo || d > hi) {
        error = "\"" + std::string(key) + "\" must be an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]";
        return false;
    }
    out = static_cast<int>(d);
    return true;
}

bool readSeconds(const plugin::Json &o, std::string_view key, double lo, double hi, double &out, std::string &error) {
    const plugin::Json &v = o[key];
    if (v.kind() == plugin::Json::Kind::Null) return true;
    if (!v.isNumber() || v.number() < lo || v.number() > hi) {
        error = "\"" + std::string(key) + "\" must be a number of seconds in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]";
        return false;
    }
    out = v.number();
    return true;
}

bool readString(const plugin::Json &o, std::string_view key, std::string &out, std::string &error) {
    const plugin::Json &v = o[key];
    if (v.kind() == plugin::Json::Kind::Null) return true;
    if (!v.isString() || v.string().empty()) {
        error = "\"" + std::string(key) + "\" must be a non-empty string";
        return false;
    }
    out = v.string();
    return true;
}

} // namespace

std::string_view encoderName(Encoder e) {
    for (const EncoderRow &r : kEncoders)
        if (r.encoder == e) return r.name;
    return "?";
}

std::string_view encoderElement(Encoder e) {
    for (const EncoderRow &r : kEncoders)
        if (r.encoder == e) return r.element;
    return "?";
}

std::optional<CameraConfig> parseCameraConfig(std::string_view json, std::string_view stateDir, std::string &error) {
    plugin::Json o;
    if (!plugin::Json::parse(json.empty() ? std::string_view("{}") : json, o, error)) {
        error = "configuration: " + error;
        return std::nullopt;
    }
    if (!o.isObject()) {
        error = "configuration must be a JSON object";
        return std::nullopt;
    }
    CameraConfig c;
    std::string source, encoder;
    int ringKiB = static_cast<int>(c.ringBytes >> 10), chunkKiB = static_cast<int>(c.chunkBytes >> 10);
    const bool ok = readString(o, "device_id", c.deviceId, error) &&
                    readString(o, "hardware_id", c.hardwareId, error) && readString(o, "source", source, error) &&
                    readString(o, "device", c.device, error) && readString(o, "test_pattern", c.testPattern, error) &&
                    readInt(o, "width", 16, 7680, c.width, error) && readInt(o, "height", 16, 4320, c.height, error) &&
                    readInt(o, "fps", 1, 120, c.fps, error) && readString(o, "encoder", encoder, error) &&
                    readInt(o, "bitrate_kbps", 50, 100000, c.bitrateKbps, error) &&
                    readSeconds(o, "segment_seconds", 0.2, 30, c.segmentSeconds, error) &&
                    readSeconds(o, "ring_seconds", 2, 86400, c.ringSeconds, error) &&
                    readInt(o, "ring_kib", 64, 1 << 30, ringKiB, error) &&
                    readString(o, "ring_dir", c.ringDir, error) && readInt(o, "chunk_kib", 4, 1000, chunkKiB, error) &&
                    readInt(o, "busy_retry_ms", 0, 60000, c.busyRetryMs, error) &&
                    readInt(o, "live_max_fps", 1, 60, c.liveMaxFps, error) &&
                    readInt(o, "live_max_kbps", 16, 1000000, c.liveMaxKbps, error) &&
                    readInt(o, "jpeg_quality", 1, 100, c.jpegQuality, error);
    if (!ok) return std::nullopt;
    c.ringBytes = static_cast<uint64_t>(ringKiB) << 10;
    c.chunkBytes = static_cast<size_t>(chunkKiB) << 10;
    // Required: a camera agent installed without a configuration must not
    // show a test pattern as if it were the vehicle's camera.
    if (source.empty()) {
        error = "\"source\" is required: \"test\" (a test pattern) or \"v4l2\" (the camera at \"device\")";
        return std::nullopt;
    }
    {
        bool known = false;
        for (const auto &[name, s] : kSources)
            if (name == source) c.source = s, known = true;
        if (!known) {
            error = "\"source\" must be \"test\" or \"v4l2\", not \"" + source + "\"";
            return std::nullopt;
        }
    }
    if (!encoder.empty()) {
        bool known = false;
        for (const EncoderRow &r : kEncoders)
            if (r.name == encoder) c.encoder = r.encoder, known = true;
        if (!known) {
            error = "\"encoder\" must be \"vp8\", \"x264\" or \"openh264\", not \"" + encoder + "\"";
            return std::nullopt;
        }
    }
    if (c.testPattern != "ball" && c.testPattern != "smpte" && c.testPattern != "snow") {
        error = "\"test_pattern\" must be \"ball\", \"smpte\" or \"snow\", not \"" + c.testPattern + "\"";
        return std::nullopt;
    }
    if (c.maxClipSeconds() <= 0) {
        error = "\"ring_seconds\" must hold more than two segments";
        return std::nullopt;
    }
    if (c.ringDir.empty()) c.ringDir = std::string(stateDir) + "/ring";
    return c;
}

} // namespace conduit::camera
