// Hands captured bytes to the host through the data-capture sink without
// ever blocking the device: a one-shot object (clip, still) goes in bounded
// chunks and waits out a busy host for a bounded time, then is dropped; a
// live frame is dropped at the first BUSY. Every drop is counted; the only
// memory is one chunk.
#pragma once

#include <conduit/ext/data-capture.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace conduit::camera {

struct DeliveryCounters {
    std::atomic<uint64_t> recordsWritten{0}, recordsDropped{0};
    std::atomic<uint64_t> objectsDelivered{0}, objectsDropped{0};
    std::atomic<uint64_t> bytesWritten{0};
};

enum class Delivery { Delivered, Dropped, Cancelled, Failed };

// Lets a waiting delivery see its stream's stop() at once.
class StopFlag {
public:
    void raise();
    bool raised() const { return raised_; }
    // Waits up to `d`; true if raised meanwhile.
    bool waitFor(std::chrono::milliseconds d);

private:
    std::atomic<bool> raised_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
};

struct DeliveryPolicy {
    size_t chunkBytes = 256 << 10;
    std::chrono::milliseconds busyRetry{2000}; // per chunk, then the object is dropped
};

// Sends the file at `path` as one object: chunks of policy.chunkBytes, each
// stamped `timestampNs`. Failed (unreadable file, sink refused with an
// error) sets `error`.
Delivery sendFile(const conduit_data_sink *sink, const std::string &path, uint64_t timestampNs,
                  const DeliveryPolicy &policy, StopFlag &stop, DeliveryCounters &counters, std::string &error);
// The same for bytes in memory (a still).
Delivery sendBytes(const conduit_data_sink *sink, const std::string &bytes, uint64_t timestampNs,
                   const DeliveryPolicy &policy, StopFlag &stop, DeliveryCounters &counters, std::string &error);
// One live record: written, or dropped at BUSY (counted). True if written.
bool sendRecord(const conduit_data_sink *sink, const std::string &bytes, uint64_t timestampNs,
                DeliveryCounters &counters);

} // namespace conduit::camera
