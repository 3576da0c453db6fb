#include "healthreport.h"

#include <cstdio>

namespace conduit::camera {

namespace {

std::string quoted(const std::string &s) {
    std::string out = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

} // namespace

std::string healthJson(const RingHealth &h, const DeliveryCounters &c, const CameraConfig &config) {
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        "{\"capturing\":%s,\"encoder\":\"%s\",\"width\":%d,\"height\":%d,\"fps\":%.1f,"
        "\"frames_captured\":%llu,\"frames_dropped\":%llu,\"encoder_latency_ms\":%.2f,"
        "\"ring_bytes\":%llu,\"ring_seconds\":%.1f,\"ring_segments\":%llu,\"ring_evicted\":%llu,\"ring_fill\":%.3f,"
        "\"records_written\":%llu,\"records_dropped\":%llu,\"objects_delivered\":%llu,"
        "\"objects_dropped\":%llu,\"error\":",
        h.running ? "true" : "false", std::string(encoderName(config.encoder)).c_str(), config.width, config.height,
        h.fps, static_cast<unsigned long long>(h.framesCaptured), static_cast<unsigned long long>(h.framesDropped),
        h.encoderLatencyMs, static_cast<unsigned long long>(h.ringBytes), double(h.ringDurationNs) / 1e9,
        static_cast<unsigned long long>(h.ringSegments), static_cast<unsigned long long>(h.segmentsEvicted), h.ringFill,
        static_cast<unsigned long long>(c.recordsWritten.load()),
        static_cast<unsigned long long>(c.recordsDropped.load()),
        static_cast<unsigned long long>(c.objectsDelivered.load()),
        static_cast<unsigned long long>(c.objectsDropped.load()));
    return buf + quoted(h.lastError) + "}";
}

} // namespace conduit::camera
