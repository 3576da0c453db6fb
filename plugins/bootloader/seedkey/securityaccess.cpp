#include "securityaccess.h"

#include <algorithm>
#include <thread>

namespace conduit::bootloader {

namespace {

bool waitInSlices(std::chrono::milliseconds duration, const std::function<void()> &keepAlive) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
        keepAlive();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        std::this_thread::sleep_for(std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200)));
    }
    return true;
}

SecurityAccessError fromUds(const UdsError &e) {
    using K = SecurityAccessError::Kind;
    if (e.kind != UdsError::Kind::Negative || !e.nrc) return {K::Link, e.nrc, e.message};
    switch (*e.nrc) {
    case uds::Nrc::InvalidKey:
        return {K::InvalidKey, e.nrc,
                e.message + "; the key is not retried: every wrong key counts toward the ECU's lockout"};
    case uds::Nrc::ExceedNumberOfAttempts:
        return {K::ExceededAttempts, e.nrc, e.message + "; the ECU refuses security access until its delay expires"};
    case uds::Nrc::RequiredTimeDelayNotExpired: return {K::DelayNotExpired, e.nrc, e.message};
    default: return {K::Negative, e.nrc, e.message};
    }
}

} // namespace

const char *securityAccessErrorName(SecurityAccessError::Kind kind) {
    using K = SecurityAccessError::Kind;
    switch (kind) {
    case K::Config: return "config";
    case K::Negative: return "negative-response";
    case K::InvalidKey: return "invalid-key";
    case K::ExceededAttempts: return "exceeded-attempts";
    case K::DelayNotExpired: return "delay-not-expired";
    case K::KeyGeneration: return "key-generation";
    case K::Seed: return "seed";
    case K::Link: return "link";
    }
    return "?";
}

SecurityAccess::SecurityAccess(UdsClient &client, const SeedKeyLibrary &library, SecurityAccessConfig config, Wait wait)
    : client_(client), library_(library), config_(std::move(config)),
      wait_(wait ? std::move(wait) : Wait(waitInSlices)) {}

std::optional<SecurityAccessError> SecurityAccess::requestSeed(Bytes &seed) {
    const UdsResult r =
        client_.request(uds::securityAccessRequestSeed(config_.level), Clock::now() + config_.requestTimeout);
    if (!r.ok()) return fromUds(*r.error);
    std::string error;
    auto parsed = uds::parseSeedReply(r.response, config_.level, error);
    if (!parsed)
        return SecurityAccessError{SecurityAccessError::Kind::Seed, std::nullopt,
                                   "SecurityAccess (0x27) requestSeed level " + std::to_string(config_.level) + ": " +
                                       error};
    seed = std::move(*parsed);
    return std::nullopt;
}

std::optional<SecurityAccessError> SecurityAccess::unlock(UnlockOutcome &outcome) {
    using K = SecurityAccessError::Kind;
    const uint8_t level = config_.level;
    if (level % 2 == 0 || level > 0x7d)
        return SecurityAccessError{K::Config, std::nullopt,
                                   "security access level " + std::to_string(level) +
                                       " is not a requestSeed sub-function (odd, 0x01..0x7d)"};
    Bytes seed;
    auto e = requestSeed(seed);
    if (e && e->kind == K::DelayNotExpired) {
        const auto delay = std::min(config_.delay, config_.maxDelay);
        if (!wait_(delay, [this] { client_.keepAlive(); }))
            return SecurityAccessError{K::Link, std::nullopt, "security access cancelled during the ECU's delay"};
        e = requestSeed(seed);
        if (e && e->kind == K::DelayNotExpired)
            e->message += " (again after waiting " + std::to_string(delay.count()) + " ms)";
    }
    if (e) return e;
    if (std::all_of(seed.begin(), seed.end(), [](uint8_t b) { return b == 0; })) {
        outcome = UnlockOutcome::AlreadyUnlocked;
        return std::nullopt;
    }
    Bytes key;
    if (auto k = library_.generateKey(seed, level, config_.variant, config_.options, key))
        return SecurityAccessError{K::KeyGeneration, std::nullopt, k->message};
    const UdsResult r = client_.request(uds::securityAccessSendKey(level, key), Clock::now() + config_.requestTimeout);
    if (!r.ok()) return fromUds(*r.error);
    outcome = UnlockOutcome::Unlocked;
    return std::nullopt;
}

} // namespace conduit::bootloader
