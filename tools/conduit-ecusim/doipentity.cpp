#include "doipentity.h"

#include "proto/uds.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace conduit::ecusim {

namespace uds = bootloader::uds;

namespace {
std::string hexByte(uint8_t b) {
    static const char digits[] = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 0xF]};
}
std::string address(uint16_t a) { return "0x" + hexByte(uint8_t(a >> 8)) + hexByte(uint8_t(a)); }
} // namespace

std::string describeUds(std::span<const uint8_t> m, bool request) {
    if (m.empty()) return "(empty)";
    std::string s;
    if (request) {
        s = uds::sidName(m[0]);
    } else if (m[0] == uds::kNegativeResponse && m.size() == 3) {
        s = uds::sidName(m[1]) + " negative " + uds::nrcName(m[2]);
    } else {
        s = uds::sidName(uint8_t(m[0] - uds::kPositiveOffset)) + " positive";
    }
    const size_t shown = std::min<size_t>(m.size(), 16);
    for (size_t i = 0; i < shown; ++i) s += " " + hexByte(m[i]);
    if (shown < m.size()) s += " ... (" + std::to_string(m.size()) + " bytes)";
    return s;
}

DoipEntity::DoipEntity(Config config, LogSink log) : config_(std::move(config)), log_(std::move(log)) {}

DoipEntity::~DoipEntity() {
    connections_.clear();
    for (int fd : {tcpFd_, udpFd_, tlsFd_, signalFd_})
        if (fd >= 0) ::close(fd);
}

bool DoipEntity::bind(int type, uint16_t port, int &fd, uint16_t &bound, std::string &error) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, config_.bind.c_str(), &a.sin_addr) != 1)
        return (error = "bind address \"" + config_.bind + "\" is not an IPv4 address"), false;
    fd = ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int one = 1;
    if (fd < 0) return (error = std::string("socket: ") + std::strerror(errno)), false;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM) setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    const std::string what =
        std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + config_.bind + ":" + std::to_string(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || (type == SOCK_STREAM && ::listen(fd, 8) != 0))
        return (error = "cannot bind " + what + ": " + std::strerror(errno)), false;
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    bound = ntohs(a.sin_port);
    return true;
}

bool DoipEntity::start(std::string &error) {
    for (const EcuConfig &c : config_.ecus) {
        Ecu ecu;
        ecu.config = c;
        ecu.flash = std::make_unique<Flash>();
        ecu.flash->setSyncWrites(config_.syncWrites);
        if (!ecu.flash->open(config_.stateDir + "/" + c.name, c, error)) return (error = c.name + ": " + error), false;
        ecu.server = std::make_unique<UdsServer>(c, *ecu.flash);
        ecu.server->start(Clock::now());
        log(c.name + " " + address(c.logicalAddress) + ": " +
            (ecu.server->mode() == Mode::Application ? "application " + ecu.server->applicationVersion()
                                                     : std::string("bootloader (no valid application)")) +
            ", " + std::to_string(c.banks) + " bank(s), active bank " + std::to_string(ecu.flash->activeBank()));
        ecus_.push_back(std::move(ecu));
    }
    if (!bind(SOCK_STREAM, config_.tcpPort, tcpFd_, tcpPort_, error) ||
        !bind(SOCK_DGRAM, config_.udpPort, udpFd_, udpPort_, error))
        return false;
    if (config_.tlsPort) {
        tlsServer_ = TlsServer::create(config_.certificate, config_.privateKey, error);
        uint16_t port = 0;
        if (!tlsServer_ || !bind(SOCK_STREAM, *config_.tlsPort, tlsFd_, port, error)) return false;
        tlsPort_ = port;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    signalFd_ = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    announcementsLeft_ = config_.entity.announceCount;
    nextAnnouncement_ = Clock::now();
    return true;
}

TimePoint DoipEntity::inactivityDeadline(const Connection &c) const {
    return c.lastActivity +
           Milliseconds(c.tester ? config_.entity.generalInactivityMs : config_.entity.initialInactivityMs);
}

void DoipEntity::closeInactive(TimePoint now) {
    std::vector<uint64_t> idle;
    for (const auto &[id, c] : connections_)
        if (now >= inactivityDeadline(*c)) idle.push_back(id);
    for (uint64_t id : idle)
        close(id, connections_[id]->tester ? "general inactivity timeout"
                                           : "no routing activation in time (initial inactivity)");
}

int DoipEntity::pollTimeoutMs(TimePoint now) const {
    TimePoint next = now + Milliseconds(60000);
    for (const auto &entry : connections_) next = std::min(next, inactivityDeadline(*entry.second));
    if (announcementsLeft_) next = std::min(next, nextAnnouncement_);
    for (const Ecu &e : ecus_) {
        if (const auto at = e.work.wakeAt(now)) next = std::min(next, *at);
    }
    return int(std::max<int64_t>(0, std::chrono::ceil<Milliseconds>(next - now).count()));
}

int DoipEntity::run() {
    for (;;) {
        const TimePoint now = Clock::now();
        if (announcementsLeft_ && now >= nextAnnouncement_) announce();
        pumpEcus(now);
        closeInactive(now);
        std::vector<pollfd> fds{{signalFd_, POLLIN, 0}, {tcpFd_, POLLIN, 0}, {udpFd_, POLLIN, 0}};
        if (tlsFd_ >= 0) fds.push_back({tlsFd_, POLLIN, 0});
        std::vector<uint64_t> ids;
        for (const auto &[id, c] : connections_) {
            const bool wantsOut = !c->out.empty() || (c->tls && c->tls->wantsWrite());
            fds.push_back({c->fd, short(POLLIN | (wantsOut ? POLLOUT : 0)), 0});
            ids.push_back(id);
        }
        const int timeout = pollTimeoutMs(Clock::now());
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            log(std::string("poll: ") + std::strerror(errno));
            return 1;
        }
        if (fds[0].revents) {
            log("stopping on a signal");
            return 0;
        }
        if (fds[1].revents) accept(tcpFd_, false);
        if (fds[2].revents) readUdp();
        const size_t first = tlsFd_ >= 0 ? 4 : 3;
        if (tlsFd_ >= 0 && fds[3].revents) accept(tlsFd_, true);
        for (size_t i = first; i < fds.size(); ++i) {
            const auto it = connections_.find(ids[i - first]);
            if (it == connections_.end() || !fds[i].revents) continue;
            Connection &c = *it->second;
            // TLS may need the socket writable to go on reading (a handshake in progress).
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR) || (c.tls && c.tls->wantsWrite())) readConnection(c);
        }
        // The requests just read are answered before anything is written, so that a
        // diagnostic ACK and an immediate reply leave in one segment; then every
        // connection with bytes waiting is flushed.
        pumpEcus(Clock::now());
    }
}

void DoipEntity::accept(int listener, bool tls) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (connections_.size() >= size_t(config_.entity.maxSockets) + 1) {
        log("tcp: connection refused, " + std::to_string(connections_.size()) + " sockets open");
        ::close(fd);
        return;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>(config_.entity.maxDataSize);
    c->id = nextId_++;
    c->fd = fd;
    c->version = doip::Version(config_.entity.protocolVersion);
    c->lastActivity = Clock::now();
    std::string error;
    if (tls && !(c->tls = tlsServer_->wrap(fd, error))) {
        log("tls: " + error);
        ::close(fd);
        return;
    }
    log("tcp#" + std::to_string(c->id) + (tls ? ": TLS" : "") + " connection accepted");
    connections_[c->id] = std::move(c);
}

void DoipEntity::readConnection(Connection &c) {
    const uint64_t id = c.id;
    uint8_t buffer[16384];
    for (int round = 0; round < 64; ++round) {
        ssize_t n;
        std::string error;
        if (c.tls) {
            n = c.tls->read(buffer, sizeof buffer, error);
        } else {
            n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                n = 0;
            else if (n == 0)
                n = -1, error = "closed by the tester";
            else if (n < 0)
                error = std::strerror(errno);
        }
        if (n < 0) return close(id, error);
        if (n == 0) break;
        c.parser.feed(std::span<const uint8_t>(buffer, size_t(n)));
        for (;;) {
            doip::Message m;
            doip::GenericNackCode code{};
            const auto status = c.parser.next(m, code);
            if (status == doip::StreamParser::Status::NeedMore) break;
            if (status == doip::StreamParser::Status::Fatal) return nack(c, code, true);
            if (status == doip::StreamParser::Status::Skipped) {
                nack(c, code, false);
                continue;
            }
            onMessage(c, m);
            if (!connections_.count(id) || c.closing) return;
        }
        if (!c.tls && size_t(n) < sizeof buffer) break;
        if (c.tls && !c.tls->pending() && size_t(n) < sizeof buffer) break;
    }
}

void DoipEntity::flush(Connection &c) {
    while (!c.out.empty()) {
        std::string error;
        ssize_t n;
        if (c.tls) {
            n = c.tls->write(c.out.data(), c.out.size(), error);
        } else {
            n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                n = 0;
            else if (n < 0)
                error = std::strerror(errno);
        }
        if (n < 0) return close(c.id, error);
        if (n == 0) return;
        c.out.erase(c.out.begin(), c.out.begin() + n);
    }
    if (c.closing) close(c.id, "closed by the entity");
}

void DoipEntity::close(uint64_t id, const std::string &why) {
    const auto it = connections_.find(id);
    if (it == connections_.end()) return;
    log("tcp#" + std::to_string(id) + ": " + why);
    it->second->tls.reset();
    ::close(it->second->fd);
    connections_.erase(it);
}

Bytes DoipEntity::announcement(doip::Version version) const {
    doip::VehicleAnnouncement a;
    a.vin = config_.entity.vin;
    a.logicalAddress = config_.entity.logicalAddress;
    a.eid = config_.entity.eid;
    a.gid = config_.entity.gid;
    a.syncStatus = 0x00;
    return doip::encode(version, doip::PayloadType::VehicleAnnouncement, doip::encodeAnnouncement(a));
}

Bytes DoipEntity::entityStatus(doip::Version version) const {
    size_t routed = 0;
    for (const auto &entry : connections_) routed += entry.second->tester.has_value();
    const doip::EntityStatus s{0x00, config_.entity.maxSockets, uint8_t(std::min<size_t>(routed, 255)),
                               config_.entity.maxDataSize};
    return doip::encode(version, doip::PayloadType::EntityStatusResponse, doip::encodeEntityStatus(s));
}

void DoipEntity::announce() {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(config_.announcePort);
    std::string target = config_.announceAddress;
    if (target.empty()) target = config_.bind.rfind("127.", 0) == 0 ? "127.255.255.255" : "255.255.255.255";
    inet_pton(AF_INET, target.c_str(), &to.sin_addr);
    const Bytes m = announcement(doip::Version(config_.entity.protocolVersion));
    if (::sendto(udpFd_, m.data(), m.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to) < 0)
        log("udp: announcement to " + target + " failed: " + std::strerror(errno));
    else
        log("udp: vehicle announcement to " + target + ":" + std::to_string(config_.announcePort));
    --announcementsLeft_;
    nextAnnouncement_ = Clock::now() + Milliseconds(config_.entity.announceIntervalMs);
}

void DoipEntity::readUdp() {
    for (int round = 0; round < 64; ++round) {
        uint8_t buffer[2048];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(udpFd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr *>(&from), &len);
        if (n < 0) return;
        if (size_t(n) < doip::kHeaderSize) continue;
        doip::GenericNackCode code{};
        const auto header =
            doip::decodeHeader(std::span<const uint8_t, doip::kHeaderSize>(buffer, doip::kHeaderSize), code);
        const auto version = header && header->version != doip::Version::Any
                                 ? header->version
                                 : doip::Version(config_.entity.protocolVersion);
        const std::span<const uint8_t> payload(buffer + doip::kHeaderSize, size_t(n) - doip::kHeaderSize);
        const auto type = header ? doip::PayloadType(header->type) : doip::PayloadType::GenericNack;
        Bytes out;
        bool answer = true;
        if (!header) {
            out = doip::encode(version, doip::PayloadType::GenericNack, doip::encodeGenericNack(code));
        } else if (header->length != payload.size()) {
            out = doip::encode(version, doip::PayloadType::GenericNack,
                               doip::encodeGenericNack(doip::GenericNackCode::InvalidPayloadLength));
        } else if (type == doip::PayloadType::VehicleIdentificationRequest) {
            out = payload.empty() ? announcement(version) : Bytes{};
        } else if (type == doip::PayloadType::VehicleIdentificationRequestByEid && payload.size() == 6) {
            answer = std::equal(payload.begin(), payload.end(), config_.entity.eid.begin());
            out = announcement(version);
        } else if (type == doip::PayloadType::VehicleIdentificationRequestByVin && payload.size() == 17) {
            answer = std::equal(payload.begin(), payload.end(), config_.entity.vin.begin());
            out = announcement(version);
        } else if (type == doip::PayloadType::EntityStatusRequest && payload.empty()) {
            out = entityStatus(version);
        } else if (type == doip::PayloadType::PowerModeRequest && payload.empty()) {
            out = doip::encode(version, doip::PayloadType::PowerModeResponse, Bytes{0x01});
        } else if (type == doip::PayloadType::VehicleIdentificationRequest ||
                   type == doip::PayloadType::VehicleIdentificationRequestByEid ||
                   type == doip::PayloadType::VehicleIdentificationRequestByVin ||
                   type == doip::PayloadType::EntityStatusRequest || type == doip::PayloadType::PowerModeRequest) {
            out = doip::encode(version, doip::PayloadType::GenericNack,
                               doip::encodeGenericNack(doip::GenericNackCode::InvalidPayloadLength));
        } else {
            out = doip::encode(version, doip::PayloadType::GenericNack,
                               doip::encodeGenericNack(doip::GenericNackCode::UnknownPayloadType));
        }
        if (out.empty())
            out = doip::encode(version, doip::PayloadType::GenericNack,
                               doip::encodeGenericNack(doip::GenericNackCode::InvalidPayloadLength));
        char host[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &from.sin_addr, host, sizeof host);
        log(std::string("udp: ") + (header ? doip::payloadTypeName(header->type) : std::string("bad header")) +
            " from " + host + ":" + std::to_string(ntohs(from.sin_port)) +
            (answer ? " answered" : " not for this entity"));
        if (answer) ::sendto(udpFd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr *>(&from), len);
    }
}

void DoipEntity::answer(Ecu &ecu, const Job &job, const Bytes &reply, bool pending) {
    const auto it = connections_.find(job.connection);
    if (log_) // the lines of every request and reply are built only for a log
        log(ecu.config.name + " " + address(ecu.config.logicalAddress) + " -> " + describeUds(reply, false) +
            (pending ? " (pending)" : "") + (it == connections_.end() ? " [tester gone]" : ""));
    if (it == connections_.end()) return;
    send(*it->second, doip::PayloadType::DiagnosticMessage,
         doip::encodeDiagnostic({ecu.config.logicalAddress, job.tester, reply}));
}

void DoipEntity::pumpEcus(TimePoint now) {
    for (Ecu &ecu : ecus_) {
        const std::string who = log_ ? ecu.config.name + " " + address(ecu.config.logicalAddress) : std::string();
        ecu.work.pump(*ecu.server, ecu.config, now, ecu.bootedAt,
                      {[&](const Job &job, const Bytes &reply, bool pending) { answer(ecu, job, reply, pending); },
                       [&](const Job &job, const Outcome &out) {
                           if (log_)
                               log(who + " <- " + describeUds(job.request, true) +
                                   (job.functional ? " (functional)" : "") + (out.note.empty() ? "" : ": " + out.note));
                       },
                       [&](const Job &job) { close(job.connection, "dropped (fault)"); },
                       [&](const std::string &line) { log(line); }});
    }
    std::vector<uint64_t> waiting;
    for (const auto &entry : connections_)
        if (!entry.second->out.empty()) waiting.push_back(entry.first);
    for (uint64_t id : waiting)
        if (const auto it = connections_.find(id); it != connections_.end()) flush(*it->second);
}

} // namespace conduit::ecusim
