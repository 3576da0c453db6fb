// The UDS client (ISO 14229-1 services, ISO 14229-2 timing) on one Link.
//
// Timing: a request waits P2 for the first reply; each 0x78
// responsePending restarts the wait with P2* (any number of them, bounded
// only by the step's deadline); 0x21 busyRepeatRequest repeats the request
// up to `busyRetries` times. P2/P2* start from the configured defaults and
// are replaced by the values the ECU gives in its 0x50 session reply.
// While a step runs longer than S3 allows, TesterPresent (0x3E 0x80,
// suppressed reply) keeps the session open.
#pragma once

#include "proto/uds.h"
#include "transport.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace conduit::bootloader {

struct UdsTiming {
    std::chrono::milliseconds p2{50};         // first reply (ISO 14229-2 default)
    std::chrono::milliseconds p2Star{5000};   // after a 0x78
    std::chrono::milliseconds s3{5000};       // session kept alive by TesterPresent after this gap (minus margin)
    int busyRetries = 3;                      // 0x21 repeats before giving up
    std::chrono::milliseconds busyDelay{100}; // wait before each repeat
    std::chrono::milliseconds margin{20};     // added to P2/P2* waits for the transport's own latency
};

// How a request failed. `nrc` is set for a negative response.
struct UdsError {
    enum class Kind { Negative, Timeout, Transport, Unexpected, Cancelled, Deadline } kind;
    std::optional<uds::Nrc> nrc;
    std::string message; // names the service and the NRC: "RequestDownload (0x34): requestOutOfRange (0x31)"
};

// The positive response of a request, or why there is none.
struct UdsResult {
    std::optional<UdsError> error;
    Bytes response; // the whole positive response, starting with SID+0x40
    bool ok() const { return !error; }
};

class UdsClient {
public:
    explicit UdsClient(Link &link, UdsTiming timing = {});

    // One request; waits for its positive response (or none with
    // `suppressed`, where the suppress-positive-response bit is set by the
    // caller). `deadline` bounds the whole exchange including 0x78s.
    // A suppressed request still waits P2 for a negative response (and,
    // after a 0x78, for the final response the ECU then owes).
    // Replies of other services (late, unsolicited) are skipped.
    UdsResult request(const Bytes &request, Clock::time_point deadline, bool suppressed = false);
    // The same, taking only a positive response `accept` says is the answer
    // to this request (e.g. a TransferData reply naming this block's
    // counter): a late answer to an earlier, repeated request is skipped
    // and the wait goes on.
    using ReplyFilter = std::function<bool(const Bytes &positive)>;
    UdsResult request(const Bytes &request, Clock::time_point deadline, bool suppressed, const ReplyFilter &accept);
    UdsResult requestFunctional(const Bytes &request); // no reply awaited

    // DiagnosticSessionControl (0x10); takes P2/P2* from the reply and turns
    // TesterPresent on for a non-default session, off for the default one.
    UdsResult startSession(uint8_t session, Clock::time_point deadline);

    // Sends TesterPresent when the link has been quiet for longer than
    // S3 minus a margin; the reprogramming sequence calls it between
    // blocks and during long waits. Returns an error only when the send failed.
    std::optional<UdsError> keepAlive();
    void setTesterPresent(bool on); // off outside non-default sessions

    // Checked between waits; true stops the request with Kind::Cancelled.
    void setCancelCheck(std::function<bool()> cancelled);

    const UdsTiming &timing() const { return timing_; }
    Link &link() { return link_; }

private:
    Link &link_;
    UdsTiming timing_;
    bool testerPresent_ = false;
    Clock::time_point lastSend_{};
    std::function<bool()> cancelled_;
};

} // namespace conduit::bootloader
