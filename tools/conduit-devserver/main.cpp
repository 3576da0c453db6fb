// conduit-devserver: a local hawkBit DDI v1 server, TUF repository host and
// fault injector for the demo and the integration tests (docs/devserver.md).
#include "adminapi.h"
#include "devserver.h"
#include "devserverlog.h"
#include "testpki.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSocketNotifier>
#include <QSslKey>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace conduit::devserver;

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(signalPipe[1], &c, 1);
}

int fail(const QString &message, int code = 1) {
    std::fprintf(stderr, "conduit-devserver: %s\n", qPrintable(message));
    return code;
}

std::optional<QSslKey> loadKey(const QString &path, QString *error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(path);
        return std::nullopt;
    }
    const QByteArray pem = f.readAll();
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec})
        if (QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey); !key.isNull()) return key;
    *error = QStringLiteral("%1 is not an RSA or EC private key in PEM").arg(path);
    return std::nullopt;
}

// Object, array of objects, or {"deployments": [...]}.
bool loadDeployments(DevServer &server, const QString &path, QString *error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(path);
        return false;
    }
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &e);
    if (e.error != QJsonParseError::NoError) {
        *error = QStringLiteral("%1: %2").arg(path, e.errorString());
        return false;
    }
    QJsonArray list = doc.isArray()                           ? doc.array()
                      : doc.object().contains(u"deployments") ? doc.object().value(u"deployments").toArray()
                                                              : QJsonArray{doc.object()};
    const QString base = QFileInfo(path).absolutePath();
    for (const QJsonValue &v : list) {
        Action *a = server.store().createAction(v.toObject(), base, error);
        if (!a) {
            *error = QStringLiteral("%1: %2").arg(path, *error);
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("conduit-devserver"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONDUIT_VERSION));
    QLoggingCategory::setFilterRules(QStringLiteral("conduit.devserver.debug=false"));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Local hawkBit DDI v1 server, TUF repository host and fault injector for Conduit's demo and tests.\n"
        "Listens on 127.0.0.1 only. The first stdout line is \"listening on http(s)://127.0.0.1:PORT\".\n"
        "See docs/devserver.md."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption port({QStringLiteral("port")}, QStringLiteral("TCP port; 0 picks a free one (default)."),
                                  QStringLiteral("PORT"), QStringLiteral("0"));
    const QCommandLineOption adminPort(
        {QStringLiteral("admin-port")},
        QStringLiteral("Also serve /admin on a plain-HTTP port (useful with mutual TLS)."), QStringLiteral("PORT"));
    const QCommandLineOption repo(
        {QStringLiteral("repo")},
        QStringLiteral("Output of `conduit-repo publish`: serves DIR/director and DIR/image."), QStringLiteral("DIR"));
    const QCommandLineOption director({QStringLiteral("director")}, QStringLiteral("Serve DIR at /repo/director/."),
                                      QStringLiteral("DIR"));
    const QCommandLineOption image({QStringLiteral("image")}, QStringLiteral("Serve DIR at /repo/image/."),
                                   QStringLiteral("DIR"));
    const QCommandLineOption deployment({QStringLiteral("deployment")},
                                        QStringLiteral("Create the deployment(s) in FILE.json at start (repeatable)."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption fault({QStringLiteral("fault")},
                                   QStringLiteral("Inject a fault, e.g. \"path=/x,drop=1m,count=3\" (repeatable)."),
                                   QStringLiteral("SPEC"));
    const QCommandLineOption targetToken(
        {QStringLiteral("target-token")},
        QStringLiteral("Require `Authorization: TargetToken T` for CONTROLLER (repeatable)."),
        QStringLiteral("CONTROLLER=T"));
    const QCommandLineOption gatewayToken(
        {QStringLiteral("gateway-token")},
        QStringLiteral("Accept `Authorization: GatewayToken T` for every controller."), QStringLiteral("T"));
    const QCommandLineOption pollSleep({QStringLiteral("poll-sleep")},
                                       QStringLiteral("config.polling.sleep (default 00:00:10)."),
                                       QStringLiteral("HH:MM:SS"), QStringLiteral("00:00:10"));
    const QCommandLineOption tlsCert({QStringLiteral("tls-cert")},
                                     QStringLiteral("Serve HTTPS with this certificate (PEM)."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption tlsKey({QStringLiteral("tls-key")}, QStringLiteral("Private key of --tls-cert (PEM)."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption clientCa(
        {QStringLiteral("client-ca")},
        QStringLiteral("Mutual TLS: require a client certificate issued by this CA (PEM)."), QStringLiteral("FILE"));
    const QCommandLineOption makePki(
        {QStringLiteral("make-test-pki")},
        QStringLiteral("Write a test CA, server and client certificates to DIR, then exit."), QStringLiteral("DIR"));
    const QCommandLineOption clientCn(
        {QStringLiteral("client-cn")},
        QStringLiteral("Common name of the test client certificate (default conduit-test-client)."),
        QStringLiteral("NAME"), QStringLiteral("conduit-test-client"));
    p.addOptions({port, adminPort, repo, director, image, deployment, fault, targetToken, gatewayToken, pollSleep,
                  tlsCert, tlsKey, clientCa, makePki, clientCn});
    p.process(app);

    if (p.isSet(makePki)) {
        QString error;
        if (!makeTestPki(p.value(makePki), p.value(clientCn), &error)) return fail(error);
        std::printf("wrote test PKI to %s\n", qPrintable(QDir(p.value(makePki)).absolutePath()));
        return 0;
    }

    ServerOptions options;
    static const QRegularExpression hms(QStringLiteral("^\\d\\d:[0-5]\\d:[0-5]\\d$"));
    if (!hms.match(p.value(pollSleep)).hasMatch()) return fail(QStringLiteral("--poll-sleep is HH:MM:SS"), 2);
    options.pollSleep = p.value(pollSleep);
    if (p.isSet(repo)) {
        options.repositories.insert(QStringLiteral("director"),
                                    QDir(p.value(repo)).filePath(QStringLiteral("director")));
        options.repositories.insert(QStringLiteral("image"), QDir(p.value(repo)).filePath(QStringLiteral("image")));
    }
    if (p.isSet(director)) options.repositories.insert(QStringLiteral("director"), p.value(director));
    if (p.isSet(image)) options.repositories.insert(QStringLiteral("image"), p.value(image));
    for (const QString &dir : options.repositories)
        if (!QFileInfo(dir).isDir()) return fail(QStringLiteral("repository directory %1 does not exist").arg(dir), 2);
    for (const QString &t : p.values(targetToken)) {
        const qsizetype eq = t.indexOf(u'=');
        if (eq <= 0 || eq == t.size() - 1) return fail(QStringLiteral("--target-token is CONTROLLER=TOKEN"), 2);
        options.auth.targetTokens.insert(t.left(eq), t.mid(eq + 1));
    }
    options.auth.gatewayToken = p.value(gatewayToken);

    if (p.isSet(tlsCert) != p.isSet(tlsKey)) return fail(QStringLiteral("--tls-cert and --tls-key go together"), 2);
    if (p.isSet(clientCa) && !p.isSet(tlsCert))
        return fail(QStringLiteral("--client-ca needs --tls-cert and --tls-key"), 2);
    if (p.isSet(tlsCert)) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        const auto chain = QSslCertificate::fromPath(p.value(tlsCert));
        if (chain.isEmpty()) return fail(QStringLiteral("no certificate in %1").arg(p.value(tlsCert)));
        QString error;
        const auto key = loadKey(p.value(tlsKey), &error);
        if (!key) return fail(error);
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(*key);
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        if (p.isSet(clientCa)) {
            const auto cas = QSslCertificate::fromPath(p.value(clientCa));
            if (cas.isEmpty()) return fail(QStringLiteral("no certificate in %1").arg(p.value(clientCa)));
            tls.setCaCertificates(cas); // only these: the system store does not vouch for clients
            tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        } else {
            tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        }
        options.tls = tls;
    }

    DevServer server(options);
    for (const QString &spec : p.values(fault)) {
        QString error;
        const auto f = parseFault(spec, &error);
        if (!f) return fail(error, 2);
        server.faults().add(*f);
    }
    for (const QString &file : p.values(deployment)) {
        QString error;
        if (!loadDeployments(server, file, &error)) return fail(error);
    }

    // Handlers before the "listening" line: a test may send SIGTERM as soon as it reads it.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0) return fail(QStringLiteral("socketpair failed"));
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char c;
        [[maybe_unused]] const auto n = ::read(signalPipe[0], &c, 1);
        qCInfo(lcDevServer) << "stopping";
        server.close();
        app.quit();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    bool okPort = false;
    const uint portNumber = p.value(port).toUInt(&okPort);
    if (!okPort || portNumber > 65535) return fail(QStringLiteral("--port is 0..65535"), 2);
    QString error;
    if (!server.listen(quint16(portNumber), &error))
        return fail(QStringLiteral("cannot listen on 127.0.0.1:%1: %2").arg(portNumber).arg(error));
    if (p.isSet(adminPort)) {
        const uint a = p.value(adminPort).toUInt(&okPort);
        if (!okPort || a > 65535) return fail(QStringLiteral("--admin-port is 0..65535"), 2);
        if (!server.listenAdmin(quint16(a), &error))
            return fail(QStringLiteral("cannot listen on 127.0.0.1:%1: %2").arg(a).arg(error));
    }

    // Tests parse the first line; nothing may be printed to stdout before it.
    std::printf("listening on %s\n", qPrintable(server.url()));
    if (server.adminPort()) std::printf("admin on http://127.0.0.1:%u\n", unsigned(server.adminPort()));
    std::fflush(stdout);

    return app.exec();
}
