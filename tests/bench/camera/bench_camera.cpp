// Camera agent benchmark (docs/benchmarks.md, "Camera agent"): CPU of the
// ring (capture, caps, encode, segments) against the test source alone,
// RSS over the run, and the time to cut a 10 s clip out of the ring.
// Usage: bench_camera [SECONDS] [WIDTH HEIGHT FPS] [ENCODER] [PATTERN]
//   defaults: 60 s, 640 480 15, vp8, ball (videotestsrc: ball is easy to
//   encode, snow is noise, the worst case).
#include "capturesession.h"
#include "clipcutter.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

using namespace conduit::camera;
using Clock = std::chrono::steady_clock;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double rssMiB() {
    FILE *f = std::fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// The share of one core the process used over `seconds` of `run`.
template <typename F>
double cpuShare(double seconds, F &&run) {
    const double c0 = cpuSeconds();
    const auto t0 = Clock::now();
    run(seconds);
    return 100.0 * (cpuSeconds() - c0) / std::chrono::duration<double>(Clock::now() - t0).count();
}

} // namespace

int main(int argc, char **argv) {
    gst_init(nullptr, nullptr);
    const int seconds = argc > 1 ? std::atoi(argv[1]) : 60;
    const int width = argc > 4 ? std::atoi(argv[2]) : 640, height = argc > 4 ? std::atoi(argv[3]) : 480;
    const int fps = argc > 4 ? std::atoi(argv[4]) : 15;
    const std::string encoder = argc > 5 ? argv[5] : "vp8";
    const std::string pattern = argc > 6 ? argv[6] : "ball";
    if (seconds < 15) {
        std::fprintf(stderr, "bench_camera: at least 15 s (the clip needs 11 s of ring)\n");
        return 2;
    }
    char tmpl[] = "/var/tmp/conduit-camera-bench.XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    const std::string dir = tmpl;

    // The test source alone: what a real camera (v4l2, DMA) does not cost.
    char desc[256];
    std::snprintf(desc, sizeof desc,
                  "videotestsrc is-live=true pattern=%s ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 "
                  "! fakesink sync=false",
                  pattern.c_str(), width, height, fps);
    GstElement *source = gst_parse_launch(desc, nullptr);
    gst_element_set_state(source, GST_STATE_PLAYING);
    const double sourceCpu =
        cpuShare(10, [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); });
    gst_element_set_state(source, GST_STATE_NULL);
    gst_object_unref(source);

    char json[512];
    std::snprintf(json, sizeof json,
                  R"({"width":%d,"height":%d,"fps":%d,"encoder":"%s","test_pattern":"%s","segment_seconds":1,)"
                  R"("ring_seconds":30})",
                  width, height, fps, encoder.c_str(), pattern.c_str());
    std::string error;
    std::optional<CameraConfig> config = parseCameraConfig(json, dir, error);
    if (!config) {
        std::fprintf(stderr, "bench_camera: %s\n", error.c_str());
        return 2;
    }
    VideoRing ring(*config, [](LogLevel l, const std::string &m) {
        if (l >= LogLevel::Warning) std::fprintf(stderr, "camera: %s\n", m.c_str());
    });
    if (!ring.start(error)) {
        std::fprintf(stderr, "bench_camera: %s\n", error.c_str());
        return 1;
    }
    std::printf("camera bench: %dx%d@%d %s, pattern %s, %d s, ring 30 s in 1 s segments\n", width, height, fps,
                encoder.c_str(), pattern.c_str(), seconds);
    std::printf("test source alone: %.1f %% of one core\n", sourceCpu);
    double rssMin = 1e9, rssMax = 0;
    const double ringCpu = cpuShare(seconds, [&](double s) {
        const auto end = Clock::now() + std::chrono::duration<double>(s);
        int tick = 0;
        while (Clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::seconds(1));
            const double rss = rssMiB();
            if (++tick > 10) rssMin = std::min(rssMin, rss), rssMax = std::max(rssMax, rss);
            if (tick % 60 == 0) std::printf("  %4d s: RSS %.1f MiB\n", tick, rss);
        }
    });
    const RingHealth h = ring.health();
    std::printf("ring (source + encode + segments): %.1f %% of one core; %.1f fps, %llu dropped, encoder latency "
                "%.2f ms\n",
                ringCpu, h.fps, static_cast<unsigned long long>(h.framesDropped), h.encoderLatencyMs);
    std::printf("RSS after warm-up (10 s): %.1f to %.1f MiB; ring %llu segments, %.1f MiB\n", rssMin, rssMax,
                static_cast<unsigned long long>(h.ringSegments), double(h.ringBytes) / (1 << 20));

    // A 10 s clip (5 s before and after a trigger 6 s ago), cut five times.
    const uint64_t trigger = wallClockNowNs() - 6000000000ull;
    const ClipWindow w{trigger, 5, 5};
    std::atomic<bool> cancel{false};
    double best = 1e9, worst = 0;
    ClipInfo info;
    for (int i = 0; i < 5; ++i) {
        const std::string pins = dir + "/clip" + std::to_string(i);
        const std::vector<Segment> parts =
            ring.pin(w.fromNs(), w.toNs(), Clock::now() + std::chrono::seconds(10), pins, cancel, error);
        const auto t0 = Clock::now();
        if (parts.empty() || !cutClip(parts, w.toNs(), std::string(segmentMuxer(config->encoder)),
                                      pins + "/clip." + std::string(segmentExtension(config->encoder)), info, error)) {
            std::fprintf(stderr, "bench_camera: %s\n", error.c_str());
            return 1;
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        best = std::min(best, ms), worst = std::max(worst, ms);
        std::filesystem::remove_all(pins);
    }
    std::printf("10 s clip: %.2f s, %llu frames, %.0f KiB; cut in %.0f ms (best of 5), %.0f ms (worst)\n",
                double(info.durationNs) / 1e9, static_cast<unsigned long long>(info.frames), double(info.bytes) / 1024,
                best, worst);
    ring.stop();
    std::filesystem::remove_all(dir);
    return 0;
}
