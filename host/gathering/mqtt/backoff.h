// Bounded exponential backoff with jitter for reconnects.
#pragma once

#include <functional>

namespace conduit::gathering::mqtt {

class Backoff {
public:
    // random() returns a value in [0, 1); the default is the global Qt generator.
    Backoff(int minMs, int maxMs, std::function<double()> random = {});
    // The delay before the next attempt: min, 2 min, 4 min, ... capped at
    // max, each reduced by up to 25 % jitter (never above max, never below
    // 1 ms).
    int next();
    void reset() { attempt_ = 0; }
    int attempts() const { return attempt_; }

private:
    int min_;
    int max_;
    int attempt_ = 0;
    std::function<double()> random_;
};

} // namespace conduit::gathering::mqtt
