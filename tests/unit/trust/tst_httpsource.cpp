// HttpMetadataSource against a loopback HTTP server in the same thread
// (fetch() runs a local event loop, which also serves the server): full
// Uptane verification over HTTP, 404 and redirects, and the byte cap and
// stall timeout against a server that never stops or never starts.
#include "trust/httpsource.h"
#include "trust/repositorybuilder.h"
#include "trust/uptane.h"

#include <QDir>
#include <QProcess>
#include <QSslKey>
#include <QSslServer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <set>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

JsonValue obj(JsonValue::Object o) { return JsonValue(std::move(o)); }

// Minimal HTTP/1.1 server: one request per connection, then close.
class LoopbackServer : public QObject {
public:
    std::map<QByteArray, QByteArray> files; // path -> body
    qint64 endlessSent = 0;                 // bytes written on /endless/*
    QByteArrayList requests;

    // Plain HTTP, or HTTPS when given a TLS server configuration.
    explicit LoopbackServer(std::optional<QSslConfiguration> tls = std::nullopt) {
        if (tls) {
            auto ssl = std::make_unique<QSslServer>();
            ssl->setSslConfiguration(*tls);
            m_server = std::move(ssl);
        } else {
            m_server = std::make_unique<QTcpServer>();
        }
        m_scheme = tls ? QStringLiteral("https") : QStringLiteral("http");
        QObject::connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server->nextPendingConnection()) {
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { onRequest(socket); });
                // Forget the buffer with the socket: a later socket may reuse its address.
                QObject::connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    m_buffers.erase(socket);
                    m_answered.erase(socket);
                    socket->deleteLater();
                });
            }
        });
        m_server->listen(QHostAddress::LocalHost, 0);
    }
    QUrl url(const QString &path) const {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2%3").arg(m_scheme).arg(m_server->serverPort()).arg(path));
    }

private:
    void onRequest(QTcpSocket *socket) {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n") || m_answered.count(socket)) return;
        m_answered.insert(socket);
        const QByteArray path = buffer.split(' ').value(1);
        requests.append(path);
        if (path.startsWith("/stall/")) return; // accept, then say nothing
        if (path.startsWith("/redirect/")) {
            socket->write("HTTP/1.1 301 Moved\r\nLocation: /director/1.root.json\r\nContent-Length: 0\r\nConnection: "
                          "close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        if (path.startsWith("/endless/")) {
            // No Content-Length: keep writing until the client hangs up (or 256 MiB).
            socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            auto more = [this, socket] {
                if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesToWrite() < (1 << 20) &&
                    endlessSent < (qint64(256) << 20)) {
                    socket->write(QByteArray(64 * 1024, ' '));
                    endlessSent += 64 * 1024;
                }
            };
            QObject::connect(socket, &QTcpSocket::bytesWritten, socket, more);
            more();
            return;
        }
        auto it = files.find(path);
        if (it == files.end()) {
            socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        } else {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(it->second.size()) +
                          "\r\nConnection: close\r\n\r\n");
            socket->write(it->second);
        }
        socket->disconnectFromHost();
    }

    QString m_scheme;
    std::map<QTcpSocket *, QByteArray> m_buffers;
    std::set<QTcpSocket *> m_answered; // one request per connection
    // Last, so it is destroyed first: its sockets' disconnected() handlers
    // still find the maps above.
    std::unique_ptr<QTcpServer> m_server;
};

} // namespace

class TestHttpSource : public QObject {
    Q_OBJECT

    std::unique_ptr<LoopbackServer> server;
    std::unique_ptr<RepositoryBuilder> director, image;

    void serve(const QByteArray &prefix, RepositoryBuilder &repo) {
        MemorySource published;
        repo.publish(published);
        for (const QString &name : published.names()) server->files[prefix + name.toUtf8()] = *published.file(name);
    }

    HttpMetadataSource source(const QString &path, int stallMs = 10000) {
        HttpSourceConfig config;
        config.baseUrl = server->url(path);
        config.stallTimeoutMs = stallMs;
        return HttpMetadataSource(config);
    }

private slots:
    void init() {
        server = std::make_unique<LoopbackServer>();
        director = std::make_unique<RepositoryBuilder>(QStringLiteral("http-director"), kNow);
        image = std::make_unique<RepositoryBuilder>(QStringLiteral("http-image"), kNow);
        const QByteArray content = "image over http";
        image->addTarget(QStringLiteral("fw.bin"), content,
                         obj({{"hardware_ids", JsonValue::array({QStringLiteral("hw")})}}));
        director->addTarget(QStringLiteral("fw.bin"), content,
                            obj({{"ecu_identifiers", obj({{"ECU-1", obj({{"hardware_id", "hw"}})}})}}));
        serve("/director/", *director);
        serve("/image/", *image);
    }

    void fullVerificationOverHttp() {
        auto trusted = provisionTrustedState(director->initialRoot(), image->initialRoot());
        QVERIFY(trusted.ok());
        HttpMetadataSource d = source(QStringLiteral("/director"));
        HttpMetadataSource i = source(QStringLiteral("/image/"));
        Vehicle vehicle{QStringLiteral("VIN"), {{QStringLiteral("ECU-1"), QStringLiteral("hw")}}};
        auto update = verifyUptane(*trusted, d, i, vehicle, kNow);
        QVERIFY2(update.ok(), update.ok() ? "" : qPrintable(update.error().message));
        QCOMPARE(update->targets.size(), size_t(1));
        QVERIFY(server->requests.contains("/director/2.root.json")); // looked for a newer root
        QVERIFY(server->requests.contains("/image/1.targets.json"));
    }

    void missingFileIsAbsent() {
        HttpMetadataSource d = source(QStringLiteral("/director/"));
        QVERIFY(!d.fetch(QStringLiteral("7.root.json"), 1000));
        QVERIFY2(d.lastError().contains(QStringLiteral("not found")), qPrintable(d.lastError()));
        QVERIFY(d.fetch(QStringLiteral("1.root.json"), 1 << 20));
        QVERIFY(!d.fetch(QStringLiteral("../image/1.root.json"), 1000)); // never requested
        QVERIFY(!server->requests.contains("/image/1.root.json"));
    }

    void redirectIsNotFollowed() {
        HttpMetadataSource r = source(QStringLiteral("/redirect/"));
        QVERIFY(!r.fetch(QStringLiteral("1.root.json"), 1 << 20));
        QVERIFY(!server->requests.contains("/director/1.root.json"));
    }

    void endlessResponseIsCapped() {
        HttpMetadataSource e = source(QStringLiteral("/endless/"));
        const auto bytes = e.fetch(QStringLiteral("timestamp.json"), 16 * 1024);
        QVERIFY(bytes);
        QCOMPARE(bytes->size(), 16 * 1024 + 1);
        // The download was aborted long before the server's 256 MiB.
        QVERIFY2(server->endlessSent < (qint64(32) << 20), qPrintable(QString::number(server->endlessSent)));
        // And the TUF layer refuses it as endless data.
        auto parsed = parseSignedMetadata(*bytes, QStringLiteral("timestamp"), 16 * 1024);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, TrustErrorKind::TooLarge);
    }

    void stalledServerTimesOut() {
        HttpMetadataSource s = source(QStringLiteral("/stall/"), 300);
        QVERIFY(!s.fetch(QStringLiteral("timestamp.json"), 1000));
        QVERIFY2(s.lastError().contains(QStringLiteral("slow retrieval")), qPrintable(s.lastError()));
    }

    // Mutual TLS: a CA, a server certificate for 127.0.0.1 and a vehicle
    // client certificate, made with the openssl CLI for this run.
    void mutualTls() {
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (openssl.isEmpty()) QSKIP("openssl CLI not installed");
        QTemporaryDir dir;
        auto sh = [&](const QStringList &args) {
            QProcess p;
            p.setWorkingDirectory(dir.path());
            p.start(openssl, args);
            return p.waitForFinished(60000) && p.exitCode() == 0;
        };
        const QStringList ec{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                             QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes")};
        QVERIFY(sh(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec +
                   QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                               QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("30"),
                               QStringLiteral("-subj"), QStringLiteral("/CN=Conduit Test CA")}));
        QFile ext(dir.filePath(QStringLiteral("server.ext")));
        QVERIFY(ext.open(QIODevice::WriteOnly));
        ext.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        ext.close();
        QFile clientExt(dir.filePath(QStringLiteral("client.ext")));
        QVERIFY(clientExt.open(QIODevice::WriteOnly));
        clientExt.write("extendedKeyUsage=clientAuth\n");
        clientExt.close();
        for (const QString &who : {QStringLiteral("server"), QStringLiteral("client"), QStringLiteral("stranger")}) {
            QVERIFY(
                sh(QStringList{QStringLiteral("req")} + ec +
                   QStringList{QStringLiteral("-keyout"), who + QStringLiteral(".key"), QStringLiteral("-out"),
                               who + QStringLiteral(".csr"), QStringLiteral("-subj"), QStringLiteral("/CN=") + who}));
            // The stranger's certificate is self-signed: not from the CA.
            const QStringList issuer =
                who == QLatin1String("stranger")
                    ? QStringList{QStringLiteral("-signkey"), QStringLiteral("stranger.key")}
                    : QStringList{QStringLiteral("-CA"), QStringLiteral("ca.pem"), QStringLiteral("-CAkey"),
                                  QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial")};
            QVERIFY(sh(QStringList{QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                                   who + QStringLiteral(".csr")} +
                       issuer +
                       QStringList{QStringLiteral("-out"), who + QStringLiteral(".pem"), QStringLiteral("-days"),
                                   QStringLiteral("30"), QStringLiteral("-extfile"),
                                   who == QLatin1String("server") ? QStringLiteral("server.ext")
                                                                  : QStringLiteral("client.ext")}));
        }
        auto path = [&](const char *name) { return dir.filePath(QLatin1String(name)); };

        // Server side: its certificate, and it requires a client certificate from the CA.
        auto serverTls = tlsConfigurationFromFiles(path("ca.pem"), path("server.pem"), path("server.key"));
        QVERIFY2(serverTls.ok(), serverTls.ok() ? "" : qPrintable(serverTls.error().message));
        serverTls->setPeerVerifyMode(QSslSocket::VerifyPeer);
        LoopbackServer tlsServer(*serverTls);
        tlsServer.files = server->files;

        auto fetchWith = [&](const char *ca, const char *cert, const char *key) {
            auto tls = tlsConfigurationFromFiles(path(ca), cert ? path(cert) : QString(), key ? path(key) : QString());
            if (!tls) qFatal("client TLS: %s", qPrintable(tls.error().message));
            HttpSourceConfig config;
            config.baseUrl = tlsServer.url(QStringLiteral("/director/"));
            config.tls = *tls;
            config.stallTimeoutMs = 5000;
            HttpMetadataSource source(config);
            return source.fetch(QStringLiteral("1.root.json"), 1 << 20);
        };
        const auto good = fetchWith("ca.pem", "client.pem", "client.key");
        QVERIFY(good);
        QCOMPARE(*good, director->initialRoot());
        QVERIFY(!fetchWith("ca.pem", nullptr, nullptr));                 // no client certificate
        QVERIFY(!fetchWith("ca.pem", "stranger.pem", "stranger.key"));   // client not from the CA
        QVERIFY(!fetchWith("stranger.pem", "client.pem", "client.key")); // server not trusted
    }

    void tlsFilesAreChecked() {
        auto none = tlsConfigurationFromFiles(QStringLiteral("/nonexistent/ca.pem"), QString(), QString());
        QVERIFY(!none.ok());
        QCOMPARE(none.error().kind, TrustErrorKind::BadKey);
        auto defaults = tlsConfigurationFromFiles(QString(), QString(), QString());
        QVERIFY(defaults.ok());
    }
};

QTEST_GUILESS_MAIN(TestHttpSource)
#include "tst_httpsource.moc"
