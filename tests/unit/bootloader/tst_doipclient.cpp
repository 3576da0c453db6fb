// The DoIP tester against a small in-test entity on loopback (doippeer.h):
// routing codes, confirmation, diagnostic ACK/NACK, generic NACK, alive
// check, coalesced and split replies, several ECUs on one connection from
// two threads, versions 2012/2019, TLS with a matching and a wrong pin.
#include "doipclient.h"
#include "doippeer.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

using namespace conduit::bootloader;
using namespace doippeer;
using namespace std::chrono_literals;

namespace {

DoipConfig configFor(const Peer &peer) {
    DoipConfig c;
    c.port = peer.port();
    c.routingTimeout = 2s;
    c.confirmationTimeout = 300ms;
    c.ackTimeout = 2s;
    return c;
}

std::string peerName(const Peer &peer) { return "127.0.0.1:" + std::to_string(peer.port()); }

// A transport call that must succeed; its error's text otherwise.
#define QVERIFY_OK(call)                                                                                               \
    do {                                                                                                               \
        const auto e_ = (call);                                                                                        \
        QVERIFY2(!e_, e_ ? e_->message.c_str() : "");                                                                  \
    } while (0)

// Opens a connection to the peer and a Link to `target` on it; nullptr
// (with the reason printed) when either fails.
std::unique_ptr<Link> openLink(const Peer &peer, uint16_t target, std::shared_ptr<DoipConnection> &connection) {
    std::optional<TransportError> error;
    connection = DoipConnection::open(configFor(peer), error);
    std::string why;
    auto link = connection ? connection->link(target, why) : nullptr;
    if (!link) qWarning("%s", error ? error->message.c_str() : why.c_str());
    return link;
}

Bytes reply(uint16_t from, const Bytes &uds) { return encodeDiagnostic({from, 0x0E00, uds}); }

} // namespace

class TestDoipClient : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString key_, cert_;
    std::string pin_;

private slots:
    void routingAndDiagnostic() {
        std::optional<RoutingActivationRequest> seen;
        std::optional<DiagnosticMessage> request;
        Peer peer({[&](Conn &c) {
            seen = c.route();
            request = c.diagnostic();
            c.write(PayloadType::DiagnosticMessage, reply(0x1001, {0x62, 0xF1, 0x89, '1'}));
            c.read(); // until the client closes
        }});
        std::optional<TransportError> error;
        auto connection = DoipConnection::open(configFor(peer), error);
        QVERIFY2(connection, error ? error->message.c_str() : "");
        QCOMPARE(connection->entityAddress(), uint16_t(0x1000));
        std::string why;
        auto link = connection->link(0x1001, why);
        QVERIFY(link);
        QVERIFY(!connection->link(0x1001, why));
        QCOMPARE(link->describe(), "doip " + peerName(peer) + " 0x0e00->0x1001");
        QVERIFY_OK(link->send({0x22, 0xF1, 0x89}));
        Bytes message;
        QVERIFY_OK(link->receive(message, Clock::now() + 5s));
        QCOMPARE(message, (Bytes{0x62, 0xF1, 0x89, '1'}));
        link.reset();
        connection->close();
        peer.join();
        QVERIFY(seen);
        QCOMPARE(seen->sourceAddress, uint16_t(0x0E00));
        QCOMPARE(seen->activationType, uint8_t(0x00));
        QVERIFY(request);
        QCOMPARE(request->target, uint16_t(0x1001));
        QCOMPARE(request->userData, (Bytes{0x22, 0xF1, 0x89}));
    }

    // The thread that waits reads the socket itself (blocking in recv on
    // TCP): with no reply it returns at its deadline, and close() from
    // another thread ends its wait at once.
    void aWaiterReadingEndsAtItsDeadlineAndAtClose() {
        Peer peer({[&](Conn &c) {
            c.route();
            (void)c.diagnostic(); // ACKed, never answered
            c.read();             // until the client closes
        }});
        std::shared_ptr<DoipConnection> connection;
        auto link = openLink(peer, 0x1001, connection);
        QVERIFY(link);
        QVERIFY_OK(link->send({0x22, 0xF1, 0x89}));
        Bytes message;
        const auto start = Clock::now();
        auto e = link->receive(message, start + 150ms);
        const auto waited = Clock::now() - start;
        QVERIFY(e);
        QCOMPARE(e->kind, TransportErrorKind::Timeout);
        QVERIFY(waited >= 150ms);
        QVERIFY2(waited < 2s, "the wait overran its deadline");
        std::optional<TransportError> closed;
        std::thread waiter([&] { closed = link->receive(message, Clock::now() + 30s); });
        connection->close();
        waiter.join();
        QVERIFY(closed);
        QCOMPARE(closed->kind, TransportErrorKind::ConnectionLost);
        QVERIFY2(Clock::now() - start < 10s, "close() did not end the wait");
        link.reset();
        peer.join();
    }

    void routingRefusedNamed() {
        const std::vector<uint8_t> codes = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0A};
        std::vector<Peer::Handler> handlers;
        for (uint8_t code : codes) handlers.push_back([code](Conn &c) { c.route(code); });
        Peer peer(handlers);
        for (uint8_t code : codes) {
            std::optional<TransportError> error;
            QVERIFY(!DoipConnection::open(configFor(peer), error));
            QVERIFY(error);
            QCOMPARE(error->kind, TransportErrorKind::Refused);
            QCOMPARE(error->message,
                     "routing activation refused by " + peerName(peer) + ": " + describeRoutingCode(code));
        }
    }

    void missingAuthenticationMessage() {
        Peer peer({[](Conn &c) { c.route(0x04); }});
        std::optional<TransportError> error;
        QVERIFY(!DoipConnection::open(configFor(peer), error));
        QCOMPARE(error->message, "routing activation refused by " + peerName(peer) + ": missing authentication (0x04)");
    }

    // 0x11: the final response decides; none in time is a timeout that says so.
    void confirmationRequired() {
        auto confirmThen = [](std::optional<uint8_t> final) {
            return [final](Conn &c) {
                auto r = c.route(0x11);
                if (r && final)
                    c.write(PayloadType::RoutingActivationResponse,
                            encodeRoutingResponse({r->sourceAddress, 0x1000, *final, {}}));
                c.read();
            };
        };
        Peer peer({confirmThen(0x10), confirmThen(0x05), confirmThen(std::nullopt)});
        std::optional<TransportError> error;
        QVERIFY(DoipConnection::open(configFor(peer), error));
        QVERIFY(!DoipConnection::open(configFor(peer), error));
        QCOMPARE(error->kind, TransportErrorKind::Refused);
        QVERIFY2(error->message.ends_with("rejected confirmation (0x05)"), error->message.c_str());
        QVERIFY(!DoipConnection::open(configFor(peer), error));
        QCOMPARE(error->kind, TransportErrorKind::Timeout);
        QVERIFY2(error->message.find("confirmation required (0x11)") != std::string::npos, error->message.c_str());
    }

    void diagnosticNacks() {
        Peer peer({[](Conn &c) {
            c.route();
            auto d = c.diagnostic(false);
            if (d) c.write(PayloadType::DiagnosticNack, encodeDiagnosticAck({d->target, d->source, 0x03, {}}));
            d = c.diagnostic(false);
            c.write(PayloadType::GenericNack, encodeGenericNack(GenericNackCode::MessageTooLarge));
            c.read();
        }});
        std::shared_ptr<DoipConnection> connection;
        auto link = openLink(peer, 0x1009, connection);
        QVERIFY(link);
        auto e = link->send({0x10, 0x02});
        QVERIFY(e);
        QCOMPARE(e->kind, TransportErrorKind::Refused);
        QCOMPARE(e->message,
                 "diagnostic message to 0x1009 refused by " + peerName(peer) + ": unknown target address (0x03)");
        e = link->send({0x10, 0x02});
        QVERIFY(e);
        QCOMPARE(e->kind, TransportErrorKind::Refused);
        QVERIFY2(e->message.ends_with("with a generic NACK: message too large (0x02)"), e->message.c_str());
        QVERIFY(!connection->failure()); // NACKs refuse a message, not the connection
    }

    // Alive checks before and after routing are answered with the tester address.
    void aliveCheck() {
        std::vector<std::optional<uint16_t>> answers;
        Peer peer({[&](Conn &c) {
            auto m = c.read();
            if (!m) return;
            std::string error;
            c.write(PayloadType::AliveCheckRequest, {});
            auto a = c.read();
            answers.push_back(a && a->type == 0x0008 ? decodeAliveCheckResponse(a->payload, error) : std::nullopt);
            c.write(PayloadType::RoutingActivationResponse, encodeRoutingResponse({0x0E00, 0x1000, 0x10, {}}));
            c.write(PayloadType::AliveCheckRequest, {});
            // The answer and the client's first request race; take both in either order.
            for (const Message &m : c.read(2)) {
                if (m.type == 0x0008) answers.push_back(decodeAliveCheckResponse(m.payload, error));
                if (m.type == 0x8001) c.write(PayloadType::DiagnosticAck, encodeDiagnosticAck({0x1001, 0x0E00, 0, {}}));
            }
            c.write(PayloadType::DiagnosticMessage, reply(0x1001, {0x7E, 0x00}));
            c.read();
        }});
        std::shared_ptr<DoipConnection> connection;
        auto link = openLink(peer, 0x1001, connection);
        QVERIFY(link);
        QVERIFY_OK(link->send({0x3E, 0x00})); // the entity answers it after its second alive check
        Bytes message;
        QVERIFY_OK(link->receive(message, Clock::now() + 5s));
        QCOMPARE(connection->counters().aliveChecksAnswered, uint64_t(2));
        link.reset();
        connection->close();
        peer.join();
        QCOMPARE(answers, (std::vector<std::optional<uint16_t>>{0x0E00, 0x0E00}));
    }

    // Nobody waits on the connection: the background reader answers.
    void aliveCheckWhileIdle() {
        std::optional<Message> answer;
        Peer peer({[&](Conn &c) {
            c.route();
            c.write(PayloadType::AliveCheckRequest, {});
            answer = c.read();
        }});
        std::optional<TransportError> error;
        auto connection = DoipConnection::open(configFor(peer), error);
        QVERIFY(connection);
        peer.join(); // returns once the entity has its answer (or after its 5 s read limit)
        QVERIFY(answer);
        QCOMPARE(answer->type, uint16_t(0x0008));
        QCOMPARE(answer->payload, (Bytes{0x0E, 0x00}));
    }

    // The routing response coalesced with an alive check; an ACK and two
    // replies in one segment; then a reply split byte by byte.
    void coalescedAndSplit() {
        std::optional<Message> alive;
        Peer peer({[&](Conn &c) {
            c.read();
            Bytes first = encode(Version::Iso2012, PayloadType::RoutingActivationResponse,
                                 encodeRoutingResponse({0x0E00, 0x1000, 0x10, {}}));
            const Bytes check = encode(Version::Iso2012, PayloadType::AliveCheckRequest, {});
            first.insert(first.end(), check.begin(), check.end());
            c.writeRaw(first);
            for (const Message &m : c.read(2)) // the answer and the first request, in either order
                if (m.type == 0x0008) alive = m;
            Bytes all;
            const Bytes ack =
                encode(Version::Iso2012, PayloadType::DiagnosticAck, encodeDiagnosticAck({0x1001, 0x0E00, 0, {}}));
            const Bytes r1 =
                encode(Version::Iso2012, PayloadType::DiagnosticMessage, reply(0x1001, {0x50, 0x02, 0, 50, 1, 0xF4}));
            all.insert(all.end(), ack.begin(), ack.end());
            all.insert(all.end(), r1.begin(), r1.end());
            all.insert(all.end(), r1.begin(), r1.end());
            c.writeRaw(all);
            const Bytes r2 = encode(Version::Iso2012, PayloadType::DiagnosticMessage, reply(0x1001, Bytes(300, 0x36)));
            for (uint8_t b : r2) c.writeRaw({b});
            c.read();
        }});
        std::shared_ptr<DoipConnection> connection;
        auto link = openLink(peer, 0x1001, connection);
        QVERIFY(link);
        QVERIFY_OK(link->send({0x10, 0x02}));
        Bytes message;
        for (int i = 0; i < 2; ++i) {
            QVERIFY_OK(link->receive(message, Clock::now() + 5s));
            QCOMPARE(message, (Bytes{0x50, 0x02, 0, 50, 1, 0xF4}));
        }
        QVERIFY_OK(link->receive(message, Clock::now() + 5s));
        QCOMPARE(message, Bytes(300, 0x36));
        link.reset();
        connection->close();
        peer.join();
        QVERIFY(alive && alive->type == 0x0008 && alive->payload == (Bytes{0x0E, 0x00}));
    }

    // Two ECUs on one connection, each driven by its own thread; the entity
    // answers in the opposite order of the requests, so only demultiplexing
    // by source address gets every reply to its requester.
    void severalEcusOneConnection() {
        constexpr int rounds = 50;
        Peer peer({[](Conn &c) {
            c.route();
            for (int i = 0; i < rounds; ++i) {
                auto a = c.diagnostic(), b = c.diagnostic();
                if (!a || !b) return;
                for (const auto *d : {&*b, &*a}) {
                    Bytes uds{0x62, static_cast<uint8_t>(d->target >> 8), static_cast<uint8_t>(d->target)};
                    uds.insert(uds.end(), d->userData.begin() + 1, d->userData.end());
                    c.write(PayloadType::DiagnosticMessage, reply(d->target, uds));
                }
            }
            c.read();
        }});
        std::optional<TransportError> error;
        auto connection = DoipConnection::open(configFor(peer), error);
        QVERIFY(connection);
        std::string why;
        std::unique_ptr<Link> links[2] = {connection->link(0x1001, why), connection->link(0x1002, why)};
        std::atomic<int> good[2] = {0, 0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 2; ++t)
            threads.emplace_back([&, t] {
                const uint16_t me = t ? 0x1002 : 0x1001;
                for (int i = 0; i < rounds; ++i) {
                    if (links[t]->send({0x22, static_cast<uint8_t>(i)})) return;
                    Bytes m;
                    if (links[t]->receive(m, Clock::now() + 5s)) return;
                    if (m ==
                        Bytes{0x62, static_cast<uint8_t>(me >> 8), static_cast<uint8_t>(me), static_cast<uint8_t>(i)})
                        ++good[t];
                }
            });
        for (auto &t : threads) t.join();
        QCOMPARE(good[0].load(), rounds);
        QCOMPARE(good[1].load(), rounds);
    }

    // A bad header closes the connection (after a generic NACK 0x00); an
    // unknown payload type is NACKed 0x01 and the connection goes on.
    void badMessagesFromEntity() {
        std::optional<Message> unknownNack, patternNack;
        Peer peer({[&](Conn &c) {
            c.route();
            c.diagnostic();
            c.writeRaw({0x02, 0xFD, 0x12, 0x34, 0, 0, 0, 0});
            unknownNack = c.read();
            c.write(PayloadType::DiagnosticMessage, reply(0x1001, {0x7E, 0x00}));
            c.writeRaw({0x02, 0x02, 0x80, 0x01, 0, 0, 0, 0});
            patternNack = c.read();
            c.read();
        }});
        std::shared_ptr<DoipConnection> connection;
        auto link = openLink(peer, 0x1001, connection);
        QVERIFY(link);
        QVERIFY_OK(link->send({0x3E, 0x00}));
        Bytes message;
        QVERIFY_OK(link->receive(message, Clock::now() + 5s)); // delivered before the bad header
        auto e = link->receive(message, Clock::now() + 5s);
        QVERIFY(e);
        QCOMPARE(e->kind, TransportErrorKind::Protocol);
        QVERIFY2(e->message.find("bad DoIP header") != std::string::npos, e->message.c_str());
        QCOMPARE(link->send({0x3E, 0x80})->kind, TransportErrorKind::Protocol);
        link.reset();
        connection->close();
        peer.join();
        QVERIFY(unknownNack && unknownNack->type == 0x0000 && unknownNack->payload == Bytes{0x01});
        QVERIFY(patternNack && patternNack->type == 0x0000 && patternNack->payload == Bytes{0x00});
    }

    void version2019() {
        Version seen = Version::Iso2012;
        Peer peer({[&](Conn &c) {
            c.route();
            seen = c.lastVersion;
        }});
        DoipConfig config = configFor(peer);
        config.version = Version::Iso2019;
        std::optional<TransportError> error;
        auto connection = DoipConnection::open(config, error);
        QVERIFY2(connection, error ? error->message.c_str() : "");
        connection->close();
        peer.join();
        QCOMPARE(seen, Version::Iso2019);
        config.version = Version::Iso2010;
        QVERIFY(!DoipConnection::open(config, error));
        QCOMPARE(error->kind, TransportErrorKind::Configuration);
    }

    // A self-signed certificate for the TLS entity, and its pin as openssl prints it ("AB:CD:...").
    void initTestCase() {
        key_ = dir_.filePath(QStringLiteral("key.pem"));
        cert_ = dir_.filePath(QStringLiteral("cert.pem"));
        const QString &key = key_, &cert = cert_;
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                       QStringLiteral("-nodes"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=doip-entity")});
        QVERIFY(openssl.waitForFinished(30000));
        QCOMPARE(openssl.exitCode(), 0);
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("x509"), QStringLiteral("-in"), cert, QStringLiteral("-noout"),
                       QStringLiteral("-fingerprint"), QStringLiteral("-sha256")});
        QVERIFY(openssl.waitForFinished(30000));
        const QString line = QString::fromLatin1(openssl.readAllStandardOutput()).trimmed();
        pin_ = line.section(QLatin1Char('='), 1).toStdString();
        QCOMPARE(normalizePin(pin_).size(), size_t(64));
    }

    SSL_CTX *serverContext() {
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        if (SSL_CTX_use_certificate_file(ctx, cert_.toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key_.toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1) {
            SSL_CTX_free(ctx);
            return nullptr;
        }
        return ctx;
    }

    void tlsPinned() {
        const std::string &pin = pin_;
        SSL_CTX *ctx = serverContext();
        QVERIFY(ctx);
        std::optional<DiagnosticMessage> request;
        {
            Peer peer({[&](Conn &c) {
                           c.route();
                           request = c.diagnostic();
                           c.write(PayloadType::DiagnosticMessage, reply(0x1001, {0x50, 0x01, 0, 50, 1, 0xF4}));
                           c.read();
                       },
                       [](Conn &c) { c.read(); }},
                      ctx);
            DoipConfig config = configFor(peer);
            config.tls = TlsPin{pin};
            std::optional<TransportError> error;
            auto connection = DoipConnection::open(config, error);
            QVERIFY2(connection, error ? error->message.c_str() : "");
            std::string why;
            auto link = connection->link(0x1001, why);
            QCOMPARE(link->describe(), "doip+tls " + peerName(peer) + " 0x0e00->0x1001");
            QVERIFY_OK(link->send({0x10, 0x01}));
            Bytes message;
            QVERIFY_OK(link->receive(message, Clock::now() + 5s));
            QCOMPARE(message, (Bytes{0x50, 0x01, 0, 50, 1, 0xF4}));
            link.reset();
            connection.reset();

            std::string wrong = normalizePin(pin);
            wrong[0] = wrong[0] == '0' ? '1' : '0';
            config.tls = TlsPin{wrong};
            QVERIFY(!DoipConnection::open(config, error));
            QCOMPARE(error->kind, TransportErrorKind::Configuration);
            QVERIFY2(error->message.find("does not match the pin") != std::string::npos, error->message.c_str());
            config.tls = TlsPin{"not-a-pin"};
            QVERIFY(!DoipConnection::open(config, error)); // refused before connecting
            QCOMPARE(error->kind, TransportErrorKind::Configuration);
        }
        SSL_CTX_free(ctx);
        QVERIFY(request);
        QCOMPARE(request->userData, (Bytes{0x10, 0x01}));
    }

    // The entity closes its TLS socket: the Link's next send fails with ConnectionLost.
    void tlsPeerGone() {
        SSL_CTX *ctx = serverContext();
        QVERIFY(ctx);
        {
            Peer peer({[](Conn &c) { c.route(); }}, ctx);
            DoipConfig config = configFor(peer);
            config.tls = TlsPin{pin_};
            config.ackTimeout = 500ms;
            std::optional<TransportError> error;
            auto connection = DoipConnection::open(config, error);
            QVERIFY2(connection, error ? error->message.c_str() : "");
            std::string why;
            auto link = connection->link(0x1001, why);
            peer.join(); // the entity has closed
            std::optional<TransportError> e;
            for (int i = 0; i < 5 && (!e || e->kind == TransportErrorKind::Timeout); ++i)
                e = link->send(Bytes(3000, 0x36));
            QVERIFY(e);
            QCOMPARE(e->kind, TransportErrorKind::ConnectionLost);
        }
        SSL_CTX_free(ctx);
    }

    // OpenSSL writes with write(): inside a SigpipeBlock a write to a closed
    // peer is EPIPE, and no SIGPIPE is left pending to kill the process later.
    void sigpipeBlocked() {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        ::close(fds[1]);
        {
            SigpipeBlock quiet;
            const char byte = 0;
            QCOMPARE(::write(fds[0], &byte, 1), ssize_t(-1));
            QCOMPARE(errno, EPIPE);
        }
        ::close(fds[0]);
        sigset_t pending;
        sigpending(&pending);
        QCOMPARE(sigismember(&pending, SIGPIPE), 0);
    }
};

QTEST_APPLESS_MAIN(TestDoipClient)
#include "tst_doipclient.moc"
