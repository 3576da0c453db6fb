// The flash agent: A/B slot updates for Linux-class devices, built against
// plugin-api alone (the reference of what a vendor plugin looks like).
// The ABI glue lives here; device logic in flashdevice.cpp.
#include "flashdevice.h"
#include "flasherror.h"

#include <conduit/agent.hpp>

#include <atomic>
#include <cctype>

namespace {

using namespace conduit::flash;

class FlashAgent : public conduit::Agent {
public:
    FlashAgent(std::string configJson, std::string stateDir) {
        for (DeviceConfig &c : parseAgentConfig(configJson))
            devices_.push_back(std::make_unique<FlashDevice>(std::move(c), stateDir));
    }

    std::vector<conduit::Device> inventory() override {
        std::vector<conduit::Device> out;
        for (auto &d : devices_) {
            const DeviceReport r = d->report();
            conduit::Device info;
            info.id = d->config().id;
            info.type = d->config().type;
            info.hardwareId = d->config().hardwareId;
            info.currentVersion = r.currentVersion;
            info.previousVersion = r.previousVersion;
            info.capabilities = CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT | CONDUIT_CAP_DELTA;
            info.updateState = r.updateState;
            conduit::Host::status(info.id, r.slotSummary);
            out.push_back(std::move(info));
        }
        return out;
    }

    conduit_consent downloadConsent(const conduit::Update &u) override {
        FlashDevice &d = device(u);
        return d.readyForTransfer() ? CONDUIT_CONSENT_ACCEPT : CONDUIT_CONSENT_POSTPONE;
    }

    void transfer(const conduit::Update &u, conduit::Payload &p) override {
        FlashDevice &d = device(u);
        cancelled_ = false;
        StepContext ctx;
        const std::string id(u.deviceId());
        ctx.read = [&p](void *buf, size_t n) -> int64_t {
            try {
                return int64_t(p.read(buf, n));
            } catch (const conduit::Error &e) {
                return e.code();
            }
        };
        ctx.progress = [id](uint64_t done, uint64_t total) { conduit::Host::progress(id, done, total); };
        ctx.status = [id](const std::string &m) { conduit::Host::status(id, m); };
        ctx.cancelled = [this] { return cancelled_.load() || conduit::Host::cancelled(); };
        d.transfer(request(u), ctx);
    }
    void prepareInstall(const conduit::Update &u) override { step(u, &FlashDevice::checkStaged); }
    void install(const conduit::Update &u) override { step(u, &FlashDevice::checkStaged); }
    void postInstall(const conduit::Update &u) override { step(u, &FlashDevice::checkStaged); }
    void activate(const conduit::Update &u) override { step(u, &FlashDevice::activate); }
    void commit(const conduit::Update &u) override { step(u, &FlashDevice::commit); }
    void rollback(const conduit::Update &u) override { step(u, &FlashDevice::rollback); }
    void cancel() noexcept override { cancelled_ = true; }

private:
    static UpdateRequest request(const conduit::Update &u) {
        UpdateRequest r;
        r.version = u.version();
        r.sha256 = u.sha256();
        for (char &c : r.sha256) c = char(std::tolower(static_cast<unsigned char>(c)));
        r.customJson = u.customJson();
        r.length = u.length();
        return r;
    }
    FlashDevice &device(const conduit::Update &u) {
        const std::string_view id = u.deviceId();
        for (auto &d : devices_)
            if (d->config().id == id) return *d;
        throw conduit::Error(CONDUIT_E_NO_DEVICE, "unknown device \"" + std::string(id) + "\"");
    }
    void step(const conduit::Update &u, void (FlashDevice::*fn)(const UpdateRequest &)) {
        FlashDevice &d = device(u);
        (d.*fn)(request(u));
    }

    std::vector<std::unique_ptr<FlashDevice>> devices_;
    std::atomic<bool> cancelled_{false};
};

} // namespace

CONDUIT_AGENT(FlashAgent, "io.conduit.flash", "1.0.0", "flash")
