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
#include <memory>

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
            if (!seedKey_) throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "bootloader config: seed_key: " + error.message);
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
            const EcuDevice::Report r = d->report(services(d->config().id));
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
    void prepareInstall(const conduit::Update &u) override { device(u).checkStaged(info(u)); }
    void install(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        d.install(info(u), services(d.config().id));
    }
    void postInstall(const conduit::Update &u) override { device(u).checkStaged(info(u)); }
    void activate(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        d.activate(info(u), services(d.config().id));
    }
    void commit(const conduit::Update &u) override { device(u).commit(info(u)); }
    void rollback(const conduit::Update &u) override {
        EcuDevice &d = device(u);
        cancelled_ = false; // a rollback after a cancel must run to its end
        StepServices s = services(d.config().id);
        s.cancelled = [] { return false; };
        d.rollback(info(u), s);
    }
    void cancel() noexcept override { cancelled_ = true; }

private:
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
        r.version = u.raw->version ? std::string(u.version()) : std::string();
        r.sha256 = u.raw->sha256 ? std::string(u.sha256()) : std::string();
        for (char &c : r.sha256) c = char(std::tolower(static_cast<unsigned char>(c)));
        r.customJson = u.raw->custom_json ? std::string(u.customJson()) : std::string();
        r.length = u.length();
        return r;
    }
    EcuDevice &device(const conduit::Update &u) {
        const std::string_view id = u.raw->device_id ? u.deviceId() : std::string_view();
        for (auto &d : devices_)
            if (d->config().id == id) return *d;
        throw conduit::Error(CONDUIT_E_NO_DEVICE, "unknown ECU \"" + std::string(id) + "\"");
    }

    AgentConfig config_;
    Gateways gateways_;
    std::unique_ptr<SeedKeyLibrary> seedKey_;
    std::vector<std::unique_ptr<EcuDevice>> devices_;
    std::atomic<bool> cancelled_{false};
};

} // namespace

CONDUIT_AGENT(BootloaderAgent, "io.conduit.bootloader", "1.0.0", "ecu")
