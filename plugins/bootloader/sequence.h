// The reprogramming sequence of one ECU, driven by its profile (profile.h)
// over a UDS client: the steps in the order ISO 14229 practice gives them,
// every failure named by step, service and NRC.
//
//   program():  extended session → precondition routine → DTC setting off
//               and communication control off (functional, no reply) →
//               programming session → security access → fingerprint →
//               per segment: erase → RequestDownload → TransferData blocks
//               → RequestTransferExit → check memory → check dependencies
//   activate:   (dual bank: bank switch routine) → ECU reset → wait until
//               the ECU reports the expected version → communication and
//               DTC setting back on
#pragma once

#include "image/image.h"
#include "profile.h"
#include "seedkeylibrary.h"
#include "udsclient.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace conduit::bootloader {

using Segment = image::Segment;

// What a sequence reports while it runs; every member optional.
struct SequenceObserver {
    std::function<void(uint64_t done, uint64_t total)> progress; // bytes of all segments
    std::function<void(const std::string &)> status;             // "erasing 0x00010000 (256 KiB)"
    std::function<void(const std::string &)> log;                // one line per step
    std::function<bool()> cancelled;                             // checked between blocks and steps
    std::function<void()> erasing;                               // before each erase is sent: the old software goes
};

// The OEM's seed/key library and what the profile passes to it.
struct SecurityKeys {
    const SeedKeyLibrary *library = nullptr; // owned by the agent; null: none configured
    std::string variant, options;
};

struct EcuIdentity {
    std::string softwareVersion, hardwareNumber, serialNumber;
};

class Sequence {
public:
    // `uds` gives the ECU's UDS client for each request: the same one while
    // its connection lives, a reconnected one after a reset dropped it.
    using UdsSource = std::function<UdsClient &()>;
    Sequence(const EcuConfig &ecu, UdsSource uds, SecurityKeys keys, SequenceObserver observer = {});

    // Reads the version DIDs in the default session. Throws conduit::Error
    // (CONDUIT_E_IO) when the ECU does not answer.
    EcuIdentity identify();

    // Programs the segments (everything up to, not including, the reset).
    // Throws conduit::Error naming the step; CONDUIT_E_CANCELLED when cancelled
    // between steps (the ECU then stays in its bootloader).
    void program(const std::vector<Segment> &segments);

    // Dual bank: makes `bank` the one booted after the next reset.
    void switchBank(int bank);

    // Resets the ECU and waits until it reports `version` (empty: any
    // answer); then turns communication and DTC setting back on.
    // Returns the version the ECU reports.
    std::string resetAndWait(const std::string &version);

private:
    UdsResult step(const std::string &what, const Bytes &request, std::chrono::milliseconds deadline);
    void enterProgramming();
    void unlock();
    void writeFingerprint();
    void downloadSegment(const Segment &s, uint64_t &done, uint64_t total);
    void routine(const std::string &what, const RoutineStep &r, const Bytes &options, bool statusMustBeZero);
    void functional(const std::string &what, const Bytes &request);
    void checkCancelled(const std::string &before) const;
    void say(const std::string &status) const;

    const EcuConfig &ecu_;
    const Profile &profile_;
    UdsSource uds_;
    SecurityKeys keys_;
    SequenceObserver observer_;
};

// CRC-32 (IEEE 802.3, as zlib) of `data`, the check-memory routine's option.
uint32_t crc32(const Bytes &data);

} // namespace conduit::bootloader
