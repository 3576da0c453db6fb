// The simulator's ISO-TP front (ISO 15765-2 on Linux SocketCAN, the kernel's
// CAN_ISOTP sockets): ECUs on a CAN interface, each answering the tester on
// its own pair of CAN ids, driving the same transport-agnostic UdsServer as
// the DoIP entity (responsePending 0x78 while a long step runs, the same
// faults). An ECU configured with "isotp" sits on CAN only, not behind the
// DoIP entity (docs/ecu-simulator.md, "ISO-TP ECUs").
//
// ECU side of the addressing: the ECU receives on the tester's tx id
// (`rxId`, e.g. 0x7E0) and sends on the tester's rx id (`txId`, 0x7E8); a
// second socket, in listen mode, hears single frames on the functional id
// (0x7DF), answered (when not suppressed) on `txId`.
#pragma once

#include "ecuconfig.h"
#include "ecuqueue.h"
#include "flash.h"
#include "udsserver.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conduit::ecusim {

struct IsoTpEndpoint {
    std::string interface = "vcan0";
    uint32_t rxId = 0x7e0;                 // the tester's requests (physical)
    uint32_t txId = 0x7e8;                 // the ECU's replies
    uint32_t functionalId = 0x7df;         // the tester's functional requests (single frames)
    bool extendedIds = false;              // 29-bit identifiers
    bool canFd = false;                    // CAN FD frames (MTU 72, 64 data bytes)
    std::optional<uint8_t> padding = 0xcc; // pad the frames sent; none: unpadded
    uint8_t blockSize = 0;                 // BS of the flow control the ECU sends
    uint8_t stMin = 0;                     // STmin of the flow control the ECU sends (raw byte)
};

// The "isotp" objects of the ECUs in a configuration's JSON text, by ECU name
// (`config` is what parseConfig made of the same text: it names the ECUs).
bool parseIsoTpConfig(std::string_view json, const Config &config, std::map<std::string, IsoTpEndpoint> &out,
                      std::string &error);
// The command-line form "ECU:INTERFACE:RXID:TXID[:FUNCTIONALID]" (ids in hex, "7e0" or "0x7e0").
bool parseIsoTpOption(std::string_view spec, const Config &config, std::map<std::string, IsoTpEndpoint> &out,
                      std::string &error);

using IsoTpLog = std::function<void(const std::string &line)>;

class IsoTpFront {
public:
    IsoTpFront(const Config &config, IsoTpLog log);
    ~IsoTpFront();
    IsoTpFront(const IsoTpFront &) = delete;
    IsoTpFront &operator=(const IsoTpFront &) = delete;

    // Opens the ECU's flash and binds its sockets.
    bool add(const EcuConfig &ecu, const IsoTpEndpoint &endpoint, std::string &error);
    bool empty() const { return ecus_.empty(); }
    // "ecu1@vcan0" for each ECU, comma separated: for the "listening" line.
    std::string describe() const;
    // Serves until `stopFd` is readable (a signalfd or an eventfd). Returns the exit code.
    int run(int stopFd);

private:
    struct Ecu {
        EcuConfig config;
        IsoTpEndpoint endpoint;
        std::unique_ptr<Flash> flash;
        std::unique_ptr<UdsServer> server;
        int physical = -1, functional = -1;
        EcuQueue work;
        TimePoint bootedAt{}; // after a reset with resetMs: deaf until then
    };

    void receive(Ecu &ecu, int fd, bool functional);
    void pump(Ecu &ecu, TimePoint now);
    void answer(Ecu &ecu, const Bytes &reply, bool pending);
    int pollTimeoutMs(TimePoint now) const;
    void log(const std::string &line) const {
        if (log_) log_(line);
    }

    const Config &config_;
    IsoTpLog log_;
    std::vector<std::unique_ptr<Ecu>> ecus_;
};

} // namespace conduit::ecusim
