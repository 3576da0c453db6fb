// The simulator's configuration: the DoIP entity, the ECUs behind it and
// the faults injected into each. Read from JSON (docs/ecu-simulator.md);
// every field defaults to the conventions the bootloader agent shares with
// the simulator, so `{}` is a valid configuration (one single-bank ECU).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conduit::ecusim {

struct Region {
    uint32_t address = 0;
    uint32_t size = 0;
};

// One injected NRC: the `occurrence`-th request with this service id (and,
// when given, this sub-function, or routine id for 0x31) gets `nrc`.
struct NrcFault {
    uint8_t sid = 0;
    std::optional<uint16_t> sub;
    uint32_t occurrence = 1;
    uint8_t nrc = 0x22;
};

struct Faults {
    std::vector<NrcFault> nrcs;
    uint32_t dropAfterBlocks = 0;     // close the connection after the N-th TransferData (written, not answered)
    uint32_t slowMs = 0;              // every reply delayed this long (0x78 sent meanwhile)
    uint32_t wrongCounterAtBlock = 0; // the N-th TransferData of a download gets 0x73 once
    uint32_t powerLossAtBlock = 0;    // the process exits before writing the N-th TransferData
    bool rejectKey = false;           // every key is invalid
};

struct EcuConfig {
    std::string name = "ecu1";
    uint16_t logicalAddress = 0x1001;
    std::vector<Region> regions{{0x00010000, 0x00040000}};
    uint8_t banks = 1; // 1 or 2
    std::string hardwareNumber = "HW-CNDT-0001";
    std::string serialNumber = "SN0000000001";
    std::string bootVersion = "BOOT-1.0.0";
    uint16_t maxBlockLength = 0x0FFF; // the whole 0x36 request
    uint32_t eraseMsPerKiB = 2;
    uint32_t eraseMinMs = 300;
    uint32_t pendingIntervalMs = 2000; // 0x78 every this long
    uint32_t resetMs = 0; // after an EcuReset reply the ECU boots this long: the gateway NACKs 0x06 meanwhile
    uint16_t p2Ms = 50;
    uint32_t p2StarMs = 5000;
    uint32_t s3Ms = 5000;
    uint8_t maxAttempts = 3;
    uint32_t securityDelayMs = 10000;
    bool requireFingerprint = true;    // erase refused (0x22) before 0xF15A is written in this session
    uint8_t preconditionStatus = 0x00; // routine 0x0203's status byte
    // A fresh state dir starts with an application of this version in bank 0
    // (the image "CNDT-SWV:<version>\0" at the first region); empty: blank flash.
    std::string initialVersion = "1.0.0";
    Faults faults;
};

enum class RoutingPolicy { Accept, ConfirmationRequired, MissingAuthentication, TlsRequired };

struct EntityConfig {
    uint16_t logicalAddress = 0x1000;
    std::string vin = "CONDUITSIM0000001";
    std::array<uint8_t, 6> eid{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
    std::array<uint8_t, 6> gid{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
    uint8_t protocolVersion = 0x02;
    uint32_t maxDataSize = 8192;
    uint8_t maxSockets = 4;
    uint16_t testerMin = 0x0E00, testerMax = 0x0FFF; // accepted tester source addresses
    uint16_t functionalAddress = 0xE400;
    RoutingPolicy routing = RoutingPolicy::Accept; // on the plain TCP port; TLS connections always Accept
    uint32_t announceCount = 3;
    uint32_t announceIntervalMs = 500;
    uint32_t initialInactivityMs = 2000;   // a connection without routing activation is closed after this
    uint32_t generalInactivityMs = 300000; // a routed connection silent this long is closed
};

struct Config {
    std::string bind = "127.0.0.1";
    uint16_t tcpPort = 13400; // 0: pick one
    uint16_t udpPort = 13400;
    std::optional<uint16_t> tlsPort; // with certificate and key
    std::string certificate, privateKey;
    std::string announceAddress; // empty: broadcast of the bind address (127.255.255.255 on loopback)
    uint16_t announcePort = 13400;
    std::string stateDir = "ecusim-state";
    bool syncWrites = true; // fdatasync each flash write before acknowledging it (off: benchmarks)
    bool quiet = false;
    EntityConfig entity;
    std::vector<EcuConfig> ecus{EcuConfig{}};
};

// Parses the JSON text of a configuration over the defaults.
bool parseConfig(std::string_view json, Config &out, std::string &error);
// Parses one fault given on the command line, e.g. "power-loss=20",
// "nrc=0x31/0xff00/1/0x72", "reject-key"; adds it to `faults`.
bool parseFault(std::string_view spec, Faults &faults, std::string &error);
// Checks the consistency of a configuration (addresses unique, regions inside 32 bits, ...).
bool validateConfig(const Config &config, std::string &error);

} // namespace conduit::ecusim
