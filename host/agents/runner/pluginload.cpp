// Loading the agent plugin into the runner: dlopen, the entry table's
// checks (size, ABI major, required members), version negotiation, init()
// and create(), then Hello to the host; and unloading it again. Every
// refusal is a Fail frame with a reason (the runner then exits 2).
#include "runnerloop.h"

#include <algorithm>
#include <dlfcn.h>

// Tests build a second runner that claims a later host minor, to prove
// negotiation in both directions; production runners use the header's.
#ifndef CONDUIT_RUNNER_ABI_MINOR
#define CONDUIT_RUNNER_ABI_MINOR CONDUIT_ABI_VERSION_MINOR
#endif

namespace conduit::runner {

namespace {

constexpr size_t kMinEntrySize = offsetof(conduit_agent_entry_t, create) + sizeof(void *);
constexpr size_t kMinAgentSize = offsetof(conduit_agent, destroy) + sizeof(void *);

} // namespace

void RunnerLoop::fail(conduit_result code, const std::string &message) { send(0, ipc::msg::Fail{code, message}); }

bool RunnerLoop::load(const ipc::msg::Init &init) {
    dlerror();
    library_ = dlopen(opts_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) {
        const char *e = dlerror();
        fail(CONDUIT_E_ABI, std::string("not a loadable shared object: ") + (e ? e : "?"));
        return false;
    }
    auto fn = reinterpret_cast<conduit_agent_entry_fn>(dlsym(library_, CONDUIT_AGENT_ENTRY_SYMBOL));
    if (!fn) {
        fail(CONDUIT_E_ABI, "missing entry symbol conduit_agent_entry");
        return false;
    }
    entry_ = fn();
    if (!entry_) {
        fail(CONDUIT_E_ABI, "conduit_agent_entry() returned NULL");
        return false;
    }
    if (entry_->struct_size < kMinEntrySize) {
        fail(CONDUIT_E_ABI, "entry table too small: " + std::to_string(entry_->struct_size) + " bytes < " +
                                std::to_string(kMinEntrySize));
        return false;
    }
    const conduit_version v = entry_->abi_version;
    if (v.major != CONDUIT_ABI_VERSION_MAJOR) {
        fail(CONDUIT_E_ABI, "ABI major mismatch: plugin built for " + std::to_string(v.major) + "." +
                                std::to_string(v.minor) + ", host speaks " + std::to_string(CONDUIT_ABI_VERSION_MAJOR) +
                                ".x");
        return false;
    }
    if (!entry_->agent_id || !entry_->agent_version || !entry_->device_types || !entry_->init || !entry_->create) {
        fail(CONDUIT_E_ABI, "entry table has NULL id, version, device types, init or create");
        return false;
    }
    const uint16_t minor = std::min<uint16_t>(v.minor, CONDUIT_RUNNER_ABI_MINOR);
    table_.runner = this;
    conduit_host &h = table_.host;
    h.struct_size = sizeof(conduit_host);
    h.abi_version = {CONDUIT_ABI_VERSION_MAJOR, minor, CONDUIT_ABI_VERSION_PATCH, 0};
    h.host_name = "conduitd";
    h.host_version = CONDUIT_HOST_VERSION;
    fillHostCallbacks(h);

    error_.clear();
    if (conduit_result rc = entry_->init(&h); rc != CONDUIT_OK) {
        fail(rc, "agent init failed (" + ipc::resultText(rc) + "): " + error_);
        return false;
    }
    conduit_agent_config cfg{sizeof(conduit_agent_config), init.configJson.c_str(), init.stateDir.c_str()};
    if (conduit_result rc = entry_->create(&cfg, &agent_); rc != CONDUIT_OK || !agent_) {
        fail(rc ? rc : CONDUIT_E_FAILED, "agent create failed (" + ipc::resultText(rc) + "): " + error_);
        return false;
    }
    if (agent_->struct_size < kMinAgentSize || !agent_->inventory || !agent_->destroy) {
        fail(CONDUIT_E_ABI, "agent instance table too small or without inventory/destroy");
        return false;
    }
    ipc::msg::Hello hello;
    hello.protocolVersion = ipc::kProtocolVersion;
    hello.agentId = entry_->agent_id;
    hello.agentVersion = entry_->agent_version;
    hello.abiMajor = v.major;
    hello.abiMinor = v.minor;
    hello.abiPatch = v.patch;
    hello.negotiatedMinor = minor;
    hello.hostMinor = CONDUIT_RUNNER_ABI_MINOR;
    for (const char *const *t = entry_->device_types; *t; ++t) hello.deviceTypes.emplace_back(*t);
    hello.pid = static_cast<uint64_t>(getpid());
    send(0, hello);
    return true;
}

void RunnerLoop::unload() {
    for (auto &[stream, sink] : sinks_) {
        auto *cap = static_cast<const conduit_data_capture *>(
            agent_->get_extension ? agent_->get_extension(agent_, CONDUIT_EXT_DATA_CAPTURE) : nullptr);
        if (cap) cap->stop(agent_, stream.c_str());
    }
    sinks_.clear();
    agent_->destroy(agent_);
    agent_ = nullptr;
    if (entry_->deinit) entry_->deinit();
}

} // namespace conduit::runner
