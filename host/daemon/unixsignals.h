// Delivers Unix signals to the Qt event loop (self-pipe), so shutdown on
// SIGTERM runs as ordinary code instead of inside a signal handler.
#pragma once

#include <QObject>

#include <csignal>
#include <initializer_list>

class QSocketNotifier;

namespace conduit::daemon {

class UnixSignals : public QObject {
    Q_OBJECT
public:
    UnixSignals(std::initializer_list<int> sigs, QObject *parent = nullptr);
    ~UnixSignals() override;
signals:
    void received(int sig);

private:
    QSocketNotifier *notifier_ = nullptr;
};

} // namespace conduit::daemon
