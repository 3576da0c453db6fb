// Example agent in C++ with the header-only helper (conduit/agent.hpp): a
// "sink" device that consumes payloads and counts them, and offers the
// data-capture extension with a synthetic counter stream. Used by the IPC
// throughput benchmark, and as the template for C++ vendors.
#include <conduit/agent.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace {

class SinkAgent : public conduit::Agent {
public:
    SinkAgent(std::string /*configJson*/, std::string /*stateDir*/) {
        capture_.struct_size = sizeof capture_;
        capture_.start = &SinkAgent::captureStart;
        capture_.stop = &SinkAgent::captureStop;
    }
    ~SinkAgent() override { stopCapture(); }

    std::vector<conduit::Device> inventory() override {
        conduit::Device d;
        d.id = "sink-1";
        d.type = "sink";
        d.hardwareId = "sink";
        d.currentVersion = version_;
        d.capabilities = CONDUIT_CAP_ROLLBACK;
        return {d};
    }

    void transfer(const conduit::Update &u, conduit::Payload &p) override {
        static thread_local char buf[1 << 20];
        uint64_t total = 0;
        while (size_t n = p.read(buf, sizeof buf)) {
            total += n;
        }
        if (total != u.length())
            throw conduit::Error(CONDUIT_E_PAYLOAD, "payload length differs from the update's length");
        staged_ = std::string(u.version());
    }
    void activate(const conduit::Update &) override { version_ = staged_; }
    void rollback(const conduit::Update &) override { staged_.clear(); }

    const void *extension(std::string_view id) override { return id == CONDUIT_EXT_DATA_CAPTURE ? &capture_ : nullptr; }

private:
    static SinkAgent *self(conduit_agent *a) {
        return static_cast<SinkAgent *>(static_cast<conduit::Agent *>(a->agent_data));
    }

    static conduit_result captureStart(conduit_agent *a, const char *, const char *, const conduit_data_sink *sink) {
        SinkAgent *s = self(a);
        if (s->thread_.joinable()) return CONDUIT_E_BUSY;
        s->running_ = true;
        // The sink is host-owned and valid until stop() returns.
        s->thread_ = std::thread([s, sink] {
            for (uint64_t i = 0; s->running_ && i < 1000; ++i) {
                char line[32];
                int n = std::snprintf(line, sizeof line, "sample %llu\n", static_cast<unsigned long long>(i));
                sink->write(sink, line, static_cast<size_t>(n),
                            static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        });
        return CONDUIT_OK;
    }
    static conduit_result captureStop(conduit_agent *a, const char *) {
        self(a)->stopCapture();
        return CONDUIT_OK;
    }
    void stopCapture() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
    }

    std::string version_ = "1.0.0";
    std::string staged_;
    conduit_data_capture capture_{};
    std::atomic<bool> running_{false};
    std::thread thread_;
};

} // namespace

CONDUIT_AGENT(SinkAgent, "io.conduit.example.sink", "1.0.0", "sink")
