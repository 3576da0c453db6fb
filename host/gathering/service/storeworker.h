// The Store on a thread of its own, so that its fsyncs never stall
// conduitd's event loop (the control API, the campaign engine, the agents'
// frames). Batches are offered without waiting; what waits for the store is
// bounded by `backlogBytes`: an offer beyond it is refused (the caller
// counts the drop). Reads and deletion requests block the caller until the
// store answered; they run after every batch offered before them, so a
// deleteClass() also removes what was still queued.
//
// [service-thread] for every member; the Store itself is only touched on the
// worker thread.
#pragma once

#include "gathering/store.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace conduit::gathering {

class StoreWorker : public QObject {
    Q_OBJECT
public:
    StoreWorker(QString dir, Store::Config config, qint64 backlogBytes, QObject *parent = nullptr);
    // Stores what was offered, then ends the thread.
    ~StoreWorker() override;

    // false when the backlog is full (nothing queued).
    bool offer(const Item &item, qint64 frames);
    // Runs fn(store) on the worker thread and waits for it.
    void run(const std::function<void(Store &)> &fn);
    qint64 backlogBytes() const { return backlog_.load(); }

signals:
    // Queued to the service's thread.
    void stored(conduit::gathering::DataClass c, qint64 frames, qint64 bytes);
    void failed(conduit::gathering::DataClass c, qint64 frames, qint64 bytes, const QString &why);

private:
    std::unique_ptr<Store> store_;
    QThread thread_;
    QObject *context_ = nullptr; // lives on thread_
    const qint64 limit_;
    std::atomic<qint64> backlog_{0};
};

} // namespace conduit::gathering
