// A bandwidth limit shared by every connection that draws from it: a token
// bucket of `rate` bytes per second that holds at most `burst` bytes.
// libcurl's own limit (CURLOPT_MAX_RECV_SPEED_LARGE) is judged only between
// its passes over a socket, and one pass reads up to a hundred buffers: a
// fast server delivered 12 MiB in 0.7 s under a 400 KiB/s limit. The fetch
// asks the bucket before it takes each chunk instead, and pauses the
// transfer while the bucket is in debt.
//
// [thread-safe]: the fetch threads of all downloads share one bucket.
#pragma once

#include <QtGlobal>

#include <chrono>
#include <mutex>

namespace conduit::transfer {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // rate: bytes per second (> 0). burst: bytes allowed at once after a
    // quiet spell; default a quarter second's worth, at least 16 KiB. The
    // bucket is full at `start`.
    explicit TokenBucket(qint64 rate, qint64 burst = 0, Clock::time_point start = Clock::now());

    qint64 rate() const { return rate_; }
    // Takes `bytes` (the bucket may go into debt by them) and returns how
    // long the taker must wait before the next byte: zero when the bucket
    // still holds tokens.
    std::chrono::milliseconds take(qint64 bytes, Clock::time_point now = Clock::now());
    // How long until the bucket is out of debt (zero: a byte may be taken now).
    std::chrono::milliseconds wait(Clock::time_point now = Clock::now());

private:
    void refill(Clock::time_point now); // mutex held
    std::chrono::milliseconds debtTime() const;

    const qint64 rate_;
    const qint64 burst_;
    std::mutex mutex_;
    double tokens_;
    Clock::time_point last_;
};

} // namespace conduit::transfer
