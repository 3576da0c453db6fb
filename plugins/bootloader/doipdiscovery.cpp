#include "doipdiscovery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace conduit::bootloader {

using namespace doip;

namespace {

std::optional<in_addr> resolve4(const std::string &host) {
    in_addr a{};
    if (host.empty()) return in_addr{htonl(INADDR_ANY)};
    if (inet_pton(AF_INET, host.c_str(), &a) == 1) return a;
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return std::nullopt;
    a = reinterpret_cast<sockaddr_in *>(found->ai_addr)->sin_addr;
    freeaddrinfo(found);
    return a;
}

int udpSocket(in_addr bindTo, uint16_t port, std::string &error) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = bindTo;
    sa.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
        error = "bind to UDP port " + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

int msUntil(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left + 1);
}

} // namespace

std::unique_ptr<DoipDiscovery> DoipDiscovery::create(const DiscoveryOptions &options,
                                                     std::optional<TransportError> &error) {
    std::unique_ptr<DoipDiscovery> d(new DoipDiscovery(options));
    const auto local = resolve4(options.bindAddress);
    if (!local || !resolve4(options.address)) {
        error = TransportError{TransportErrorKind::Configuration, "DoIP discovery: cannot resolve \"" +
                                                                      (local ? options.address : options.bindAddress) +
                                                                      "\" as an IPv4 address"};
        return nullptr;
    }
    std::string why;
    if ((d->requestFd_ = udpSocket(*local, 0, why)) < 0 ||
        (options.announcementPort && (d->announceFd_ = udpSocket(*local, *options.announcementPort, why)) < 0)) {
        error = TransportError{TransportErrorKind::Configuration, "DoIP discovery: " + why};
        return nullptr;
    }
    return d;
}

DoipDiscovery::~DoipDiscovery() {
    if (requestFd_ >= 0) ::close(requestFd_);
    if (announceFd_ >= 0) ::close(announceFd_);
}

std::optional<uint16_t> DoipDiscovery::announcementPort() const {
    if (announceFd_ < 0) return std::nullopt;
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    getsockname(announceFd_, reinterpret_cast<sockaddr *>(&sa), &len);
    return ntohs(sa.sin_port);
}

std::optional<TransportError> DoipDiscovery::sendRequest() {
    Bytes message;
    if (options_.vin)
        message = encode(options_.version, PayloadType::VehicleIdentificationRequestByVin,
                         encodeIdentificationRequestByVin(*options_.vin));
    else if (options_.eid)
        message = encode(options_.version, PayloadType::VehicleIdentificationRequestByEid,
                         encodeIdentificationRequestByEid(*options_.eid));
    else
        message = encode(options_.version, PayloadType::VehicleIdentificationRequest, {});
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr = *resolve4(options_.address);
    to.sin_port = htons(options_.port);
    if (::sendto(requestFd_, message.data(), message.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to) < 0)
        return TransportError{TransportErrorKind::ConnectionLost,
                              "DoIP vehicle identification request to " + options_.address + ":" +
                                  std::to_string(options_.port) + ": " + std::strerror(errno)};
    return std::nullopt;
}

std::vector<DiscoveredEntity> DoipDiscovery::collect(Clock::time_point deadline) {
    std::vector<DiscoveredEntity> found;
    const in_addr unicast = *resolve4(options_.address);
    const bool isUnicast = unicast.s_addr != htonl(INADDR_BROADCAST);
    uint8_t buf[1500];
    bool answered = false;
    while (found.size() < options_.maxEntities) {
        pollfd p[2] = {{requestFd_, POLLIN, 0}, {announceFd_, POLLIN, 0}};
        const int rc = ::poll(p, announceFd_ >= 0 ? 2 : 1, msUntil(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) break;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & POLLIN)) continue;
            sockaddr_in from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(p[i].fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &len);
            if (n < static_cast<ssize_t>(kHeaderSize)) {
                if (n >= 0) ++malformed_;
                continue;
            }
            GenericNackCode nack{};
            std::string error;
            auto header = decodeHeader(std::span<const uint8_t, kHeaderSize>(buf, kHeaderSize), nack);
            if (!header || header->type != static_cast<uint16_t>(PayloadType::VehicleAnnouncement) ||
                header->length != static_cast<size_t>(n) - kHeaderSize) {
                ++malformed_; // our own broadcast request looped back lands here too
                continue;
            }
            auto a = decodeAnnouncement(std::span(buf + kHeaderSize, static_cast<size_t>(n) - kHeaderSize), error);
            if (!a) {
                ++malformed_;
                continue;
            }
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
            const bool seen = std::any_of(found.begin(), found.end(), [&](const DiscoveredEntity &e) {
                return e.address == text && e.announcement.logicalAddress == a->logicalAddress;
            });
            if (!seen) found.push_back({text, header->version, std::move(*a)});
            answered = answered || (isUnicast && i == 0 && from.sin_addr.s_addr == unicast.s_addr);
        }
        if (answered) break; // after both sockets were read: what came with the answer is kept
    }
    return found;
}

std::vector<DiscoveredEntity> discoverEntities(const DiscoveryOptions &options, std::optional<TransportError> &error) {
    auto d = DoipDiscovery::create(options, error);
    if (!d) return {};
    if ((error = d->sendRequest())) return {};
    return d->collect(Clock::now() + options.wait);
}

} // namespace conduit::bootloader
