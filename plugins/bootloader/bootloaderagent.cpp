// The bootloader agent: reprograms ECUs through their flash bootloader with
// UDS over DoIP (and ISO-TP on CAN), one profile per ECU family, the OEM's
// seed/key library dropped in (docs/bootloader-agent.md). Built against
// plugin-api alone; the ABI glue lives here, the ECU logic in ecudevice.cpp,
// the connections in gateways.cpp.
#include "ecudevice.h"
#include "gateways.h"
#include "seedkeylibrary.h"

#include <conduit/agent.hpp>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>

namespace {

using namespace conduit::bootloader;

class BootloaderAgent : public conduit::Agent {
public:
    BootloaderAgent(const std::string &configJson, const std::string &stateDir)
        : config_(parseAgentConfig(configJson)), gateways_(config_) {
        SecurityKeys keys;
        if (!config_.seedKey.library.empty()) {
            SeedKeyError error;
            seedKey_ = SeedKeyLibrary::open(config_.seedKey.library, error);
            if (!seedKey_)
                throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "bootloader config: seed_key: " + error.message);
            conduit::Host::log(CONDUIT_LOG_INFO, "seed/key library " + seedKey_->describe());
            keys = SecurityKeys{seedKey_.get(), config_.seedKey.variant, config_.seedKey.options};
        }
        for (const EcuConfig &e : config_.ecus)
            devices_.push_back(std::make_unique<EcuDevice>(
                e, stateDir, [this](const EcuConfig &c) -> UdsClient & { return gateways_.uds(c); }, keys));
    }

    std::vector<conduit::Device> inventory() override {
        std::vector<conduit::Device> out;
        gateways_.beginInventory(); // an unreachable gateway is asked once per inventory
        for (auto &d : devices_) {
            // An ECU being programmed ahead of its install call is not asked
            // (its connection belongs to the programming thread).
            auto job = jobs_.find(d->config().id);
            const bool busy =
                job != jobs_.end() && job->second.done.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
            const EcuDevice::Report r = d->report(services(d->config().id), !busy);
            conduit::Device info;
            info.id = d->config().id;
            info.type = d->config().type;
            info.hardwareId = d->config().hardwareId;
            info.currentVersion = r.currentVersion;
            info.previousVersion = r.previousVersion;
            info.capabilities = CONDUIT_CAP_ROLLBACK;
            info.updateState = r.updateState;
            conduit::Host::status(info.id, r.status);
            out.push_back(std::move(info));
        }
        gateways_.endInventory();
        return out;
    }

    void transfer(const conduit::Update &u, conduit::Payload &p) override {
        EcuDevice &d = device(u);
        drop(d.config().id);
        cancelled_ = false;
        StepServices s = services(d.config().id);
        s.read = [&p](void *buf, size_t n) -> int64_t {
            try {
                return int64_t(p.read(buf, n));
            } catch (const conduit::Error &e) {
                return e.code();
            }
        };
        d.transfer(info(u), s);
    }
    void prepareInstall(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        drop(d.config().id);
        d.checkStaged(info(u));
        prepared_[d.config().id] = info(u);
    }
    // The host asks every device of a phase to prepare, then to install,
    // one call at a time on this thread. The first install starts the
    // programming of every prepared ECU at once, up to "parallel" per
    // gateway; each install then waits for its own ECU's.
    void install(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        const std::string id = d.config().id;
        const UpdateInfo update = info(u);
        auto job = jobs_.find(id);
        if (job != jobs_.end() && job->second.version != update.version) drop(id);
        prepared_[id] = update;
        for (const auto &[pid, p] : prepared_) start(pid, p);
        prepared_.clear();
        job = jobs_.find(id);
        std::future<void> done = std::move(job->second.done);
        jobs_.erase(job);
        done.get(); // rethrows the ECU's error here, on the agent thread
    }
    void postInstall(const conduit::Update &u) override { device(u).checkProgrammed(info(u)); }
    void activate(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        drop(d.config().id);
        d.activate(info(u), services(d.config().id));
    }
    void commit(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        drop(d.config().id);
        d.commit(info(u));
    }
    void rollback(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        drop(d.config().id);
        cancelled_ = false; // a rollback after a cancel must run to its end
        StepServices s = services(d.config().id);
        s.cancelled = [] { return false; };
        d.rollback(info(u), s);
    }
    void cancel() noexcept override { cancelled_ = true; }

    ~BootloaderAgent() override {
        cancelled_ = true;
        for (auto &[id, job] : jobs_) job.done.wait();
    }

private:
    // Programs `id` on a thread of its own once its gateway has a free slot.
    void start(const std::string &id, const UpdateInfo &update) {
        if (jobs_.count(id)) return;
        EcuDevice *d = &deviceById(id);
        Slots &slots = slots_[d->config().gateway];
        jobs_[id].version = update.version;
        jobs_[id].done = std::async(std::launch::async, [this, d, update, &slots] {
            slots.acquire(config_.parallel);
            struct Release {
                Slots &s;
                ~Release() { s.release(); }
            } release{slots};
            d->install(update, services(d->config().id));
        });
    }
    // Any other step on `id`: a programming started ahead of its install
    // call is waited for and forgotten (its install call, if it comes,
    // programs again or finds the ECU programmed).
    void drop(const std::string &id) {
        prepared_.erase(id);
        auto job = jobs_.find(id);
        if (job == jobs_.end()) return;
        job->second.done.wait();
        jobs_.erase(job);
    }
    // How many ECUs of one gateway are programmed at once.
    struct Slots {
        std::mutex mutex;
        std::condition_variable freed;
        int busy = 0;
        void acquire(int limit) {
            std::unique_lock<std::mutex> lock(mutex);
            freed.wait(lock, [&] { return busy < limit; });
            ++busy;
        }
        void release() {
            {
                const std::lock_guard<std::mutex> lock(mutex);
                --busy;
            }
            freed.notify_one();
        }
    };

    StepServices services(const std::string &id) {
        StepServices s;
        s.progress = [id](uint64_t done, uint64_t total) { conduit::Host::progress(id, done, total); };
        s.status = [id](const std::string &m) { conduit::Host::status(id, m); };
        s.log = [](const std::string &m) { conduit::Host::log(CONDUIT_LOG_INFO, m); };
        s.cancelled = [this] { return cancelled_.load() || conduit::Host::cancelled(); };
        return s;
    }
    static UpdateInfo info(const conduit::Update &u) {
        UpdateInfo r;
        r.version = u.version();
        r.sha256 = u.sha256();
        for (char &c : r.sha256) c = char(std::tolower(static_cast<unsigned char>(c)));
        r.customJson = u.customJson();
        r.length = u.length();
        return r;
    }
    EcuDevice &device(const conduit::Update &u) { return deviceById(std::string(u.deviceId())); }
    EcuDevice &deviceById(const std::string &id) {
        for (auto &d : devices_)
            if (d->config().id == id) return *d;
        throw conduit::Error(CONDUIT_E_NO_DEVICE, "unknown ECU \"" + id + "\"");
    }

    AgentConfig config_;
    Gateways gateways_;
    std::unique_ptr<SeedKeyLibrary> seedKey_;
    std::vector<std::unique_ptr<EcuDevice>> devices_;
    std::atomic<bool> cancelled_{false};
    std::map<std::string, UpdateInfo> prepared_; // prepared, not yet programming
    struct Job {
        std::string version;
        std::future<void> done;
    };
    std::map<std::string, Job> jobs_;    // programming, by ECU id
    std::map<std::string, Slots> slots_; // by gateway id
};

} // namespace

CONDUIT_AGENT(BootloaderAgent, "io.conduit.bootloader", "1.0.0", "ecu")
