// Agent subsystem benchmarks (run by tests/bench/agents/run.sh):
//   bench_agents throughput FILE   stream FILE host -> runner -> sink agent
//   bench_agents start N [sandbox] N x (spawn runner + negotiate + inventory),
//                                  with "sandbox" in its compartment (root only)
// Prints one "key=value" line per figure.
#include "agents/agentproxy.h"
#include "agents/agentsandbox.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <sys/resource.h>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

std::unique_ptr<AgentProxy> makeRunner(const QString &lib, const QString &state, bool sandbox = false) {
    AgentManifest m;
    m.library = QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/") + lib;
    RunnerLimits limits;
    RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false, {}};
    if (sandbox) {
        SandboxConfig on;
        on.mode = SandboxConfig::Mode::On;
        on.required = true;
        spec.sandboxArgs = sandboxArguments(on, m.needs, QStringLiteral("io.conduit.example.ecu"), on.uidBase, state);
    }
    return std::make_unique<AgentProxy>(m, spec, limits, QStringLiteral("{}"), state);
}

int throughput(const QString &path) {
    QTemporaryDir state;
    auto runner = makeRunner(QStringLiteral("example-sink.so"), state.path());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        std::fprintf(stderr, "cannot open %s\n", qPrintable(path));
        return 1;
    }
    int rc = 1;
    QElapsedTimer t;
    QObject::connect(runner.get(), &AgentProxy::failed, [](const QString &r) {
        std::fprintf(stderr, "runner failed: %s\n", qPrintable(r));
        QCoreApplication::exit(1);
    });
    QObject::connect(runner.get(), &AgentProxy::ready, [&] {
        UpdateSpec u;
        u.deviceId = QStringLiteral("sink-1");
        u.version = QStringLiteral("2");
        u.length = quint64(file.size());
        t.start();
        auto *c = runner->call(Op::Transfer, u, &file);
        QObject::connect(c, &AgentCall::finished, [&](const CallResult &r) {
            const double s = t.nsecsElapsed() / 1e9;
            if (!r.ok()) {
                std::fprintf(stderr, "transfer failed: %s\n", qPrintable(r.message));
                QCoreApplication::exit(1);
                return;
            }
            std::printf("bytes=%llu seconds=%.3f mib_per_s=%.0f runner_peak_rss_kib=%llu\n",
                        static_cast<unsigned long long>(r.payloadBytes), s, r.payloadBytes / s / (1 << 20),
                        static_cast<unsigned long long>(runner->peakRss() >> 10));
            rc = 0;
            QCoreApplication::exit(0);
        });
    });
    runner->start();
    QCoreApplication::exec();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("host_peak_rss_kib=%ld\n", ru.ru_maxrss);
    return rc;
}

int startLatency(int n, bool sandbox) {
    std::vector<double> ms;
    QTemporaryDir state;
    for (int i = 0; i < n; ++i) {
        auto runner = makeRunner(QStringLiteral("example-ecu.so"), state.path(), sandbox);
        QElapsedTimer t;
        bool ok = false;
        QObject::connect(runner.get(), &AgentProxy::failed, [] { QCoreApplication::exit(1); });
        QObject::connect(runner.get(), &AgentProxy::ready, [&] {
            auto *c = runner->call(Op::Inventory);
            QObject::connect(c, &AgentCall::finished, [&](const CallResult &r) {
                ms.push_back(t.nsecsElapsed() / 1e6);
                ok = r.ok() && !r.devices.isEmpty();
                QCoreApplication::exit(0);
            });
        });
        t.start();
        runner->start();
        QCoreApplication::exec();
        if (!ok) {
            std::fprintf(stderr, "iteration %d failed\n", i);
            return 1;
        }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("runs=%d median_ms=%.2f p90_ms=%.2f max_ms=%.2f\n", n, ms[ms.size() / 2], ms[ms.size() * 9 / 10],
                ms.back());
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 3 && args[1] == QLatin1String("throughput")) return throughput(args[2]);
    if ((args.size() == 3 || args.size() == 4) && args[1] == QLatin1String("start"))
        return startLatency(args[2].toInt(), args.size() == 4 && args[3] == QLatin1String("sandbox"));
    std::fprintf(stderr, "usage: bench_agents throughput FILE | start N [sandbox]\n");
    return 2;
}
