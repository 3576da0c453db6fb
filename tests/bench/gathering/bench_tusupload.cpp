// Bulk upload throughput (docs/benchmarks.md, "Data gathering: bulk uploads
// over tus"): Conduit's TusUpload against the `curl` command doing the same
// tus requests (POST, then PATCHes of the same chunk size on one kept-alive
// connection) to the same @tus/server on loopback, file to file, in turns.
//
//   bench_tusupload [MIB] [RUNS] [CHUNK_MIB]   (defaults 128, 5, 8)
//
// Each run uploads the object once each way (the order alternates) and
// prints both rates and their ratio; the end prints the median and range.
// Both uploads must be verified by the server's SHA-256 check to count.
#include "../../integration/lib/tusserverprocess.h"
#include "transfer/tusupload.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <sys/resource.h>
#include <unistd.h>

using namespace conduit::transfer;
using conduit::test::TusServerProcess;

namespace {

double seconds(const timeval &u, const timeval &s) {
    return double(u.tv_sec + s.tv_sec) + double(u.tv_usec + s.tv_usec) / 1e6;
}

// CPU seconds so far of this process, of its waited-for children (curl),
// and of another process (the server, from /proc).
double selfCpu() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return seconds(r.ru_utime, r.ru_stime);
}
double childrenCpu() {
    rusage r{};
    getrusage(RUSAGE_CHILDREN, &r);
    return seconds(r.ru_utime, r.ru_stime);
}
double processCpu(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return double(fields.value(11).toLongLong() + fields.value(12).toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

double median(QList<double> v) {
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Seconds for Conduit's upload of `path`; < 0 when it failed.
double conduitUpload(const QUrl &endpoint, const QString &path, qint64 size, const QByteArray &sha, qint64 chunk) {
    QObject owner;
    QEventLoop loop;
    TusOptions options;
    options.endpoint = endpoint;
    options.chunkSize = chunk;
    TusObject object;
    object.size = size;
    object.path = path;
    object.metadata = {{"filename", "bench.bin"}, {"sha256", sha.toHex()}};
    bool ok = false;
    QElapsedTimer t;
    t.start();
    auto upload = TusUpload::start(&owner, options, {}, object, {{}, [&](const TusOutcome &o) {
                                                                     ok = o.complete;
                                                                     if (!ok)
                                                                         std::fprintf(stderr, "conduit: %s\n",
                                                                                      qPrintable(o.failure.message));
                                                                     loop.quit();
                                                                 }});
    loop.exec();
    const double s = double(t.nsecsElapsed()) / 1e9;
    upload->join();
    return ok ? s : -1;
}

// Seconds for curl: one POST, then every PATCH in one curl process (one
// connection, --next), each chunk streamed from its own file (-T).
double curlUpload(const QUrl &endpoint, const QStringList &chunks, qint64 size, qint64 chunk, const QByteArray &sha) {
    QElapsedTimer t;
    t.start();
    QProcess post;
    post.start(
        QStringLiteral("curl"),
        {QStringLiteral("-sS"), QStringLiteral("-i"), QStringLiteral("-X"), QStringLiteral("POST"),
         QStringLiteral("-H"), QStringLiteral("Tus-Resumable: 1.0.0"), QStringLiteral("-H"),
         QStringLiteral("Upload-Length: %1").arg(size), QStringLiteral("-H"),
         QStringLiteral("Upload-Metadata: filename %1,sha256 %2")
             .arg(QString::fromLatin1(QByteArray("bench.bin").toBase64()), QString::fromLatin1(sha.toHex().toBase64())),
         endpoint.toString()});
    if (!post.waitForFinished(30000)) return -1;
    QByteArray location;
    for (const QByteArray &line : post.readAllStandardOutput().split('\n'))
        if (line.toLower().startsWith("location:")) location = line.mid(9).trimmed();
    if (location.isEmpty()) return -1;
    QStringList args;
    for (int i = 0; i < chunks.size(); ++i) {
        if (i) args << QStringLiteral("--next");
        args << QStringLiteral("-sS") << QStringLiteral("-f") << QStringLiteral("-o") << QStringLiteral("/dev/null")
             << QStringLiteral("-X") << QStringLiteral("PATCH") << QStringLiteral("-H")
             << QStringLiteral("Tus-Resumable: 1.0.0") << QStringLiteral("-H")
             << QStringLiteral("Upload-Offset: %1").arg(qint64(i) * chunk) << QStringLiteral("-H")
             << QStringLiteral("Content-Type: application/offset+octet-stream") << QStringLiteral("-H")
             << QStringLiteral("Expect:") << QStringLiteral("-T") << chunks[i] << QString::fromLatin1(location);
    }
    QProcess patch;
    patch.start(QStringLiteral("curl"), args);
    if (!patch.waitForFinished(600000) || patch.exitCode() != 0) {
        std::fprintf(stderr, "curl: %s\n", patch.readAllStandardError().constData());
        return -1;
    }
    return double(t.nsecsElapsed()) / 1e9;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    const qint64 mib = a.size() > 1 ? a[1].toLongLong() : 128;
    const int runs = a.size() > 2 ? a[2].toInt() : 5;
    const qint64 chunk = (a.size() > 3 ? a[3].toLongLong() : 8) << 20;
    const qint64 size = mib << 20;
    QTemporaryDir dir;
    // The object, and the same bytes split in chunks for curl.
    const QString path = dir.filePath(QStringLiteral("object.bin"));
    QFile object(path);
    if (!object.open(QIODevice::WriteOnly)) return 1;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QStringList chunks;
    QByteArray firstSha; // of the first chunk: the warm-up object
    QRandomGenerator g(2026);
    for (qint64 at = 0; at < size; at += chunk) {
        QByteArray block(std::min(chunk, size - at), Qt::Uninitialized);
        g.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
        object.write(block);
        hash.addData(block);
        if (firstSha.isEmpty()) firstSha = QCryptographicHash::hash(block, QCryptographicHash::Sha256);
        chunks << dir.filePath(QStringLiteral("chunk%1").arg(chunks.size()));
        QFile c(chunks.last());
        if (!c.open(QIODevice::WriteOnly) || c.write(block) != block.size()) return 1;
    }
    object.close();
    const QByteArray sha = hash.result();

    std::printf("object %lld MiB, chunk %lld MiB, %d runs\n", mib, chunk >> 20, runs);
    std::printf("| run | first | conduit MB/s | curl MB/s | ratio | conduit CPU s | curl CPU s | server CPU s "
                "(conduit, curl) |\n"
                "|---|---|---|---|---|---|---|---|\n");
    QList<double> ratios, conduitRates, curlRates;
    for (int r = 0; r < runs; ++r) {
        TusServerProcess server;
        QString why;
        if (!server.start(dir.filePath(QStringLiteral("server%1").arg(r)), {}, &why)) {
            std::fprintf(stderr, "%s\n", qPrintable(why));
            return 1;
        }
        // The server's first upload is slower (Node compiles its code paths):
        // a warm-up by each client, not measured, so that order does not matter.
        if (curlUpload(server.endpoint(), chunks.mid(0, 1), std::min(chunk, size), chunk, firstSha) <= 0 ||
            conduitUpload(server.endpoint(), chunks[0], std::min(chunk, size), firstSha, chunk) <= 0) {
            std::fprintf(stderr, "warm-up failed\n%s\n", server.log().constData());
            return 1;
        }
        double c = 0, k = 0, cCpu = 0, kCpu = 0, cServer = 0, kServer = 0;
        for (int turn = 0; turn < 2; ++turn) {
            const double server0 = processCpu(server.pid());
            if ((turn == 0) == (r % 2 == 0)) {
                const double cpu0 = selfCpu();
                c = conduitUpload(server.endpoint(), path, size, sha, chunk);
                cCpu = selfCpu() - cpu0;
                cServer = processCpu(server.pid()) - server0;
            } else {
                const double cpu0 = childrenCpu();
                k = curlUpload(server.endpoint(), chunks, size, chunk, sha);
                kCpu = childrenCpu() - cpu0;
                kServer = processCpu(server.pid()) - server0;
            }
        }
        if (c <= 0 || k <= 0 || server.verified().size() != 4) { // two warm-ups, two measured
            std::fprintf(stderr, "run %d failed (verified: %lld)\n%s\n", r, qlonglong(server.verified().size()),
                         server.log().constData());
            return 1;
        }
        const double cr = double(size) / c / 1e6, kr = double(size) / k / 1e6;
        conduitRates << cr;
        curlRates << kr;
        ratios << cr / kr;
        std::printf("| %d | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f, %.2f |\n", r + 1, r % 2 ? "curl" : "conduit",
                    cr, kr, cr / kr, cCpu, kCpu, cServer, kServer);
        std::fflush(stdout);
        server.stop();
        QDir(dir.filePath(QStringLiteral("server%1").arg(r))).removeRecursively();
    }
    const auto [rmin, rmax] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("median: conduit %.0f MB/s, curl %.0f MB/s, ratio %.2f (range %.2f-%.2f)\n", median(conduitRates),
                median(curlRates), median(ratios), *rmin, *rmax);
    return 0;
}
