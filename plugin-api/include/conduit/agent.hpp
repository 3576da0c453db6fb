// Conduit Agent ABI v1 — header-only C++ helper.
//
// Compiled into the vendor's own plugin; nothing C++ crosses the boundary.
// Derive from conduit::Agent, override what the device supports, and define
// the entry point with CONDUIT_AGENT(MyAgent, "com.example.ecu", "1.0.0",
// "ecu"). Every trampoline is noexcept: an exception thrown by an override is
// caught and becomes CONDUIT_E_FAILED (or the code of a conduit::Error) with
// its what() as the error message.
#ifndef CONDUIT_AGENT_HPP
#define CONDUIT_AGENT_HPP

#include "agent.h"

#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace conduit {

// Throw to fail a call with a specific code.
class Error : public std::exception {
public:
    Error(conduit_result code, std::string message) : code_(code), message_(std::move(message)) {}
    conduit_result code() const noexcept { return code_; }
    const char *what() const noexcept override { return message_.c_str(); }

private:
    conduit_result code_;
    std::string message_;
};

// Thin access to the host callbacks. Valid between init and deinit.
class Host {
public:
    static const conduit_host *&raw() noexcept {
        static const conduit_host *host = nullptr;
        return host;
    }
    static void log(conduit_log_level level, const std::string &message) noexcept {
        if (auto *h = raw()) h->log(h, level, message.c_str());
    }
    static void progress(const std::string &device, uint64_t done, uint64_t total) noexcept {
        if (auto *h = raw()) h->progress(h, device.c_str(), done, total);
    }
    static void status(const std::string &device, const std::string &message) noexcept {
        if (auto *h = raw()) h->status(h, device.c_str(), message.c_str());
    }
    static bool cancelled() noexcept {
        auto *h = raw();
        return h && h->is_cancelled(h) != 0;
    }
    static const void *extension(const char *id) noexcept {
        auto *h = raw();
        return h ? h->get_extension(h, id) : nullptr;
    }
    static void setError(const char *message) noexcept {
        if (auto *h = raw()) h->set_error(h, message);
    }
    // [any-thread] Ask for Agent::onWakeup() on the agent thread soon (from
    // a thread of the agent's own, e.g. a CAN listener). Coalesced.
    static void requestWakeup() noexcept {
        if (auto *h = raw()) h->request_wakeup(h);
    }
};

struct Device {
    std::string id, type, hardwareId, currentVersion, previousVersion;
    uint32_t capabilities = 0;
    std::string updateState = CONDUIT_UPDATE_STATE_IDLE; // a CONDUIT_UPDATE_STATE_* value
};

// The update a call is about; a view onto host-owned memory. A member the
// host left NULL reads as "".
struct Update {
    const conduit_update *raw;
    std::string_view deviceId() const { return text(raw->device_id); }
    std::string_view targetName() const { return text(raw->target_name); }
    std::string_view version() const { return text(raw->version); }
    uint64_t length() const { return raw->length; }
    std::string_view sha256() const { return text(raw->sha256); }
    std::string_view customJson() const { return text(raw->custom_json); }
    std::string_view stagingDir() const { return text(raw->staging_dir); }

private:
    static std::string_view text(const char *s) { return s ? std::string_view(s) : std::string_view(); }
};

class Payload {
public:
    explicit Payload(conduit_payload *raw) : raw_(raw) {}
    uint64_t length() const { return raw_->length; }
    // Returns bytes read, 0 at the end; throws conduit::Error on failure.
    size_t read(void *buffer, size_t size) {
        int64_t n = raw_->read(raw_, buffer, size);
        if (n < 0)
            throw Error(static_cast<conduit_result>(n),
                        n == CONDUIT_E_CANCELLED ? "cancelled" : "payload stream failed");
        return static_cast<size_t>(n);
    }

private:
    conduit_payload *raw_;
};

class Agent {
public:
    virtual ~Agent() = default;
    virtual std::vector<Device> inventory() = 0;
    virtual conduit_consent downloadConsent(const Update &) { return CONDUIT_CONSENT_ACCEPT; }
    virtual void transfer(const Update &, Payload &) = 0;
    virtual void prepareInstall(const Update &) {}
    virtual void install(const Update &) {}
    virtual void postInstall(const Update &) {}
    virtual void activate(const Update &) {}
    virtual void commit(const Update &) {}
    virtual void rollback(const Update &) { throw Error(CONDUIT_E_UNSUPPORTED, "rollback not supported"); }
    // [any-thread]
    virtual void cancel() noexcept {}
    virtual const void *extension(std::string_view) { return nullptr; }
    // Capability flags (CONDUIT_CAP_*) for this one update, e.g. whether it
    // needs a reboot. Not overridden: the inventory's capabilities apply.
    virtual uint32_t query(const Update &) { throw Error(CONDUIT_E_UNSUPPORTED, "no per-update capabilities"); }
    // On the agent thread, after Host::requestWakeup().
    virtual void onWakeup() {}
};

namespace detail {

template <typename F>
conduit_result guarded(F &&f) noexcept {
    try {
        f();
        return CONDUIT_OK;
    } catch (const Error &e) {
        Host::setError(e.what());
        return e.code();
    } catch (const std::bad_alloc &) {
        Host::setError("out of memory");
        return CONDUIT_E_NO_MEMORY;
    } catch (const std::exception &e) {
        Host::setError(e.what());
        return CONDUIT_E_FAILED;
    } catch (...) {
        Host::setError("unknown exception");
        return CONDUIT_E_FAILED;
    }
}

inline Agent *self(conduit_agent *a) noexcept { return static_cast<Agent *>(a->agent_data); }

template <typename T>
struct Trampolines {
    static conduit_result inventory(conduit_agent *a, conduit_inventory_fn fn, void *ctx) noexcept {
        return guarded([&] {
            for (const Device &d : self(a)->inventory()) {
                conduit_device_info info{};
                info.struct_size = sizeof info;
                info.device_id = d.id.c_str();
                info.device_type = d.type.c_str();
                info.hardware_id = d.hardwareId.c_str();
                info.current_version = d.currentVersion.c_str();
                info.previous_version = d.previousVersion.c_str();
                info.capabilities = d.capabilities;
                info.update_state = d.updateState.c_str();
                fn(ctx, &info);
            }
        });
    }
    static conduit_result consent(conduit_agent *a, const conduit_update *u, conduit_consent *out) noexcept {
        return guarded([&] { *out = self(a)->downloadConsent(Update{u}); });
    }
    static conduit_result transfer(conduit_agent *a, const conduit_update *u, conduit_payload *p) noexcept {
        return guarded([&] {
            Payload payload(p);
            self(a)->transfer(Update{u}, payload);
        });
    }
#define CONDUIT_HPP_STEP(name, method)                                                                                 \
    static conduit_result name(conduit_agent *a, const conduit_update *u) noexcept {                                   \
        return guarded([&] { self(a)->method(Update{u}); });                                                           \
    }
    CONDUIT_HPP_STEP(prepare, prepareInstall)
    CONDUIT_HPP_STEP(install, install)
    CONDUIT_HPP_STEP(postInstall, postInstall)
    CONDUIT_HPP_STEP(activate, activate)
    CONDUIT_HPP_STEP(commit, commit)
    CONDUIT_HPP_STEP(rollback, rollback)
#undef CONDUIT_HPP_STEP
    static void cancel(conduit_agent *a) noexcept { self(a)->cancel(); }
    static conduit_result query(conduit_agent *a, const conduit_update *u, uint32_t *caps) noexcept {
        return guarded([&] { *caps = self(a)->query(Update{u}); });
    }
    static void wakeup(conduit_agent *a) noexcept {
        // No result to carry an exception: it is logged and dropped.
        if (guarded([&] { self(a)->onWakeup(); }) != CONDUIT_OK) Host::log(CONDUIT_LOG_ERROR, "onWakeup() threw");
    }
    static const void *extension(conduit_agent *a, const char *id) noexcept {
        try {
            return self(a)->extension(id);
        } catch (...) {
            return nullptr;
        }
    }
    static void destroy(conduit_agent *a) noexcept {
        delete self(a);
        delete a;
    }
    static conduit_result create(const conduit_agent_config *config, conduit_agent **out) noexcept {
        return guarded([&] {
            auto impl = std::make_unique<T>(std::string(config->config_json), std::string(config->state_dir));
            auto *agent = new conduit_agent{};
            agent->struct_size = sizeof *agent;
            agent->agent_data = impl.release();
            agent->inventory = inventory;
            agent->download_consent = consent;
            agent->transfer = transfer;
            agent->prepare_install = prepare;
            agent->install = install;
            agent->post_install = postInstall;
            agent->activate = activate;
            agent->commit = commit;
            agent->rollback = rollback;
            agent->cancel = cancel;
            agent->query = query;
            agent->get_extension = extension;
            agent->on_wakeup = wakeup;
            agent->destroy = destroy;
            *out = agent;
        });
    }
    static conduit_result init(const conduit_host *host) noexcept {
        Host::raw() = host;
        return CONDUIT_OK;
    }
    static void deinit() noexcept { Host::raw() = nullptr; }
};

} // namespace detail
} // namespace conduit

// Define the plugin's entry point for agent class T, which must be
// constructible from (std::string configJson, std::string stateDir).
// Device types are given as string literals after the version.
#define CONDUIT_AGENT(T, ID, VERSION, ...)                                                                             \
    extern "C" CONDUIT_AGENT_EXPORT const conduit_agent_entry_t *conduit_agent_entry(void) {                           \
        static const char *const types[] = {__VA_ARGS__, nullptr};                                                     \
        static const conduit_agent_entry_t entry = {sizeof(conduit_agent_entry_t),                                     \
                                                    CONDUIT_ABI_VERSION_INIT,                                          \
                                                    ID,                                                                \
                                                    VERSION,                                                           \
                                                    types,                                                             \
                                                    &conduit::detail::Trampolines<T>::init,                            \
                                                    &conduit::detail::Trampolines<T>::deinit,                          \
                                                    &conduit::detail::Trampolines<T>::create};                         \
        return &entry;                                                                                                 \
    }

#endif // CONDUIT_AGENT_HPP
