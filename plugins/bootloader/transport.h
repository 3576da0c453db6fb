// The one small interface every diagnostic transport implements (DoIP,
// ISO-TP on SocketCAN): it moves whole UDS messages to and from one ECU.
// Framing, flow control and addressing are the transport's business; UDS
// timing (P2, P2*, 0x78) is the UDS client's (udsclient.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conduit::bootloader {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

// Why a transport call failed, typed; the text says the details.
enum class TransportErrorKind {
    Timeout,        // nothing came before the deadline
    ConnectionLost, // peer closed, reset, or the CAN interface went down
    Refused,        // routing activation refused, NACKed message, no such target
    Protocol,       // the peer broke the transport protocol (bad header, wrong length)
    Configuration,  // bad address, interface missing, certificate pin wrong
};

struct TransportError {
    TransportErrorKind kind;
    std::string message;
};

const char *transportErrorName(TransportErrorKind kind);

// One logical link to one ECU. Not thread-safe: one caller at a time (the
// reprogramming sequence of that ECU). Several ECUs behind one DoIP gateway
// each get their own Link on the gateway's shared connection.
class Link {
public:
    virtual ~Link() = default;

    // Sends one UDS request to the ECU (physical addressing). Returns an
    // error when the transport refused it (DoIP negative ACK, ISO-TP send
    // failure); a positive DoIP ACK is awaited inside.
    virtual std::optional<TransportError> send(const Bytes &request) = 0;

    // Sends one UDS request to the functional address (all ECUs of the
    // link's network); no reply is collected here.
    virtual std::optional<TransportError> sendFunctional(const Bytes &request) = 0;

    // Waits until one whole UDS message arrives from this ECU or `deadline`
    // passes. On success fills `message` and returns nothing.
    virtual std::optional<TransportError> receive(Bytes &message, Clock::time_point deadline) = 0;

    // The largest UDS message this link carries (DoIP: the entity's max
    // data size; ISO-TP: 4095, or more with CAN FD's escape length).
    virtual size_t maxMessageSize() const = 0;

    // For logs: "doip 127.0.0.1:13400 0x0e00->0x1001", "isotp vcan0 7e0/7e8".
    virtual std::string describe() const = 0;
};

} // namespace conduit::bootloader
