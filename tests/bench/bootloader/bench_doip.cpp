// DoIP transfer benchmark and its floor (issue 14, "Benchmarks"): moves
// SIZE bytes in blocks as TransferData requests, each answered before the
// next goes out, over loopback.
//   floor: a plain TCP socket, the same request size, a 2-byte answer
//          (request/response ping-pong, nothing else);
//   doip:  DoipConnection + DoipLink + UdsClient against a minimal DoIP
//          entity in this process (diagnostic ACK, then the 0x76 reply).
// Each run moves SIZE through both, interleaved in 1 MiB slices (in turn
// floor first and DoIP first, so a load that comes or goes hits both
// alike); RUNS runs. Prints MiB/s,
// the ratio of each run and the process CPU per MiB (both sides of the
// loopback: tester and entity); then the medians and ranges, and a
// "summary" line of key=value for tests/bench/bootloader/run.sh.
// Usage: bench_doip [SIZE_MIB=16] [BLOCK=4095] [RUNS=5] [coalesce]
// ("coalesce": the entity writes its ACK and the response in one segment,
// which shows what the ACK's own segment costs).
#include "doipclient.h"
#include "udsclient.h"

#include "tcpfloor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace conduit::bootloader;
using namespace benchfloor;
using benchfloor::Bytes;
using benchfloor::Clock;
namespace {

// A DoIP entity that activates routing, then ACKs every diagnostic message
// and answers a TransferData with its positive response.
void entity(int listener, bool coalesce) {
    using namespace doip;
    const int c = acceptOne(listener);
    StreamParser parser(1u << 20);
    std::vector<uint8_t> buf(65536);
    for (;;) {
        Message m;
        GenericNackCode nack{};
        const auto s = parser.next(m, nack);
        if (s == StreamParser::Status::NeedMore) {
            const ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
            if (n <= 0) break;
            parser.feed(std::span(buf.data(), static_cast<size_t>(n)));
            continue;
        }
        if (s != StreamParser::Status::Message) break;
        std::string error;
        if (m.type == static_cast<uint16_t>(PayloadType::RoutingActivationRequest)) {
            writeAll(c, encode(Version::Iso2012, PayloadType::RoutingActivationResponse,
                               encodeRoutingResponse({0x0E00, 0x1000, 0x10, {}})));
        } else if (auto d = m.type == static_cast<uint16_t>(PayloadType::DiagnosticMessage)
                                ? decodeDiagnostic(m.payload, error)
                                : std::nullopt) {
            Bytes ack = encode(Version::Iso2012, PayloadType::DiagnosticAck,
                               encodeDiagnosticAck({d->target, d->source, 0x00, {}}));
            const Bytes reply{static_cast<uint8_t>(d->userData[0] + 0x40),
                              d->userData.size() > 1 ? d->userData[1] : uint8_t(0)};
            const Bytes response = encode(Version::Iso2012, PayloadType::DiagnosticMessage,
                                          encodeDiagnostic({d->target, d->source, reply}));
            if (coalesce) { // ACK and response in one segment
                ack.insert(ack.end(), response.begin(), response.end());
                writeAll(c, ack);
            } else { // as an entity that forwards to the ECU: the ACK first, the response after
                writeAll(c, ack);
                writeAll(c, response);
            }
        }
    }
    ::close(c);
}

// The tester as the agent uses it, against that entity.
class DoipPath {
public:
    DoipPath(size_t block, bool coalesce) : data_(block - 2, 0x5A) {
        uint16_t port = 0;
        const int listener = listenLoopback(port);
        server_ = std::thread(entity, listener, coalesce);
        DoipConfig config;
        config.port = port;
        config.maxDataSize = block;
        std::optional<TransportError> error;
        connection_ = DoipConnection::open(config, error);
        if (!connection_) {
            ::shutdown(listener, SHUT_RDWR);
            server_.join();
            throw std::runtime_error("doip: " + error->message);
        }
        std::string why;
        link_ = connection_->link(0x1001, why);
        uds_.emplace(*link_);
    }
    ~DoipPath() {
        uds_.reset();
        link_.reset();
        connection_->close();
        server_.join();
    }
    void move(size_t bytes, Run &into) {
        const double cpu0 = cpuSeconds();
        const auto t0 = Clock::now();
        for (size_t sent = 0; sent < bytes; sent += data_.size()) {
            const auto r = uds_->request(uds::transferData(counter_, data_), Clock::now() + std::chrono::seconds(5));
            if (!r.ok()) throw std::runtime_error("doip: " + r.error->message);
            counter_ = uds::nextBlockCounter(counter_);
        }
        into.add(t0, cpu0);
    }

private:
    Bytes data_;
    uint8_t counter_ = 0x01;
    std::thread server_;
    std::shared_ptr<DoipConnection> connection_;
    std::unique_ptr<Link> link_;
    std::optional<UdsClient> uds_;
};

// One run: both paths open side by side, SIZE moved through each in slices
// of kSlice, in turn floor first and DoIP first, so that the load of a
// shared machine, which changes within a run, weighs on both alike.
constexpr size_t kSlice = 1 << 20;

void measure(size_t total, size_t block, bool coalesce, Run &floor, Run &doip) {
    FloorPath f(block);
    DoipPath d(block, coalesce);
    bool floorFirst = true;
    for (size_t done = 0; done < total; done += kSlice, floorFirst = !floorFirst) {
        const size_t n = std::min(kSlice, total - done);
        if (floorFirst) f.move(n, floor);
        d.move(n, doip);
        if (!floorFirst) f.move(n, floor);
    }
}

} // namespace

int main(int argc, char **argv) {
    const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 16;
    const size_t block = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4095;
    const int runs = argc > 3 ? std::atoi(argv[3]) : 5;
    const bool coalesce = argc > 4 && std::string(argv[4]) == "coalesce";
    if (block < 3 || runs < 1) {
        std::fprintf(stderr, "usage: bench_doip [SIZE_MIB] [BLOCK>=3] [RUNS>=1]\n");
        return 2;
    }
    const size_t total = mib << 20;
    std::vector<double> floorRate, doipRate, floorCpu, doipCpu, ratio;
    try {
        for (int i = 0; i < runs; ++i) {
            Run f, d;
            measure(total, block, coalesce, f, d);
            floorRate.push_back(double(mib) / f.seconds);
            doipRate.push_back(double(mib) / d.seconds);
            floorCpu.push_back(f.cpu * 1000 / double(mib));
            doipCpu.push_back(d.cpu * 1000 / double(mib));
            ratio.push_back(f.seconds / d.seconds);
            std::printf("run %d: floor %.1f MiB/s, doip %.1f MiB/s, doip/floor %.2f\n", i + 1, floorRate.back(),
                        doipRate.back(), ratio.back());
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_doip: %s\n", e.what());
        return 1;
    }
    std::printf("%zu MiB in blocks of %zu bytes (maxNumberOfBlockLength), %d runs%s, medians (range):\n", mib, block,
                runs, coalesce ? ", ACK and response coalesced" : "");
    std::printf("  floor (TCP ping-pong): %.1f MiB/s (%.1f-%.1f), CPU %.1f ms/MiB (both ends)\n", median(floorRate),
                lowest(floorRate), highest(floorRate), median(floorCpu));
    std::printf("  doip (client + UDS):   %.1f MiB/s (%.1f-%.1f), CPU %.1f ms/MiB (both ends)\n", median(doipRate),
                lowest(doipRate), highest(doipRate), median(doipCpu));
    std::printf("  doip/floor: %.2f (%.2f-%.2f)\n", median(ratio), lowest(ratio), highest(ratio));
    std::printf("summary entity=%s mib=%zu block=%zu runs=%d floor_mib_per_s=%.1f doip_mib_per_s=%.1f ratio=%.2f "
                "ratio_min=%.2f ratio_max=%.2f floor_cpu_ms_per_mib=%.1f doip_cpu_ms_per_mib=%.1f\n",
                coalesce ? "coalesced" : "separate", mib, block, runs, median(floorRate), median(doipRate),
                median(ratio), lowest(ratio), highest(ratio), median(floorCpu), median(doipCpu));
    return 0;
}
