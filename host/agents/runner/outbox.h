// The runner's frames to the host, written by a thread of their own, so
// that a stalled host never blocks the agent's data capture.
//
// One FIFO holds every frame, so frames reach the host in the order they
// were queued, whatever their kind. Two kinds of admission:
//  - offer() (data-capture records) is refused at once, never waits, when
//    the queue holds kDataLimit bytes or more: the agent's sink write()
//    returns CONDUIT_E_BUSY and the agent drops (it counts that).
//  - post() (everything else: results, devices, credit, logs, progress,
//    status, the end of a capture stream) is never refused or dropped; it
//    waits while the queue holds kControlLimit bytes or more, so an agent
//    logging into a stalled host waits, as it did when writes were direct.
// Once a write fails (the host is gone) queued and later frames are
// discarded and nobody waits any more.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace conduit::runner {

class Outbox {
public:
    static constexpr size_t kDataLimit = size_t{1} << 20;
    static constexpr size_t kControlLimit = size_t{4} << 20;

    // `fd`: the blocking socket to the host (not owned).
    explicit Outbox(int fd);
    ~Outbox(); // close()

    // [any thread] A frame that must not be lost (see above).
    void post(std::string frame);
    // [any thread] A data-capture record: false, at once, when the queue
    // is full; else `make()` (called under the queue's lock, only when
    // admitted) builds the frame and it is queued. An empty queue admits
    // any record, so a record larger than the limit is not refused forever.
    template <class Make>
    bool offer(Make &&make) {
        std::unique_lock lock(mutex_);
        if (failed_ || (queued_ >= kDataLimit)) return false;
        enqueueLocked(make());
        return true;
    }
    // [any thread, not the writer] Writes what is queued, then stops the
    // writer thread. Later frames are discarded.
    void close();

    // [any thread] Bytes queued and not yet written.
    size_t queuedBytes() const;

private:
    void enqueueLocked(std::string frame);
    void writerLoop();
    bool writeAll(const std::string &frame);

    const int fd_;
    mutable std::mutex mutex_;
    std::condition_variable queuedCv_; // the writer waits for frames
    std::condition_variable roomCv_;   // post() waits for room
    std::deque<std::string> frames_;
    size_t queued_ = 0;
    bool closing_ = false;
    bool failed_ = false;
    std::thread writer_;
};

} // namespace conduit::runner
