// TusUpload against the real @tus/server (tests/servers/tus) on loopback:
// objects of several sizes checked byte for byte and by hash at the server,
// a connection dropped mid-PATCH, a 5xx, expired uploads, a hash mismatch.
#include "../lib/tusserverprocess.h"
#include "transfer/tusupload.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::transfer;
using conduit::test::TusServerProcess;

namespace {

constexpr qint64 kChunk = 1 << 20;

QByteArray payload(qint64 size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator g(seed);
    for (qint64 i = 0; i < size; ++i) b[i] = char(g.generate() & 0xff);
    return b;
}

QByteArray sha256(const QByteArray &b) { return QCryptographicHash::hash(b, QCryptographicHash::Sha256); }

TusObject object(const QByteArray &bytes, const QByteArray &hash) {
    TusObject o;
    o.size = bytes.size();
    o.bytes = bytes;
    o.metadata = {{"filename", "test.bin"}, {"sha256", hash.toHex()}};
    return o;
}

// One upload attempt to its end, the last progress kept.
struct Run {
    QObject owner;
    TusOutcome outcome;
    TusProgress last;
    bool done = false;
    std::shared_ptr<TusUpload> upload;

    void start(TusOptions options, TusObject o, const std::function<void(const TusProgress &)> &onProgress = {}) {
        TusRetry retry;
        retry.backoffMs = 20;
        retry.maxBackoffMs = 200;
        upload = TusUpload::start(&owner, std::move(options), retry, std::move(o),
                                  {[this, onProgress](const TusProgress &p) {
                                       last = p;
                                       if (onProgress) onProgress(p);
                                   },
                                   [this](const TusOutcome &out) {
                                       outcome = out;
                                       done = true;
                                   }});
    }
};

} // namespace

class TusUploadTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int servers_ = 0;

    // A fresh server (its own directory) with the given fault switches.
    bool startServer(TusServerProcess &server, const QList<QPair<QString, QString>> &env = {}) {
        QString why;
        const bool ok = server.start(dir_.filePath(QStringLiteral("server%1").arg(++servers_)), env, &why);
        if (!ok) qWarning().noquote() << why;
        return ok;
    }

    TusOptions options(const TusServerProcess &server) {
        TusOptions o;
        o.endpoint = server.endpoint();
        o.chunkSize = kChunk;
        return o;
    }

private slots:
    void sizes_data() {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<bool>("fromFile");
        QTest::newRow("empty") << qint64(0) << false;
        QTest::newRow("one byte") << qint64(1) << false;
        QTest::newRow("5 MiB from a file") << qint64(5 << 20) << true;
        QTest::newRow("one chunk and a byte") << kChunk + 1 << true;
    }

    void sizes() {
        QFETCH(qint64, size);
        QFETCH(bool, fromFile);
        TusServerProcess server;
        QVERIFY(startServer(server));
        const QByteArray bytes = payload(size, quint32(size));
        TusObject o = object(bytes, sha256(bytes));
        if (fromFile) {
            o.path = dir_.filePath(QStringLiteral("payload-%1").arg(size));
            QFile f(o.path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(bytes), size);
            f.close();
            o.bytes.clear();
        }
        Run run;
        run.start(options(server), o);
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY2(run.outcome.complete, qPrintable(run.outcome.failure.message));
        QCOMPARE(run.last.offset, size);
        QCOMPARE(server.stored(run.last.url), bytes);
        QCOMPARE(server.verified().size(), 1);
        QVERIFY(server.verified().first().endsWith(QString::fromLatin1(sha256(bytes).toHex())));
        QCOMPARE(run.outcome.bytesSent, size);
    }

    // The server drops the connection 600 KiB into a PATCH: the upload asks
    // the server's offset and continues from there.
    void droppedConnectionResumes() {
        TusServerProcess server;
        QVERIFY(startServer(server, {{QStringLiteral("TUS_DROP_AFTER_BYTES"), QString::number(600 << 10)}}));
        const QByteArray bytes = payload(3 * kChunk + 12345, 7);
        Run run;
        run.start(options(server), object(bytes, sha256(bytes)));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY2(run.outcome.complete, qPrintable(run.outcome.failure.message));
        QVERIFY(server.log().contains("fault: dropping the connection"));
        QVERIFY(run.outcome.retries >= 1);
        QVERIFY2(run.outcome.bytesSent <= bytes.size() + kChunk, qPrintable(QString::number(run.outcome.bytesSent)));
        QVERIFY(run.outcome.bytesSent > bytes.size()); // the part before the drop was sent twice at most
        QCOMPARE(server.stored(run.last.url), bytes);
        QCOMPARE(server.verified().size(), 1);
    }

    void serverErrorIsRetried() {
        TusServerProcess server;
        QVERIFY(startServer(server, {{QStringLiteral("TUS_FAIL_ONCE"), QStringLiteral("503")}}));
        const QByteArray bytes = payload(kChunk / 2, 3);
        Run run;
        run.start(options(server), object(bytes, sha256(bytes)));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY2(run.outcome.complete, qPrintable(run.outcome.failure.message));
        QCOMPARE(run.outcome.retries, 1);
        QCOMPARE(server.stored(run.last.url), bytes);
    }

    // A known upload continues from the server's offset, not from 0.
    void knownUploadResumes() {
        TusServerProcess server;
        QVERIFY(startServer(server));
        const QByteArray bytes = payload(4 * kChunk, 11);
        TusOptions slow = options(server);
        slow.bandwidthLimit = 2 << 20; // 2 s for the whole: stopped after the first chunk
        Run first;
        first.start(slow, object(bytes, sha256(bytes)), [&first](const TusProgress &p) {
            if (p.offset >= kChunk) first.upload->abort();
        });
        QTRY_VERIFY_WITH_TIMEOUT(first.last.offset >= kChunk, 20000);
        first.upload->join();
        QVERIFY(!first.done); // aborted: no outcome
        TusObject again = object(bytes, sha256(bytes));
        again.knownUrl = first.last.url;
        Run second;
        second.start(options(server), again);
        QTRY_VERIFY_WITH_TIMEOUT(second.done, 20000);
        QVERIFY2(second.outcome.complete, qPrintable(second.outcome.failure.message));
        // The server keeps what arrived of the PATCH that was cut, so it may
        // stand past the last offset it confirmed.
        QVERIFY(second.outcome.resumedFrom >= first.last.offset);
        QVERIFY(second.outcome.resumedFrom < bytes.size());
        QCOMPARE(second.outcome.bytesSent, bytes.size() - second.outcome.resumedFrom);
        QVERIFY(!second.outcome.recreated);
        QCOMPARE(second.last.url, first.last.url);
        QCOMPARE(server.stored(second.last.url), bytes);
    }

    // Expired on the server (HEAD: 410) or by its Upload-Expires: created
    // again and sent whole, never stuck on the dead URL.
    void expiredUploadIsRecreated() {
        TusServerProcess server;
        QVERIFY(startServer(server, {{QStringLiteral("TUS_EXPIRE_MS"), QStringLiteral("1500")}}));
        const QByteArray bytes = payload(2 * kChunk, 5);
        TusOptions slow = options(server);
        slow.bandwidthLimit = 1 << 20;
        Run first;
        first.start(slow, object(bytes, sha256(bytes)), [&first](const TusProgress &p) {
            if (p.offset >= kChunk) first.upload->abort();
        });
        QTRY_VERIFY_WITH_TIMEOUT(first.last.offset >= kChunk, 20000);
        first.upload->join();
        QVERIFY(first.last.expiresMs > 0); // the server said when it forgets the upload
        TusClient probe(options(server));
        TusUploadInfo info;
        TusFailure f;
        QTRY_VERIFY_WITH_TIMEOUT(!probe.head(first.last.url, &info, &f) && f.code == TusError::Gone, 10000);

        TusObject known = object(bytes, sha256(bytes));
        known.knownUrl = first.last.url; // expiry not known locally: the HEAD finds it
        Run second;
        second.start(options(server), known);
        QTRY_VERIFY_WITH_TIMEOUT(second.done, 20000);
        QVERIFY2(second.outcome.complete, qPrintable(second.outcome.failure.message));
        QVERIFY(second.outcome.recreated);
        QVERIFY(second.last.url != first.last.url);
        QCOMPARE(server.stored(second.last.url), bytes);

        TusObject past = object(bytes, sha256(bytes));
        past.knownUrl = second.last.url;
        past.knownExpiresMs = QDateTime::currentMSecsSinceEpoch() - 1; // known to be expired: no HEAD
        Run third;
        third.start(options(server), past);
        QTRY_VERIFY_WITH_TIMEOUT(third.done, 20000);
        QVERIFY2(third.outcome.complete, qPrintable(third.outcome.failure.message));
        QVERIFY(third.outcome.recreated);
        QCOMPARE(server.stored(third.last.url), bytes);
    }

    void hashMismatchIsRefused() {
        TusServerProcess server;
        QVERIFY(startServer(server));
        const QByteArray bytes = payload(kChunk + 7, 9);
        QByteArray wrong = sha256(bytes);
        wrong[0] = char(wrong[0] ^ 1);
        Run run;
        run.start(options(server), object(bytes, wrong));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY(!run.outcome.complete);
        QCOMPARE(run.outcome.failure.code, TusError::Refused);
        QCOMPARE(run.outcome.failure.status, 460);
        QVERIFY2(run.outcome.failure.message.contains(QLatin1String("sha256 mismatch")),
                 qPrintable(run.outcome.failure.message));
        QCOMPARE(run.outcome.retries, 0);
        QVERIFY(server.verified().isEmpty());
        QVERIFY(server.log().contains("refused: sha256 mismatch"));
        // Asked again (after a restart, say), the server still refuses it.
        TusClient probe(options(server));
        TusUploadInfo info;
        TusFailure f;
        QVERIFY(!probe.head(run.last.url, &info, &f));
        QCOMPARE(f.code, TusError::Refused);
    }

    // curl's send limit paces the PATCHes: 6 MiB at 2 MiB/s take about
    // 3 s (unlimited on loopback: well under 1.5 s even under load). Load
    // can only slow it.
    void bandwidthLimitHolds() {
        TusServerProcess server;
        QVERIFY(startServer(server));
        const QByteArray bytes = payload(6 * kChunk, 12);
        TusOptions limited = options(server);
        limited.bandwidthLimit = 2 << 20;
        QElapsedTimer t;
        t.start();
        Run run;
        run.start(limited, object(bytes, sha256(bytes)));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY2(run.outcome.complete, qPrintable(run.outcome.failure.message));
        QVERIFY2(t.elapsed() >= 2400, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(server.stored(run.last.url), bytes);
    }

    // Larger than the server's Tus-Max-Size: refused before anything is sent.
    void tooLargeIsRefusedUpFront() {
        TusServerProcess server;
        QVERIFY(startServer(server, {{QStringLiteral("TUS_MAX_SIZE"), QString::number(kChunk)}}));
        const QByteArray bytes = payload(kChunk + 1, 13);
        Run run;
        run.start(options(server), object(bytes, sha256(bytes)));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY(!run.outcome.complete);
        QCOMPARE(run.outcome.failure.code, TusError::TooLarge);
        QVERIFY2(run.outcome.failure.message.contains(QLatin1String("Tus-Max-Size 1048576")),
                 qPrintable(run.outcome.failure.message));
        QCOMPARE(run.outcome.bytesSent, qint64(0));
        QVERIFY(server.uploads().isEmpty());
    }

    void unreachableServerFailsBounded() {
        TusServerProcess server;
        QVERIFY(startServer(server));
        TusOptions o = options(server);
        server.stop(); // nobody listens there now
        const QByteArray bytes = payload(10, 1);
        Run run;
        run.start(o, object(bytes, sha256(bytes)));
        QTRY_VERIFY_WITH_TIMEOUT(run.done, 20000);
        QVERIFY(!run.outcome.complete);
        QCOMPARE(run.outcome.failure.code, TusError::Transport);
        QCOMPARE(run.outcome.retries, TusRetry{}.maxFailures);
        QVERIFY(run.outcome.failure.message.contains(o.endpoint.toString()));
    }
};

QTEST_GUILESS_MAIN(TusUploadTest)
#include "tst_tusupload.moc"
