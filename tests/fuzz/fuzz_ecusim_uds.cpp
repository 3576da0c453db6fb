// Arbitrary UDS requests into the ECU simulator's server (tools/conduit-ecusim):
// no crash, no unbounded allocation (a RequestDownload of 4 GiB allocates
// nothing), and every reply is a well-formed positive or negative response
// to the request. Input: one flags byte (bit 0: start unlocked in the
// programming session with the fingerprint written), then records of
// [length][time step in 100 ms][request bytes].
#include "flash.h"
#include "udsserver.h"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

using namespace conduit::ecusim;

namespace {
std::string stateDir;

struct Target {
    EcuConfig config;
    Flash flash;
    Target() {
        config.regions = {{0x00010000, 0x1000}, {0x00020000, 0x800}};
        config.banks = 2;
        config.securityDelayMs = 1000;
        const auto base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                              : std::filesystem::temp_directory_path();
        stateDir = (base / ("fuzz_ecusim_uds." + std::to_string(getpid()))).string();
        std::filesystem::remove_all(stateDir);
        std::atexit([] { std::filesystem::remove_all(stateDir); });
        std::string error;
        if (!flash.open(stateDir, config, error)) std::abort();
    }
};

void check(const Bytes &request, const Outcome &out) {
    if (!out.reply) return;
    const Bytes &r = *out.reply;
    const bool negative = r.size() == 3 && r[0] == 0x7F && r[1] == request[0];
    const bool positive = !r.empty() && r[0] == uint8_t(request[0] + 0x40);
    if (!negative && !positive) __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Target target;
    if (size == 0) return 0;
    UdsServer server(target.config, target.flash);
    TimePoint now{};
    server.start(now);
    auto send = [&](const Bytes &request) {
        const Outcome out = server.handle(request, now += std::chrono::milliseconds(1));
        check(request, out);
        return out;
    };
    if (data[0] & 1) {
        send({0x10, 0x02});
        const auto seed = send({0x27, 0x01}).reply;
        if (seed && seed->size() == 6) {
            Bytes key{0x27, 0x02};
            const Bytes k = UdsServer::expectedKey(std::span(*seed).subspan(2), 1);
            key.insert(key.end(), k.begin(), k.end());
            send(key);
        }
        send({0x2E, 0xF1, 0x5A, 0x26, 0x12, 0x02, 'C', 'N', 'D', 'T', '0', '1'});
    }
    size_t at = 1;
    while (at + 2 <= size) {
        const size_t length = data[at];
        now += std::chrono::milliseconds(100 * data[at + 1]);
        at += 2;
        if (length == 0 || at + length > size) break;
        const Bytes request(data + at, data + at + length);
        at += length;
        check(request, server.handle(request, now, (length & 1) != 0 && data[0] & 2));
    }
    return 0;
}
