#include "tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace conduit::transfer {

TokenBucket::TokenBucket(qint64 rate, qint64 burst, Clock::time_point start)
    : rate_(std::max<qint64>(rate, 1)), burst_(burst > 0 ? burst : std::max<qint64>(rate_ / 4, 16 << 10)),
      tokens_(double(burst_)), last_(start) {}

void TokenBucket::refill(Clock::time_point now) {
    if (now <= last_) return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(double(burst_), tokens_ + seconds * double(rate_));
    last_ = now;
}

std::chrono::milliseconds TokenBucket::debtTime() const {
    if (tokens_ >= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(qint64(std::ceil(-tokens_ * 1000.0 / double(rate_))));
}

std::chrono::milliseconds TokenBucket::take(qint64 bytes, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    refill(now);
    tokens_ -= double(bytes);
    return debtTime();
}

std::chrono::milliseconds TokenBucket::wait(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    refill(now);
    return debtTime();
}

} // namespace conduit::transfer
