// Bounded hand-over of payload bytes from the runner's IO thread to the
// agent thread inside conduit_payload.read(). The host never has more than
// its credit window in flight, so the queue stays bounded by that window.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace conduit::runner {

class PayloadQueue {
public:
    // Credit is returned to the host in steps of this many consumed bytes.
    static constexpr uint64_t kCreditStep = 1u << 20;

    // [agent thread] The transfer call `request` starts reading.
    void begin(uint32_t request);
    // [io thread] Payload bytes / end of stream for `request`.
    void push(uint32_t request, std::string chunk);
    void end(uint32_t request, int64_t code);
    // [any thread] Wake a blocked read() with CONDUIT_E_CANCELLED.
    void cancel();
    // [agent thread] conduit_payload.read(); *credit receives bytes to
    // acknowledge to the host (0 most of the time).
    int64_t read(void *buffer, size_t size, uint64_t *credit);
    // [agent thread] The transfer call returned. True if the stream had been
    // read to its successful end. Later bytes for the request are dropped.
    bool finish();

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> chunks_;
    size_t frontOffset_ = 0;
    uint32_t request_ = 0;  // request whose bytes are queued
    uint32_t finished_ = 0; // last request that returned
    bool ended_ = false;
    int64_t endCode_ = 0;
    bool cancelled_ = false;
    bool consumedAll_ = false;
    uint64_t uncredited_ = 0;
};

} // namespace conduit::runner
