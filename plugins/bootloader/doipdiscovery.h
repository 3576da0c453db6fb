// DoIP vehicle discovery over UDP (ISO 13400-2 §6.1): vehicle
// identification requests (plain, by EID, by VIN) broadcast or sent to one
// address, and the announcements entities send on their own, both
// collected for a bounded time.
#pragma once

#include "proto/doip.h"
#include "transport.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace conduit::bootloader {

struct DiscoveryOptions {
    std::string address = "255.255.255.255"; // broadcast, or one entity's address (unicast)
    uint16_t port = doip::kUdpDiscoveryPort; // where identification requests go
    std::string bindAddress;                 // local address for both sockets ("" = any)
    // Where to listen for announcements (entities send them to 13400); nullopt:
    // do not listen, 0: an ephemeral port (tests).
    std::optional<uint16_t> announcementPort = doip::kUdpDiscoveryPort;
    doip::Version version = doip::Version::Iso2012;
    std::optional<std::string> vin;            // identification request by VIN
    std::optional<std::array<uint8_t, 6>> eid; // by EID (when no VIN)
    std::chrono::milliseconds wait{500};       // collection time (a unicast request ends at its answer)
    size_t maxEntities = 64;
};

struct DiscoveredEntity {
    std::string address; // where it answered from: connect there
    doip::Version version = doip::Version::Iso2012;
    doip::VehicleAnnouncement announcement;
};

class DoipDiscovery {
public:
    // Binds the sockets; nullptr with `error` when that fails.
    static std::unique_ptr<DoipDiscovery> create(const DiscoveryOptions &options, std::optional<TransportError> &error);
    ~DoipDiscovery();

    std::optional<uint16_t> announcementPort() const; // the port bound for announcements
    std::optional<TransportError> sendRequest();
    // Collects identification responses and announcements until `deadline`
    // (or the unicast entity's answer, or maxEntities); one entry per
    // (address, logical address). Malformed datagrams are counted, not fatal.
    std::vector<DiscoveredEntity> collect(Clock::time_point deadline);
    size_t malformed() const { return malformed_; }

private:
    explicit DoipDiscovery(DiscoveryOptions options) : options_(std::move(options)) {}
    DiscoveryOptions options_;
    int requestFd_ = -1, announceFd_ = -1;
    size_t malformed_ = 0;
};

// Request, then collect for options.wait.
std::vector<DiscoveredEntity> discoverEntities(const DiscoveryOptions &options, std::optional<TransportError> &error);

} // namespace conduit::bootloader
