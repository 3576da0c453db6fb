#include "downloadqueue.h"

namespace conduit::transfer {

DownloadQueue::DownloadQueue(int maxParallel, QObject *parent)
    : QObject(parent), maxParallel_(std::max(1, maxParallel)) {}

void DownloadQueue::enqueue(Download *download) {
    waiting_ << download;
    // Ends by success, failure or cancel; a download deleted while it runs
    // (the campaign is gone) frees its place too.
    auto release = [this, download] {
        running_.removeAll(download);
        waiting_.removeAll(download);
        startWaiting();
    };
    connect(download, &Download::finished, this, release);
    connect(download, &QObject::destroyed, this, [this] {
        running_.removeAll(nullptr);
        waiting_.removeAll(nullptr);
        startWaiting();
    });
    startWaiting();
}

void DownloadQueue::startWaiting() {
    running_.removeAll(nullptr);
    while (running_.size() < maxParallel_ && !waiting_.isEmpty()) {
        QPointer<Download> next = waiting_.takeFirst();
        if (!next || next->isFinished()) continue;
        running_ << next;
        next->start(); // may finish at once (already complete on disk): then it is released again
    }
}

} // namespace conduit::transfer
