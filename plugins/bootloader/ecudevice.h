// One ECU behind the bootloader agent: its persisted update state, its image
// store, and the agent's lifecycle steps mapped onto reprogramming.
//
// Internal states (persisted in <state_dir>/<ecu>.state; reported as the
// nearest CONDUIT_UPDATE_STATE_*):
//   idle         nothing in flight                                   → idle
//   writing      transfer in progress (after a crash: invalid)       → idle
//   staged       verified image in the store, ECU untouched          → staged
//   programming  the ECU's flash is being written (after a power
//                cut: the ECU sits in its bootloader; activate()
//                reprograms, rollback() restores)                    → staged
//   programmed   the ECU holds the new image, not yet reset          → staged
//   activated    reset, the ECU reports the new version              → activated
//   rolled-back  the previous image runs again                       → rolled-back
//
// Image store (<state_dir>/images/<ecu>/): incoming (during transfer),
// pending (verified, to install), good (the last committed image, kept
// with its SHA-256 so a single-bank ECU can be rolled back by reflashing it).
#pragma once

#include "profile.h"
#include "sequence.h"

#include <conduit/agent.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace conduit::bootloader {

// The host services a step uses (progress, status, cancel, the payload).
struct StepServices {
    std::function<int64_t(void *, size_t)> read; // payload; 0 at end, <0 conduit_result
    std::function<void(uint64_t, uint64_t)> progress;
    std::function<void(const std::string &)> status;
    std::function<void(const std::string &)> log;
    std::function<bool()> cancelled;
};

struct UpdateInfo {
    std::string version, sha256, customJson;
    uint64_t length = 0;
};

// Opens a UDS session to an ECU; the agent owns the connections.
using UdsOpener = std::function<UdsClient &(const EcuConfig &)>;

class EcuDevice {
public:
    EcuDevice(EcuConfig config, const std::string &stateDir, UdsOpener open, SecurityKeys keys);
    const EcuConfig &config() const { return config_; }

    struct Report {
        std::string currentVersion, previousVersion, updateState, status;
    };
    // Asks the ECU for its versions; falls back to what was last known
    // when it does not answer (the status says so). Without `askEcu` (a
    // programming runs on it): what was last known, without a word to it.
    Report report(const StepServices &s, bool askEcu = true);

    void transfer(const UpdateInfo &u, const StepServices &s);
    void checkStaged(const UpdateInfo &u);
    void checkProgrammed(const UpdateInfo &u); // post-install: the ECU holds the whole image
    void install(const UpdateInfo &u, const StepServices &s);
    void activate(const UpdateInfo &u, const StepServices &s);
    void commit(const UpdateInfo &u);
    void rollback(const UpdateInfo &u, const StepServices &s);

private:
    std::string get(const std::string &key) const;
    void save(const std::map<std::string, std::string> &changes);
    std::vector<Segment> segments(const std::string &path, const std::string &customJson) const;
    Sequence sequence(const StepServices &s, bool recordErase = false);
    void program(const std::string &imagePath, const std::string &customJson, const StepServices &s);
    std::string imagePath(const char *name) const;

    EcuConfig config_;
    std::string statePath_, imageDir_;
    UdsOpener open_;
    SecurityKeys keys_;
    mutable std::mutex stateMutex_; // state_: the agent thread reads while a programming thread writes
    std::map<std::string, std::string> state_;
};

// Lowercase hex SHA-256 of a file (streamed).
std::string fileSha256(const std::string &path);

} // namespace conduit::bootloader
