// The bulk scheduler over a real store and the real @tus/server: the link
// policy (metered, unmetered), priority order and preemption, a corrupted
// blob refused by the server's hash check, and a host SIGKILLed mid-upload
// that resumes from the durable upload URL.
#include "../lib/tusserverprocess.h"
#include "gathering/store.h"
#include "gathering/upload/bulkscheduler.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace conduit::gathering;
using conduit::test::TusServerProcess;

namespace {

constexpr qint64 kChunk = 1 << 20;

struct FakeLink : LinkConditions {
    LinkState state{true, true, false};
    LinkState current() const override { return state; }
};

QByteArray payload(qint64 size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator g(seed);
    for (qint64 i = 0; i < size; ++i) b[i] = char(g.generate() & 0xff);
    return b;
}

Item blob(const QByteArray &bytes, Priority p) {
    Item i;
    i.kind = ItemKind::Blob;
    i.campaignId = QStringLiteral("campaign-bulk");
    i.dataClass = DataClass::Diagnostics;
    i.priority = p;
    i.bytes = bytes;
    return i;
}

QString hexOf(const QByteArray &bytes) {
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

} // namespace

class BulkSchedulerTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int runs_ = 0;
    TusServerProcess server_;
    std::unique_ptr<Store> store_;
    FakeLink link_;

    BulkConfig config() const {
        BulkConfig c;
        c.tus.endpoint = server_.endpoint();
        c.tus.chunkSize = kChunk;
        c.retry.backoffMs = 20;
        return c;
    }

    qint64 put(const Item &item) {
        qint64 id = 0;
        StoreFailure f;
        if (!store_->put(item, &id, &f)) qWarning().noquote() << f.message;
        return id;
    }

    bool pending(qint64 id) {
        StoredItem out;
        bool found = false;
        StoreFailure f;
        return store_->item(id, &out, &found, &f) && found;
    }

private slots:
    void init() {
        ++runs_;
        QString why;
        QVERIFY2(server_.start(dir_.filePath(QStringLiteral("server%1").arg(runs_)), {}, &why), qPrintable(why));
        store_ = std::make_unique<Store>(dir_.filePath(QStringLiteral("store%1").arg(runs_)), Store::Config{});
        StoreFailure f;
        QVERIFY2(store_->open(&f), qPrintable(f.message));
        link_.state = {true, true, false};
    }

    void cleanup() {
        store_.reset();
        server_.stop();
    }

    void bulkWaitsWhileMetered() {
        const QByteArray bytes = payload(300 << 10, 1);
        const qint64 id = put(blob(bytes, Priority::Bulk));
        BulkScheduler scheduler(*store_, link_, config());
        QSignalSpy idle(&scheduler, &BulkScheduler::idle);
        QSignalSpy delivered(&scheduler, &BulkScheduler::delivered);
        scheduler.poke();
        QCOMPARE(idle.size(), 1); // decided at once: nothing may go on a metered link
        QCOMPARE(scheduler.inFlight(), 0);
        QVERIFY(server_.uploads().isEmpty());
        QVERIFY(pending(id));

        link_.state.metered = false;
        scheduler.poke();
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 20000);
        QCOMPARE(delivered[0][0].toLongLong(), id);
        QVERIFY(!pending(id));
        QCOMPARE(server_.verified().size(), 1);
        QVERIFY(server_.verified()[0].endsWith(hexOf(bytes)));
        QCOMPARE(server_.stored(QUrl(server_.endpoint().toString() + QLatin1Char('/') +
                                     server_.verified()[0].section(QLatin1Char(' '), 0, 0))),
                 bytes);
    }

    void safetyFirstThenTheRestWhenAllowed() {
        const qint64 bulk = put(blob(payload(200 << 10, 2), Priority::Bulk));
        const qint64 high = put(blob(payload(200 << 10, 3), Priority::High));
        const qint64 safety = put(blob(payload(200 << 10, 4), Priority::Safety));
        const qint64 normal = put(blob(payload(200 << 10, 5), Priority::Normal));
        BulkScheduler scheduler(*store_, link_, config());
        QSignalSpy delivered(&scheduler, &BulkScheduler::delivered);
        QSignalSpy idle(&scheduler, &BulkScheduler::idle);
        scheduler.poke();
        QTRY_COMPARE_WITH_TIMEOUT(idle.size(), 1, 20000); // metered: only Safety and High went
        QCOMPARE(delivered.size(), 2);
        QCOMPARE(delivered[0][0].toLongLong(), safety);
        QCOMPARE(delivered[1][0].toLongLong(), high);
        QVERIFY(pending(normal) && pending(bulk));

        link_.state.metered = false;
        scheduler.poke();
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 4, 20000);
        QCOMPARE(delivered[2][0].toLongLong(), normal);
        QCOMPARE(delivered[3][0].toLongLong(), bulk);
        QCOMPARE(server_.verified().size(), 4);
    }

    // A Safety item arriving during a long Bulk upload goes first; the Bulk
    // upload then resumes from the server's offset.
    void safetyPreemptsBulk() {
        const QByteArray big = payload(6 * kChunk, 6);
        const qint64 bulk = put(blob(big, Priority::Bulk));
        link_.state.metered = false;
        BulkConfig c = config();
        c.tus.bandwidthLimit = 3 << 20; // 2 s for the bulk item
        BulkScheduler scheduler(*store_, link_, c);
        QSignalSpy delivered(&scheduler, &BulkScheduler::delivered);
        QSignalSpy progress(&scheduler, &BulkScheduler::progress);
        scheduler.poke();
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last()[1].toLongLong() >= kChunk, 20000);
        const qint64 safety = put(blob(payload(100 << 10, 7), Priority::Safety));
        scheduler.poke();
        QCOMPARE(scheduler.inFlight(), safety);
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 2, 30000);
        QCOMPARE(delivered[0][0].toLongLong(), safety);
        QCOMPARE(delivered[1][0].toLongLong(), bulk);
        QCOMPARE(scheduler.stats().preempted, 1);
        QCOMPARE(scheduler.stats().resumed, 1);
        QVERIFY(scheduler.stats().bytesSent <= big.size() + 2 * kChunk + (100 << 10));
    }

    void meteredLinkPausesBulk() {
        const QByteArray big = payload(6 * kChunk, 8);
        const qint64 bulk = put(blob(big, Priority::Bulk));
        link_.state.metered = false;
        BulkConfig c = config();
        c.tus.bandwidthLimit = 3 << 20;
        BulkScheduler scheduler(*store_, link_, c);
        QSignalSpy progress(&scheduler, &BulkScheduler::progress);
        QSignalSpy delivered(&scheduler, &BulkScheduler::delivered);
        scheduler.poke();
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), 20000);
        link_.state.metered = true;
        scheduler.poke();
        QCOMPARE(scheduler.inFlight(), 0);
        QCOMPARE(scheduler.stats().preempted, 1);
        QVERIFY(pending(bulk));
        link_.state.metered = false;
        scheduler.poke();
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 30000);
        QCOMPARE(server_.verified().size(), 1);
        QVERIFY(server_.verified()[0].endsWith(hexOf(big)));
    }

    // The blob is damaged on disk after it was stored: the server's hash
    // check refuses it, the item is not acknowledged, the message says why.
    void corruptedBlobIsRefused() {
        const QByteArray bytes = payload(2 * kChunk + 3, 9);
        const qint64 id = put(blob(bytes, Priority::High));
        StoredItem stored;
        bool found = false;
        StoreFailure f;
        QVERIFY(store_->item(id, &stored, &found, &f) && found);
        QVERIFY(!stored.blobPath.isEmpty());
        {
            QFile file(stored.blobPath);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(kChunk + 1));
            QCOMPARE(file.write("X", 1), qint64(1));
        }
        BulkScheduler scheduler(*store_, link_, config());
        QSignalSpy refused(&scheduler, &BulkScheduler::refused);
        QSignalSpy delivered(&scheduler, &BulkScheduler::delivered);
        QSignalSpy idle(&scheduler, &BulkScheduler::idle);
        scheduler.poke();
        QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 20000);
        const QString why = refused[0][1].toString();
        QVERIFY2(why.contains(QLatin1String("sha256 mismatch")), qPrintable(why));
        QVERIFY2(why.contains(QLatin1String("damaged on the vehicle's disk")), qPrintable(why));
        QTRY_COMPARE_WITH_TIMEOUT(idle.size(), 1, 5000); // held back, not retried in a loop
        QCOMPARE(delivered.size(), 0);
        QVERIFY(pending(id));
        QVERIFY(server_.verified().isEmpty());
        UploadState state;
        QVERIFY(store_->uploadState(id, &state, &found, &f));
        QVERIFY(!found); // forgotten: the server removed it
    }

    // conduitd's upload side is SIGKILLed mid-upload and started again: it
    // resumes from the URL and offset it kept, the object arrives whole and
    // the item is acknowledged once.
    void hostKilledMidUploadResumes() {
        const QByteArray big = payload(12 * kChunk, 10);
        const qint64 id = put(blob(big, Priority::Bulk));
        const QString storeDir = store_->directory();
        store_.reset(); // the host process owns it now
        const QStringList args{storeDir, server_.endpoint().toString(), QString::number(kChunk)};
        QProcess host;
        host.start(QStringLiteral(CONDUIT_BULKUPLOAD_HOST), args + QStringList{QString::number(4 << 20)});
        QVERIFY(host.waitForStarted());
        QByteArray out;
        qint64 before = 0;
        for (int i = 0; i < 200 && before < 3 * kChunk; ++i) {
            QVERIFY2(host.state() == QProcess::Running, out.constData());
            host.waitForReadyRead(100);
            out += host.readAllStandardOutput();
            for (const QByteArray &line : out.split('\n'))
                if (line.startsWith("progress ")) before = std::max(before, line.split(' ').value(2).toLongLong());
        }
        QVERIFY2(before >= 3 * kChunk && before < big.size(), out.constData());
        ::kill(pid_t(host.processId()), SIGKILL);
        QVERIFY(host.waitForFinished(5000));

        QProcess again;
        again.start(QStringLiteral(CONDUIT_BULKUPLOAD_HOST), args + QStringList{QStringLiteral("0")});
        QVERIFY(again.waitForFinished(30000));
        const QByteArray second = again.readAllStandardOutput();
        QVERIFY2(again.exitCode() == 0, (second + again.readAllStandardError()).constData());
        QVERIFY2(second.contains("delivered " + QByteArray::number(id)), second.constData());
        const QList<QByteArray> stats = second.mid(second.indexOf("stats ")).trimmed().split(' ');
        QCOMPARE(stats.value(1), QByteArray("1")); // delivered
        QCOMPARE(stats.value(2), QByteArray("1")); // resumed, not started over
        QCOMPARE(stats.value(3), QByteArray("0")); // not re-created
        QVERIFY2(stats.value(4).toLongLong() <= big.size() - before, stats.value(4).constData());

        QCOMPARE(server_.verified().size(), 1); // one upload, one object
        QVERIFY(server_.verified()[0].endsWith(hexOf(big)));
        QCOMPARE(server_.uploads().size(), 1);
        QCOMPARE(server_.stored(QUrl(server_.endpoint().toString() + QLatin1Char('/') + server_.uploads()[0])), big);
        store_ = std::make_unique<Store>(storeDir, Store::Config{});
        StoreFailure f;
        QVERIFY(store_->open(&f));
        QVERIFY(!pending(id));
        UploadState state;
        bool found = true;
        QVERIFY(store_->uploadState(id, &state, &found, &f));
        QVERIFY(!found);
    }
};

QTEST_GUILESS_MAIN(BulkSchedulerTest)
#include "tst_bulkscheduler.moc"
