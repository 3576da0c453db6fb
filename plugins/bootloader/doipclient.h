// The DoIP tester (ISO 13400-2): one TCP or TLS connection to a DoIP
// entity (a gateway or an ECU), routing activated for the tester address,
// shared by a DoipLink per ECU behind the entity.
//
// Whoever waits reads: a thread waiting for an ACK or a reply takes the
// reader role when it is free and reads the socket itself (no hand-off
// between threads on the transfer path); with nobody waiting, a background
// thread takes it after a short idle time, so the entity's alive checks are
// answered at any moment. The reader answers alive check requests at once,
// demultiplexes diagnostic messages into a queue per source address, hands
// diagnostic ACKs/NACKs to the sender waiting for them, and NACKs what the
// entity sends wrong (generic NACK, then closes for a bad header or a
// payload of the wrong length, as ISO 13400-2 §7.1.2 says). Senders share
// the socket under a mutex, so several threads may each use their own Link
// of one connection.
#pragma once

#include "doipstream.h"
#include "proto/doip.h"
#include "transport.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <thread>

namespace conduit::bootloader {

struct DoipConfig {
    std::string host = "127.0.0.1"; // the entity (from discovery or the profile)
    uint16_t port = 0;              // 0: 13400, or 3496 with TLS
    uint16_t testerAddress = 0x0E00;
    uint16_t functionalAddress = 0xE400;
    doip::Version version = doip::Version::Iso2012; // Iso2012 or Iso2019
    uint8_t activationType = 0x00;                  // 0x00 default, 0xE0 central security
    std::optional<uint32_t> activationOem;          // the request's OEM-specific field, when the entity wants one
    std::optional<TlsPin> tls;                      // DoIP over TLS (ISO 13400-2:2019), server certificate pinned
    std::chrono::milliseconds connectTimeout{2000};
    std::chrono::milliseconds routingTimeout{2000};      // for the routing activation response
    std::chrono::milliseconds confirmationTimeout{5000}; // after 0x11 "confirmation required", for the final one
    std::chrono::milliseconds ackTimeout{2000}; // for a diagnostic message's ACK/NACK (A_DoIP_Diagnostic_Message)
    size_t maxDataSize = 4096;                  // the largest UDS message sent (the entity's max data size)
    uint32_t maxReceivePayload = 1u << 20;      // larger DoIP messages from the entity are NACKed and skipped
    size_t queueLimit = 256;                    // replies kept per ECU before the oldest is dropped
};

class DoipConnection : public std::enable_shared_from_this<DoipConnection> {
public:
    // Connects, activates routing and starts the reader. Refused routing
    // (any code but 0x10, or 0x11 without a final 0x10 in time) is
    // TransportErrorKind::Refused naming the code:
    // "routing activation refused by 127.0.0.1:13400: missing authentication (0x04)".
    static std::shared_ptr<DoipConnection> open(const DoipConfig &config, std::optional<TransportError> &error);
    ~DoipConnection();

    // A Link to the ECU at `target` (e.g. 0x1001). One Link per target at a
    // time; nullptr (with `error`) for a second one.
    std::unique_ptr<Link> link(uint16_t target, std::string &error);

    uint16_t entityAddress() const { return entityAddress_; }
    const std::string &peer() const { return stream_->peer(); }
    const DoipConfig &config() const { return config_; }
    // The connection's failure, once it has one (all Links then fail with it).
    std::optional<TransportError> failure() const;
    // Counts for tests and logs.
    struct Counters {
        uint64_t aliveChecksAnswered = 0, droppedReplies = 0, nacksSent = 0, genericNacksReceived = 0;
    };
    Counters counters() const;
    // Stops the reader and closes the socket; pending and later calls fail with ConnectionLost.
    void close();

    // For DoipLink (thread-safe).
    std::optional<TransportError> sendDiagnostic(uint16_t target, const Bytes &uds);
    std::optional<TransportError> sendFunctionalDiagnostic(const Bytes &uds);
    std::optional<TransportError> receiveFrom(uint16_t source, Bytes &message, Clock::time_point deadline);
    void release(uint16_t target);

private:
    DoipConnection(DoipConfig config, std::unique_ptr<DoipStream> stream);
    std::optional<TransportError> activateRouting();
    void background();
    // [mutex_ held, reader role free] Takes the role, reads what arrives (up
    // to `deadline`), dispatches it, gives the role back.
    void pump(std::unique_lock<std::mutex> &lock, std::optional<Clock::time_point> deadline);
    // [mutex_ held] Until `done` or `deadline`, reading when the role is free.
    template <typename Done>
    void await(std::unique_lock<std::mutex> &lock, Clock::time_point deadline, Done done);
    // Handles one message from the entity; false when the connection must close.
    bool dispatch(const doip::Message &message);
    void sendNack(doip::GenericNackCode code);
    std::optional<TransportError> writeMessage(doip::PayloadType type, const Bytes &payload,
                                               Clock::time_point deadline);
    void fail(TransportError error);

    DoipConfig config_;
    std::unique_ptr<DoipStream> stream_;
    doip::StreamParser parser_;
    uint16_t entityAddress_ = 0;

    mutable std::mutex mutex_;             // everything below
    std::condition_variable changed_;      // for waiters: a queue, the role or the failure changed
    std::condition_variable backgroundCv_; // for the background thread: stop
    std::optional<TransportError> failure_;
    std::map<uint16_t, std::deque<Bytes>> replies_; // by ECU (source) address, for registered Links only
    struct Ack {
        bool positive;
        uint8_t code;
    };
    std::map<uint16_t, std::deque<Ack>> acks_; // by the acknowledged target address
    uint64_t genericNacks_ = 0;
    uint8_t lastGenericNack_ = 0;
    Counters counters_;
    std::mutex functionalMutex_; // one functional request awaiting its ACK at a time

    bool reading_ = false;           // the reader role is taken
    bool backgroundReading_ = false; // ... by the background thread (a waiter wakes it to take over)
    int waiters_ = 0;
    Clock::time_point idleSince_{}; // when the last waiter left

    std::atomic<bool> stopping_{false};
    std::thread reader_;
};

// One ECU behind a DoIP entity (see Link).
class DoipLink : public Link {
public:
    DoipLink(std::shared_ptr<DoipConnection> connection, uint16_t target);
    ~DoipLink() override;

    std::optional<TransportError> send(const Bytes &request) override;
    std::optional<TransportError> sendFunctional(const Bytes &request) override;
    std::optional<TransportError> receive(Bytes &message, Clock::time_point deadline) override;
    size_t maxMessageSize() const override;
    std::string describe() const override;

private:
    std::shared_ptr<DoipConnection> connection_;
    uint16_t target_;
};

} // namespace conduit::bootloader
