// The DDI data path, end to end through the host: an artifact downloaded
// from the dev server over loopback (transfer::Download into staging),
// read while it arrives (StagedReader), verified while it streams
// (VerifiedStream + ImageVerifier) and staged by an agent in its runner
// (AgentProxy Transfer): the sink agent, or the flash agent into a file
// slot (with its fdatasync and read-back).
//   bench_upstream URL SHA256 LENGTH sink|flash|download [SLOT_DIR]
// BANDWIDTH_LIMIT=bytes/s sets the download's limit.
// Prints seconds and peak RSS of this process (the host side) and of the runner.
#include "agents/agentproxy.h"
#include "transfer/download.h"
#include "transfer/stagedreader.h"
#include "upstream/verifiedstream.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QTemporaryDir>

#include <cstdio>
#include <sys/resource.h>

using namespace conduit;

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 5) {
        std::fprintf(stderr, "usage: bench_upstream URL SHA256 LENGTH sink|flash|download [SLOT_DIR]\n");
        return 2;
    }
    const QUrl url(a[1]);
    const QString sha = a[2];
    const qint64 length = a[3].toLongLong();
    const bool flash = a[4] == QLatin1String("flash");
    QTemporaryDir state;
    const QString slotDir = a.size() > 5 ? a[5] : state.path();
    agents::AgentManifest m;
    m.library = QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/") +
                (flash ? QStringLiteral("flash.so") : QStringLiteral("example-sink.so"));
    agents::RunnerLimits limits;
    QString config = QStringLiteral("{}");
    if (flash) {
        QFile::remove(slotDir + QStringLiteral("/b.img"));
        QFile af(slotDir + QStringLiteral("/a.img"));
        af.open(QIODevice::WriteOnly);
        af.write(QByteArray(1 << 20, 'a'));
        af.close();
        config =
            QStringLiteral(
                R"({"devices":[{"id":"hu-1","hardware_id":"hu","slots":{"A":{"path":"%1/a.img","version":"1"},"B":{"path":"%1/b.img"}},"boot":{"backend":"file","path":"%1/bootenv"}}]})")
                .arg(slotDir);
    }
    agents::RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false, {}};
    agents::AgentProxy runner(m, spec, limits, config, state.path());
    QNetworkAccessManager network;
    QDir(state.path()).mkpath(QStringLiteral("staging"));
    transfer::DownloadOptions options;
    options.bandwidthLimit = qEnvironmentVariable("BANDWIDTH_LIMIT").toLongLong(); // bytes/s, for the limit's figure
    transfer::Download download(url, state.filePath(QStringLiteral("staging/artifact")), length, sha, options);
    QElapsedTimer t;
    int rc = 1;
    QObject::connect(&runner, &agents::AgentProxy::failed, [](const QString &r) {
        std::fprintf(stderr, "runner failed: %s\n", qPrintable(r));
        QCoreApplication::exit(1);
    });
    std::unique_ptr<upstream::VerifiedStream> stream;
    if (a[4] == QLatin1String("download")) { // the download alone, into staging: no agent, no stream
        QObject::connect(&download, &transfer::Download::finished, [&](bool ok, const QString &error) {
            rusage ru{};
            getrusage(RUSAGE_SELF, &ru);
            if (!ok) std::fprintf(stderr, "download failed: %s\n", qPrintable(error));
            std::printf("agent=none bytes=%lld seconds=%.3f host_peak_rss_kib=%ld\n", static_cast<long long>(length),
                        t.nsecsElapsed() / 1e9, ru.ru_maxrss);
            QCoreApplication::exit(ok ? 0 : 1);
        });
        t.start();
        download.start();
        return QCoreApplication::exec();
    }
    QObject::connect(&runner, &agents::AgentProxy::ready, [&] {
        agents::UpdateSpec u;
        u.deviceId = flash ? QStringLiteral("hu-1") : QStringLiteral("sink-1");
        u.version = QStringLiteral("2");
        u.length = quint64(length);
        u.sha256 = sha;
        t.start();
        download.start();
        stream = std::make_unique<upstream::VerifiedStream>(
            std::make_unique<transfer::StagedReader>(&download),
            trust::ImageVerifier(QStringLiteral("artifact"), length, {{QStringLiteral("sha256"), sha}}));
        auto *c = runner.call(ipc::Op::Transfer, u, stream.get());
        QObject::connect(c, &agents::AgentCall::finished, [&](const agents::CallResult &r) {
            const double s = t.nsecsElapsed() / 1e9;
            if (!r.ok()) {
                std::fprintf(stderr, "transfer failed: %s\n", qPrintable(r.message));
                QCoreApplication::exit(1);
                return;
            }
            rusage ru{};
            getrusage(RUSAGE_SELF, &ru);
            std::printf("agent=%s bytes=%lld seconds=%.3f host_peak_rss_kib=%ld runner_peak_rss_kib=%llu\n",
                        flash ? "flash" : "sink", static_cast<long long>(length), s, ru.ru_maxrss,
                        static_cast<unsigned long long>(runner.peakRss() >> 10));
            rc = 0;
            QCoreApplication::exit(0);
        });
    });
    runner.start();
    QCoreApplication::exec();
    return rc;
}
