// The UDS server of one simulated ECU (ISO 14229-1), transport-agnostic:
// request bytes in, reply bytes out. Time is given by the caller, so the
// S3 session timeout, the security delay and erase durations are exact in
// tests. Long steps (an erase, the "slow" fault) come back with a delay:
// the transport sends 0x7F <sid> 0x78 (responsePending) until it elapses,
// then the reply. Application and bootloader modes, sessions, security
// access, DIDs, the routines and the download of the conventions shared
// with the bootloader agent (docs/ecu-simulator.md); faults from the ECU's configuration.
#pragma once

#include "ecuconfig.h"
#include "flash.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace conduit::ecusim {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Milliseconds = std::chrono::milliseconds;

enum class Mode { Application, Bootloader };

// What the transport does after a request.
enum class Action {
    None,
    DropConnection, // close the tester's connection without replying
    PowerLoss,      // the whole simulator stops at once (only what was persisted remains)
    Reset,          // the reply was the last word before a reset: the ECU is away for its boot time
};

struct Outcome {
    std::optional<Bytes> reply; // none: suppressed positive reply, or no reply at all
    Milliseconds delay{0};      // > 0: responsePending (0x78) until then, then `reply`
    Action action = Action::None;
    std::string note; // for the log: what the request did ("erase of 256 KiB", a flash error, a fault)
};

class UdsServer {
public:
    UdsServer(const EcuConfig &config, Flash &flash);

    // Power on (or reset): the application when the active bank is valid, else the bootloader.
    void start(TimePoint now);
    // One request. `functional`: sent to the functional address (negative replies
    // serviceNotSupported, subFunctionNotSupported, requestOutOfRange are then suppressed).
    Outcome handle(std::span<const uint8_t> request, TimePoint now, bool functional = false);

    Mode mode() const { return mode_; }
    uint8_t session() const { return session_; }
    bool unlocked() const { return unlocked_; }
    const EcuConfig &config() const { return config_; }
    // The 0xF189 value: the active bank's version when valid, "" otherwise.
    std::string applicationVersion() const;

    static Bytes expectedKey(std::span<const uint8_t> seed, uint8_t level); // the "conduit-example" algorithm

private:
    struct Download {
        uint8_t bank = 0;
        uint64_t address = 0, offset = 0, size = 0, received = 0;
        uint8_t expected = 1;                // the next block counter
        std::optional<uint8_t> lastAccepted; // a repeat of it is acknowledged, not written
        uint32_t requests = 0;               // TransferData requests of this download (faults count them)
    };
    struct Segment {
        uint64_t offset = 0, size = 0;
        std::optional<bool> verified; // check memory's verdict
    };

    Outcome dispatch(std::span<const uint8_t> r, TimePoint now);
    Outcome sessionControl(std::span<const uint8_t> r);
    Outcome ecuReset(std::span<const uint8_t> r, TimePoint now);
    Outcome securityAccess(std::span<const uint8_t> r, TimePoint now);
    Outcome readData(std::span<const uint8_t> r);
    Outcome writeData(std::span<const uint8_t> r);
    Outcome routine(std::span<const uint8_t> r);
    Outcome erase(std::span<const uint8_t> options);
    Outcome checkMemory(std::span<const uint8_t> options);
    Outcome checkDependencies();
    Outcome switchBank(std::span<const uint8_t> options);
    Outcome requestDownload(std::span<const uint8_t> r);
    Outcome transferData(std::span<const uint8_t> r);
    Outcome transferExit(std::span<const uint8_t> r);
    Outcome simple(std::span<const uint8_t> r); // 0x3E, 0x28, 0x85

    std::optional<Outcome> injectedNrc(std::span<const uint8_t> r);
    void fallBackToDefault(); // S3 timeout or leaving a session: locks security
    void relock();
    bool securityDelayActive(TimePoint now) const { return delayUntil_ && now < *delayUntil_; }
    std::optional<Bytes> didValue(uint16_t did) const;
    Outcome programmingGate(uint8_t sid) const; // reply set when not in programming session and unlocked

    const EcuConfig config_;
    Flash &flash_;
    std::mt19937 random_;
    Mode mode_ = Mode::Bootloader;
    uint8_t session_ = 0x01;
    bool unlocked_ = false;
    std::optional<Bytes> seed_; // issued and waiting for its key
    std::optional<TimePoint> delayUntil_;
    TimePoint lastRequest_{};
    bool fingerprintWritten_ = false;
    Bytes fingerprint_ = Bytes(9, 0);
    std::optional<Download> download_;
    std::map<uint64_t, Segment> segments_; // downloaded since the last erase, by address
    std::optional<uint64_t> lastSegment_;  // the address of the segment exited last
    std::vector<uint32_t> nrcSeen_;        // per injected NRC: matching requests so far
    bool wrongCounterFired_ = false, dropFired_ = false;
};

} // namespace conduit::ecusim
