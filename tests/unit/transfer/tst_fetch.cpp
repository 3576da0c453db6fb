// One HTTP attempt of a download (transfer/fetch.h) against a loopback
// server that answers each request with a canned response: the body lands
// in the staging file at its offset and in the chunk callbacks, Range is
// asked for when resuming, a server that ignores it or answers another
// range is handled, nothing is written past the verified length, and an
// error status or a refused connection is reported, not written.
#include "transfer/fetch.h"

#include <QEventLoop>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <set>

using namespace conduit::transfer;

namespace {

// Answers every request with `response`, then closes; keeps the requests.
class CannedServer : public QObject {
public:
    QByteArray response;
    QByteArrayList requests;

    CannedServer() {
        connect(&server_, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = server_.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    QByteArray &b = buffers_[s];
                    b += s->readAll();
                    if (!b.contains("\r\n\r\n") || !answered_.insert(s).second) return;
                    requests << b;
                    s->write(response);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, this, [this, s] {
                    buffers_.erase(s);
                    answered_.erase(s);
                    s->deleteLater();
                });
            }
        });
        QVERIFY(server_.listen(QHostAddress::LocalHost, 0));
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/image.bin").arg(server_.serverPort())); }

private:
    std::map<QTcpSocket *, QByteArray> buffers_;
    std::set<QTcpSocket *> answered_; // one request per connection
    // Last, so it is destroyed first: its sockets' handlers still find the above.
    QTcpServer server_;
};

QByteArray image(int size) {
    QByteArray b(size, '\0');
    for (int i = 0; i < size; ++i) b[i] = char((i * 131 + 7) & 0xff);
    return b;
}

QByteArray http(const QByteArray &statusLine, const QByteArray &body, const QByteArray &extra = {}) {
    return statusLine + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extra +
           "Connection: close\r\n\r\n" + body;
}

// What one attempt did, as its callbacks saw it.
struct Outcome {
    bool done = false;
    FetchResult result;
    int headerStatus = -1;
    QByteArray chunkBytes;   // the bytes the chunks carried, in order
    qint64 firstOffset = -1; // where the first chunk started
    qint64 lastEnd = -1;     // how far the last chunk said the file goes
};

Outcome run(FetchRequest request) {
    QObject owner;
    Outcome out;
    QEventLoop loop;
    Fetch::Callbacks cb;
    cb.header = [&](int status) { out.headerStatus = status; };
    cb.chunk = [&](qint64 offset, qint64 size, const QByteArray &bytes) {
        if (out.firstOffset < 0) out.firstOffset = offset;
        out.chunkBytes += bytes;
        out.lastEnd = offset + size;
    };
    cb.done = [&](const FetchResult &r) {
        out.done = true;
        out.result = r;
        loop.quit();
    };
    auto fetch = Fetch::start(&owner, std::move(request), cb);
    QTimer guard; // a hung fetch fails the test instead of hanging it
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
    guard.start(20000);
    loop.exec();
    fetch->join();
    return out;
}

} // namespace

class TestFetch : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int fd_ = -1;

    FetchRequest request(const QUrl &url, qint64 length, qint64 offset = 0) {
        FetchRequest r;
        r.url = url;
        r.fd = fd_;
        r.length = length;
        r.offset = offset;
        return r;
    }
    QByteArray staged() {
        QFile f(dir_.filePath(QStringLiteral("staging")));
        if (!f.open(QIODevice::ReadOnly)) return {};
        return f.readAll();
    }

private slots:
    void init() {
        QVERIFY(dir_.isValid());
        fd_ = ::open(QFile::encodeName(dir_.filePath(QStringLiteral("staging"))).constData(),
                     O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        QVERIFY(fd_ >= 0);
    }
    void cleanup() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    void wholeBodyGoesToTheFileAndTheChunks() {
        CannedServer server;
        const QByteArray body = image(700 * 1024); // more than one batch
        server.response = http("HTTP/1.1 200 OK", body);
        FetchRequest r = request(server.url(), body.size());
        r.headers << qMakePair(QByteArray("Authorization"), QByteArray("TargetToken secret"));
        const Outcome o = run(r);
        QVERIFY(o.done);
        QCOMPARE(o.result.status, 200);
        QCOMPARE(o.headerStatus, 200);
        QVERIFY2(o.result.verdict.isEmpty(), qPrintable(o.result.verdict));
        QVERIFY2(o.result.transportError.isEmpty(), qPrintable(o.result.transportError));
        QCOMPARE(staged(), body);
        QCOMPARE(o.firstOffset, qint64(0));
        QCOMPARE(o.chunkBytes, body);
        QCOMPARE(o.lastEnd, qint64(body.size()));
        QCOMPARE(server.requests.size(), 1);
        QVERIFY(server.requests[0].contains("\r\nAuthorization: TargetToken secret\r\n"));
        QVERIFY(!server.requests[0].toLower().contains("\r\nrange:"));
    }

    void resumeAsksForTheRestAndWritesItAtItsOffset() {
        CannedServer server;
        const QByteArray body = image(64 * 1024);
        const qint64 have = 10000;
        QCOMPARE(::pwrite(fd_, body.constData(), size_t(have), 0), ssize_t(have));
        server.response =
            http("HTTP/1.1 206 Partial Content", body.mid(have),
                 "Content-Range: bytes " + QByteArray::number(have) + "-" + QByteArray::number(body.size() - 1) + "/" +
                     QByteArray::number(body.size()) + "\r\n");
        const Outcome o = run(request(server.url(), body.size(), have));
        QCOMPARE(o.result.status, 206);
        QVERIFY2(o.result.verdict.isEmpty(), qPrintable(o.result.verdict));
        QVERIFY(server.requests[0].contains("\r\nRange: bytes=10000-\r\n"));
        QCOMPARE(staged(), body);
        QCOMPARE(o.firstOffset, have);
        QCOMPARE(o.chunkBytes, body.mid(have));
    }

    void serverIgnoringRangeCostsOnlyTheSkippedBytes() {
        CannedServer server;
        const QByteArray body = image(64 * 1024);
        const qint64 have = 5000;
        QCOMPARE(::pwrite(fd_, body.constData(), size_t(have), 0), ssize_t(have));
        server.response = http("HTTP/1.1 200 OK", body); // the whole image again
        const Outcome o = run(request(server.url(), body.size(), have));
        QCOMPARE(o.result.status, 200);
        QVERIFY2(o.result.verdict.isEmpty(), qPrintable(o.result.verdict));
        QCOMPARE(staged(), body);
        QCOMPARE(o.firstOffset, have);
        QCOMPARE(o.chunkBytes, body.mid(have)); // the first bytes dropped, not rewritten
    }

    void rangeStartingElsewhereIsRefusedAndRetryable() {
        CannedServer server;
        const QByteArray body = image(4096);
        const qint64 have = 1000;
        QCOMPARE(::pwrite(fd_, body.constData(), size_t(have), 0), ssize_t(have));
        server.response =
            http("HTTP/1.1 206 Partial Content", body.mid(2000), "Content-Range: bytes 2000-4095/4096\r\n");
        const Outcome o = run(request(server.url(), body.size(), have));
        QVERIFY(o.done);
        QVERIFY2(o.result.verdict.contains(QStringLiteral("range starting elsewhere (bytes 2000-4095/4096)")),
                 qPrintable(o.result.verdict));
        QVERIFY(!o.result.fatal);
        QCOMPARE(staged(), body.left(have)); // nothing of the wrong range written
        QVERIFY(o.chunkBytes.isEmpty());
    }

    void nothingIsWrittenPastTheVerifiedLength() {
        CannedServer server;
        const QByteArray body = image(32 * 1024);
        const qint64 verified = 20000;
        server.response = http("HTTP/1.1 200 OK", body);
        const Outcome o = run(request(server.url(), verified));
        QVERIFY(o.done);
        QVERIFY2(o.result.verdict.contains(QStringLiteral("more than the verified length 20000")),
                 qPrintable(o.result.verdict));
        QVERIFY(o.result.fatal);
        QVERIFY(staged().size() <= verified);
        QCOMPARE(staged(), body.left(staged().size()));
        QVERIFY(o.lastEnd <= verified);
    }

    void errorStatusIsReportedAndItsBodyIsNotData() {
        CannedServer server;
        server.response = http("HTTP/1.1 404 Not Found", "no such artifact");
        const Outcome o = run(request(server.url(), 1000));
        QVERIFY(o.done);
        QCOMPARE(o.result.status, 404);
        QCOMPARE(o.headerStatus, 404);
        QVERIFY(o.result.verdict.isEmpty());
        QCOMPARE(staged(), QByteArray());
        QVERIFY(o.chunkBytes.isEmpty());
    }

    void refusedConnectionIsATransportError() {
        quint16 port = 0;
        {
            QTcpServer probe; // a port that was free a moment ago, closed again
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        const Outcome o = run(request(QUrl(QStringLiteral("http://127.0.0.1:%1/x").arg(port)), 1000));
        QVERIFY(o.done);
        QCOMPARE(o.result.status, 0);
        QVERIFY(!o.result.transportError.isEmpty());
        QCOMPARE(o.headerStatus, -1);
        QCOMPARE(staged(), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestFetch)
#include "tst_fetch.moc"
