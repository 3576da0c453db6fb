#include "delivery.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

namespace conduit::camera {

void StopFlag::raise() {
    {
        std::lock_guard lock(mutex_);
        raised_ = true;
    }
    cv_.notify_all();
}

bool StopFlag::waitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, d, [&] { return raised_.load(); });
}

namespace {

// One chunk, retried while the host says BUSY, with a growing pause, until
// the policy's time is spent.
Delivery writeChunk(const conduit_data_sink *sink, const char *data, size_t size, uint64_t ts,
                    const DeliveryPolicy &policy, StopFlag &stop, DeliveryCounters &counters, std::string &error) {
    const auto giveUp = std::chrono::steady_clock::now() + policy.busyRetry;
    auto pause = std::chrono::milliseconds(5);
    for (;;) {
        if (stop.raised()) return Delivery::Cancelled;
        const conduit_result rc = sink->write(sink, data, size, ts);
        if (rc == CONDUIT_OK) {
            ++counters.recordsWritten;
            counters.bytesWritten += size;
            return Delivery::Delivered;
        }
        if (rc != CONDUIT_E_BUSY) {
            error = "the host refused the data (code " + std::to_string(rc) + ")";
            return Delivery::Failed;
        }
        ++counters.recordsDropped;
        const auto now = std::chrono::steady_clock::now();
        if (now >= giveUp) return Delivery::Dropped;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(giveUp - now);
        if (stop.waitFor(std::min(pause, left))) return Delivery::Cancelled;
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
}

Delivery finish(Delivery d, DeliveryCounters &counters) {
    if (d == Delivery::Delivered) ++counters.objectsDelivered;
    if (d == Delivery::Dropped) ++counters.objectsDropped;
    return d;
}

} // namespace

Delivery sendFile(const conduit_data_sink *sink, const std::string &path, uint64_t timestampNs,
                  const DeliveryPolicy &policy, StopFlag &stop, DeliveryCounters &counters, std::string &error) {
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        error = "cannot read " + path;
        return Delivery::Failed;
    }
    std::vector<char> chunk(policy.chunkBytes);
    for (;;) {
        const size_t n = std::fread(chunk.data(), 1, chunk.size(), f.get());
        if (n == 0) break;
        const Delivery d = writeChunk(sink, chunk.data(), n, timestampNs, policy, stop, counters, error);
        if (d != Delivery::Delivered) return finish(d, counters);
    }
    if (std::ferror(f.get())) {
        error = "cannot read " + path;
        return Delivery::Failed;
    }
    return finish(Delivery::Delivered, counters);
}

Delivery sendBytes(const conduit_data_sink *sink, const std::string &bytes, uint64_t timestampNs,
                   const DeliveryPolicy &policy, StopFlag &stop, DeliveryCounters &counters, std::string &error) {
    for (size_t at = 0; at < bytes.size(); at += policy.chunkBytes) {
        const size_t n = std::min(policy.chunkBytes, bytes.size() - at);
        const Delivery d = writeChunk(sink, bytes.data() + at, n, timestampNs, policy, stop, counters, error);
        if (d != Delivery::Delivered) return finish(d, counters);
    }
    return finish(Delivery::Delivered, counters);
}

bool sendRecord(const conduit_data_sink *sink, const std::string &bytes, uint64_t timestampNs,
                DeliveryCounters &counters) {
    if (sink->write(sink, bytes.data(), bytes.size(), timestampNs) != CONDUIT_OK) {
        ++counters.recordsDropped;
        return false;
    }
    ++counters.recordsWritten;
    counters.bytesWritten += bytes.size();
    return true;
}

} // namespace conduit::camera
