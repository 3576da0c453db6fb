#include "udsclient.h"

#include <algorithm>
#include <thread>

namespace conduit::bootloader {

namespace {

// Waits are cut into slices this long so cancellation is seen promptly.
constexpr auto kSlice = std::chrono::milliseconds(50);

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

} // namespace

UdsClient::UdsClient(Link &link, UdsTiming timing) : link_(link), timing_(timing) {}

void UdsClient::setTesterPresent(bool on) { testerPresent_ = on; }
void UdsClient::setCancelCheck(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

UdsResult UdsClient::request(const Bytes &request, Clock::time_point deadline, bool suppressed) {
    return this->request(request, deadline, suppressed, ReplyFilter{});
}

UdsResult UdsClient::request(const Bytes &request, Clock::time_point deadline, bool suppressed,
                             const ReplyFilter &accept) {
    auto fail = [&](UdsError::Kind kind, std::string text, std::optional<uds::Nrc> nrc = std::nullopt) {
        const std::string service = request.empty() ? std::string("empty request") : uds::describeSid(request[0]);
        return UdsResult{UdsError{kind, nrc, service + ": " + text}, {}};
    };
    if (request.empty()) return fail(UdsError::Kind::Unexpected, "nothing to send");
    const uint8_t sid = request[0];
    auto cancelled = [&] { return cancelled_ && cancelled_(); };

    for (int busy = 0;; ++busy) {
        if (cancelled()) return fail(UdsError::Kind::Cancelled, "cancelled before sending");
        if (Clock::now() >= deadline)
            return fail(UdsError::Kind::Deadline, "the step's deadline passed before sending");
        if (auto e = link_.send(request)) return fail(UdsError::Kind::Transport, e->message);
        lastSend_ = Clock::now();

        bool pending = false;
        bool repeat = false;
        auto window = Clock::now() + timing_.p2 + timing_.margin;
        while (!repeat) {
            const auto until = std::min(window, deadline);
            Bytes reply;
            std::optional<TransportError> e;
            // Receive in slices, checking cancellation between them.
            for (;;) {
                if (cancelled()) return fail(UdsError::Kind::Cancelled, "cancelled while waiting for the response");
                e = link_.receive(reply, std::min(until, Clock::now() + kSlice));
                if (!e || e->kind != TransportErrorKind::Timeout || Clock::now() >= until) break;
            }
            if (e && e->kind != TransportErrorKind::Timeout) return fail(UdsError::Kind::Transport, e->message);
            if (e) { // the window closed with nothing
                if (suppressed && !pending) return UdsResult{};
                if (window > deadline)
                    return fail(UdsError::Kind::Deadline,
                                std::string("the step's deadline passed while waiting") +
                                    (pending ? " (the ECU had answered responsePending)" : ""));
                return fail(UdsError::Kind::Timeout,
                            pending ? "no response within P2* " + ms(timing_.p2Star) + " after responsePending (0x78)"
                                    : "no response within P2 " + ms(timing_.p2));
            }
            std::string error;
            const auto r = uds::parseReply(reply, error);
            if (!r) return fail(UdsError::Kind::Unexpected, error);
            if (r->sid != sid) continue; // a late or unsolicited reply of another service; the window stays
            // A late answer to an earlier request of the same service (a
            // repeated block, a retried session change) does not answer this one.
            if (r->positive && (!uds::echoMatches(request, reply) || (accept && !accept(reply)))) continue;
            if (r->positive) return UdsResult{std::nullopt, std::move(reply)};

            const auto nrc = static_cast<uds::Nrc>(r->nrc);
            if (nrc == uds::Nrc::RequestCorrectlyReceivedResponsePending) {
                pending = true;
                window = Clock::now() + timing_.p2Star + timing_.margin;
                continue;
            }
            if (nrc == uds::Nrc::BusyRepeatRequest && busy < timing_.busyRetries) {
                // Wait busyDelay, still bounded by the deadline and cancellation, then repeat.
                const auto resume = Clock::now() + timing_.busyDelay;
                while (Clock::now() < resume) {
                    if (cancelled()) return fail(UdsError::Kind::Cancelled, "cancelled while the ECU was busy");
                    if (Clock::now() >= deadline)
                        return fail(UdsError::Kind::Deadline, "the step's deadline passed while the ECU was busy");
                    std::this_thread::sleep_until(std::min({resume, deadline, Clock::now() + kSlice}));
                }
                repeat = true;
                continue;
            }
            std::string text = uds::describeNrc(r->nrc);
            if (nrc == uds::Nrc::BusyRepeatRequest) text += " after " + std::to_string(busy) + " repeats";
            return fail(UdsError::Kind::Negative, text, nrc);
        }
    }
}

UdsResult UdsClient::requestFunctional(const Bytes &request) {
    if (request.empty())
        return UdsResult{UdsError{UdsError::Kind::Unexpected, std::nullopt, "empty functional request"}, {}};
    if (auto e = link_.sendFunctional(request))
        return UdsResult{UdsError{UdsError::Kind::Transport, std::nullopt,
                                  uds::describeSid(request[0]) + " (functional): " + e->message},
                         {}};
    return UdsResult{};
}

UdsResult UdsClient::startSession(uint8_t session, Clock::time_point deadline) {
    UdsResult result = request(uds::sessionControl(session), deadline);
    if (!result.ok()) return result;
    std::string error;
    const auto t = uds::parseSessionReply(result.response, session, error);
    if (!t) return UdsResult{UdsError{UdsError::Kind::Unexpected, std::nullopt, error}, {}};
    timing_.p2 = std::chrono::milliseconds(t->p2Ms);
    timing_.p2Star = std::chrono::milliseconds(t->p2StarMs);
    testerPresent_ = (session & 0x7F) != 0x01;
    return result;
}

std::optional<UdsError> UdsClient::keepAlive() {
    // Half of S3: a TesterPresent lost or late still leaves the session time.
    if (!testerPresent_ || Clock::now() - lastSend_ < timing_.s3 / 2) return std::nullopt;
    const Bytes present = uds::testerPresent(true);
    if (auto e = link_.send(present))
        return UdsError{UdsError::Kind::Transport, std::nullopt, uds::describeSid(present[0]) + ": " + e->message};
    lastSend_ = Clock::now();
    return std::nullopt;
}

} // namespace conduit::bootloader
