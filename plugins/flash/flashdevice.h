// One A/B device: its slots, boot backend and persisted update state, and
// the update steps in the order that keeps it bootable at every instant.
//
// Update states (persisted in <state_dir>/<device>.state, reported as
// conduit_device_info.update_state, the CONDUIT_UPDATE_STATE_* vocabulary
// of conduit/agent.h; "writing" is reported as idle):
//   idle        nothing in flight; the inactive slot may hold anything
//   writing     transfer in progress (found after a crash: reported idle,
//               inactive slot invalid)
//   staged      inactive slot holds the verified image, not selected
//   activated   inactive slot selected for a trial boot, awaiting commit
//   rolled-back the trial was abandoned (rollback() or bootloader fallback)
#pragma once

#include "bootbackend.h"
#include "json.h"
#include "slot.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace conduit::flash {

using plugin::Json;

struct SlotConfig {
    std::string name, path, initialVersion;
    SlotKind kind = SlotKind::Auto; // "kind": file, block, ubi; detected when absent
};

struct DeviceConfig {
    std::string id, type = "flash", hardwareId;
    std::array<SlotConfig, 2> slots;
    Json boot;
    int tries = 1;                       // trial boots before fallback
    uint64_t syncInterval = 32ull << 20; // writeback window
    bool overlapVerify = false;          // read back while writing ("verify": "overlapped"), default after
};

// Parses the agent config ({"devices":[…]}); throws CONDUIT_E_INVALID_ARGUMENT.
std::vector<DeviceConfig> parseAgentConfig(const std::string &json);

struct UpdateRequest {
    std::string version, sha256, customJson;
    uint64_t length = 0;
};

// Host services a step may use; all optional.
struct StepContext {
    std::function<int64_t(void *, size_t)> read; // payload; 0 at end, <0 error code
    std::function<void(uint64_t done, uint64_t total)> progress;
    std::function<void(const std::string &)> status;
    std::function<bool()> cancelled;
};

struct DeviceReport {
    std::string currentVersion, previousVersion, updateState, slotSummary;
};

class FlashDevice {
public:
    FlashDevice(DeviceConfig config, const std::string &stateDir);
    const DeviceConfig &config() const { return config_; }

    DeviceReport report();
    // Postpone while an update awaits commit or the device runs on trial:
    // a transfer now would be refused.
    bool readyForTransfer();
    void transfer(const UpdateRequest &u, const StepContext &ctx);
    void checkStaged(const UpdateRequest &u);
    void activate(const UpdateRequest &u);
    void commit(const UpdateRequest &u);
    void rollback(const UpdateRequest &u);

private:
    int slotIndex(const std::string &name) const;
    const SlotConfig &slot(const std::string &name) const { return config_.slots[size_t(slotIndex(name))]; }
    std::string other(const std::string &name) const;
    std::string get(const std::string &key) const;
    void save();
    BootState reconcile();
    void transferFull(const SlotConfig &target, const UpdateRequest &u, const StepContext &ctx);
    void transferDelta(const SlotConfig &active, const SlotConfig &target, const UpdateRequest &u,
                       const struct DeltaSpec &spec, const StepContext &ctx);

    DeviceConfig config_;
    std::string statePath_;
    KeyValues state_;
    std::unique_ptr<BootBackend> boot_;
};

} // namespace conduit::flash
