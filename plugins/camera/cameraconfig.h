// The camera agent's configuration (<agents/config_dir>/io.conduit.camera.json,
// docs/camera-agent.md): source, format, encoder, ring bounds, delivery
// limits. Parsed once at create(); names are turned into enums here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace conduit::camera {

enum class Source { Test, V4l2 };
enum class Encoder { Vp8, X264, OpenH264 };

struct CameraConfig {
    std::string deviceId = "camera-1";
    std::string hardwareId = "camera";
    Source source = Source::Test;
    std::string device = "/dev/video0"; // v4l2 only
    std::string testPattern = "ball";   // test only: a videotestsrc pattern (ball, smpte, snow)
    int width = 640, height = 480, fps = 15;
    Encoder encoder = Encoder::Vp8;
    int bitrateKbps = 800;
    double segmentSeconds = 1.0;
    double ringSeconds = 60.0;
    uint64_t ringBytes = 64ull << 20;
    std::string ringDir; // default: <state_dir>/ring
    // Largest pre + post window a clip may ask for (the ring must hold it).
    double maxClipSeconds() const { return ringSeconds - 2 * segmentSeconds; }
    size_t chunkBytes = 256 << 10; // one sink->write of a clip or still
    int busyRetryMs = 2000;        // how long a clip or still waits out BUSY before it is dropped
    int liveMaxFps = 5;            // rate cap of the live stream
    int liveMaxKbps = 4000;        // and its byte-rate cap
    int jpegQuality = 85;
};

// Parses `json` (an object; "{}" gives the defaults). On error returns
// nullopt and sets `error` naming the member.
std::optional<CameraConfig> parseCameraConfig(std::string_view json, std::string_view stateDir, std::string &error);

std::string_view encoderName(Encoder e);
// Element names as GStreamer knows them, for the availability check.
std::string_view encoderElement(Encoder e);

} // namespace conduit::camera
