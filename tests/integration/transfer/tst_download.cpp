// Resumable, verified downloads against the real dev server on loopback,
// with its fault injection: dropped connections, a host restart in the
// middle, a server too slow to be useful, a 404, server errors, a corrupted
// byte, more bytes than signed, and a wrong token. And the reader that
// passes the bytes on while they arrive (transfer::StagedReader).
#include "../devserver/devserverprocess.h"

#include "transfer/download.h"
#include "transfer/downloadqueue.h"
#include "transfer/stagedreader.h"

using namespace devtest;

#include <QCryptographicHash>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <limits>

using conduit::transfer::Download;
using conduit::transfer::DownloadOptions;
using conduit::transfer::StagedReader;

namespace {
// Drains a reader as an agent's transfer would: on every readyRead, all
// it has. Ends at the end of the image or at the reader's first error.
struct Drained {
    qint64 bytes = 0;
    QString sha256;
    bool failed = false;
    QString error;
};
Drained drain(StagedReader &reader) {
    Drained out;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QEventLoop loop;
    QByteArray buffer(256 << 10, Qt::Uninitialized);
    auto pump = [&] {
        for (;;) {
            const qint64 n = reader.read(buffer.data(), buffer.size());
            if (n < 0) {
                out.failed = true;
                out.error = reader.errorString();
                return loop.quit();
            }
            if (n == 0) break;
            hash.addData(QByteArrayView(buffer.constData(), n));
            out.bytes += n;
        }
        if (reader.atEnd()) loop.quit();
    };
    QObject::connect(&reader, &QIODevice::readyRead, &loop, pump);
    QTimer::singleShot(120000, &loop, &QEventLoop::quit); // a bound, not a synchronisation
    pump();
    if (!out.failed && !reader.atEnd()) loop.exec();
    out.sha256 = QString::fromLatin1(hash.result().toHex());
    return out;
}
} // namespace

class TestDownload : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString artifact_;
    qint64 size_ = 0;
    QString sha256_;
    ServerProcess server_;
    QString url_;
    QNetworkAccessManager network_;

    DownloadOptions fast() {
        DownloadOptions o;
        o.backoffMs = 10;
        o.backoffMaxMs = 50;
        o.maxAttempts = 30;
        return o;
    }
    bool setFaults(const QStringList &specs) {
        const Reply r = request("DELETE", server_.adminUrl + QStringLiteral("/admin/faults"));
        if (r.status != 200 && r.status != 204) return false;
        if (specs.isEmpty()) return true;
        const Reply a = postJson(server_.adminUrl + QStringLiteral("/admin/faults"),
                                 QJsonObject{{"faults", QJsonArray::fromStringList(specs)}});
        if (a.status != 200 && a.status != 201) qWarning() << "faults refused" << a.status << a.body;
        return a.status == 200 || a.status == 201;
    }
    qint64 bytesServed() {
        const QJsonArray arts =
            get(server_.adminUrl + QStringLiteral("/admin/stats")).json().value(QLatin1String("artifacts")).toArray();
        qint64 n = 0;
        for (const QJsonValue &a : arts) n += qint64(a.toObject().value(QLatin1String("bytesSent")).toDouble());
        return n;
    }
    // Runs one Download to its end; returns it (owned by the caller).
    std::unique_ptr<Download> run(const QString &path, DownloadOptions o, qint64 length = -1, const QString &sha = {}) {
        auto d =
            std::make_unique<Download>(QUrl(url_), path, length < 0 ? size_ : length, sha.isEmpty() ? sha256_ : sha, o);
        QSignalSpy done(d.get(), &Download::finished);
        d->start();
        if (done.isEmpty()) done.wait(120000);
        return d;
    }

private slots:
    void initTestCase() {
        size_ = 256ll << 20;
        artifact_ = dir_.filePath(QStringLiteral("image.bin"));
        QFile f(artifact_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray block(1 << 20, Qt::Uninitialized);
        QCryptographicHash h(QCryptographicHash::Sha256);
        for (int i = 0; i < 256; ++i) {
            QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
            f.write(block);
            h.addData(block);
        }
        f.close();
        sha256_ = QString::fromLatin1(h.result().toHex());
        QString error;
        QVERIFY2(server_.start({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--target-token"),
                                QStringLiteral("car-1=secret")},
                               &error),
                 qPrintable(error));
        const Reply d = postJson(
            server_.adminUrl + QStringLiteral("/admin/deployments"),
            QJsonObject{{"controller", "car-1"},
                        {"chunks", QJsonArray{QJsonObject{
                                       {"part", "os"}, {"version", "2"}, {"artifacts", QJsonArray{artifact_}}}}}});
        QVERIFY2(d.status == 201, d.body.constData());
        const QJsonObject art = d.json()
                                    .value(QLatin1String("chunks"))
                                    .toArray()
                                    .first()
                                    .toObject()
                                    .value(QLatin1String("artifacts"))
                                    .toArray()
                                    .first()
                                    .toObject();
        url_ = art.value(QLatin1String("url")).toString();
        QVERIFY2(!url_.isEmpty(), d.body.constData());
    }
    void cleanupTestCase() { server_.stop(); }
    void init() {
        QVERIFY(setFaults({}));
        request("DELETE", server_.adminUrl + QStringLiteral("/admin/stats"));
    }

    void plainDownloadVerifies() {
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("plain")), o);
        QVERIFY2(d->succeeded(), qPrintable(d->error()));
        QCOMPARE(d->bytesOnDisk(), size_);
        QCOMPARE(d->attempts(), 1);
        QCOMPARE(d->bytesTransferred(), size_);
    }

    void twentyDropsStillCompleteWithoutRedownloading() {
        QVERIFY(setFaults({QStringLiteral("drop=12m,count=20")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("drops")), o);
        QVERIFY2(d->succeeded(), qPrintable(d->error()));
        // 20 drops (a drop that happens to fall after the last byte is no drop)
        QVERIFY2(d->attempts() >= 18 && d->attempts() <= 21, qPrintable(QString::number(d->attempts())));
        const qint64 served = bytesServed();
        QVERIFY2(served <= size_ * 102 / 100, qPrintable(QStringLiteral("served %1 for %2").arg(served).arg(size_)));
        QVERIFY(d->bytesTransferred() <= size_ * 102 / 100);
    }

    void restartResumesFromTheStagingFile() {
        const QString path = dir_.filePath(QStringLiteral("restart"));
        QVERIFY(setFaults({QStringLiteral("drop=100m,count=1")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        o.maxAttempts = 1; // the "host" dies after the first connection
        auto first = run(path, o);
        QVERIFY(!first->succeeded());
        const qint64 kept = first->bytesOnDisk();
        QVERIFY2(kept > (90ll << 20) && kept <= (100ll << 20), qPrintable(QString::number(kept)));
        QCOMPARE(QFileInfo(path).size(), kept);
        first.reset();
        // A new host process: a new Download on the same staging file.
        o.maxAttempts = 3;
        auto second = run(path, o);
        QVERIFY2(second->succeeded(), qPrintable(second->error()));
        QCOMPARE(second->bytesTransferred(), size_ - kept); // only what was missing
    }

    void tooSlowIsAbandoned() {
        QVERIFY(setFaults({QStringLiteral("throttle=20000")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        o.minBytesPerSecond = 1 << 20;
        o.speedWindowMs = 500;
        o.maxAttempts = 2;
        auto d = run(dir_.filePath(QStringLiteral("slow")), o);
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("too slow")), qPrintable(d->error()));
        QCOMPARE(d->attempts(), 2);
    }

    void notFoundIsFatalAtOnce() {
        QVERIFY(setFaults({QStringLiteral("status=404")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("404")), o);
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("HTTP 404")), qPrintable(d->error()));
        QCOMPARE(d->attempts(), 1);
    }

    void serverErrorsAreRetried() {
        QVERIFY(setFaults({QStringLiteral("status=503,count=2")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("503")), o);
        QVERIFY2(d->succeeded(), qPrintable(d->error()));
        QCOMPARE(d->attempts(), 3);
    }

    void corruptedByteIsCaught() {
        QVERIFY(setFaults({QStringLiteral("corrupt=12345")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        const QString path = dir_.filePath(QStringLiteral("corrupt"));
        auto d = run(path, o);
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("refused as an attack")), qPrintable(d->error()));
        QCOMPARE(QFileInfo(path).size(), 0); // nothing unverified is kept
    }

    void moreThanSignedIsRefused() {
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("long")), o, size_ - 1000);
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("more than the verified length")), qPrintable(d->error()));
        QVERIFY(d->bytesOnDisk() <= size_ - 1000);
    }

    // A signed length of 2^63-1 (a hostile or broken target) once overflowed
    // the free-space check into a small number and the download ran.
    void hugeSignedLengthIsRefusedForSpace() {
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        auto d = run(dir_.filePath(QStringLiteral("huge")), o, std::numeric_limits<qint64>::max());
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("not enough space")), qPrintable(d->error()));
        QCOMPARE(d->attempts(), 0);
    }

    void readerPassesEveryByteOnWhileTheyArrive() {
        QVERIFY(setFaults({QStringLiteral("drop=40m,count=5")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        Download d(QUrl(url_), dir_.filePath(QStringLiteral("reader")), size_, sha256_, o);
        StagedReader reader(&d);
        d.start();
        const Drained got = drain(reader);
        QVERIFY2(!got.failed, qPrintable(got.error));
        QVERIFY(d.succeeded());
        QCOMPARE(got.bytes, size_);
        QCOMPARE(got.sha256, sha256_);
        QVERIFY(d.attempts() >= 5);
        // Hashed once: the reader hands on the download's digest of what it served.
        QCOMPARE(reader.verifiedSha256(), sha256_);
    }

    void readerNeverSeesTheLastByteOfABadImage() {
        QVERIFY(setFaults({QStringLiteral("corrupt=12345")}));
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        Download d(QUrl(url_), dir_.filePath(QStringLiteral("reader-corrupt")), size_, sha256_, o);
        StagedReader reader(&d);
        d.start();
        const Drained got = drain(reader);
        QVERIFY(got.failed);
        QVERIFY2(got.error.contains(QLatin1String("refused as an attack")), qPrintable(got.error));
        QVERIFY2(got.bytes < size_, qPrintable(QString::number(got.bytes))); // the last byte is held back
        QVERIFY(reader.verifiedSha256().isEmpty());
    }

    void readerFailsWhenTheDownloadStartsOver() {
        // The signed length says more than the server has: the first
        // connection ends short, the resume offset is unsatisfiable (416)
        // and the staging file starts over; what the reader passed on is
        // no longer what is being hashed, so the reader must fail.
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        o.maxAttempts = 2;
        Download d(QUrl(url_), dir_.filePath(QStringLiteral("reader-416")), size_ + 1000, sha256_, o);
        StagedReader reader(&d);
        QSignalSpy restarted(&d, &Download::restarted);
        d.start();
        const Drained got = drain(reader);
        QVERIFY(got.failed);
        QCOMPARE(restarted.count(), 1);
        QVERIFY(got.bytes > 0);
        QVERIFY(reader.verifiedSha256().isEmpty());
    }

    // Downloads over TLS use the DDI client's settings: the pinned CA set
    // and the client certificate (mutual TLS), handed to libcurl.
    void mutualTls() {
        const QString pki = dir_.filePath(QStringLiteral("pki"));
        QProcess maker;
        maker.start(QStringLiteral(CONDUIT_DEVSERVER_PATH), {QStringLiteral("--make-test-pki"), pki});
        QVERIFY(maker.waitForFinished(60000));
        QCOMPARE(maker.exitCode(), 0);
        ServerProcess tls;
        QString error;
        QVERIFY2(tls.start({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                            QStringLiteral("0"), QStringLiteral("--tls-cert"), pki + QStringLiteral("/server.pem"),
                            QStringLiteral("--tls-key"), pki + QStringLiteral("/server.key"),
                            QStringLiteral("--client-ca"), pki + QStringLiteral("/ca.pem")},
                           &error, true),
                 qPrintable(error));
        const Reply dep = postJson(
            tls.adminUrl + QStringLiteral("/admin/deployments"),
            QJsonObject{{"controller", "car-1"},
                        {"chunks", QJsonArray{QJsonObject{
                                       {"part", "os"}, {"version", "2"}, {"artifacts", QJsonArray{artifact_}}}}}});
        QVERIFY2(dep.status == 201, dep.body.constData());
        const QString url = dep.json()
                                .value(QLatin1String("chunks"))
                                .toArray()
                                .first()
                                .toObject()
                                .value(QLatin1String("artifacts"))
                                .toArray()
                                .first()
                                .toObject()
                                .value(QLatin1String("url"))
                                .toString();
        QVERIFY2(url.startsWith(QLatin1String("https://127.0.0.1:")), qPrintable(url));
        auto config = [&](const QString &client, const QString &ca) {
            QSslConfiguration c = QSslConfiguration::defaultConfiguration();
            if (!ca.isEmpty()) c.setCaCertificates(QSslCertificate::fromPath(pki + u'/' + ca));
            c.setLocalCertificateChain(QSslCertificate::fromPath(pki + u'/' + client + QStringLiteral(".pem")));
            QFile key(pki + u'/' + client + QStringLiteral(".key"));
            if (key.open(QIODevice::ReadOnly)) c.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
            return c;
        };
        auto fetch = [&](const QString &name, const QSslConfiguration &c) {
            DownloadOptions o = fast();
            o.maxAttempts = 2;
            o.tls = c;
            auto d = std::make_unique<Download>(QUrl(url), dir_.filePath(name), size_, sha256_, o);
            QSignalSpy done(d.get(), &Download::finished);
            d->start();
            if (done.isEmpty()) done.wait(120000);
            return d;
        };
        auto good = fetch(QStringLiteral("tls-good"), config(QStringLiteral("client"), QStringLiteral("ca.pem")));
        QVERIFY2(good->succeeded(), qPrintable(good->error()));
        QCOMPARE(good->bytesOnDisk(), size_);
        // A client certificate from another CA: the handshake fails, a bounded number of times.
        auto rogue =
            fetch(QStringLiteral("tls-rogue"), config(QStringLiteral("rogue-client"), QStringLiteral("ca.pem")));
        QVERIFY(!rogue->succeeded());
        QVERIFY2(rogue->error().startsWith(QLatin1String("gave up after 2 attempts")), qPrintable(rogue->error()));
        QCOMPARE(rogue->bytesOnDisk(), 0);
        // The server's certificate is not from the pinned CA (the system's CAs only): refused.
        auto unpinned = fetch(QStringLiteral("tls-unpinned"), config(QStringLiteral("client"), {}));
        QVERIFY(!unpinned->succeeded());
        QVERIFY2(unpinned->error().contains(QLatin1String("certificate"), Qt::CaseInsensitive),
                 qPrintable(unpinned->error()));
    }

    // Downloads of one campaign share the link: at most N connections at
    // once, the others start as the running ones end, in order.
    void queueBoundsParallelDownloads_data() {
        QTest::addColumn<int>("maxParallel");
        QTest::newRow("one at a time") << 1;
        QTest::newRow("two at a time") << 2;
    }
    void queueBoundsParallelDownloads() {
        QFETCH(int, maxParallel);
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken secret"}};
        conduit::transfer::DownloadQueue queue(maxParallel);
        std::vector<std::unique_ptr<Download>> downloads;
        int active = 0, maxActive = 0, done = 0;
        QStringList order;
        for (int i = 0; i < 3; ++i) {
            const QString name = QStringLiteral("queued-%1-%2").arg(maxParallel).arg(i);
            QFile::remove(dir_.filePath(name));
            downloads.push_back(std::make_unique<Download>(QUrl(url_), dir_.filePath(name), size_, sha256_, o));
            Download *d = downloads.back().get();
            auto started = std::make_shared<bool>(false);
            connect(d, &Download::progress, this, [&, started](qint64 onDisk) {
                if (*started || onDisk == 0) return;
                *started = true;
                maxActive = std::max(maxActive, ++active);
            });
            connect(d, &Download::finished, this, [&, d, started, i](bool ok) {
                QVERIFY2(ok, qPrintable(d->error()));
                if (*started) --active;
                ++done;
                order << QString::number(i);
            });
            queue.enqueue(d);
        }
        QCOMPARE(queue.running(), maxParallel);
        QCOMPARE(queue.waiting(), 3 - maxParallel);
        QVERIFY(QTest::qWaitFor([&] { return done == 3; }, 120000));
        QCOMPARE(maxActive, maxParallel); // never more; and the queue did use its room
        if (maxParallel == 1) QCOMPARE(order, QStringList({"0", "1", "2"}));
        QCOMPARE(queue.running(), 0);
        for (const auto &d : downloads) QVERIFY(d->succeeded());
    }

    void wrongTokenIsRefused() {
        DownloadOptions o = fast();
        o.headers = {{"Authorization", "TargetToken wrong"}};
        auto d = run(dir_.filePath(QStringLiteral("token")), o);
        QVERIFY(!d->succeeded());
        QVERIFY2(d->error().contains(QLatin1String("HTTP 401")), qPrintable(d->error()));
        QCOMPARE(d->attempts(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDownload)
#include "tst_download.moc"
