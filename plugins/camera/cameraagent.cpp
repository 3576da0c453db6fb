// The camera agent: an always-ready ring of encoded video (VideoRing) and
// the data-capture extension that hands the host clips around a trigger,
// stills and a rate-capped live stream (CaptureSession). It takes no
// software updates; its one device reports its health in the inventory.
#include "capturesession.h"
#include "healthreport.h"

#include <conduit/agent.hpp>

#include <malloc.h>
#include <map>
#include <memory>
#include <mutex>

namespace {

using namespace conduit::camera;

void hostLog(LogLevel level, const std::string &message) {
    static constexpr conduit_log_level kLevels[] = {CONDUIT_LOG_DEBUG, CONDUIT_LOG_INFO, CONDUIT_LOG_WARNING,
                                                    CONDUIT_LOG_ERROR};
    conduit::Host::log(kLevels[static_cast<int>(level)], message);
}

CameraConfig configOrThrow(const std::string &json, const std::string &stateDir) {
    std::string error;
    std::optional<CameraConfig> c = parseCameraConfig(json, stateDir, error);
    if (!c) throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, error);
    return *c;
}

// GStreamer is initialised before the first pipeline (gst_init() may be
// called again: later calls do nothing). Its many streaming threads would
// each get a malloc arena of 64 MiB of address space, and the runner's
// address-space backstop (twice its memory limit) is soon spent: the
// runner is this agent's own process, so the arenas are capped here.
struct GstInit {
    GstInit() {
        mallopt(M_ARENA_MAX, 2);
        gst_init(nullptr, nullptr);
    }
};

class CameraAgent : public conduit::Agent {
public:
    CameraAgent(std::string configJson, std::string stateDir)
        : gst_(), config_(configOrThrow(configJson, stateDir)), ring_(config_, hostLog), jpeg_(config_.jpegQuality),
          workDir_(config_.ringDir + "/../clips") {
        capture_.struct_size = sizeof capture_;
        capture_.start = &CameraAgent::captureStart;
        capture_.stop = &CameraAgent::captureStop;
        std::string error;
        // A camera that is missing or fails does not fail the agent: its
        // health says so, and clips and stills fail with the reason.
        if (!ring_.start(error)) {
            startError_ = error;
            hostLog(LogLevel::Error, "camera " + config_.deviceId + " is not capturing: " + error);
        }
    }
    ~CameraAgent() override {
        {
            std::lock_guard lock(mutex_);
            sessions_.clear();
        }
        ring_.stop();
    }

    std::vector<conduit::Device> inventory() override {
        conduit::Device d;
        d.id = config_.deviceId;
        d.type = "camera";
        d.hardwareId = config_.hardwareId;
        d.currentVersion = kVersion;
        RingHealth h = ring_.health();
        if (h.lastError.empty()) h.lastError = startError_;
        conduit::Host::status(d.id, healthJson(h, counters_, config_));
        return {d};
    }

    void transfer(const conduit::Update &, conduit::Payload &) override {
        throw conduit::Error(CONDUIT_E_UNSUPPORTED, "the camera agent takes no software updates");
    }

    const void *extension(std::string_view id) override { return id == CONDUIT_EXT_DATA_CAPTURE ? &capture_ : nullptr; }

    static constexpr const char *kVersion = "1.0.0";

private:
    static CameraAgent *self(conduit_agent *a) {
        return static_cast<CameraAgent *>(static_cast<conduit::Agent *>(a->agent_data));
    }

    static conduit_result captureStart(conduit_agent *a, const char *stream, const char *params,
                                       const conduit_data_sink *sink) {
        return conduit::detail::guarded(
            [&] { self(a)->startStream(stream ? stream : "", params ? params : "", sink); });
    }
    static conduit_result captureStop(conduit_agent *a, const char *stream) {
        return conduit::detail::guarded([&] { self(a)->stopStream(stream ? stream : ""); });
    }

    void startStream(const std::string &stream, const std::string &params, const conduit_data_sink *sink) {
        std::string error;
        std::optional<CaptureRequest> r = parseCaptureRequest(stream, params, config_, wallClockNowNs(), error);
        if (!r) throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, error);
        std::lock_guard lock(mutex_);
        if (sessions_.count(stream)) throw conduit::Error(CONDUIT_E_BUSY, "stream " + stream + " is already started");
        auto s = std::make_unique<CaptureSession>(SessionContext{ring_, jpeg_, counters_, hostLog, workDir_}, stream,
                                                  *r, sink);
        s->start();
        sessions_[stream] = std::move(s);
    }
    void stopStream(const std::string &stream) {
        std::unique_ptr<CaptureSession> s;
        {
            std::lock_guard lock(mutex_);
            auto it = sessions_.find(stream);
            if (it == sessions_.end()) throw conduit::Error(CONDUIT_E_STATE, "stream " + stream + " is not started");
            s = std::move(it->second);
            sessions_.erase(it);
        }
        s->stop(); // joins: no sink->write() after this returns
    }

    GstInit gst_;
    CameraConfig config_;
    VideoRing ring_;
    JpegEncoder jpeg_;
    DeliveryCounters counters_;
    std::string workDir_, startError_;
    conduit_data_capture capture_{};
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<CaptureSession>> sessions_;
};

} // namespace

CONDUIT_AGENT(CameraAgent, "io.conduit.camera", "1.0.0", "camera")
