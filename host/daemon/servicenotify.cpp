#include "servicenotify.h"

#include "hostlog.h"
#include "text/untrustedtext.h"

#include <algorithm>

#include <unistd.h>

namespace conduit::daemon {

namespace {
// STATUS= is one line.
QByteArray statusLine(const QString &status) { return "STATUS=" + text::printable(status).toUtf8().replace('\n', ' '); }
} // namespace

ServiceNotifier::ServiceNotifier(QObject *parent) : QObject(parent) {
    const QByteArray path = qgetenv("NOTIFY_SOCKET");
    const QByteArray usec = qgetenv("WATCHDOG_USEC");
    const QByteArray pid = qgetenv("WATCHDOG_PID");
    qunsetenv("NOTIFY_SOCKET");
    qunsetenv("WATCHDOG_USEC");
    qunsetenv("WATCHDOG_PID");
    if (path.isEmpty()) return;
    socket_ = std::make_unique<UnixDatagram>(path);
    if (!socket_->valid()) qCWarning(lcHost).noquote() << "NOTIFY_SOCKET:" << socket_->error();
    bool ok = false;
    const qulonglong us = usec.toULongLong(&ok);
    // WATCHDOG_PID, when set, names the process the watchdog is meant for.
    const bool ours = pid.isEmpty() || pid.toLongLong() == static_cast<qint64>(::getpid());
    if (ok && us > 0 && ours) watchdog_ = std::chrono::microseconds(us);
    pet_.setTimerType(Qt::PreciseTimer);
    connect(&pet_, &QTimer::timeout, this, [this] { send("WATCHDOG=1"); });
}

void ServiceNotifier::ready(const QString &status) { send("READY=1\n" + statusLine(status)); }

void ServiceNotifier::status(const QString &status) { send(statusLine(status)); }

void ServiceNotifier::stopping(const QString &status) {
    pet_.stop();
    send("STOPPING=1\n" + statusLine(status));
}

void ServiceNotifier::startWatchdog() {
    if (!socket_ || watchdog_.count() == 0) return;
    const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_ / 2);
    pet_.start(std::max<std::chrono::milliseconds>(half, std::chrono::milliseconds(1)));
    send("WATCHDOG=1");
    qCInfo(lcHost).noquote() << "watchdog: petting every" << pet_.interval() << "ms";
}

void ServiceNotifier::send(const QByteArray &message) {
    if (!socket_) return;
    QString error;
    if (socket_->send(message, &error) || warned_) return;
    warned_ = true; // once: a service manager that went away must not flood the log
    qCWarning(lcHost).noquote() << "NOTIFY_SOCKET" << QString::fromLocal8Bit(socket_->path()) << ":" << error;
}

} // namespace conduit::daemon
