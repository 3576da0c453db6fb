// The service manager's notification protocol (sd_notify(3)), spoken
// directly: "KEY=value" lines, one datagram to $NOTIFY_SOCKET per message,
// no libsystemd. conduitd says READY=1 once its bus name is owned and its
// agents have started (or failed), keeps STATUS= up to date, says
// STOPPING=1 on its way out, and pets the watchdog (WATCHDOG=1) from its
// event loop at half of $WATCHDOG_USEC: a loop that hangs stops the pets
// and systemd restarts the host (WatchdogSec= in conduitd.service).
#pragma once

#include "unixdatagram.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>

namespace conduit::daemon {

class ServiceNotifier : public QObject {
    Q_OBJECT
public:
    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and removes them
    // from the environment, so that the runners conduitd starts do not
    // speak for it. Without NOTIFY_SOCKET every call does nothing.
    explicit ServiceNotifier(QObject *parent = nullptr);

    bool active() const { return socket_ != nullptr; }
    // 0 when the service manager asked for no watchdog (or not of us).
    std::chrono::microseconds watchdogTimeout() const { return watchdog_; }

    void ready(const QString &status);
    void status(const QString &status);
    void stopping(const QString &status);
    // Pets the watchdog now and then every half of watchdogTimeout(), from
    // the event loop of the calling thread (the main thread). [main-thread]
    void startWatchdog();

private:
    void send(const QByteArray &message);

    std::unique_ptr<UnixDatagram> socket_;
    std::chrono::microseconds watchdog_{0};
    QTimer pet_;
    bool warned_ = false;
};

} // namespace conduit::daemon
