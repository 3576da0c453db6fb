// The DoIP entity (ISO 13400-2): a gateway with the simulated ECUs behind
// it. UDP: vehicle identification (all, by EID, by VIN), entity status,
// three announcements at start. TCP (and TLS when configured): routing
// activation, alive check, entity status, diagnostic messages routed by
// target address with positive/negative acknowledgements, generic NACKs.
// One thread, one poll() loop; every ECU answers its requests in order,
// sending responsePending (0x78) while a long step runs.
#pragma once

#include "ecuconfig.h"
#include "ecuqueue.h"
#include "flash.h"
#include "tlsserver.h"
#include "udsserver.h"

#include "proto/doip.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace conduit::ecusim {

namespace doip = bootloader::doip;

// One line per event on stderr unless quiet.
using LogSink = std::function<void(const std::string &line)>;

class DoipEntity {
public:
    DoipEntity(Config config, LogSink log);
    ~DoipEntity();
    DoipEntity(const DoipEntity &) = delete;
    DoipEntity &operator=(const DoipEntity &) = delete;

    // Opens the ECUs' flash and binds the sockets.
    bool start(std::string &error);
    uint16_t tcpPort() const { return tcpPort_; }
    uint16_t udpPort() const { return udpPort_; }
    std::optional<uint16_t> tlsPort() const { return tlsPort_; }
    // Serves until SIGTERM or SIGINT (blocked by start(), read through a signalfd). Returns the exit code.
    int run();

private:
    struct Connection {
        uint64_t id = 0;
        int fd = -1;
        std::unique_ptr<TlsStream> tls; // null on the plain port
        doip::StreamParser parser;
        Bytes out;
        std::optional<uint16_t> tester; // the routed source address
        doip::Version version = doip::Version::Iso2012;
        bool closing = false;   // close once `out` is flushed
        TimePoint lastActivity; // acceptance, then each message received
        explicit Connection(uint32_t maxPayload) : parser(maxPayload) {}
    };
    using Job = EcuJob;
    struct Ecu {
        EcuConfig config;
        std::unique_ptr<Flash> flash;
        std::unique_ptr<UdsServer> server;
        EcuQueue work;
        TimePoint bootedAt{}; // after a reset with resetMs: unreachable until then
    };

    // doipentity.cpp: sockets, the loop, UDP, the ECUs' queues.
    bool bind(int type, uint16_t port, int &fd, uint16_t &bound, std::string &error);
    void accept(int listener, bool tls);
    void readConnection(Connection &c);
    void flush(Connection &c);
    void close(uint64_t id, const std::string &why);
    void readUdp();
    void announce();
    void pumpEcus(TimePoint now);
    void answer(Ecu &ecu, const Job &job, const Bytes &reply, bool pending);
    int pollTimeoutMs(TimePoint now) const;
    TimePoint inactivityDeadline(const Connection &c) const;
    void closeInactive(TimePoint now);
    Bytes announcement(doip::Version version) const;
    Bytes entityStatus(doip::Version version) const;

    // doipsession.cpp: the TCP messages of one connection.
    void onMessage(Connection &c, const doip::Message &m);
    void onRoutingActivation(Connection &c, const doip::Message &m);
    void onDiagnostic(Connection &c, const doip::Message &m);
    void send(Connection &c, doip::PayloadType type, const Bytes &payload);
    void nack(Connection &c, doip::GenericNackCode code, bool closeAfter);
    Ecu *ecuAt(uint16_t address);

    void log(const std::string &line) const {
        if (log_) log_(line);
    }

    Config config_;
    LogSink log_;
    std::vector<Ecu> ecus_;
    std::map<uint64_t, std::unique_ptr<Connection>> connections_;
    uint64_t nextId_ = 1;
    int tcpFd_ = -1, udpFd_ = -1, tlsFd_ = -1, signalFd_ = -1;
    uint16_t tcpPort_ = 0, udpPort_ = 0;
    std::optional<uint16_t> tlsPort_;
    std::unique_ptr<TlsServer> tlsServer_;
    uint32_t announcementsLeft_ = 0;
    TimePoint nextAnnouncement_{};
};

// "RequestDownload 34 00 44 00 01 00 00 ... (11 bytes)": a request or reply for the log.
std::string describeUds(std::span<const uint8_t> message, bool request);

} // namespace conduit::ecusim
