// The bootloader agent's configuration: gateways, ECUs, and for each ECU a
// reprogramming profile — the sequence as data (docs/bootloader-agent.md).
// Mechanics (block counter, maxNumberOfBlockLength, 0x78 handling) stay in
// code; what differs between OEMs and ECU families is here, with defaults
// that follow common practice.
#pragma once

#include "image/image.h"
#include "udsclient.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conduit::bootloader {

// A routine the sequence starts (RoutineControl 0x31 0x01); absent = skipped.
struct RoutineStep {
    uint16_t id = 0;
    std::chrono::milliseconds deadline{10000};
};

struct MemoryRegion {
    uint64_t address = 0, size = 0;
};

struct Profile {
    UdsTiming timing;
    uint8_t extendedSession = 0x03, programmingSession = 0x02;
    std::optional<RoutineStep> precondition = RoutineStep{0x0203};
    bool dtcSettingOff = true;                      // 0x85 0x82 0x02, functional, suppressed
    bool communicationControl = true;               // 0x28 0x83 0x03 0x01, functional, suppressed
    uint8_t securityLevel = 0x01;                   // 0 = no security access
    std::chrono::milliseconds securityDelay{10000}; // wait after 0x37 before one retry
    std::optional<uint16_t> fingerprintDid = uint16_t(0xF15A);
    std::string testerSerial = "CNDT01"; // 6 ASCII bytes in the fingerprint
    RoutineStep erase{0xFF00, std::chrono::milliseconds(120000)};
    uint8_t eraseAlfid = 0x44;
    uint8_t dataFormat = 0x00, downloadAlfid = 0x44;
    std::chrono::milliseconds blockDeadline{10000}; // one 0x36 block, 0x78s included
    std::optional<RoutineStep> checkMemory = RoutineStep{0x0202, std::chrono::milliseconds(30000)};
    std::optional<RoutineStep> checkDependencies = RoutineStep{0xFF01, std::chrono::milliseconds(30000)};
    std::optional<RoutineStep> bankSwitch = RoutineStep{0x0210}; // dual-bank ECUs only
    uint8_t resetType = 0x01;
    std::chrono::milliseconds resetDeadline{15000}; // until the ECU reports the new version
    uint16_t softwareVersionDid = 0xF189, hardwareNumberDid = 0xF191, serialNumberDid = 0xF18C;
    std::vector<MemoryRegion> memory; // where images may go; empty = anywhere
};

// How the agent reaches the ECUs of one "gateway": a DoIP entity (an
// Ethernet gateway or a DoIP ECU), or a CAN interface with ISO-TP.
enum class TransportKind { Doip, IsoTp };

struct GatewayConfig {
    std::string id;
    TransportKind transport = TransportKind::Doip;
    // DoIP
    std::string host = "127.0.0.1";
    uint16_t port = 13400;
    uint16_t testerAddress = 0x0E00, functionalAddress = 0xE400;
    uint8_t protocolVersion = 0x02;
    bool tls = false;
    std::string tlsPinSha256; // hex SHA-256 of the server certificate's DER
    // Find the entity by vehicle identification over UDP instead of `host`:
    // the first entity that answers (with this VIN, when given).
    struct Discovery {
        std::string address = "255.255.255.255"; // broadcast, or one address
        uint16_t port = 13400;
        std::string vin;
        std::chrono::milliseconds wait{1000};
    };
    std::optional<Discovery> discover;
    // ISO-TP on SocketCAN
    std::string interface = "can0";
    uint32_t functionalCanId = 0x7DF;
    bool canFd = false, extendedIds = false;
    std::optional<uint8_t> padding = uint8_t(0xCC);
};

struct EcuConfig {
    std::string id, type = "ecu", hardwareId, gateway;
    uint16_t logicalAddress = 0;       // DoIP
    uint32_t txCanId = 0, rxCanId = 0; // ISO-TP: tester -> ECU, ECU -> tester
    int banks = 1;
    Profile profile;
};

struct SeedKeyConfig {
    std::string library, variant, options;
};

struct AgentConfig {
    std::vector<GatewayConfig> gateways;
    std::vector<EcuConfig> ecus;
    SeedKeyConfig seedKey;
    int parallel = 2; // ECUs programmed at once behind one gateway
};

// Parses the agent configuration; throws conduit::Error(CONDUIT_E_INVALID_ARGUMENT)
// naming the field ("ecus[1].profile.erase.routine: not a 16-bit number").
AgentConfig parseAgentConfig(const std::string &json);

// Where an image goes when its format has no addresses (raw), and how to
// read it: the "bootloader" object of the update's signed custom metadata.
struct ImageSpec {
    std::optional<image::ImageFormat> format; // absent: from the content
    std::optional<uint64_t> address;          // required for raw
};
ImageSpec parseImageSpec(const std::string &customJson);

} // namespace conduit::bootloader
