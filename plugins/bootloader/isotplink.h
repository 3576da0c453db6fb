// A Link on Linux SocketCAN with the kernel's ISO-TP (ISO 15765-2) sockets
// (CAN_ISOTP, net/can/isotp.c; module can-isotp): segmentation, flow
// control, STmin/BS and padding are the kernel's. One socket carries the
// physical request/response pair (tx id -> ECU, rx id <- ECU); a second one,
// single frames only (CAN_ISOTP_SF_BROADCAST), the functional requests.
// Classic CAN (8-byte frames) or CAN FD (CAN_ISOTP_LL_OPTS, MTU 72).
#pragma once

#include "transport.h"

#include <memory>

namespace conduit::bootloader {

struct IsoTpConfig {
    std::string interface = "can0";
    uint32_t txId = 0x7e0;                 // tester -> ECU (physical)
    uint32_t rxId = 0x7e8;                 // ECU -> tester
    uint32_t functionalId = 0x7df;         // tester -> all ECUs
    bool extendedIds = false;              // 29-bit identifiers (any id above 0x7ff needs them)
    bool canFd = false;                    // CAN FD frames: MTU 72, `fdDataLength` bytes per frame
    uint8_t fdDataLength = 64;             // 8, 12, 16, 20, 24, 32, 48 or 64
    bool bitRateSwitch = true;             // CANFD_BRS on the frames we send (FD only)
    std::optional<uint8_t> padding = 0xcc; // pad frames we send to full length with this byte; none: no padding
    uint8_t blockSize = 0;                 // BS in the flow control we send (0: no further FC)
    uint8_t stMin = 0;                     // STmin in the flow control we send (raw byte, ISO 15765-2 encoding)
    bool waitTxDone = true;                // send() returns when the last frame left (CAN_ISOTP_WAIT_TX_DONE)
};

// Why the configuration cannot work, or nothing (checked before any socket).
std::optional<TransportError> checkIsoTpConfig(const IsoTpConfig &config);

// An errno from a CAN_ISOTP socket call as a typed transport error; `what`
// says which call ("send", "receive", "bind vcan0"). Pure, for tests too.
TransportError isoTpError(int err, const std::string &what, const IsoTpConfig &config);

class IsoTpLink : public Link {
public:
    // Opens and binds both sockets; on failure returns null and fills `error`.
    static std::unique_ptr<IsoTpLink> open(const IsoTpConfig &config, TransportError &error);
    ~IsoTpLink() override;

    std::optional<TransportError> send(const Bytes &request) override;
    std::optional<TransportError> sendFunctional(const Bytes &request) override;
    std::optional<TransportError> receive(Bytes &message, Clock::time_point deadline) override;
    size_t maxMessageSize() const override;
    std::string describe() const override;

    // The largest functional request: one single frame.
    size_t maxFunctionalSize() const;

private:
    explicit IsoTpLink(IsoTpConfig config) : config_(std::move(config)) {}
    IsoTpConfig config_;
    int physical_ = -1;
    int functional_ = -1;
};

} // namespace conduit::bootloader
