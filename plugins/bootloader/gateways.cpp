#include "gateways.h"

#include "doipdiscovery.h"

#include <conduit/agent.hpp>

namespace conduit::bootloader {

Gateways::Gateways(const AgentConfig &config) {
    for (const GatewayConfig &g : config.gateways) gateways_[g.id].config = g;
}

Gateways::~Gateways() {
    ecus_.clear(); // links before their connections
    for (auto &[id, g] : gateways_)
        if (g.connection) g.connection->close();
}

void Gateways::beginInventory() {
    const std::lock_guard<std::mutex> lock(mutex_);
    inventory_ = true;
    for (auto &[id, g] : gateways_) g.unreachable.clear();
}

void Gateways::endInventory() {
    const std::lock_guard<std::mutex> lock(mutex_);
    inventory_ = false;
}

Gateways::Gateway &Gateways::gateway(const std::string &id) {
    auto it = gateways_.find(id);
    if (it == gateways_.end()) throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "no gateway \"" + id + "\"");
    Gateway &g = it->second;
    if (g.connection && g.connection->failure()) {
        conduit::Host::log(CONDUIT_LOG_INFO, "gateway " + id + ": connection lost (" +
                                                 g.connection->failure()->message + "), reconnecting");
        g.connection->close();
        g.connection.reset();
    }
    if (g.connection) return g;
    if (inventory_ && !g.unreachable.empty()) throw conduit::Error(CONDUIT_E_IO, g.unreachable);
    DoipConfig c;
    c.host = g.config.host;
    if (g.config.discover) {
        const std::string where = discover(g.config);
        if (where.empty()) {
            const std::string message = "gateway " + id + ": no DoIP entity answered the vehicle identification at " +
                                        g.config.discover->address + ":" + std::to_string(g.config.discover->port) +
                                        (g.config.discover->vin.empty() ? "" : " for VIN " + g.config.discover->vin);
            if (inventory_) g.unreachable = message;
            throw conduit::Error(CONDUIT_E_IO, message);
        }
        c.host = where;
    }
    c.port = g.config.port;
    c.testerAddress = g.config.testerAddress;
    c.functionalAddress = g.config.functionalAddress;
    c.version = g.config.protocolVersion == 0x03 ? doip::Version::Iso2019 : doip::Version::Iso2012;
    if (g.config.tls) c.tls = TlsPin{g.config.tlsPinSha256};
    std::optional<TransportError> error;
    g.connection = DoipConnection::open(c, error);
    if (!g.connection) {
        const std::string message = "gateway " + id + ": " + (error ? error->message : std::string("cannot connect"));
        if (inventory_) g.unreachable = message;
        throw conduit::Error(CONDUIT_E_IO, message);
    }
    return g;
}

UdsClient &Gateways::uds(const EcuConfig &ecu) {
    const std::lock_guard<std::mutex> lock(mutex_);
    auto gw = gateways_.find(ecu.gateway);
    if (gw != gateways_.end() && gw->second.config.transport == TransportKind::IsoTp)
        return isoTp(gw->second.config, ecu);
    Gateway &g = gateway(ecu.gateway);
    Ecu &e = ecus_[ecu.id];
    if (e.connection != g.connection || !e.uds) {
        e.uds.reset();
        e.link.reset(); // releases the old target registration first
        std::string error;
        e.link = g.connection->link(ecu.logicalAddress, error);
        if (!e.link) throw conduit::Error(CONDUIT_E_IO, "ECU " + ecu.id + ": " + error);
        e.uds = std::make_unique<UdsClient>(*e.link, ecu.profile.timing);
        e.connection = g.connection;
    }
    return *e.uds;
}

std::string Gateways::discover(const GatewayConfig &g) {
    DiscoveryOptions o;
    o.address = g.discover->address;
    o.port = g.discover->port;
    o.announcementPort.reset(); // a request's answers are enough
    o.version = g.protocolVersion == 0x03 ? doip::Version::Iso2019 : doip::Version::Iso2012;
    if (!g.discover->vin.empty()) o.vin = g.discover->vin;
    o.wait = g.discover->wait;
    std::optional<TransportError> error;
    const std::vector<DiscoveredEntity> found = discoverEntities(o, error);
    if (error) conduit::Host::log(CONDUIT_LOG_WARNING, "gateway " + g.id + ": discovery: " + error->message);
    for (const DiscoveredEntity &e : found) {
        if (!g.discover->vin.empty() && e.announcement.vin != g.discover->vin) continue;
        conduit::Host::log(CONDUIT_LOG_INFO, "gateway " + g.id + ": found DoIP entity at " + e.address + " (VIN " +
                                                 e.announcement.vin + ")");
        return e.address;
    }
    return {};
}

UdsClient &Gateways::isoTp(const GatewayConfig &g, const EcuConfig &ecu) {
    Ecu &e = ecus_[ecu.id];
    if (e.uds) return *e.uds;
    IsoTpConfig c;
    c.interface = g.interface;
    c.txId = ecu.txCanId;
    c.rxId = ecu.rxCanId;
    c.functionalId = g.functionalCanId;
    c.extendedIds = g.extendedIds;
    c.canFd = g.canFd;
    c.padding = g.padding;
    TransportError error{TransportErrorKind::Configuration, {}};
    std::unique_ptr<IsoTpLink> link = IsoTpLink::open(c, error);
    if (!link) throw conduit::Error(CONDUIT_E_IO, "ECU " + ecu.id + ": " + error.message);
    e.link = std::move(link);
    e.uds = std::make_unique<UdsClient>(*e.link, ecu.profile.timing);
    return *e.uds;
}

} // namespace conduit::bootloader
