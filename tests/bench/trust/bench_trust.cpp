// Trust benchmarks (docs/benchmarks.md, "Trust"):
//   vehicle  - Uptane full verification of a 50-ECU vehicle (Director + Image,
//              4 top-level roles each, one delegation in the Image repository),
//              from memory and from a bundle file; median / p90 / max and peak RSS.
//   hash     - SHA-256 of a file through ImageVerifier against
//              `openssl dgst -sha256` on the same file, interleaved runs.
// Usage: bench_trust vehicle [RUNS]
//        bench_trust hash FILE [RUNS]
#include "trust/bundle.h"
#include "trust/imageverifier.h"
#include "trust/repositorybuilder.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimeZone>

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

qint64 peakRssKiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

void printStats(const char *what, std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size())))]; };
    std::printf("%s: runs %zu, median %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms\n", what, ms.size(), at(0.5),
                at(0.9), ms.front(), ms.back());
}

JsonValue obj(JsonValue::Object o) { return JsonValue(std::move(o)); }

int benchVehicle(int runs) {
    constexpr int kEcus = 50;
    RepositoryBuilder director(QStringLiteral("bench-director"), kNow);
    RepositoryBuilder image(QStringLiteral("bench-image"), kNow);
    BuilderDelegation delegation;
    delegation.name = QStringLiteral("powertrain");
    delegation.role.keys = {RepositoryBuilder::seededKey(QStringLiteral("bench-image/powertrain"))};
    delegation.role.expires = kNow.addDays(30);
    delegation.paths = {QStringLiteral("powertrain/*")};

    Vehicle vehicle{QStringLiteral("BENCHVIN0000000001"), {}};
    std::map<QString, QByteArray> images;
    for (int i = 0; i < kEcus; ++i) {
        const QString serial = QStringLiteral("ECU-%1").arg(i, 3, 10, QLatin1Char('0'));
        const QString hw = QStringLiteral("hw-%1").arg(i % 7);
        // Half the images are delegated, half are in top-level targets.
        const QString name = (i % 2 ? QStringLiteral("powertrain/") : QStringLiteral("body/")) + serial.toLower() +
                             QStringLiteral(".bin");
        const QByteArray content = QByteArray(64 + i, char('a' + i % 26));
        images[name] = content;
        vehicle.ecus.push_back(Ecu{serial, hw});
        const JsonValue imageCustom = obj({{"hardware_ids", JsonValue::array({hw})},
                                           {"release_counter", JsonValue(i + 1)},
                                           {"conduit", obj({{"phase", JsonValue(i % 3)}})}});
        if (i % 2)
            delegation.targets[name] = targetEntry(content, imageCustom);
        else
            image.addTarget(name, content, imageCustom);
        director.addTarget(
            name, content,
            obj({{"ecu_identifiers", obj({{serial.toStdString(), obj({{"hardware_id", JsonValue(hw)}})}})},
                 {"release_counter", JsonValue(i + 1)}}));
    }
    image.delegations.push_back(delegation);
    MemorySource directorSource, imageSource;
    director.publish(directorSource);
    image.publish(imageSource);
    auto trusted = provisionTrustedState(director.initialRoot(), image.initialRoot());
    if (!trusted) {
        std::fprintf(stderr, "provision: %s\n", qPrintable(trusted.error().message));
        return 1;
    }

    // A bundle of the same release (metadata + the 50 images).
    QTemporaryDir dir;
    BundleWriter writer;
    for (const QString &name : directorSource.names())
        (void)writer.addMetadata(QStringLiteral("director"), name, *directorSource.file(name));
    for (const QString &name : imageSource.names())
        (void)writer.addMetadata(QStringLiteral("image"), name, *imageSource.file(name));
    for (const auto &[name, bytes] : images) (void)writer.addTargetBytes(name, bytes);
    const QString bundlePath = dir.filePath(QStringLiteral("vehicle.bundle"));
    if (auto written = writer.write(bundlePath, kNow); !written) {
        std::fprintf(stderr, "bundle: %s\n", qPrintable(written.error().message));
        return 1;
    }

    const qint64 rssBefore = peakRssKiB();
    std::vector<double> memoryMs, bundleMs;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer timer;
        timer.start();
        auto update = verifyUptane(*trusted, directorSource, imageSource, vehicle, kNow);
        memoryMs.push_back(double(timer.nsecsElapsed()) / 1e6);
        if (!update || update->targets.size() != size_t(kEcus)) {
            std::fprintf(stderr, "verification failed: %s\n",
                         update ? "wrong target count" : qPrintable(update.error().message));
            return 1;
        }

        timer.start();
        auto bundle = BundleReader::open(bundlePath);
        if (!bundle) return 1;
        auto d = bundle->metadataSource(QStringLiteral("director"));
        auto i = bundle->metadataSource(QStringLiteral("image"));
        auto fromBundle = verifyUptane(*trusted, *d, *i, vehicle, kNow);
        if (!fromBundle) return 1;
        for (const VerifiedTarget &target : fromBundle->targets) {
            if (!verifyBundledTarget(*bundle, target)) return 1;
        }
        bundleMs.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    const auto totalBytes = [](const MemorySource &source) {
        qint64 total = 0;
        for (const QString &name : source.names()) total += source.file(name)->size();
        return total;
    };
    std::printf("vehicle: %d ECUs, metadata: director %lld bytes, image %lld bytes (one delegated role)\n", kEcus,
                totalBytes(directorSource), totalBytes(imageSource));
    printStats("verifyUptane (metadata in memory)", memoryMs);
    printStats("bundle open + verifyUptane + 50 images hashed", bundleMs);
    std::printf("peak RSS: %lld KiB before the runs, %lld KiB after\n", rssBefore, peakRssKiB());
    return 0;
}

double imageVerifierSeconds(const QString &path, const QString &sha256, qint64 length) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return -1;
    ImageVerifier verifier(QStringLiteral("bench"), length, {{QStringLiteral("sha256"), sha256}});
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    QElapsedTimer timer;
    timer.start();
    for (qint64 n; (n = file.read(chunk.data(), chunk.size())) > 0;) {
        if (!verifier.addData(QByteArrayView(chunk.constData(), n))) return -1;
    }
    if (!verifier.finish()) return -1;
    return double(timer.nsecsElapsed()) / 1e9;
}

// The same reads hashed in-process with OpenSSL 3 EVP: tells a slow hash
// core apart from I/O or process overhead.
double evpSeconds(const QString &path, const QString &sha256) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    QElapsedTimer timer;
    timer.start();
    for (qint64 n; (n = file.read(chunk.data(), chunk.size())) > 0;)
        EVP_DigestUpdate(ctx, chunk.constData(), size_t(n));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx, digest, &size);
    EVP_MD_CTX_free(ctx);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), int(size)).toHex()) == sha256
               ? seconds
               : -1;
}

int benchHash(const QString &path, int runs) {
    // The expected hash comes from openssl, so a wrong ImageVerifier fails here.
    QProcess openssl;
    QElapsedTimer timer;
    const qint64 length = QFile(path).size();
    std::printf("hash: %s, %lld bytes\n", qPrintable(path), length);
    std::printf("run\topenssl_dgst_s\timageverifier_s\tratio(openssl/ours)\tin-process_evp_s\n");
    std::vector<double> ratios;
    double best = 1e9;
    for (int run = 1; run <= runs; ++run) {
        timer.start();
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-r"), path});
        if (!openssl.waitForFinished(600000) || openssl.exitCode() != 0) {
            std::fprintf(stderr, "openssl failed\n");
            return 1;
        }
        const double opensslSeconds = double(timer.nsecsElapsed()) / 1e9;
        const QString sha256 = QString::fromLatin1(openssl.readAllStandardOutput().split(' ').first());
        const double ours = imageVerifierSeconds(path, sha256, length);
        if (ours < 0) {
            std::fprintf(stderr, "ImageVerifier failed or disagreed with openssl\n");
            return 1;
        }
        ratios.push_back(opensslSeconds / ours);
        best = std::min(best, ours);
        const double evp = evpSeconds(path, sha256);
        std::printf("%d\t%.3f\t%.3f\t%.3f\t%.3f\n", run, opensslSeconds, ours, opensslSeconds / ours, evp);
    }
    std::sort(ratios.begin(), ratios.end());
    std::printf("median ratio %.3f (goal >= 0.95); ImageVerifier %.0f MB/s in its best run\n",
                ratios[ratios.size() / 2], double(length) / best / 1e6);
    return 0;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false\nconduit.*.info=false"));
    const QStringList args = app.arguments();
    if (args.size() >= 2 && args[1] == QLatin1String("vehicle"))
        return benchVehicle(args.size() >= 3 ? args[2].toInt() : 50);
    if (args.size() >= 3 && args[1] == QLatin1String("hash"))
        return benchHash(args[2], args.size() >= 4 ? args[3].toInt() : 3);
    std::fprintf(stderr, "usage: bench_trust vehicle [RUNS] | bench_trust hash FILE [RUNS]\n");
    return 2;
}
