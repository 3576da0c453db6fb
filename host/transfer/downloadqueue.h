// Starts downloads at most N at a time, in the order they were asked for:
// parallel enough to keep a link busy, bounded so that many devices in one
// campaign do not open as many connections (and staging writers) at once.
// A queued download is simply not started yet: its reader waits.
#pragma once

#include "download.h"

#include <QList>
#include <QObject>
#include <QPointer>

namespace conduit::transfer {

class DownloadQueue : public QObject {
    Q_OBJECT
public:
    explicit DownloadQueue(int maxParallel, QObject *parent = nullptr);

    // Starts `download` now, or when one of the running ones ends.
    void enqueue(Download *download);
    int running() const { return int(running_.size()); }
    int waiting() const { return int(waiting_.size()); }
    int maxParallel() const { return maxParallel_; }

private:
    void startWaiting();

    int maxParallel_;
    QList<QPointer<Download>> running_, waiting_;
};

} // namespace conduit::transfer
