// Flash agent install benchmark (run by tests/bench/flash/run.sh):
//   bench_flash install PAYLOAD SHA256 WORKDIR [CUSTOM_JSON_FILE]
// streams IMAGE from a host-side QFile through the real runner into slot B
// of a file-backed device in WORKDIR (slot A: WORKDIR/a.img, the base of a
// delta when CUSTOM_JSON_FILE holds conduit-delta's metadata) and prints key=value figures: total
// transfer time (write + read-back verify), the part spent writing, and the
// runner's peak RSS (VmHWM) and the host's.
#include "agents/agentproxy.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <cstdio>
#include <sys/resource.h>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

quint64 vmHwmKiB(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').first().toULongLong();
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    if ((argc != 5 && argc != 6) || qstrcmp(argv[1], "install") != 0) {
        std::fprintf(stderr, "usage: bench_flash install PAYLOAD SHA256 WORKDIR [CUSTOM_JSON_FILE]\n");
        return 2;
    }
    const QString image = QString::fromLocal8Bit(argv[2]), dir = QString::fromLocal8Bit(argv[4]);
    const QString config =
        QStringLiteral("{\"devices\":[{\"id\":\"dev\",\"hardware_id\":\"bench\",\"slots\":{"
                       "\"A\":{\"path\":\"%1/a.img\",\"version\":\"1\"},\"B\":{\"path\":\"%1/b.img\"}},"
                       "\"boot\":{\"backend\":\"file\",\"path\":\"%1/bootenv\"},\"verify\":\"%2\"}]}")
            .arg(dir, qEnvironmentVariable("FLASH_VERIFY", QStringLiteral("after")));
    AgentManifest m;
    m.library = QStringLiteral(FLASH_AGENT_PATH);
    RunnerLimits limits;
    limits.memoryLimit = 1ull << 30; // measure, do not enforce
    RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false, {}};
    AgentProxy runner(m, spec, limits, config, dir);

    QFile file(image);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        std::fprintf(stderr, "cannot open %s\n", argv[2]);
        return 1;
    }
    int rc = 1;
    QElapsedTimer t;
    qint64 writeMs = -1;
    QObject::connect(&runner, &AgentProxy::failed, [](const QString &r) {
        std::fprintf(stderr, "runner failed: %s\n", qPrintable(r));
        QCoreApplication::exit(1);
    });
    QObject::connect(&runner, &AgentProxy::ready, [&] {
        UpdateSpec u;
        u.deviceId = QStringLiteral("dev");
        u.version = QStringLiteral("2");
        u.length = quint64(file.size());
        u.sha256 = QString::fromLatin1(argv[3]);
        if (argc == 6) { // a delta: the custom metadata conduit-delta printed
            QFile custom(QString::fromLocal8Bit(argv[5]));
            if (custom.open(QIODevice::ReadOnly)) u.customJson = QString::fromUtf8(custom.readAll().trimmed());
        }
        t.start();
        auto *c = runner.call(Op::Transfer, u, &file);
        QObject::connect(c, &AgentCall::status, [&](const QString &, const QString &msg) {
            if (msg.startsWith(QLatin1String("verifying"))) writeMs = t.elapsed();
        });
        QObject::connect(c, &AgentCall::finished, [&](const CallResult &r) {
            const qint64 ms = t.elapsed();
            if (!r.ok()) {
                std::fprintf(stderr, "transfer failed: %s\n", qPrintable(r.message));
                QCoreApplication::exit(1);
                return;
            }
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            std::printf("bytes=%llu\ntransfer_ms=%lld\nwrite_ms=%lld\nverify_ms=%lld\nrunner_peak_rss_kib=%llu\n"
                        "host_peak_rss_kib=%ld\n",
                        static_cast<unsigned long long>(r.payloadBytes), static_cast<long long>(ms),
                        static_cast<long long>(writeMs), static_cast<long long>(ms - writeMs),
                        static_cast<unsigned long long>(vmHwmKiB(runner.pid())), ru.ru_maxrss);
            rc = 0;
            QCoreApplication::exit(0);
        });
    });
    runner.start();
    app.exec();
    runner.stop();
    return rc;
}
