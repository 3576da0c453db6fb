// Drives IsoTpLink from the command line for isotp_qemu.sh, where can-utils
// (isotpsend, isotprecv, cansend, candump) are the independent peers.
//
//   isotp_driver [--fd] [--no-pad] [--pad HH] [--bs N] [--stmin HH] IFACE TXID RXID COMMAND...
//     send N            send N bytes (byte i = (i * 7 + 3) & 0xff); prints "sent N"
//     recv MS           receive one message within MS ms; prints "received N: HH HH ..."
//     functional HH..   send a functional request; prints "sent-functional N"
//     request N MS      send N bytes, then receive the reply within MS ms (an echo peer)
//     repeat N COUNT    send COUNT messages of N bytes; prints the time and the rate
// Errors print "error <kind>: <message>" and exit 1; usage errors exit 2.
#include "isotplink.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <chrono>

using namespace conduit::bootloader;

namespace {

int fail(const TransportError &e) {
    std::printf("error %s: %s\n", transportErrorName(e.kind), e.message.c_str());
    return 1;
}

int usage() {
    std::fprintf(stderr, "usage: isotp_driver [--fd] [--no-pad] [--pad HH] [--bs N] [--stmin HH] IFACE TXID RXID "
                         "send N | recv MS | functional HH.. | request N MS\n");
    return 2;
}

Bytes pattern(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t((i * 7 + 3) & 0xff);
    return b;
}

void printMessage(const char *what, const Bytes &m) {
    std::printf("%s %zu:", what, m.size());
    for (uint8_t b : m) std::printf(" %02X", b);
    std::printf("\n");
}

} // namespace

int main(int argc, char **argv) {
    IsoTpConfig config;
    int i = 1;
    for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; ++i) {
        const std::string opt = argv[i];
        if (opt == "--fd")
            config.canFd = true;
        else if (opt == "--no-pad")
            config.padding.reset();
        else if (opt == "--pad" && i + 1 < argc)
            config.padding = uint8_t(std::strtoul(argv[++i], nullptr, 16));
        else if (opt == "--bs" && i + 1 < argc)
            config.blockSize = uint8_t(std::strtoul(argv[++i], nullptr, 10));
        else if (opt == "--stmin" && i + 1 < argc)
            config.stMin = uint8_t(std::strtoul(argv[++i], nullptr, 16));
        else
            return usage();
    }
    if (argc - i < 4) return usage();
    config.interface = argv[i];
    config.txId = uint32_t(std::strtoul(argv[i + 1], nullptr, 16));
    config.rxId = uint32_t(std::strtoul(argv[i + 2], nullptr, 16));
    config.extendedIds = config.txId > 0x7ff || config.rxId > 0x7ff;
    const std::string command = argv[i + 3];
    char **args = argv + i + 4;
    const int nargs = argc - i - 4;

    TransportError error{};
    auto link = IsoTpLink::open(config, error);
    if (!link) return fail(error);
    // Both sockets are bound: a script may now change the interface under us.
    std::fprintf(stderr, "open\n");

    if (command == "send" && nargs == 1) {
        const Bytes m = pattern(std::strtoul(args[0], nullptr, 10));
        if (auto e = link->send(m)) return fail(*e);
        std::printf("sent %zu\n", m.size());
        return 0;
    }
    if (command == "recv" && nargs == 1) {
        Bytes m;
        if (auto e = link->receive(m, Clock::now() + std::chrono::milliseconds(std::atoi(args[0])))) return fail(*e);
        printMessage("received", m);
        return 0;
    }
    if (command == "functional" && nargs >= 1) {
        Bytes m;
        for (int k = 0; k < nargs; ++k) m.push_back(uint8_t(std::strtoul(args[k], nullptr, 16)));
        if (auto e = link->sendFunctional(m)) return fail(*e);
        std::printf("sent-functional %zu\n", m.size());
        return 0;
    }
    if (command == "request" && nargs == 2) {
        const Bytes m = pattern(std::strtoul(args[0], nullptr, 10));
        if (auto e = link->send(m)) return fail(*e);
        Bytes reply;
        if (auto e = link->receive(reply, Clock::now() + std::chrono::milliseconds(std::atoi(args[1]))))
            return fail(*e);
        std::printf("reply %s\n", reply == m ? "matches" : "differs");
        printMessage("received", reply);
        return reply == m ? 0 : 1;
    }
    if (command == "repeat" && nargs == 2) {
        const Bytes m = pattern(std::strtoul(args[0], nullptr, 10));
        const long count = std::atol(args[1]);
        const auto start = Clock::now();
        for (long k = 0; k < count; ++k)
            if (auto e = link->send(m)) return fail(*e);
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        std::printf("repeat: %ld x %zu bytes in %.0f ms, %.1f KiB/s\n", count, m.size(), s * 1000,
                    double(count) * double(m.size()) / 1024 / s);
        return 0;
    }
    return usage();
}
