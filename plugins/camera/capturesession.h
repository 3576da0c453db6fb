// One started stream of the data-capture extension, on a thread of its own
// so start() returns at once and the ring never waits for the host: a clip
// (wait for the post-trigger window, pin, cut, deliver, end), a still
// (encode the last frame, deliver, end) or a live stream (JPEG frames at a
// capped rate until stop()).
#pragma once

#include "capturerequest.h"
#include "delivery.h"
#include "jpegencoder.h"
#include "videoring.h"

#include <thread>

namespace conduit::camera {

struct SessionContext {
    VideoRing &ring;
    JpegEncoder &jpeg;
    DeliveryCounters &counters;
    Logger log;
    std::string workDir; // clips are cut here (same file system as the ring)
};

class CaptureSession {
public:
    CaptureSession(SessionContext ctx, std::string streamId, CaptureRequest request, const conduit_data_sink *sink);
    // Stops and joins: no sink->write() after this returns.
    ~CaptureSession();

    void start();
    void stop();

private:
    void run();
    conduit_result runClip();
    conduit_result runStill();
    void runLive();
    conduit_result delivered(Delivery d, const std::string &what, const std::string &error);

    SessionContext ctx_;
    std::string streamId_;
    CaptureRequest request_;
    const conduit_data_sink *sink_;
    DeliveryPolicy policy_;
    StopFlag stop_;
    std::atomic<bool> cancel_{false};
    std::thread thread_;
};

uint64_t wallClockNowNs();

} // namespace conduit::camera
