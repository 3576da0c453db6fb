#include "isotpfront.h"

#include "doipentity.h" // describeUds

#include <cerrno>
#include <cstring>
#include <linux/can.h>
#include <linux/can/isotp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace conduit::ecusim {

namespace {
std::string ids(const IsoTpEndpoint &e) {
    char text[64];
    std::snprintf(text, sizeof text, "%s 0x%x/0x%x", e.interface.c_str(), e.rxId, e.txId);
    return text;
}

// One CAN_ISOTP socket of an ECU; -1 and `error` set on failure.
int openSocket(const IsoTpEndpoint &e, bool functional, std::string &error) {
    const unsigned index = if_nametoindex(e.interface.c_str());
    if (index == 0) return (error = "CAN interface " + e.interface + ": " + std::strerror(errno)), -1;
    const int fd = ::socket(PF_CAN, SOCK_DGRAM | SOCK_CLOEXEC, CAN_ISOTP);
    if (fd < 0)
        return (error = std::string("CAN_ISOTP socket: ") + std::strerror(errno) + " (is can-isotp loaded?)"), -1;
    can_isotp_options opts{};
    // The functional socket only listens: no flow control from it (a functional
    // request is a single frame), its replies leave through the physical socket.
    opts.flags = functional ? CAN_ISOTP_LISTEN_MODE : 0;
    if (e.padding) {
        opts.flags |= CAN_ISOTP_TX_PADDING;
        opts.txpad_content = *e.padding;
    }
    opts.frame_txtime = CAN_ISOTP_DEFAULT_FRAME_TXTIME;
    can_isotp_fc_options fc{e.blockSize, e.stMin, 0};
    can_isotp_ll_options ll{CANFD_MTU, 64, CANFD_BRS};
    const canid_t flag = e.extendedIds ? CAN_EFF_FLAG : 0;
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = int(index);
    addr.can_addr.tp.rx_id = (functional ? e.functionalId : e.rxId) | flag;
    addr.can_addr.tp.tx_id = e.txId | flag;
    const char *step = nullptr;
    if (::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_OPTS, &opts, sizeof opts) < 0)
        step = "CAN_ISOTP_OPTS";
    else if (::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_RECV_FC, &fc, sizeof fc) < 0)
        step = "CAN_ISOTP_RECV_FC";
    else if (e.canFd && ::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS, &ll, sizeof ll) < 0)
        step = "CAN_ISOTP_LL_OPTS";
    else if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0)
        step = "bind";
    if (step) {
        error = ids(e) + (functional ? " (functional)" : "") + ": " + step + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}
} // namespace

IsoTpFront::IsoTpFront(const Config &config, IsoTpLog log) : config_(config), log_(std::move(log)) {}

IsoTpFront::~IsoTpFront() {
    for (const auto &e : ecus_)
        for (int fd : {e->physical, e->functional})
            if (fd >= 0) ::close(fd);
}

bool IsoTpFront::add(const EcuConfig &c, const IsoTpEndpoint &endpoint, std::string &error) {
    auto ecu = std::make_unique<Ecu>();
    ecu->config = c;
    ecu->endpoint = endpoint;
    ecu->flash = std::make_unique<Flash>();
    ecu->flash->setSyncWrites(config_.syncWrites);
    if (!ecu->flash->open(config_.stateDir + "/" + c.name, c, error)) return (error = c.name + ": " + error), false;
    if ((ecu->physical = openSocket(endpoint, false, error)) < 0 ||
        (ecu->functional = openSocket(endpoint, true, error)) < 0) {
        if (ecu->physical >= 0) ::close(ecu->physical);
        return (error = c.name + ": " + error), false;
    }
    ecu->server = std::make_unique<UdsServer>(c, *ecu->flash);
    ecu->server->start(Clock::now());
    log(c.name + " on " + ids(endpoint) + ": " +
        (ecu->server->mode() == Mode::Application ? "application " + ecu->server->applicationVersion()
                                                  : std::string("bootloader (no valid application)")) +
        ", " + std::to_string(c.banks) + " bank(s), active bank " + std::to_string(ecu->flash->activeBank()));
    ecus_.push_back(std::move(ecu));
    return true;
}

std::string IsoTpFront::describe() const {
    std::string s;
    for (const auto &e : ecus_) s += (s.empty() ? "" : ",") + e->config.name + "@" + e->endpoint.interface;
    return s;
}

int IsoTpFront::pollTimeoutMs(TimePoint now) const {
    TimePoint next = now + Milliseconds(60000);
    for (const auto &e : ecus_)
        if (const auto at = e->work.wakeAt(now)) next = std::min(next, *at);
    return int(std::max<int64_t>(0, std::chrono::ceil<Milliseconds>(next - now).count()));
}

int IsoTpFront::run(int stopFd) {
    for (;;) {
        std::vector<pollfd> fds{{stopFd, POLLIN, 0}};
        for (const auto &e : ecus_) {
            fds.push_back({e->physical, POLLIN, 0});
            fds.push_back({e->functional, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), pollTimeoutMs(Clock::now())) < 0 && errno != EINTR) {
            log(std::string("isotp: poll: ") + std::strerror(errno));
            return 1;
        }
        if (fds[0].revents) return 0;
        for (size_t i = 0; i < ecus_.size(); ++i) {
            if (fds[1 + 2 * i].revents) receive(*ecus_[i], ecus_[i]->physical, false);
            if (fds[2 + 2 * i].revents) receive(*ecus_[i], ecus_[i]->functional, true);
        }
        const TimePoint now = Clock::now();
        for (const auto &e : ecus_) pump(*e, now);
    }
}

void IsoTpFront::receive(Ecu &ecu, int fd, bool functional) {
    static uint8_t buffer[66000]; // beyond the largest ISO-TP message the kernel reassembles
    for (int round = 0; round < 16; ++round) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n < 0) {
            // A reception the kernel gave up (a timeout, a wrong sequence number): the tester repeats.
            log(ecu.config.name + ": receive: " + std::strerror(errno));
            continue;
        }
        if (n == 0) continue;
        const Bytes request(buffer, buffer + n);
        if (Clock::now() < ecu.bootedAt) {
            log(ecu.config.name + " is booting after its reset: ignores " + describeUds(request, true));
            continue;
        }
        if (ecu.work.full()) {
            log(ecu.config.name + ": " + std::to_string(EcuQueue::kMaxQueued) + " requests queued, dropping one");
            continue;
        }
        ecu.work.push({0, 0, request, functional});
    }
}

void IsoTpFront::answer(Ecu &ecu, const Bytes &reply, bool pending) {
    if (log_) log(ecu.config.name + " -> " + describeUds(reply, false) + (pending ? " (pending)" : ""));
    // Blocking: waits for a previous reply still leaving (its flow control), then hands this one to the kernel.
    if (::send(ecu.physical, reply.data(), reply.size(), 0) < 0)
        log(ecu.config.name + ": send " + std::to_string(reply.size()) + " bytes: " + std::strerror(errno));
}

void IsoTpFront::pump(Ecu &ecu, TimePoint now) {
    ecu.work.pump(*ecu.server, ecu.config, now, ecu.bootedAt,
                  {[&](const EcuJob &, const Bytes &reply, bool pending) { answer(ecu, reply, pending); },
                   [&](const EcuJob &job, const Outcome &out) {
                       if (log_)
                           log(ecu.config.name + " <- " + describeUds(job.request, true) +
                               (job.functional ? " (functional)" : "") + (out.note.empty() ? "" : ": " + out.note));
                   },
                   [&](const EcuJob &) { log(ecu.config.name + ": no reply (fault; CAN has no connection to drop)"); },
                   [&](const std::string &line) { log(line); }});
}

} // namespace conduit::ecusim
