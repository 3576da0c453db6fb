// The always-ready ring: a GStreamer pipeline that captures (videotestsrc or
// v4l2src), forces the caps (I420, size, rate), encodes (VP8 or H.264) and
// lets splitmuxsink write short keyframe-aligned segments into the ring
// directory. The ring deletes the oldest closed segments itself
// (SegmentIndex), so it stays within its bytes and seconds; a second branch
// keeps only the last raw frame, for stills and the live stream.
#pragma once

#include "cameraconfig.h"
#include "segmentindex.h"

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace conduit::camera {

// The container of the segments (and of the clips cut from them).
std::string_view segmentMuxer(Encoder e);
std::string_view segmentExtension(Encoder e);

enum class LogLevel { Debug, Info, Warning, Error };
using Logger = std::function<void(LogLevel, const std::string &)>;

struct RingHealth {
    bool running = false;
    double fps = 0;              // frames entering the encoder branch, last second
    uint64_t framesCaptured = 0; // frames after the caps filter
    uint64_t framesDropped = 0;  // dropped by videorate or by the encoder's leaky queue
    double encoderLatencyMs = 0; // moving average, frame in -> encoded frame out
    uint64_t ringBytes = 0, ringDurationNs = 0, ringSegments = 0;
    uint64_t segmentsEvicted = 0; // oldest segments deleted to keep the bounds
    double ringFill = 0;          // the larger of bytes / max bytes and seconds / max seconds
    std::string lastError;
};

class VideoRing {
public:
    VideoRing(CameraConfig config, Logger log);
    ~VideoRing();
    VideoRing(const VideoRing &) = delete;
    VideoRing &operator=(const VideoRing &) = delete;

    // Builds and starts the pipeline; false with `error` if it cannot run
    // (missing element, no device). [agent-thread]
    bool start(std::string &error);
    void stop();

    RingHealth health() const;
    const CameraConfig &config() const { return config_; }

    // Waits until closed segments cover [fromNs, toNs] (or the deadline, or
    // `cancel`), then hard-links the covering segments into `pinDir` so the
    // ring may delete its own names meanwhile. Returns the pinned segments
    // (paths inside pinDir), empty with `error` otherwise. [any-thread]
    std::vector<Segment> pin(uint64_t fromNs, uint64_t toNs, std::chrono::steady_clock::time_point deadline,
                             const std::string &pinDir, const std::atomic<bool> &cancel, std::string &error);
    // Wakes pin() waiters so they see their cancel flag.
    void wakeWaiters();

    // The newest raw frame (a new reference; gst_sample_unref it), or null.
    GstSample *lastFrame() const;
    // Wall-clock ns of a pipeline running time.
    uint64_t wallClock(GstClockTime runningTime) const { return baseTimeNs_ + runningTime; }

private:
    std::string describe() const;
    void busLoop();
    void markStopped(const std::string &why);
    void onElementMessage(const GstStructure *s);
    void onSegmentClosed(const std::string &location, GstClockTime runningTime);
    static GstPadProbeReturn countFrame(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn encoderIn(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn encoderOut(GstPad *, GstPadProbeInfo *, gpointer self);

    CameraConfig config_;
    Logger log_;
    GstElement *pipeline_ = nullptr, *rate_ = nullptr, *encQueue_ = nullptr, *last_ = nullptr;
    std::atomic<uint64_t> baseTimeNs_{0}; // written by the bus thread, read by sessions
    std::thread bus_;
    std::atomic<bool> stopping_{false}, running_{false};

    mutable std::mutex mutex_; // guards index_, opened_, lastError_
    std::condition_variable segmentClosed_;
    SegmentIndex index_;
    std::map<std::string, GstClockTime> opened_; // location -> running time at open
    std::string lastError_;

    // Streaming-thread statistics.
    std::atomic<uint64_t> framesIn_{0}, encIn_{0}, encOut_{0};
    std::atomic<double> fps_{0}, latencyMs_{0};
    std::chrono::steady_clock::time_point fpsWindow_{};
    uint64_t fpsWindowFrames_ = 0;
    static constexpr size_t kLatencySlots = 64;
    std::mutex latencyMutex_;
    std::array<std::pair<GstClockTime, std::chrono::steady_clock::time_point>, kLatencySlots> inFlight_{};
};

} // namespace conduit::camera
