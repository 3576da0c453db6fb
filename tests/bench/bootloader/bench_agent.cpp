// A real install through the bootloader agent (issue 14, "Benchmarks"):
// the agent in the real runner, as the host drives it (AgentProxy), against
// conduit-ecusim on loopback with "syncWrites": false, SIZE MiB of raw image
// at 0x10000 in one ECU. Each run is a fresh simulator and runner; it times
// transfer (host -> runner staging), prepare, install (erase, download,
// check memory), post-install and activate (reset, version read back), and
// the TransferData blocks alone (from the install's progress reports), and
// takes the CPU (utime + stime) of this process (the host side), of the
// runner and of the simulator across the whole sequence.
// Before each install the floor of bench_doip (tcpfloor.h) moves the same
// bytes, so the blocks' rate is also given as a ratio to it.
// Usage: bench_agent [SIZE_MIB=16] [RUNS=3]
// Prints a line per run and a "summary" line of key=value medians.
#include "ecusimlauncher.h"
#include "gatedsource.h"
#include "tcpfloor.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRandomGenerator>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

constexpr quint32 kAddress = 0x10000;

double ticksToSeconds(unsigned long long ticks) { return double(ticks) / double(sysconf(_SC_CLK_TCK)); }

// utime + stime of a live process, from /proc/<pid>/stat (fields 14 and 15).
double processCpu(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray stat = f.readAll();
    // The command name (field 2) may hold spaces: count fields after its ')'.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13) return -1;
    return ticksToSeconds(fields[11].toULongLong() + fields[12].toULongLong());
}

double selfCpu() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// conduit-ecusim with one single-bank ECU 0x1001 whose one region holds the image.
struct Simulator {
    QTemporaryDir dir;
    QProcess process;
    quint16 port = 0;

    QString start(qsizetype imageSize) {
        const QString config = dir.filePath(QStringLiteral("ecusim.json"));
        QFile f(config);
        if (!f.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write ") + config;
        f.write(QStringLiteral(R"({"syncWrites":false,"quiet":true,"entity":{"announceCount":0},"ecus":[
            {"name":"ecm","logicalAddress":4097,"banks":1,"initialVersion":"1.0.0","eraseMsPerKiB":0,"eraseMinMs":50,
             "regions":[{"address":%1,"size":%2}]}]})")
                    .arg(kAddress)
                    .arg(imageSize)
                    .toUtf8());
        f.close();
        EcusimPorts ports;
        const QString why = startEcusim(process,
                                        {QStringLiteral("--config"), config, QStringLiteral("--state-dir"),
                                         dir.filePath(QStringLiteral("flash")), QStringLiteral("--port"),
                                         QStringLiteral("0"), QStringLiteral("--udp-port"), QStringLiteral("0")},
                                        ports, 60000); // the first start writes the flash files whole
        port = ports.tcp;
        return why;
    }
    ~Simulator() {
        process.terminate();
        if (!process.waitForFinished(5000)) process.kill();
    }
};

struct Agent : RunnerFixture {
    QString startFailure;
    Agent(quint16 port, qsizetype imageSize, const QString &stateDir)
        : RunnerFixture(QStringLiteral(BOOTLOADER_AGENT_PATH)) {
        AgentManifest m;
        m.library = QStringLiteral(BOOTLOADER_AGENT_PATH);
        RunnerLimits limits;
        RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false, {}};
        const QString config = QStringLiteral(R"({"gateways":[{"id":"gw","port":%1}],
            "seed_key":{"library":"%2","variant":"conduit-example"},
            "profiles":{"sim":{"memory":[{"address":"0x%3","size":"0x%4"}],"reset":{"deadline_ms":8000}}},
            "ecus":[{"id":"ecm-1","hardware_id":"ecm","logical_address":"0x1001","profile":"sim"}]})")
                                   .arg(port)
                                   .arg(QStringLiteral(SEEDKEY_EXAMPLE_PATH))
                                   .arg(kAddress, 0, 16)
                                   .arg(imageSize, 0, 16);
        runner = std::make_unique<AgentProxy>(m, spec, limits, config, stateDir);
        startFailure = start();
    }
};

struct Figures {
    double seconds = 0, installSeconds = 0, blockRate = 0, floorRate = 0, benchCpu = 0, runnerCpu = 0, simCpu = 0;
};

// A call like RunnerFixture::call; during it, the MiB/s of the bytes its
// progress reports cover after the first (the TransferData blocks alone
// for an install: no erase, no checks).
CallResult timedCall(Agent &agent, Op op, const UpdateSpec &u, QIODevice *payload, double &progressRate) {
    auto *c = agent.runner->call(op, u, payload, {});
    QElapsedTimer clock;
    clock.start();
    qint64 firstNs = -1, lastNs = -1;
    quint64 firstDone = 0, lastDone = 0;
    QObject::connect(c, &AgentCall::progress, [&](const QString &, quint64 done, quint64) {
        if (done == 0) return;
        const qint64 now = clock.nsecsElapsed();
        if (firstNs < 0) firstNs = now, firstDone = done;
        lastNs = now, lastDone = done;
    });
    QSignalSpy done(c, &AgentCall::finished);
    done.wait(120000);
    progressRate = lastNs > firstNs ? double(lastDone - firstDone) / (1 << 20) / ((lastNs - firstNs) / 1e9) : 0;
    return done.isEmpty() ? RunnerFixture::noResult() : done.first().first().value<CallResult>();
}

// One install of `image` through a fresh simulator and runner; "" or the failure.
QString runOnce(const QByteArray &image, Figures &out) {
    Simulator sim;
    if (QString why = sim.start(image.size()); !why.isEmpty()) return why;
    QTemporaryDir state;
    Agent agent(sim.port, image.size(), state.path());
    if (!agent.startFailure.isEmpty()) return QStringLiteral("runner: ") + agent.startFailure;
    UpdateSpec u;
    u.deviceId = QStringLiteral("ecm-1");
    u.version = QStringLiteral("2.0.0");
    u.targetName = QStringLiteral("ecm-2.0.0.bin");
    u.length = quint64(image.size());
    u.sha256 = QString::fromLatin1(QCryptographicHash::hash(image, QCryptographicHash::Sha256).toHex());
    u.customJson = QStringLiteral(R"({"conduit":{"version":"2.0.0"},"bootloader":{"format":"raw","address":"0x%1"}})")
                       .arg(kAddress, 0, 16);
    QByteArray copy = image;
    QBuffer source(&copy);
    source.open(QIODevice::ReadOnly);

    // The floor right before the install, on the same machine state: the
    // image's size in 4095-byte requests answered by 2 bytes over plain TCP.
    {
        benchfloor::FloorPath floor(4095);
        benchfloor::Run r;
        floor.move(size_t(image.size()), r);
        out.floorRate = double(image.size()) / (1 << 20) / r.seconds;
    }
    const double bench0 = selfCpu(), runner0 = processCpu(agent.runner->pid()),
                 sim0 = processCpu(sim.process.processId());
    QElapsedTimer total;
    total.start();
    for (Op op : {Op::Transfer, Op::PrepareInstall, Op::Install, Op::PostInstall, Op::Activate}) {
        QElapsedTimer t;
        t.start();
        double progressRate = 0;
        const CallResult r = timedCall(agent, op, u, op == Op::Transfer ? &source : nullptr, progressRate);
        if (!r.ok()) return QStringLiteral("%1 failed: %2 %3").arg(int(op)).arg(r.code).arg(r.message);
        if (op == Op::Install) out.installSeconds = t.nsecsElapsed() / 1e9, out.blockRate = progressRate;
    }
    out.seconds = total.nsecsElapsed() / 1e9;
    out.benchCpu = selfCpu() - bench0;
    out.runnerCpu = processCpu(agent.runner->pid()) - runner0;
    out.simCpu = processCpu(sim.process.processId()) - sim0;
    for (const DeviceInfo &d : agent.call(Op::Inventory).devices)
        if (d.id == u.deviceId && d.currentVersion != u.version)
            return QStringLiteral("the ECU reports %1 after the install, not %2").arg(d.currentVersion, u.version);
    return {};
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    qRegisterMetaType<CallResult>();
    const int mib = argc > 1 ? std::atoi(argv[1]) : 16;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    if (mib < 1 || runs < 1) {
        std::fprintf(stderr, "usage: bench_agent [SIZE_MIB>=1] [RUNS>=1]\n");
        return 2;
    }
    // The image as a real one would be: its version marker first, then code.
    QByteArray image(qsizetype(mib) << 20, Qt::Uninitialized);
    QRandomGenerator gen(14);
    gen.fillRange(reinterpret_cast<quint32 *>(image.data()), image.size() / 4);
    const QByteArray marker("CNDT-SWV:2.0.0\0", 15);
    image.replace(0, marker.size(), marker);

    using benchfloor::median;
    std::vector<double> seconds, rate, installRate, blockRate, floorRate, blockRatio, installRatio, bench, runner, sim;
    for (int i = 0; i < runs; ++i) {
        Figures f;
        if (const QString why = runOnce(image, f); !why.isEmpty()) {
            std::fprintf(stderr, "bench_agent: run %d: %s\n", i + 1, qPrintable(why));
            return 1;
        }
        seconds.push_back(f.seconds);
        rate.push_back(mib / f.seconds);
        installRate.push_back(mib / f.installSeconds);
        blockRate.push_back(f.blockRate);
        floorRate.push_back(f.floorRate);
        blockRatio.push_back(f.blockRate / f.floorRate);
        installRatio.push_back(installRate.back() / f.floorRate);
        bench.push_back(f.benchCpu * 1000 / mib);
        runner.push_back(f.runnerCpu * 1000 / mib);
        sim.push_back(f.simCpu * 1000 / mib);
        std::printf("run %d: %.2f s (install step %.2f s), %.1f MiB/s; blocks alone %.1f MiB/s = %.2f of the floor "
                    "(%.1f MiB/s); CPU ms/MiB: host side %.1f, runner %.1f, simulator %.1f\n",
                    i + 1, f.seconds, f.installSeconds, rate.back(), f.blockRate, blockRatio.back(), f.floorRate,
                    bench.back(), runner.back(), sim.back());
    }
    auto range = [](const char *what, const std::vector<double> &v, const char *unit) {
        std::printf("  %s: %.2f%s%s (%.2f-%.2f)\n", what, median(v), *unit ? " " : "", unit,
                    *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
    };
    std::printf("%d MiB raw image, %d runs, medians (range):\n", mib, runs);
    range("whole sequence", seconds, "s");
    range("throughput, whole sequence", rate, "MiB/s");
    range("throughput, install step", installRate, "MiB/s");
    range("throughput, TransferData blocks alone", blockRate, "MiB/s");
    range("floor (TCP ping-pong) before each install", floorRate, "MiB/s");
    range("blocks alone / floor", blockRatio, "");
    range("install step / floor", installRatio, "");
    range("CPU host side (this process)", bench, "ms/MiB");
    range("CPU runner (agent)", runner, "ms/MiB");
    range("CPU conduit-ecusim", sim, "ms/MiB");
    std::printf("summary mib=%d runs=%d seconds=%.2f mib_per_s=%.1f install_mib_per_s=%.1f block_mib_per_s=%.1f "
                "floor_mib_per_s=%.1f block_ratio=%.2f install_ratio=%.2f host_cpu_ms_per_mib=%.1f "
                "runner_cpu_ms_per_mib=%.1f sim_cpu_ms_per_mib=%.1f\n",
                mib, runs, median(seconds), median(rate), median(installRate), median(blockRate), median(floorRate),
                median(blockRatio), median(installRatio), median(bench), median(runner), median(sim));
    return 0;
}
