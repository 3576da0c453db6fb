// The store's figures (docs/benchmarks.md, "Data gathering"):
//  1. ingest rate of signal samples, batched into one item per batch
//     (SampleBatch), one durable put per batch, for several batch sizes;
//  2. CPU of the process while 10 000 samples/s arrive (a 1 ms tick adds 10
//     samples; a batch is stored every 1000 samples = 100 ms);
//  3. RSS while 1 GiB of blob items waits, and after it is delivered.
//   bench_gathering [DIR] [SECONDS_AT_10K] [MIB_WAITING]
#include "gathering/samplebatch.h"
#include "gathering/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <cstdio>
#include <ctime>
#include <memory>
#include <sys/resource.h>

using namespace conduit::gathering;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long rssKiB() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').value(0).toLong();
    return -1;
}

Item batchItem(QByteArray bytes) {
    Item i;
    i.kind = ItemKind::SignalWindow;
    i.campaignId = QStringLiteral("bench");
    i.priority = Priority::Normal;
    i.bytes = std::move(bytes);
    return i;
}

bool ingest(const QString &dir, int batch, int samples) {
    Store::Config cfg;
    cfg.maxBytes = 4ll << 30;
    Store store(dir, cfg);
    StoreFailure f;
    if (!store.open(&f)) return std::fprintf(stderr, "%s\n", qPrintable(f.message)), false;
    SampleBatch b;
    QElapsedTimer t;
    t.start();
    const double cpu0 = cpuSeconds();
    for (int i = 0; i < samples; ++i) {
        b.add({quint32(i % 50), 1'700'000'000'000'000 + i * 100ll, double(i) * 0.5});
        if (b.size() == batch) {
            qint64 id = 0;
            if (!store.put(batchItem(b.take()), &id, &f))
                return std::fprintf(stderr, "%s\n", qPrintable(f.message)), false;
        }
    }
    const double s = double(t.nsecsElapsed()) / 1e9;
    std::printf("ingest batch=%5d samples=%d: %.3f s, %.0f samples/s, %.0f puts/s, CPU %.0f %% of one core\n", batch,
                samples, s, samples / s, samples / batch / s, 100 * (cpuSeconds() - cpu0) / s);
    Usage u;
    if (!store.usage(&u, &f)) return false;
    std::printf("  payload %lld bytes in %lld items, database files %lld bytes\n", u.bytes, u.items,
                u.databaseFileBytes);
    return true;
}

bool paced(const QString &dir, int seconds) {
    Store store(dir, Store::Config{});
    StoreFailure f;
    if (!store.open(&f)) return false;
    SampleBatch b;
    timespec next{};
    clock_gettime(CLOCK_MONOTONIC, &next);
    const double cpu0 = cpuSeconds();
    QElapsedTimer t;
    t.start();
    qint64 n = 0;
    for (int tick = 0; tick < seconds * 1000; ++tick) {
        for (int k = 0; k < 10; ++k, ++n) b.add({quint32(n % 50), n * 100, double(n)});
        if (b.size() >= 1000) {
            qint64 id = 0;
            if (!store.put(batchItem(b.take()), &id, &f)) return false;
        }
        next.tv_nsec += 1'000'000;
        if (next.tv_nsec >= 1'000'000'000) {
            next.tv_nsec -= 1'000'000'000;
            ++next.tv_sec;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
    const double s = double(t.nsecsElapsed()) / 1e9;
    std::printf("paced: %lld samples in %.2f s (%.0f/s), CPU %.1f %% of one core\n", n, s, n / s,
                100 * (cpuSeconds() - cpu0) / s);
    return true;
}

bool waiting(const QString &dir, int mib) {
    Store::Config cfg;
    cfg.maxBytes = qint64(mib + 16) << 20;
    auto store = std::make_unique<Store>(dir, cfg);
    StoreFailure f;
    if (!store->open(&f)) return false;
    const QByteArray chunk(1 << 20, 'w');
    std::printf("rss before: %ld KiB\n", rssKiB());
    for (int i = 1; i <= mib; ++i) {
        Item it = batchItem(chunk);
        it.kind = ItemKind::Blob;
        qint64 id = 0;
        if (!store->put(it, &id, &f)) return std::fprintf(stderr, "%s\n", qPrintable(f.message)), false;
        if (i % (mib / 4) == 0) std::printf("rss with %4d MiB waiting: %ld KiB\n", i, rssKiB());
    }
    store = std::make_unique<Store>(dir, cfg);
    if (!store->open(&f)) return false;
    std::printf("rss after reopening with %d MiB waiting: %ld KiB\n", mib, rssKiB());
    int delivered = 0;
    for (;;) {
        QList<StoredItem> out;
        if (!store->next(16, 60'000, &out, &f)) return false;
        if (out.isEmpty()) break;
        for (const StoredItem &s : out) {
            QFile in(s.blobPath);
            if (!in.open(QIODevice::ReadOnly) || in.readAll().size() != s.size) return false;
            bool found = false;
            if (!store->acknowledge(s.id, &found, &f)) return false;
            ++delivered;
        }
    }
    std::printf("rss after delivering %d items: %ld KiB\n", delivered, rssKiB());
    return true;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QTemporaryDir tmp;
    const QString base = argc > 1 ? QString::fromLocal8Bit(argv[1]) : tmp.path();
    const int seconds = argc > 2 ? atoi(argv[2]) : 10;
    const int mib = argc > 3 ? atoi(argv[3]) : 1024;
    for (int batch : {100, 1000, 5000})
        if (!ingest(base + QStringLiteral("/ingest-%1").arg(batch), batch, batch == 100 ? 100'000 : 1'000'000))
            return 1;
    if (!paced(base + QStringLiteral("/paced"), seconds)) return 1;
    if (mib > 0 && !waiting(base + QStringLiteral("/waiting"), mib)) return 1;
    return 0;
}
