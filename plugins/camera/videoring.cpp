#include "videoring.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace conduit::camera {

namespace fs = std::filesystem;

namespace {

// The encoder branch per encoder: element(s) after the caps filter, and the
// muxer and file extension of the segments (and of the clips cut from them).
struct EncoderBranch {
    Encoder encoder;
    const char *pipeline; // printf format: bitrate, keyframe distance
    const char *muxer, *extension;
};
constexpr EncoderBranch kBranches[] = {
    // Realtime VP8: no lookahead (lag-in-frames=0) so latency stays one frame.
    {Encoder::Vp8,
     "vp8enc name=enc deadline=1 cpu-used=8 threads=1 end-usage=cbr lag-in-frames=0 target-bitrate=%d000 "
     "keyframe-max-dist=%d",
     "webmmux", "webm"},
    // H.264 in constrained baseline: decodable by every player and hardware
    // decoder. Straight into Matroska (avc, whole access units): no parser,
    // which would need plugins-bad.
    {Encoder::X264,
     "x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate=%d key-int-max=%d ! "
     "video/x-h264,profile=constrained-baseline",
     "matroskamux", "mkv"},
    {Encoder::OpenH264,
     "openh264enc name=enc complexity=low bitrate=%d000 gop-size=%d ! video/x-h264,profile=constrained-baseline",
     "matroskamux", "mkv"},
};

const EncoderBranch &branchOf(Encoder e) {
    for (const EncoderBranch &b : kBranches)
        if (b.encoder == e) return b;
    return kBranches[0];
}

// A device path goes into a pipeline description: no quoting games.
bool safeDevicePath(const std::string &p) {
    if (p.empty() || p[0] != '/') return false;
    for (char c : p)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '.'))
            return false;
    return true;
}

// A buffer's running time on `pad`: encoders may shift timestamps (x264enc
// adds 1000 h so that DTS stays positive) and compensate in the segment.
GstClockTime runningTime(GstPad *pad, GstBuffer *buffer) {
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    GstEvent *ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (!ev) return pts;
    const GstSegment *segment = nullptr;
    gst_event_parse_segment(ev, &segment);
    const GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, pts);
    gst_event_unref(ev);
    return rt;
}

std::string format(const char *fmt, int a, int b) {
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

} // namespace

std::string_view segmentMuxer(Encoder e) { return branchOf(e).muxer; }
std::string_view segmentExtension(Encoder e) { return branchOf(e).extension; }

VideoRing::VideoRing(CameraConfig config, Logger log)
    : config_(std::move(config)), log_(std::move(log)),
      index_(RingBounds{config_.ringBytes, static_cast<uint64_t>(config_.ringSeconds * 1e9), config_.ringBytes / 8}) {
    inFlight_.fill({GST_CLOCK_TIME_NONE, {}}); // no frame in any slot yet
}

VideoRing::~VideoRing() { stop(); }

std::string VideoRing::describe() const {
    const CameraConfig &c = config_;
    const EncoderBranch &b = branchOf(c.encoder);
    const int keyDistance = std::max(1, static_cast<int>(c.fps * c.segmentSeconds));
    std::string src =
        c.source == Source::Test ? "videotestsrc is-live=true pattern=" + c.testPattern : "v4l2src device=" + c.device;
    char caps[160];
    std::snprintf(caps, sizeof caps, "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1",
                  c.width, c.height, c.fps);
    char sink[1024];
    std::snprintf(sink, sizeof sink,
                  "splitmuxsink name=ring muxer-factory=%s location=%s/seg%%08d.%s max-size-time=%llu "
                  "max-size-bytes=%llu send-keyframe-requests=true",
                  b.muxer, c.ringDir.c_str(), b.extension, static_cast<unsigned long long>(c.segmentSeconds * 1e9),
                  static_cast<unsigned long long>(c.ringBytes / 8));
    // The encoder's queue holds 5 raw frames (1.4 MB each at 720p): enough
    // for jitter; an encoder that cannot keep up drops frames, not memory.
    return src + " ! videoconvert ! videoscale ! videorate name=rate ! capsfilter name=caps caps=\"" + caps +
           "\" ! tee name=t  t. ! queue name=encq max-size-buffers=5 max-size-bytes=0 max-size-time=0 "
           "leaky=downstream ! " +
           format(b.pipeline, c.bitrateKbps, keyDistance) + " ! " + sink +
           "  t. ! queue leaky=downstream max-size-buffers=1 ! fakesink name=last sync=false async=false "
           "enable-last-sample=true";
}

bool VideoRing::start(std::string &error) {
    if (config_.source == Source::V4l2 && !safeDevicePath(config_.device)) {
        error = "\"device\" must be an absolute path of letters, digits, '/', '_', '-', '.': " + config_.device;
        return false;
    }
    if (!gst_element_factory_find(std::string(encoderElement(config_.encoder)).c_str())) {
        error = "encoder " + std::string(encoderElement(config_.encoder)) +
                " is not installed (H.264 encoders are the integrator's choice: docs/camera-agent.md)";
        return false;
    }
    std::error_code ec;
    fs::create_directories(config_.ringDir, ec);
    if (ec) {
        error = "cannot create the ring directory " + config_.ringDir + ": " + ec.message();
        return false;
    }
    // Segments of an earlier run are not in the index: they go, the ring
    // starts empty and its bounds hold from the first segment on.
    for (const auto &e : fs::directory_iterator(config_.ringDir, ec))
        if (e.path().filename().string().rfind("seg", 0) == 0) fs::remove(e.path(), ec);

    GError *gerr = nullptr;
    pipeline_ = gst_parse_launch(describe().c_str(), &gerr);
    if (!pipeline_ || gerr) {
        error = std::string("cannot build the capture pipeline: ") + (gerr ? gerr->message : "unknown error");
        if (gerr) g_error_free(gerr);
        if (pipeline_) gst_object_unref(pipeline_), pipeline_ = nullptr;
        return false;
    }
    // Running time + base time is then wall-clock time: segments are stamped
    // in the same clock as a campaign's trigger.
    GstClock *clock = GST_CLOCK(g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, nullptr));
    gst_pipeline_use_clock(GST_PIPELINE(pipeline_), clock);
    gst_object_unref(clock);

    rate_ = gst_bin_get_by_name(GST_BIN(pipeline_), "rate");
    encQueue_ = gst_bin_get_by_name(GST_BIN(pipeline_), "encq");
    last_ = gst_bin_get_by_name(GST_BIN(pipeline_), "last");
    auto probe = [&](const char *element, const char *pad, GstPadProbeCallback cb) {
        GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline_), element);
        GstPad *p = gst_element_get_static_pad(e, pad);
        gst_pad_add_probe(p, GST_PAD_PROBE_TYPE_BUFFER, cb, this, nullptr);
        gst_object_unref(p);
        gst_object_unref(e);
    };
    probe("caps", "src", &VideoRing::countFrame);
    probe("enc", "sink", &VideoRing::encoderIn);
    probe("enc", "src", &VideoRing::encoderOut);

    stopping_ = false;
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        // The bus says why (no such device, format refused).
        std::string why = "the capture pipeline did not start";
        GstBus *bus = gst_element_get_bus(pipeline_);
        if (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
            GError *e = nullptr;
            gst_message_parse_error(m, &e, nullptr);
            why += std::string(": ") + e->message;
            g_error_free(e);
            gst_message_unref(m);
        }
        gst_object_unref(bus);
        error = why;
        stop();
        return false;
    }
    running_ = true;
    bus_ = std::thread([this] { busLoop(); });
    return true;
}

void VideoRing::stop() {
    stopping_ = true;
    if (bus_.joinable()) bus_.join();
    running_ = false;
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        for (GstElement **e : {&rate_, &encQueue_, &last_})
            if (*e) gst_object_unref(*e), *e = nullptr;
        gst_object_unref(pipeline_);
        pipeline_ = nullptr;
    }
    wakeWaiters();
}

void VideoRing::busLoop() {
    GstBus *bus = gst_element_get_bus(pipeline_);
    while (!stopping_) {
        GstMessage *m = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
        if (!m) continue;
        switch (GST_MESSAGE_TYPE(m)) {
        case GST_MESSAGE_ELEMENT:
            if (const GstStructure *s = gst_message_get_structure(m)) onElementMessage(s);
            break;
        case GST_MESSAGE_ERROR: {
            GError *e = nullptr;
            gchar *dbg = nullptr;
            gst_message_parse_error(m, &e, &dbg);
            const std::string what = std::string("capture failed: ") + e->message;
            log_(LogLevel::Error, what + (dbg ? std::string(" (") + dbg + ")" : std::string()));
            markStopped(what);
            g_error_free(e);
            g_free(dbg);
            break;
        }
        case GST_MESSAGE_EOS: markStopped("the camera's stream ended"); break;
        default: break;
        }
        gst_message_unref(m);
    }
    gst_object_unref(bus);
}

void VideoRing::markStopped(const std::string &why) {
    {
        // Under the lock: a pin() between its check and its wait must not miss it.
        std::lock_guard lock(mutex_);
        lastError_ = why;
        running_ = false;
    }
    segmentClosed_.notify_all();
}

void VideoRing::onElementMessage(const GstStructure *s) {
    const char *name = gst_structure_get_name(s);
    const bool opened = std::strcmp(name, "splitmuxsink-fragment-opened") == 0;
    const bool closed = std::strcmp(name, "splitmuxsink-fragment-closed") == 0;
    if (!opened && !closed) return;
    const char *location = gst_structure_get_string(s, "location");
    guint64 rt = 0;
    if (!location || !gst_structure_get_uint64(s, "running-time", &rt)) return;
    baseTimeNs_ = gst_element_get_base_time(pipeline_);
    if (opened) {
        std::lock_guard lock(mutex_);
        opened_[location] = rt;
    } else {
        onSegmentClosed(location, rt);
    }
}

void VideoRing::onSegmentClosed(const std::string &location, GstClockTime runningTime) {
    struct stat st {};
    const uint64_t bytes = ::stat(location.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    {
        std::lock_guard lock(mutex_);
        auto it = opened_.find(location);
        if (it == opened_.end()) return;
        Segment seg{location, wallClock(it->second), wallClock(runningTime), bytes};
        opened_.erase(it);
        // Deleted under the lock: pin() links only what the index still holds.
        for (const std::string &old : index_.add(std::move(seg)))
            if (::unlink(old.c_str()) != 0 && errno != ENOENT)
                log_(LogLevel::Warning, "cannot delete ring segment " + old + ": " + std::strerror(errno));
    }
    segmentClosed_.notify_all();
}

std::vector<Segment> VideoRing::pin(uint64_t fromNs, uint64_t toNs, std::chrono::steady_clock::time_point deadline,
                                    const std::string &pinDir, const std::atomic<bool> &cancel, std::string &error) {
    std::unique_lock lock(mutex_);
    const bool covered =
        segmentClosed_.wait_until(lock, deadline, [&] { return cancel || !running_ || index_.newestEndNs() >= toNs; });
    if (cancel) {
        error = "cancelled";
        return {};
    }
    if (!covered || index_.newestEndNs() < toNs) {
        error = running_ ? "the ring did not reach the end of the window in time"
                         : "capture is not running" + (lastError_.empty() ? std::string() : ": " + lastError_);
        return {};
    }
    std::vector<Segment> parts = index_.covering(fromNs, toNs);
    if (parts.empty()) {
        error = "the ring holds no video of that window (it was overwritten or predates the ring)";
        return {};
    }
    std::error_code ec;
    fs::create_directories(pinDir, ec);
    for (Segment &s : parts) {
        const std::string link = pinDir + "/" + fs::path(s.path).filename().string();
        if (::link(s.path.c_str(), link.c_str()) != 0 && errno != EEXIST) {
            error = "cannot pin " + s.path + ": " + std::strerror(errno);
            return {};
        }
        s.path = link;
    }
    return parts;
}

void VideoRing::wakeWaiters() {
    { std::lock_guard lock(mutex_); }
    segmentClosed_.notify_all();
}

GstSample *VideoRing::lastFrame() const {
    GstSample *sample = nullptr;
    if (last_) g_object_get(last_, "last-sample", &sample, nullptr);
    return sample;
}

RingHealth VideoRing::health() const {
    RingHealth h;
    h.running = running_;
    h.fps = fps_;
    h.framesCaptured = framesIn_;
    guint64 rateDropped = 0;
    guint queued = 0;
    if (rate_) g_object_get(rate_, "drop", &rateDropped, nullptr);
    if (encQueue_) g_object_get(encQueue_, "current-level-buffers", &queued, nullptr);
    const uint64_t in = encIn_, out = framesIn_;
    // What entered the tee but neither reached the encoder nor waits for it
    // was dropped by the leaky queue.
    const uint64_t leaked = out > in + queued ? out - in - queued : 0;
    h.framesDropped = rateDropped + leaked;
    h.encoderLatencyMs = latencyMs_;
    std::lock_guard lock(mutex_);
    h.ringBytes = index_.bytes();
    h.ringDurationNs = index_.durationNs();
    h.ringSegments = index_.count();
    h.segmentsEvicted = index_.evicted();
    const RingBounds &b = index_.bounds();
    h.ringFill = std::max(b.maxBytes ? double(h.ringBytes) / double(b.maxBytes) : 0.0,
                          b.maxDurationNs ? double(h.ringDurationNs) / double(b.maxDurationNs) : 0.0);
    h.lastError = lastError_;
    return h;
}

GstPadProbeReturn VideoRing::countFrame(GstPad *, GstPadProbeInfo *, gpointer self) {
    auto *r = static_cast<VideoRing *>(self);
    ++r->framesIn_;
    const auto now = std::chrono::steady_clock::now();
    if (r->fpsWindow_ == std::chrono::steady_clock::time_point{}) r->fpsWindow_ = now;
    ++r->fpsWindowFrames_;
    const double elapsed = std::chrono::duration<double>(now - r->fpsWindow_).count();
    if (elapsed >= 1.0) {
        r->fps_ = double(r->fpsWindowFrames_) / elapsed;
        r->fpsWindowFrames_ = 0;
        r->fpsWindow_ = now;
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn VideoRing::encoderIn(GstPad *pad, GstPadProbeInfo *info, gpointer self) {
    auto *r = static_cast<VideoRing *>(self);
    ++r->encIn_;
    const GstClockTime pts = runningTime(pad, GST_PAD_PROBE_INFO_BUFFER(info));
    std::lock_guard lock(r->latencyMutex_);
    r->inFlight_[r->encIn_ % kLatencySlots] = {pts, std::chrono::steady_clock::now()};
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn VideoRing::encoderOut(GstPad *pad, GstPadProbeInfo *info, gpointer self) {
    auto *r = static_cast<VideoRing *>(self);
    ++r->encOut_;
    const GstClockTime pts = runningTime(pad, GST_PAD_PROBE_INFO_BUFFER(info));
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(r->latencyMutex_);
    // Only slots a frame went into count: an empty slot (pts NONE) must not
    // match the first frame's running time 0, or its latency would be the
    // time since the steady clock's epoch (the machine's uptime). A slot is
    // used once.
    for (auto &slot : r->inFlight_) {
        if (slot.first != pts || pts == GST_CLOCK_TIME_NONE) continue;
        const double ms = std::chrono::duration<double, std::milli>(now - slot.second).count();
        const double prev = r->latencyMs_;
        r->latencyMs_ = prev == 0 ? ms : prev * 0.9 + ms * 0.1;
        slot.first = GST_CLOCK_TIME_NONE;
        break;
    }
    return GST_PAD_PROBE_OK;
}

} // namespace conduit::camera
