// UDS SecurityAccess (0x27) on one ECU: requestSeed, the OEM's key from its
// seed/key library, sendKey. The ECU's answers are handled as ISO 14229-1
// and the common OEM practice say:
//  - a seed of all zero bytes: the level is already unlocked, no key is sent;
//  - 0x35 invalidKey: reported, never retried blindly (each wrong key
//    counts toward the ECU's lockout);
//  - 0x36 exceededNumberOfAttempts: reported; the ECU now delays;
//  - 0x37 requiredTimeDelayNotExpired on requestSeed: wait the profile's
//    delay (bounded), keeping the session alive, and request once more;
//  - any other negative response: reported with the NRC's name.
#pragma once

#include "seedkeylibrary.h"
#include "udsclient.h"

#include <chrono>
#include <functional>

namespace conduit::bootloader {

struct SecurityAccessConfig {
    uint8_t level = 0x01; // requestSeed sub-function (odd); sendKey is level + 1
    std::string variant = "conduit-example";
    std::string options;                            // for GenerateKeyExOpt; empty: none
    std::chrono::milliseconds delay{10000};         // wait after 0x37 before the one retry
    std::chrono::milliseconds maxDelay{60000};      // a profile's delay is capped at this
    std::chrono::milliseconds requestTimeout{5000}; // per request, 0x78s included
};

struct SecurityAccessError {
    enum class Kind {
        Config,           // bad level
        Negative,         // a negative response not listed below (nrc set)
        InvalidKey,       // 0x35 on sendKey
        ExceededAttempts, // 0x36
        DelayNotExpired,  // 0x37 again after the wait
        KeyGeneration,    // the seed/key library failed
        Seed,             // a malformed seed reply
        Link,             // timeout, transport, cancelled (see uds)
    } kind;
    std::optional<uds::Nrc> nrc;
    std::string message;
};
const char *securityAccessErrorName(SecurityAccessError::Kind kind);

enum class UnlockOutcome { Unlocked, AlreadyUnlocked };

class SecurityAccess {
public:
    // Waits `duration` (the 0x37 delay) calling `keepAlive` at least every
    // few hundred ms; returns false when cancelled. The default sleeps in
    // slices; tests give one that records the wait.
    using Wait = std::function<bool(std::chrono::milliseconds duration, const std::function<void()> &keepAlive)>;

    SecurityAccess(UdsClient &client, const SeedKeyLibrary &library, SecurityAccessConfig config, Wait wait = {});

    // Unlocks the configured level; fills `outcome` on success.
    std::optional<SecurityAccessError> unlock(UnlockOutcome &outcome);

private:
    std::optional<SecurityAccessError> requestSeed(Bytes &seed);

    UdsClient &client_;
    const SeedKeyLibrary &library_;
    SecurityAccessConfig config_;
    Wait wait_;
};

} // namespace conduit::bootloader
