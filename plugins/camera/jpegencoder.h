// Encodes one raw frame (the ring's last sample) to JPEG: stills and the
// live stream's frames. A small appsrc ! jpegenc ! appsink pipeline kept
// for the agent's life; one frame at a time.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace conduit::camera {

class JpegEncoder {
public:
    explicit JpegEncoder(int quality) : quality_(quality) {}
    ~JpegEncoder();
    JpegEncoder(const JpegEncoder &) = delete;
    JpegEncoder &operator=(const JpegEncoder &) = delete;

    // The JPEG bytes of `frame` (not consumed), or false with `error`.
    // [any-thread] serialised inside.
    bool encode(GstSample *frame, std::string &jpeg, std::string &error);

private:
    bool ensure(GstCaps *caps, std::string &error);

    int quality_;
    std::mutex mutex_;
    GstElement *pipeline_ = nullptr, *src_ = nullptr, *sink_ = nullptr;
    GstCaps *caps_ = nullptr;
};

} // namespace conduit::camera
