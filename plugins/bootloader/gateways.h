// The agent's connections: one DoIP connection per DoIP gateway, opened
// when an ECU behind it is first needed and again after it broke; one Link
// and UDS client per ECU on it (on ISO-TP, the ECU's own pair of CAN_ISOTP
// sockets on the gateway's CAN interface). Thread-safe: ECUs are programmed in parallel, each
// by one thread using its own ECU's client.
#pragma once

#include "doipclient.h"
#include "isotplink.h"
#include "profile.h"
#include "udsclient.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace conduit::bootloader {

class Gateways {
public:
    explicit Gateways(const AgentConfig &config);
    ~Gateways();

    // The UDS client of `ecu`, connected. Throws conduit::Error (CONDUIT_E_IO)
    // naming the gateway when it cannot connect or activate routing.
    UdsClient &uds(const EcuConfig &ecu);

    // Within one inventory a gateway that could not be reached is not
    // tried again for each ECU behind it.
    void beginInventory();
    void endInventory();

private:
    struct Gateway {
        GatewayConfig config;
        std::shared_ptr<DoipConnection> connection;
        std::string unreachable; // this inventory's connect error
    };
    struct Ecu {
        std::shared_ptr<DoipConnection> connection; // the one link/uds belong to
        std::unique_ptr<Link> link;
        std::unique_ptr<UdsClient> uds;
    };
    Gateway &gateway(const std::string &id);
    UdsClient &isoTp(const GatewayConfig &g, const EcuConfig &ecu);
    static std::string discover(const GatewayConfig &g); // the entity's address, "" when none answered

    std::map<std::string, Gateway> gateways_;
    std::map<std::string, Ecu> ecus_;
    bool inventory_ = false;
    std::mutex mutex_; // the maps and each gateway's connection
};

} // namespace conduit::bootloader
