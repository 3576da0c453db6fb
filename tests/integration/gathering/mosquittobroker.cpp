#include "mosquittobroker.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>

#include <csignal>
#include <sys/prctl.h>

MosquittoBroker::MosquittoBroker() : dir_(QStringLiteral("/tmp/conduit-mosquitto.XXXXXX")) {}

MosquittoBroker::~MosquittoBroker() { stop(); }

bool MosquittoBroker::configure(QString *error) {
    if (!dir_.isValid()) {
        *error = QStringLiteral("no temporary directory: %1").arg(dir_.errorString());
        return false;
    }
    QProcess p;
    p.start(QStringLiteral(CONDUIT_MOSQUITTO_SH), {QStringLiteral("config"), dir_.path()});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        *error = QStringLiteral("mosquitto.sh config failed: %1 %2")
                     .arg(QString::fromUtf8(p.readAllStandardError()), p.errorString());
        return false;
    }
    const QRegularExpression re(QStringLiteral("plain=(\\d+) tls=(\\d+) mtls=(\\d+)"));
    const auto m = re.match(QString::fromUtf8(p.readAllStandardOutput()));
    if (!m.hasMatch()) {
        *error = QStringLiteral("mosquitto.sh config printed no ports");
        return false;
    }
    plain_ = quint16(m.captured(1).toUInt());
    tls_ = quint16(m.captured(2).toUInt());
    mtls_ = quint16(m.captured(3).toUInt());
    return true;
}

bool MosquittoBroker::start(QString *error) {
    if (running()) return true;
    process_ = std::make_unique<QProcess>();
    process_->setProcessChannelMode(QProcess::MergedChannels);
    // A test that crashes takes its broker with it (the script execs mosquitto).
    process_->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    process_->start(QStringLiteral(CONDUIT_MOSQUITTO_SH), {QStringLiteral("run"), dir_.path()});
    const QDeadlineTimer deadline(10000);
    QString out;
    while (!out.contains(QLatin1String(" running"))) {
        if (process_->state() == QProcess::NotRunning || deadline.hasExpired()) {
            log_ += out;
            *error = QStringLiteral("mosquitto did not start within 10 s:\n%1").arg(out);
            stop();
            return false;
        }
        process_->waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        out += QString::fromUtf8(process_->readAll());
    }
    log_ += out;
    return true;
}

bool MosquittoBroker::stop() {
    if (!process_) return true;
    bool clean = true;
    if (process_->state() != QProcess::NotRunning) {
        process_->terminate();
        if (!process_->waitForFinished(10000)) {
            process_->kill();
            process_->waitForFinished(5000);
            clean = false;
        }
    }
    log_ += QString::fromUtf8(process_->readAll());
    process_.reset();
    return clean;
}

bool MosquittoBroker::running() const { return process_ && process_->state() == QProcess::Running; }

QString MosquittoBroker::uri(Listener l) const {
    switch (l) {
    case Listener::Plain: return QStringLiteral("tcp://127.0.0.1:%1").arg(plain_);
    case Listener::Tls: return QStringLiteral("ssl://127.0.0.1:%1").arg(tls_);
    case Listener::Mtls: return QStringLiteral("ssl://127.0.0.1:%1").arg(mtls_);
    }
    return {};
}

QString MosquittoBroker::file(const QString &name) const { return dir_.filePath(name); }

QString MosquittoBroker::log() {
    if (process_) log_ += QString::fromUtf8(process_->readAll());
    return log_;
}
