// The floor of the bootloader benchmarks: TransferData-sized requests
// answered by 2 bytes, one at a time, over a plain TCP socket on loopback
// (request/response ping-pong, nothing else), and the small helpers both
// benchmarks share. Plain C++ and POSIX sockets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace benchfloor {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;
using Seconds = std::chrono::duration<double>;

inline int listenLoopback(uint16_t &port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&sa), len) < 0 || ::listen(fd, 1) < 0)
        throw std::runtime_error("cannot listen on 127.0.0.1");
    getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &len);
    port = ntohs(sa.sin_port);
    return fd;
}

inline int acceptOne(int listener) {
    const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    const int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::close(listener);
    return c;
}

inline bool readExactly(int fd, uint8_t *p, size_t n) {
    while (n > 0) {
        const ssize_t r = ::recv(fd, p, n, 0);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

inline void writeAll(int fd, const Bytes &b) {
    size_t done = 0;
    while (done < b.size()) {
        const ssize_t n = ::send(fd, b.data() + done, b.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

inline double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Run {
    double seconds = 0, cpu = 0;
    void add(Clock::time_point t0, double cpu0) {
        seconds += Seconds(Clock::now() - t0).count();
        cpu += cpuSeconds() - cpu0;
    }
};

// The floor: request of `block` bytes, answer of 2 bytes, one at a time.
class FloorPath {
public:
    explicit FloorPath(size_t block) : request_(block, 0x5A) {
        uint16_t port = 0;
        const int listener = listenLoopback(port);
        server_ = std::thread([listener, block] {
            const int c = acceptOne(listener);
            std::vector<uint8_t> buf(block);
            const Bytes answer{0x76, 0x01};
            while (readExactly(c, buf.data(), block)) writeAll(c, answer);
            ::close(c);
        });
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons(port);
        if (::connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0)
            throw std::runtime_error("floor: connect");
    }
    ~FloorPath() {
        ::close(fd_);
        server_.join();
    }
    // Moves `bytes` of block data (rounded up to whole blocks).
    void move(size_t bytes, Run &into) {
        uint8_t answer[2];
        const double cpu0 = cpuSeconds();
        const auto t0 = Clock::now();
        for (size_t sent = 0; sent < bytes; sent += request_.size() - 2) {
            writeAll(fd_, request_);
            if (!readExactly(fd_, answer, 2)) throw std::runtime_error("floor: server gone");
        }
        into.add(t0, cpu0);
    }

private:
    Bytes request_;
    int fd_ = -1;
    std::thread server_;
};

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
inline double lowest(const std::vector<double> &v) { return *std::min_element(v.begin(), v.end()); }
inline double highest(const std::vector<double> &v) { return *std::max_element(v.begin(), v.end()); }

} // namespace benchfloor
