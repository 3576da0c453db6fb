// One ECU's requests, answered in order whatever the transport: the DoIP
// entity and the ISO-TP front queue what they receive here and pump it; a
// long step (an erase, the "slow" fault) keeps only this ECU busy, with
// responsePending (0x78) every `pendingIntervalMs` until its reply is due.
#pragma once

#include "udsserver.h"

#include <deque>
#include <functional>
#include <optional>

namespace conduit::ecusim {

struct EcuJob {
    uint64_t connection = 0; // DoIP: the tester's connection (unused on ISO-TP)
    uint16_t tester = 0;     // DoIP: the tester's logical address (unused on ISO-TP)
    Bytes request;
    bool functional = false;
};

class EcuQueue {
public:
    struct Handlers {
        std::function<void(const EcuJob &, const Bytes &reply, bool pending)> answer;
        std::function<void(const EcuJob &, const Outcome &)> handled; // after the server handled a request
        std::function<void(const EcuJob &)> drop;                     // the drop-connection fault
        std::function<void(const std::string &)> log;
    };
    static constexpr size_t kMaxQueued = 64; // a tester waits for its replies; more is a flood

    void push(EcuJob job) { queue_.push_back(std::move(job)); }
    bool full() const { return queue_.size() >= kMaxQueued; }
    // When pump() has something to do next (`now` when requests wait), or nothing.
    std::optional<TimePoint> wakeAt(TimePoint now) const;
    // Sends what is due and handles the waiting requests until one takes time.
    // An EcuReset sets `bootedAt` (the ECU is away until then); a power loss ends the process.
    void pump(UdsServer &server, const EcuConfig &config, TimePoint now, TimePoint &bootedAt, const Handlers &h);

private:
    struct Busy {
        EcuJob job;
        TimePoint deadline, nextPending;
        Bytes reply;
    };
    std::deque<EcuJob> queue_;
    std::optional<Busy> busy_;
};

} // namespace conduit::ecusim
