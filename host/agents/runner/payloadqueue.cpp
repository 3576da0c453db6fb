#include "payloadqueue.h"

#include <conduit/agent.h>

#include <algorithm>
#include <cstring>

namespace conduit::runner {

void PayloadQueue::begin(uint32_t request) {
    std::lock_guard lock(mutex_);
    if (request_ != request) {
        // Bytes queued for another request can only be stale.
        chunks_.clear();
        frontOffset_ = 0;
        ended_ = false;
        endCode_ = 0;
        request_ = request;
    }
    cancelled_ = false;
    consumedAll_ = false;
    uncredited_ = 0;
}

void PayloadQueue::push(uint32_t request, std::string chunk) {
    {
        std::lock_guard lock(mutex_);
        if (request <= finished_) return;
        if (request != request_) {
            chunks_.clear();
            frontOffset_ = 0;
            ended_ = false;
            endCode_ = 0;
            request_ = request;
        }
        if (ended_ || chunk.empty()) return;
        chunks_.push_back(std::move(chunk));
    }
    cv_.notify_one();
}

void PayloadQueue::end(uint32_t request, int64_t code) {
    {
        std::lock_guard lock(mutex_);
        if (request <= finished_) return;
        if (request != request_) {
            chunks_.clear();
            frontOffset_ = 0;
            request_ = request;
        }
        ended_ = true;
        endCode_ = code;
    }
    cv_.notify_one();
}

void PayloadQueue::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    cv_.notify_one();
}

int64_t PayloadQueue::read(void *buffer, size_t size, uint64_t *credit) {
    *credit = 0;
    if (size == 0) return 0;
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return cancelled_ || !chunks_.empty() || ended_; });
    if (cancelled_) return CONDUIT_E_CANCELLED;
    if (chunks_.empty()) {
        if (endCode_ != 0) return CONDUIT_E_PAYLOAD;
        consumedAll_ = true;
        *credit = uncredited_;
        uncredited_ = 0;
        return 0;
    }
    auto *out = static_cast<char *>(buffer);
    size_t copied = 0;
    while (copied < size && !chunks_.empty()) {
        const std::string &front = chunks_.front();
        size_t n = std::min(size - copied, front.size() - frontOffset_);
        std::memcpy(out + copied, front.data() + frontOffset_, n);
        copied += n;
        frontOffset_ += n;
        if (frontOffset_ == front.size()) {
            chunks_.pop_front();
            frontOffset_ = 0;
        }
    }
    uncredited_ += copied;
    if (uncredited_ >= kCreditStep) {
        *credit = uncredited_;
        uncredited_ = 0;
    }
    return static_cast<int64_t>(copied);
}

bool PayloadQueue::finish() {
    std::lock_guard lock(mutex_);
    finished_ = std::max(finished_, request_);
    chunks_.clear();
    frontOffset_ = 0;
    ended_ = false;
    return consumedAll_ && !cancelled_;
}

} // namespace conduit::runner
