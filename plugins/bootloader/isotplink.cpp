#include "isotplink.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/can.h>
#include <linux/can/isotp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace conduit::bootloader {

namespace {

// The kernel's largest ISO-TP message (net/can/isotp.c MAX_MSG_LENGTH in
// Linux 6.x: 8200 bytes with CAN FD's escape length; classic frames: 4095).
constexpr size_t kKernelMaxMessage = 8200;
constexpr size_t kClassicMaxMessage = 4095;

std::string hexId(uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03x", id);
    return buf;
}

uint32_t canId(uint32_t id, bool extended) { return extended ? (id | CAN_EFF_FLAG) : id; }

TransportError configError(const std::string &message) { return {TransportErrorKind::Configuration, message}; }

} // namespace

std::optional<TransportError> checkIsoTpConfig(const IsoTpConfig &c) {
    if (c.interface.empty() || c.interface.size() >= IFNAMSIZ)
        return configError("CAN interface name \"" + c.interface + "\" is empty or longer than " +
                           std::to_string(IFNAMSIZ - 1) + " characters");
    const uint32_t maxId = c.extendedIds ? CAN_EFF_MASK : CAN_SFF_MASK;
    for (auto [id, name] : {std::pair{c.txId, "tx"}, std::pair{c.rxId, "rx"}, std::pair{c.functionalId, "functional"}})
        if (id > maxId)
            return configError(std::string("ISO-TP ") + name + " id 0x" + hexId(id) + " does not fit " +
                               (c.extendedIds ? "29" : "11 (set extended ids for 29)") + " bits");
    if (c.txId == c.rxId) return configError("ISO-TP tx and rx ids are both 0x" + hexId(c.txId));
    if (c.functionalId == c.rxId) return configError("ISO-TP functional id equals the rx id 0x" + hexId(c.rxId));
    if (c.canFd) {
        static const uint8_t lengths[] = {8, 12, 16, 20, 24, 32, 48, 64};
        if (std::find(std::begin(lengths), std::end(lengths), c.fdDataLength) == std::end(lengths))
            return configError("CAN FD data length " + std::to_string(c.fdDataLength) +
                               " is not one of 8, 12, 16, 20, 24, 32, 48, 64");
    }
    if ((c.stMin > 0x7f && c.stMin < 0xf1) || c.stMin > 0xf9)
        return configError("STmin byte " + std::to_string(c.stMin) +
                           " is reserved (0x00-0x7f ms, 0xf1-0xf9 100-900 us)");
    return std::nullopt;
}

TransportError isoTpError(int err, const std::string &what, const IsoTpConfig &c) {
    const std::string where = "isotp " + c.interface + " " + hexId(c.txId) + "/" + hexId(c.rxId) + " " + what + ": ";
    const std::string sys = std::string(" (") + std::strerror(err) + ")";
    switch (err) {
    case ECOMM:
        // The kernel's N_Bs (no flow control after our first frame) or N_Cr
        // (no consecutive frame after its flow control) timeout.
        return {TransportErrorKind::Timeout, where +
                                                 "the ECU stopped answering mid-message: no flow control or "
                                                 "consecutive frame in time (N_Bs/N_Cr)" +
                                                 sys};
    case ETIMEDOUT: return {TransportErrorKind::Timeout, where + "timed out" + sys};
    case EILSEQ:
        return {TransportErrorKind::Protocol, where + "a consecutive frame with the wrong sequence number" + sys};
    case EMSGSIZE:
        return {TransportErrorKind::Protocol,
                where + "message too long for ISO-TP or the ECU's flow control reported overflow" + sys};
    case EBADMSG: return {TransportErrorKind::Protocol, where + "a frame with bad padding or length" + sys};
    case ENETDOWN:
        return {TransportErrorKind::ConnectionLost, where + "CAN interface " + c.interface + " is down" + sys};
    case ENODEV:
        if (what.starts_with("bind"))
            return {TransportErrorKind::Configuration, where + c.interface + " is not a CAN interface" + sys};
        [[fallthrough]];
    case ENXIO: return {TransportErrorKind::ConnectionLost, where + "CAN interface " + c.interface + " is gone" + sys};
    case ENOBUFS:
        return {TransportErrorKind::ConnectionLost,
                where + "the CAN controller's transmit queue is full (bus off or no one acknowledges)" + sys};
    case EADDRNOTAVAIL:
        // After a successful bind: the kernel unbound the socket because its
        // interface was unregistered (a removed USB adapter, `ip link del`).
        if (!what.starts_with("bind"))
            return {TransportErrorKind::ConnectionLost, where + "CAN interface " + c.interface + " is gone" + sys};
        [[fallthrough]];
    case EINVAL: return {TransportErrorKind::Configuration, where + "the kernel refused the ISO-TP addressing" + sys};
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
        return {TransportErrorKind::Configuration,
                where + "this kernel has no CAN ISO-TP sockets (load the can-isotp module)" + sys};
    case EBUSY: return {TransportErrorKind::Protocol, where + "a previous message is still being sent" + sys};
    default: return {TransportErrorKind::ConnectionLost, where + std::strerror(err)};
    }
}

std::unique_ptr<IsoTpLink> IsoTpLink::open(const IsoTpConfig &config, TransportError &error) {
    if (auto e = checkIsoTpConfig(config)) {
        error = *e;
        return nullptr;
    }
    std::unique_ptr<IsoTpLink> link(new IsoTpLink(config));
    const unsigned index = if_nametoindex(config.interface.c_str());
    if (index == 0) {
        error = configError("CAN interface " + config.interface + ": " + std::strerror(errno));
        return nullptr;
    }
    auto openSocket = [&](bool functional) -> int {
        const int fd = ::socket(PF_CAN, SOCK_DGRAM | SOCK_CLOEXEC, CAN_ISOTP);
        if (fd < 0) {
            error = isoTpError(errno, "socket", config);
            return -1;
        }
        can_isotp_options opts{};
        opts.flags = (config.waitTxDone ? CAN_ISOTP_WAIT_TX_DONE : 0) | (functional ? CAN_ISOTP_SF_BROADCAST : 0);
        if (config.padding) {
            opts.flags |= CAN_ISOTP_TX_PADDING;
            opts.txpad_content = *config.padding;
        }
        opts.frame_txtime = CAN_ISOTP_DEFAULT_FRAME_TXTIME;
        can_isotp_fc_options fc{config.blockSize, config.stMin, 0};
        can_isotp_ll_options ll{CANFD_MTU, config.fdDataLength, uint8_t(config.bitRateSwitch ? CANFD_BRS : 0)};
        sockaddr_can addr{};
        addr.can_family = AF_CAN;
        addr.can_ifindex = int(index);
        addr.can_addr.tp.tx_id = canId(functional ? config.functionalId : config.txId, config.extendedIds);
        addr.can_addr.tp.rx_id = canId(config.rxId, config.extendedIds);
        const char *step = nullptr;
        if (::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_OPTS, &opts, sizeof opts) < 0)
            step = "setsockopt CAN_ISOTP_OPTS";
        else if (::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_RECV_FC, &fc, sizeof fc) < 0)
            step = "setsockopt CAN_ISOTP_RECV_FC";
        else if (config.canFd && ::setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS, &ll, sizeof ll) < 0)
            step = "setsockopt CAN_ISOTP_LL_OPTS (CAN FD)";
        else if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0)
            step = "bind";
        if (step) {
            error = isoTpError(errno, step, config);
            ::close(fd);
            return -1;
        }
        return fd;
    };
    if ((link->physical_ = openSocket(false)) < 0) return nullptr;
    if ((link->functional_ = openSocket(true)) < 0) return nullptr;
    return link;
}

IsoTpLink::~IsoTpLink() {
    if (physical_ >= 0) ::close(physical_);
    if (functional_ >= 0) ::close(functional_);
}

size_t IsoTpLink::maxMessageSize() const { return config_.canFd ? kKernelMaxMessage : kClassicMaxMessage; }

size_t IsoTpLink::maxFunctionalSize() const {
    // A single frame: PCI byte + 7 (classic); FD frames longer than 8 use a 2-byte PCI.
    return config_.canFd && config_.fdDataLength > 8 ? size_t(config_.fdDataLength) - 2 : 7;
}

std::string IsoTpLink::describe() const {
    return "isotp " + config_.interface + " " + hexId(config_.txId) + "/" + hexId(config_.rxId) +
           (config_.canFd ? " fd" : "");
}

namespace {
std::optional<TransportError> writeAll(int fd, const Bytes &message, const char *what, const IsoTpConfig &c) {
    for (;;) {
        const ssize_t n = ::write(fd, message.data(), message.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return isoTpError(errno, what, c);
        if (size_t(n) != message.size())
            return TransportError{TransportErrorKind::Protocol, std::string(what) + ": the kernel took " +
                                                                    std::to_string(n) + " of " +
                                                                    std::to_string(message.size()) + " bytes"};
        return std::nullopt;
    }
}
} // namespace

std::optional<TransportError> IsoTpLink::send(const Bytes &request) {
    if (request.empty() || request.size() > maxMessageSize())
        return TransportError{TransportErrorKind::Protocol, describe() + " send: a message of " +
                                                                std::to_string(request.size()) + " bytes (1.." +
                                                                std::to_string(maxMessageSize()) + ")"};
    return writeAll(physical_, request, "send", config_);
}

std::optional<TransportError> IsoTpLink::sendFunctional(const Bytes &request) {
    if (request.empty() || request.size() > maxFunctionalSize())
        return TransportError{TransportErrorKind::Protocol,
                              describe() + " functional send: " + std::to_string(request.size()) +
                                  " bytes, but functional requests are single frames of 1.." +
                                  std::to_string(maxFunctionalSize()) + " bytes"};
    return writeAll(functional_, request, "functional send", config_);
}

std::optional<TransportError> IsoTpLink::receive(Bytes &message, Clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return TransportError{TransportErrorKind::Timeout,
                                  describe() + ": no message from the ECU before the deadline"};
        pollfd p{physical_, POLLIN, 0};
        const int r = ::poll(&p, 1, int(std::min<long long>(left, 60000)));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return isoTpError(errno, "poll", config_);
        if (r == 0) continue;
        // POLLERR: the read below reports the socket's pending error.
        message.resize(kKernelMaxMessage + 1);
        const ssize_t n = ::read(physical_, message.data(), message.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            message.clear();
            return isoTpError(errno, "receive", config_);
        }
        message.resize(size_t(n));
        return std::nullopt;
    }
}

} // namespace conduit::bootloader
