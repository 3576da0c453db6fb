#include "capturesession.h"

#include "clipcutter.h"

#include <filesystem>

namespace conduit::camera {

namespace fs = std::filesystem;

uint64_t wallClockNowNs() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

CaptureSession::CaptureSession(SessionContext ctx, std::string streamId, CaptureRequest request,
                               const conduit_data_sink *sink)
    : ctx_(std::move(ctx)), streamId_(std::move(streamId)), request_(request), sink_(sink) {
    const CameraConfig &c = ctx_.ring.config();
    policy_.chunkBytes = c.chunkBytes;
    policy_.busyRetry = std::chrono::milliseconds(c.busyRetryMs);
}

CaptureSession::~CaptureSession() { stop(); }

void CaptureSession::start() {
    thread_ = std::thread([this] { run(); });
}

void CaptureSession::stop() {
    cancel_ = true;
    stop_.raise();
    ctx_.ring.wakeWaiters();
    if (thread_.joinable()) thread_.join();
}

void CaptureSession::run() {
    switch (request_.kind) {
    case StreamKind::Clip: sink_->end(sink_, runClip()); return;
    case StreamKind::Still: sink_->end(sink_, runStill()); return;
    case StreamKind::Live: runLive(); return;
    }
}

conduit_result CaptureSession::delivered(Delivery d, const std::string &what, const std::string &error) {
    switch (d) {
    case Delivery::Delivered: ctx_.log(LogLevel::Info, streamId_ + ": " + what + " delivered"); return CONDUIT_OK;
    case Delivery::Dropped:
        ctx_.log(LogLevel::Warning, streamId_ + ": " + what + " dropped: the host stayed busy");
        return CONDUIT_E_BUSY;
    case Delivery::Cancelled: return CONDUIT_E_CANCELLED;
    case Delivery::Failed: break;
    }
    ctx_.log(LogLevel::Error, streamId_ + ": " + what + " failed: " + error);
    return CONDUIT_E_FAILED;
}

conduit_result CaptureSession::runClip() {
    const CameraConfig &c = ctx_.ring.config();
    const ClipWindow &w = request_.clip;
    const uint64_t now = wallClockNowNs();
    // The post-trigger window has to be recorded first, plus the segment
    // that holds its end.
    const auto wait = std::chrono::nanoseconds(w.toNs() > now ? w.toNs() - now : 0) +
                      std::chrono::milliseconds(static_cast<int>(c.segmentSeconds * 3000) + 5000);
    const std::string dir = ctx_.workDir + "/" + streamId_;
    std::error_code ec;
    fs::remove_all(dir, ec);
    std::string error;
    const std::vector<Segment> parts =
        ctx_.ring.pin(w.fromNs(), w.toNs(), std::chrono::steady_clock::now() + wait, dir, cancel_, error);
    conduit_result rc = CONDUIT_E_FAILED;
    if (cancel_) {
        rc = CONDUIT_E_CANCELLED;
    } else if (parts.empty()) {
        ctx_.log(LogLevel::Error, streamId_ + ": no clip: " + error);
    } else {
        ClipInfo info;
        const std::string out = dir + "/clip." + std::string(segmentExtension(c.encoder));
        const auto t0 = std::chrono::steady_clock::now();
        if (!cutClip(parts, w.toNs(), std::string(segmentMuxer(c.encoder)), out, info, error)) {
            ctx_.log(LogLevel::Error, streamId_ + ": " + error);
        } else {
            const double cutMs =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            char what[256];
            std::snprintf(what, sizeof what,
                          "clip of %.2f s (%llu frames, %llu bytes, cut in %.0f ms, trigger %.3f s in)",
                          double(info.durationNs) / 1e9, static_cast<unsigned long long>(info.frames),
                          static_cast<unsigned long long>(info.bytes), cutMs,
                          double(w.triggerNs - std::min(w.triggerNs, info.startNs)) / 1e9);
            // Every chunk carries the wall-clock time of the clip's first frame.
            rc = delivered(sendFile(sink_, out, info.startNs, policy_, stop_, ctx_.counters, error), what, error);
        }
    }
    fs::remove_all(dir, ec);
    return rc;
}

conduit_result CaptureSession::runStill() {
    GstSample *frame = nullptr;
    // Right after start the ring may not have a frame yet: a bounded wait.
    for (int i = 0; i < 60 && !(frame = ctx_.ring.lastFrame()); ++i)
        if (stop_.waitFor(std::chrono::milliseconds(50))) return CONDUIT_E_CANCELLED;
    if (!frame) {
        ctx_.log(LogLevel::Error, streamId_ + ": no frame to take a still from (is the camera running?)");
        return CONDUIT_E_FAILED;
    }
    std::string jpeg, error;
    const GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(frame));
    const bool ok = ctx_.jpeg.encode(frame, jpeg, error);
    gst_sample_unref(frame);
    if (!ok) return delivered(Delivery::Failed, "still", error);
    const uint64_t ts = GST_CLOCK_TIME_IS_VALID(pts) ? ctx_.ring.wallClock(pts) : wallClockNowNs();
    return delivered(sendBytes(sink_, jpeg, ts, policy_, stop_, ctx_.counters, error),
                     "still of " + std::to_string(jpeg.size()) + " bytes", error);
}

void CaptureSession::runLive() {
    const LiveRate rate = request_.live;
    const auto period = std::chrono::milliseconds(1000 / rate.fps);
    // Byte-rate cap: a token bucket holding at most one second of budget.
    const double perSecond = rate.kbps * 1000.0 / 8.0;
    double budget = perSecond;
    auto last = std::chrono::steady_clock::now();
    GstClockTime lastPts = GST_CLOCK_TIME_NONE;
    while (!stop_.waitFor(period)) {
        const auto now = std::chrono::steady_clock::now();
        budget = std::min(perSecond, budget + perSecond * std::chrono::duration<double>(now - last).count());
        last = now;
        GstSample *frame = ctx_.ring.lastFrame();
        if (!frame) continue;
        const GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(frame));
        std::string jpeg, error;
        const bool fresh = pts != lastPts;
        const bool ok = fresh && ctx_.jpeg.encode(frame, jpeg, error);
        gst_sample_unref(frame);
        if (!fresh) continue;
        lastPts = pts;
        if (!ok) {
            ctx_.log(LogLevel::Warning, streamId_ + ": frame skipped: " + error);
            continue;
        }
        if (double(jpeg.size()) > budget || jpeg.size() > policy_.chunkBytes) {
            ++ctx_.counters.recordsDropped; // over the byte-rate cap
            continue;
        }
        if (sendRecord(sink_, jpeg, ctx_.ring.wallClock(pts), ctx_.counters)) budget -= double(jpeg.size());
    }
}

} // namespace conduit::camera
