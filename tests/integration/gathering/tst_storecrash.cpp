// Crash safety of the store, for real: storecrash_writer runs a seeded
// sequence of puts and acknowledgements and is SIGKILLed (or finds the disk
// full) at a seeded file-system call (tests/faultfs, LD_PRELOAD): before or
// after one of its opens, writes, fsyncs or renames in the store. The store
// is then reopened here and must hold every item whose id the writer was
// given and whose acknowledgement it had not begun, intact; no acknowledged
// item; nothing half (every item found has exactly its payload) and no
// blob file without its row; and it must take new items.
//
// GATHERING_CRASH_RUNS (default 24) and GATHERING_CRASH_SEED (default 1)
// size the run; docs/data-gathering.md has the long command.
#include "storecrash_payload.h"

#include "gathering/store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace conduit::gathering;

namespace {

constexpr int kOps = 40;

struct Life {
    QMap<qint64, int> put; // id -> seq, as the writer was told
    QSet<qint64> acking, acked;
    QList<QByteArray> refusals; // why puts failed
    int exitCode = 0;
    QProcess::ExitStatus status = QProcess::NormalExit;
};

Life runWriter(const QString &dir, int seed, const QStringList &faultEnv) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(CONDUIT_FAULTFS));
    env.insert(QStringLiteral("FAULTFS_PATH"), dir + QStringLiteral("/store/*"));
    // The shim comes before the sanitizer runtime in a sanitizer build.
    const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    env.insert(QStringLiteral("ASAN_OPTIONS"),
               (asan.isEmpty() ? QString() : asan + QLatin1Char(':')) + QStringLiteral("verify_asan_link_order=0"));
    for (const QString &kv : faultEnv) env.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(CONDUIT_CRASH_WRITER), {dir, QString::number(seed), QString::number(kOps)});
    Life life;
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        life.exitCode = -1;
        return life;
    }
    life.exitCode = p.exitCode();
    life.status = p.exitStatus();
    for (const QByteArray &line : p.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> w = line.split(' ');
        if (w.size() >= 3 && w[0] == "P") life.put[w[1].toLongLong()] = w[2].toInt();
        if (w.size() == 2 && w[0] == "A") life.acking.insert(w[1].toLongLong());
        if (w.size() == 2 && w[0] == "a") life.acked.insert(w[1].toLongLong());
        if (w[0] == "F") life.refusals << line;
    }
    return life;
}

int seqOf(const StoredItem &item) { return item.campaignId.mid(4).toInt(); }

QByteArray payloadOf(const StoredItem &item) {
    if (item.blobPath.isEmpty()) return item.bytes;
    QFile f(item.blobPath);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

} // namespace

class TestStoreCrash : public QObject {
    Q_OBJECT
private:
    // Returns an empty string when the reopened store keeps the contract.
    static QString judge(const QString &dir, const Life &life) {
        Store store(dir + QStringLiteral("/store"), Store::Config{});
        StoreFailure f;
        if (!store.open(&f)) return QStringLiteral("reopen failed: ") + f.message;
        QList<StoredItem> all;
        if (!store.next(1 << 20, 1, &all, &f)) return QStringLiteral("next failed: ") + f.message;
        QMap<qint64, StoredItem> found;
        int files = 0;
        for (const StoredItem &item : all) {
            found[item.id] = item;
            if (!item.blobPath.isEmpty()) ++files;
            const QByteArray payload = payloadOf(item);
            if (payload != storecrashPayload(seqOf(item)) ||
                QCryptographicHash::hash(payload, QCryptographicHash::Sha256) != item.sha256 ||
                item.size != payload.size())
                return QStringLiteral("item %1 (seq %2) is not whole").arg(item.id).arg(seqOf(item));
        }
        for (auto it = life.put.begin(); it != life.put.end(); ++it) {
            if (life.acking.contains(it.key())) continue;
            if (!found.contains(it.key()))
                return QStringLiteral("durable item %1 (seq %2) is lost").arg(it.key()).arg(it.value());
            if (seqOf(found[it.key()]) != it.value()) return QStringLiteral("item %1 holds another seq").arg(it.key());
        }
        for (qint64 id : life.acked)
            if (found.contains(id)) return QStringLiteral("acknowledged item %1 came back").arg(id);
        const int onDisk = int(QDir(dir + QStringLiteral("/store/blobs")).entryList(QDir::Files | QDir::Hidden).size());
        if (onDisk != files) return QStringLiteral("%1 blob files for %2 items with one").arg(onDisk).arg(files);
        qint64 id = 0;
        Item fresh;
        fresh.campaignId = QStringLiteral("after");
        fresh.bytes = QByteArray(5000, 'z');
        if (!store.put(fresh, &id, &f)) return QStringLiteral("put after recovery failed: ") + f.message;
        return {};
    }

private slots:
    void itemsSurviveCutsAtEveryKindOfPoint() {
        const int runs = qEnvironmentVariableIntValue("GATHERING_CRASH_RUNS") > 0
                             ? qEnvironmentVariableIntValue("GATHERING_CRASH_RUNS")
                             : 24;
        const int seed = qEnvironmentVariableIsSet("GATHERING_CRASH_SEED")
                             ? qEnvironmentVariableIntValue("GATHERING_CRASH_SEED")
                             : 1;
        std::mt19937 rng{uint32_t(seed)};
        int kills = 0, full = 0;
        for (int run = 0; run < runs; ++run) {
            const int writerSeed = int(rng() % 1000);
            // Size this sequence's space of points with a clean run.
            QTemporaryDir sizing;
            const QString log = sizing.filePath(QStringLiteral("calls"));
            const Life clean = runWriter(sizing.path(), writerSeed, {QStringLiteral("FAULTFS_LOG=") + log});
            QCOMPARE(clean.exitCode, 0);
            QFile calls(log);
            QVERIFY(calls.open(QIODevice::ReadOnly));
            const int points = int(calls.readAll().count('\n'));
            QVERIFY2(points > kOps, qPrintable(QStringLiteral("only %1 calls counted").arg(points)));

            const int at = 1 + int(rng() % uint32_t(points));
            const bool diskFull = rng() % 3 == 0;
            const bool after = rng() % 2 == 0;
            QStringList fault{QStringLiteral("FAULTFS_AT=%1").arg(at),
                              QStringLiteral("FAULTFS_WHEN=%1").arg(after ? "after" : "before")};
            if (diskFull) fault << QStringLiteral("FAULTFS_ACTION=enospc") << QStringLiteral("FAULTFS_TIMES=0");
            QTemporaryDir dir;
            const Life life = runWriter(dir.path(), writerSeed, fault);
            const QString what = QStringLiteral("run %1 (writer seed %2, %3 %4 call %5 of %6)")
                                     .arg(run)
                                     .arg(writerSeed)
                                     .arg(diskFull ? "disk full" : "SIGKILL", after ? "after" : "before")
                                     .arg(at)
                                     .arg(points);
            if (diskFull) {
                QVERIFY2(life.status == QProcess::NormalExit, qPrintable(what));
                // A put refused by a full disk says so, whichever call hit it
                // (an open that fails says only what SQLite says).
                for (const QByteArray &refusal : life.refusals)
                    QVERIFY2(refusal.contains("disk full") || refusal.contains("disk is full"),
                             qPrintable(what + QStringLiteral(": ") + QString::fromUtf8(refusal)));
                ++full;
            } else {
                QVERIFY2(life.status == QProcess::CrashExit, qPrintable(what + QStringLiteral(": not killed")));
                ++kills;
            }
            const QString verdict = judge(dir.path(), life);
            QVERIFY2(verdict.isEmpty(), qPrintable(what + QStringLiteral(": ") + verdict));
        }
        qInfo("%d runs: %d SIGKILLs, %d full disks, all consistent", runs, kills, full);
    }
};

QTEST_GUILESS_MAIN(TestStoreCrash)
#include "tst_storecrash.moc"
