// conduit-ecusim: simulated ECUs behind a DoIP entity (docs/ecu-simulator.md).
#include "doipentity.h"
#include "isotpfront.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

using namespace conduit::ecusim;

namespace {

const char kUsage[] =
    "usage: conduit-ecusim [--config FILE] [options]\n"
    "  --config FILE         JSON configuration (docs/ecu-simulator.md); without it one single-bank ECU 0x1001\n"
    "  --state-dir DIR       where the flash is kept (default ./ecusim-state)\n"
    "  --bind ADDR           IPv4 address to bind (default 127.0.0.1)\n"
    "  --port N              TCP port (13400; 0 picks one)\n"
    "  --udp-port N          UDP port (13400; 0 picks one)\n"
    "  --tls-port N --cert PEM --key PEM   DoIP over TLS as well (3496; 0 picks one)\n"
    "  --announce-to ADDR[:PORT]  where the 3 vehicle announcements go\n"
    "  --fault [ECU:]SPEC    inject a fault into one ECU (name or logical address) or all:\n"
    "                        nrc=SID[/SUB]/OCCURRENCE/NRC  drop-after=N  slow=MS\n"
    "                        wrong-counter=N  power-loss=N  reject-key\n"
    "  --isotp ECU:IFACE:RXID:TXID[:FUNCID]  the ECU on CAN with ISO-TP instead of behind the DoIP entity\n"
    "                        (ids in hex; the ECU receives on RXID, the tester's tx id, e.g. vcan0:7e0:7e8)\n"
    "  --no-sync             no fdatasync per flash write (benchmarks; a killed process still keeps them)\n"
    "  --quiet               no log on stderr\n"
    "The first line on stdout is \"listening tcp=<port> udp=<port>[ tls=<port>][ isotp=<ecu>@<if>,...]\"\n"
    "(\"listening isotp=...\" alone when every ECU is on ISO-TP).\n";

bool readFile(const std::string &path, std::string &out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
    return true;
}

bool port(const std::string &text, uint16_t &out) {
    try {
        size_t used = 0;
        const unsigned long v = std::stoul(text, &used, 10);
        if (used != text.size() || v > 65535) return false;
        out = uint16_t(v);
        return true;
    } catch (...) {
        return false;
    }
}

int fail(const std::string &message) {
    std::cerr << "conduit-ecusim: " << message << "\n";
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    Config config;
    std::map<std::string, IsoTpEndpoint> isotp; // by ECU name
    std::string error;
    // The configuration first, then the options over it.
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] != "--config") continue;
        std::string text;
        if (!readFile(args[i + 1], text)) return fail("cannot read " + args[i + 1]);
        if (!parseConfig(text, config, error) || !parseIsoTpConfig(text, config, isotp, error))
            return fail(args[i + 1] + ": " + error);
    }
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        }
        if (a == "--quiet") {
            config.quiet = true;
            continue;
        }
        if (a == "--no-sync") {
            config.syncWrites = false;
            continue;
        }
        if (i + 1 >= args.size()) return fail(a + ": unknown option or missing value\n" + kUsage);
        const std::string v = args[++i];
        if (a == "--config")
            continue;
        else if (a == "--state-dir")
            config.stateDir = v;
        else if (a == "--bind")
            config.bind = v;
        else if (a == "--cert")
            config.certificate = v;
        else if (a == "--key")
            config.privateKey = v;
        else if (a == "--port" || a == "--udp-port" || a == "--tls-port") {
            uint16_t p = 0;
            if (!port(v, p)) return fail(a + ": \"" + v + "\" is not a port");
            if (a == "--port")
                config.tcpPort = p;
            else if (a == "--udp-port")
                config.udpPort = p;
            else
                config.tlsPort = p;
        } else if (a == "--announce-to") {
            const size_t colon = v.find(':');
            config.announceAddress = v.substr(0, colon);
            if (colon != std::string::npos && !port(v.substr(colon + 1), config.announcePort))
                return fail("--announce-to: \"" + v + "\" is not ADDR[:PORT]");
        } else if (a == "--fault") {
            const size_t colon = v.find(':');
            const std::string who = colon == std::string::npos ? std::string() : v.substr(0, colon);
            const std::string spec = colon == std::string::npos ? v : v.substr(colon + 1);
            bool matched = false;
            for (EcuConfig &e : config.ecus) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%04x", e.logicalAddress);
                if (!who.empty() && who != e.name && who != hex) continue;
                if (!parseFault(spec, e.faults, error)) return fail(error);
                matched = true;
            }
            if (!matched) return fail("--fault: no ECU \"" + who + "\"");
        } else if (a == "--isotp") {
            if (!parseIsoTpOption(v, config, isotp, error)) return fail(error);
        } else {
            return fail(a + ": unknown option\n" + kUsage);
        }
    }
    if (!validateConfig(config, error)) return fail(error);
    LogSink sink; // none with --quiet: no line is even built
    if (!config.quiet) sink = [](const std::string &line) { std::fprintf(stderr, "ecusim: %s\n", line.c_str()); };
    // ECUs on ISO-TP are served by the ISO-TP front, the others by the DoIP entity.
    IsoTpFront front(config, sink);
    std::vector<EcuConfig> all = std::move(config.ecus);
    for (const EcuConfig &e : all) {
        const auto it = isotp.find(e.name);
        if (it == isotp.end())
            config.ecus.push_back(e);
        else if (!front.add(e, it->second, error))
            return fail(error);
    }
    if (config.ecus.empty()) { // ISO-TP only
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        sigprocmask(SIG_BLOCK, &signals, nullptr);
        const int stop = signalfd(-1, &signals, SFD_CLOEXEC);
        std::printf("listening isotp=%s\n", front.describe().c_str());
        std::fflush(stdout);
        return front.run(stop);
    }
    DoipEntity entity(config, sink);
    if (!entity.start(error)) return fail(error);
    std::printf("listening tcp=%u udp=%u", entity.tcpPort(), entity.udpPort());
    if (entity.tlsPort()) std::printf(" tls=%u", *entity.tlsPort());
    if (!front.empty()) std::printf(" isotp=%s", front.describe().c_str());
    std::printf("\n");
    std::fflush(stdout);
    if (front.empty()) return entity.run();
    // The front's thread starts after entity.start() blocked SIGTERM/SIGINT: the entity's signalfd hears them.
    const int stop = eventfd(0, EFD_CLOEXEC);
    int frontExit = 0;
    std::thread thread([&] { frontExit = front.run(stop); });
    const int entityExit = entity.run();
    const uint64_t one = 1;
    if (::write(stop, &one, sizeof one) != sizeof one) return fail("cannot stop the ISO-TP front");
    thread.join();
    return entityExit ? entityExit : frontExit;
}
