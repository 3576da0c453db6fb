#include "storeworker.h"

#include <QMetaObject>

namespace conduit::gathering {

StoreWorker::StoreWorker(QString dir, Store::Config config, qint64 backlogBytes, QObject *parent)
    : QObject(parent), store_(std::make_unique<Store>(std::move(dir), std::move(config))), limit_(backlogBytes) {
    qRegisterMetaType<conduit::gathering::DataClass>();
    thread_.setObjectName(QStringLiteral("gathering-store"));
    context_ = new QObject;
    context_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, context_, &QObject::deleteLater);
    thread_.start();
}

StoreWorker::~StoreWorker() {
    // Posted after every offer: the queue is drained in order, then the loop ends.
    QMetaObject::invokeMethod(context_, [] { QThread::currentThread()->quit(); });
    thread_.wait();
}

bool StoreWorker::offer(const Item &item, qint64 frames) {
    const qint64 size = item.bytes.size();
    qint64 now = backlog_.load();
    do {
        if (now + size > limit_) return false;
    } while (!backlog_.compare_exchange_weak(now, now + size));
    QMetaObject::invokeMethod(context_, [this, item, frames, size] {
        qint64 id = 0;
        StoreFailure f;
        const bool ok = store_->put(item, &id, &f);
        backlog_ -= size;
        if (ok)
            emit stored(item.dataClass, frames, size);
        else
            emit failed(item.dataClass, frames, size, f.message);
    });
    return true;
}

void StoreWorker::run(const std::function<void(Store &)> &fn) {
    QMetaObject::invokeMethod(
        context_, [this, &fn] { fn(*store_); }, Qt::BlockingQueuedConnection);
}

} // namespace conduit::gathering
