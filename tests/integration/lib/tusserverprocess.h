// The real tus server of tests/servers/tus (@tus/server + @tus/file-store on
// Node) as a child process of a test, on a free loopback port. Missing Node
// or modules are a failure with the way to fix it, never a skip.
//
// The test defines CONDUIT_NODE (the node executable CMake found, or "")
// and CONDUIT_TUS_SERVER_DIR (tests/servers/tus).
#pragma once

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QUrl>

namespace conduit::test {

class TusServerProcess {
public:
    ~TusServerProcess() { stop(); }

    // Starts the server storing in `dir` with the fault switches in `env`
    // (TUS_DROP_AFTER_BYTES, TUS_FAIL_ONCE, TUS_EXPIRE_MS; see server.js).
    bool start(const QString &dir, const QList<QPair<QString, QString>> &env, QString *why) {
        const QString node = QStringLiteral(CONDUIT_NODE);
        const QString server = QStringLiteral(CONDUIT_TUS_SERVER_DIR);
        if (node.isEmpty()) {
            *why = QStringLiteral("node (Node.js >= 20.19) was not found when configuring: install it, then run "
                                  "scripts/install-deps and configure again");
            return false;
        }
        if (!QFile::exists(server + QStringLiteral("/node_modules/@tus/server/package.json"))) {
            *why = QStringLiteral("the tus test server's modules are missing in %1/node_modules: run "
                                  "scripts/install-deps (npm ci there)")
                       .arg(server);
            return false;
        }
        dir_ = dir;
        QTcpServer probe; // a free port, given to the server (it binds it a moment later)
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            *why = QStringLiteral("no free loopback port");
            return false;
        }
        port_ = probe.serverPort();
        probe.close();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const auto &[k, v] : env) e.insert(k, v);
        process_.setProcessEnvironment(e);
        process_.setWorkingDirectory(server);
        process_.start(node, {server + QStringLiteral("/server.js"), QStringLiteral("--port"), QString::number(port_),
                              QStringLiteral("--dir"), dir});
        QByteArray out;
        for (int i = 0; i < 100 && !out.contains("listening"); ++i) {
            if (process_.state() == QProcess::NotRunning) break;
            process_.waitForReadyRead(100);
            out += process_.readAllStandardOutput();
        }
        if (!out.contains("listening")) {
            *why = QStringLiteral("the tus server did not start: %1").arg(QString::fromUtf8(log()));
            stop();
            return false;
        }
        return true;
    }

    void stop() {
        if (process_.state() == QProcess::NotRunning) return;
        process_.terminate();
        if (!process_.waitForFinished(5000)) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }

    qint64 pid() const { return process_.processId(); }
    QUrl endpoint() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/files").arg(port_)); }
    // The server's log (stderr) so far.
    QByteArray log() {
        log_ += process_.readAllStandardError();
        return log_;
    }
    // The bytes the server stored for an upload URL.
    QByteArray stored(const QUrl &upload) const {
        QFile f(dir_ + QLatin1Char('/') + upload.fileName());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    // "<id> <sha256 hex>" of every upload whose hash check passed.
    QStringList verified() const {
        QFile f(dir_ + QStringLiteral("/verified.log"));
        if (!f.open(QIODevice::ReadOnly)) return {};
        return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }
    // The bytes of the uploads the server holds, by file name (no .json).
    QStringList uploads() const {
        QStringList out;
        for (const QString &name : QDir(dir_).entryList(QDir::Files))
            if (!name.contains(QLatin1Char('.'))) out << name;
        return out;
    }

private:
    QProcess process_;
    QString dir_;
    quint16 port_ = 0;
    QByteArray log_;
};

} // namespace conduit::test
