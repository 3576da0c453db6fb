// Benchmark agent: ECUs behind a slow in-vehicle bus. A transfer moves
// `chunk_bytes` at a time at `bytes_per_second` and reports progress after
// each chunk, and every install step takes `step_ms`, so a campaign lasts
// long enough, with a steady stream of engine progress changes, to measure
// the control API's signal latency (bench_api latency). Not a template for
// vendors: nothing persists, a restart forgets every version.
//
// Configuration (agent config JSON, flat, numbers or strings):
//   "devices": "id:hwid,id:hwid"   default "bench-1:bench"
//   "bytes_per_second": 1048576    "chunk_bytes": 8192    "step_ms": 50
#include <conduit/agent.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace {

// The value of "key" in flat JSON text, quotes stripped; "" when absent.
std::string field(const std::string &json, const std::string &key) {
    const size_t k = json.find('"' + key + '"');
    if (k == std::string::npos) return {};
    size_t v = json.find(':', k);
    if (v == std::string::npos) return {};
    v = json.find_first_not_of(" \t\r\n", v + 1);
    if (v == std::string::npos) return {};
    if (json[v] == '"') {
        const size_t end = json.find('"', v + 1);
        return end == std::string::npos ? std::string() : json.substr(v + 1, end - v - 1);
    }
    const size_t end = json.find_first_of(",} \t\r\n", v);
    return json.substr(v, end == std::string::npos ? std::string::npos : end - v);
}

long long number(const std::string &json, const std::string &key, long long fallback) {
    const std::string v = field(json, key);
    const long long n = v.empty() ? 0 : std::atoll(v.c_str());
    return n > 0 ? n : fallback;
}

class BusEcuAgent : public conduit::Agent {
public:
    BusEcuAgent(std::string config, std::string /*stateDir*/)
        : rate_(number(config, "bytes_per_second", 1 << 20)), chunk_(size_t(number(config, "chunk_bytes", 8192))),
          stepMs_(number(config, "step_ms", 50)) {
        std::string list = field(config, "devices");
        if (list.empty()) list = "bench-1:bench";
        for (size_t start = 0; start < list.size();) {
            size_t end = list.find(',', start);
            if (end == std::string::npos) end = list.size();
            const std::string item = list.substr(start, end - start);
            const size_t colon = item.find(':');
            conduit::Device d;
            d.id = item.substr(0, colon);
            d.type = "bench-ecu";
            d.hardwareId = colon == std::string::npos ? "bench" : item.substr(colon + 1);
            d.currentVersion = "1.0.0";
            d.capabilities = CONDUIT_CAP_ROLLBACK;
            devices_[d.id] = d;
            start = end + 1;
        }
    }

    std::vector<conduit::Device> inventory() override {
        std::lock_guard lock(mutex_);
        std::vector<conduit::Device> out;
        for (const auto &[id, d] : devices_) out.push_back(d);
        return out;
    }

    void transfer(const conduit::Update &u, conduit::Payload &p) override {
        const std::string id(u.deviceId());
        device(id); // throws for an unknown device
        std::vector<char> buf(chunk_);
        const auto start = std::chrono::steady_clock::now();
        uint64_t done = 0;
        while (size_t n = p.read(buf.data(), buf.size())) {
            done += n;
            conduit::Host::progress(id, done, u.length());
            if (conduit::Host::cancelled()) throw conduit::Error(CONDUIT_E_CANCELLED, "cancelled");
            // The bus: this chunk is on the ECU when its share of time passed.
            std::this_thread::sleep_until(start + std::chrono::microseconds(done * 1000000 / uint64_t(rate_)));
        }
        std::lock_guard lock(mutex_);
        staged_[id] = std::string(u.version());
    }
    void prepareInstall(const conduit::Update &) override { step(); }
    void install(const conduit::Update &) override { step(); }
    void postInstall(const conduit::Update &) override { step(); }
    void activate(const conduit::Update &u) override {
        step();
        const std::string id(u.deviceId());
        std::lock_guard lock(mutex_);
        conduit::Device &d = devices_.at(id);
        d.previousVersion = d.currentVersion;
        d.currentVersion = staged_[id];
        d.updateState = "activated";
    }
    void commit(const conduit::Update &u) override {
        std::lock_guard lock(mutex_);
        devices_.at(std::string(u.deviceId())).updateState = "idle";
    }
    void rollback(const conduit::Update &u) override {
        std::lock_guard lock(mutex_);
        conduit::Device &d = devices_.at(std::string(u.deviceId()));
        if (d.updateState == "activated") d.currentVersion = d.previousVersion;
        d.updateState = "idle";
        staged_.erase(d.id);
    }

private:
    void step() const { std::this_thread::sleep_for(std::chrono::milliseconds(stepMs_)); }
    void device(const std::string &id) {
        std::lock_guard lock(mutex_);
        if (!devices_.count(id)) throw conduit::Error(CONDUIT_E_NO_DEVICE, "no such device");
    }

    const long long rate_;
    const size_t chunk_;
    const long long stepMs_;
    std::mutex mutex_;
    std::map<std::string, conduit::Device> devices_;
    std::map<std::string, std::string> staged_;
};

} // namespace

CONDUIT_AGENT(BusEcuAgent, "io.conduit.bench.busecu", "1.0.0", "bench-ecu")
