// The runner's writer thread: drains the Outbox onto the host's socket.
#include "outbox.h"

#include <cerrno>
#include <unistd.h>

namespace conduit::runner {

Outbox::Outbox(int fd) : fd_(fd), writer_([this] { writerLoop(); }) {}

Outbox::~Outbox() { close(); }

void Outbox::post(std::string frame) {
    std::unique_lock lock(mutex_);
    roomCv_.wait(lock, [this] { return failed_ || closing_ || queued_ < kControlLimit; });
    if (failed_ || closing_) return;
    enqueueLocked(std::move(frame));
}

void Outbox::enqueueLocked(std::string frame) {
    queued_ += frame.size();
    frames_.push_back(std::move(frame));
    queuedCv_.notify_one();
}

size_t Outbox::queuedBytes() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

void Outbox::close() {
    {
        std::lock_guard lock(mutex_);
        if (closing_ && !writer_.joinable()) return;
        closing_ = true;
    }
    queuedCv_.notify_all();
    roomCv_.notify_all();
    if (writer_.joinable()) writer_.join();
}

void Outbox::writerLoop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        queuedCv_.wait(lock, [this] { return !frames_.empty() || closing_; });
        if (frames_.empty()) return; // closing, everything written
        // The front stays queued (and counted) while it is written, so the
        // limits hold for what is in memory, not only for what waits.
        const std::string &frame = frames_.front();
        lock.unlock();
        const bool ok = writeAll(frame);
        lock.lock();
        queued_ -= frame.size();
        frames_.pop_front();
        if (!ok) {
            failed_ = true;
            frames_.clear();
            queued_ = 0;
        }
        roomCv_.notify_all();
        if (failed_) {
            // Nothing more can reach the host; wait for close().
            queuedCv_.wait(lock, [this] { return closing_; });
            return;
        }
    }
}

bool Outbox::writeAll(const std::string &frame) {
    const char *p = frame.data();
    size_t left = frame.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        left -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace conduit::runner
