// The host's end of one runner's IPC socket: non-blocking framed I/O on the
// event loop. The host never blocks on a runner: writes queue and drain as
// the socket accepts them; reads split frames and check every header.
#pragma once

#include "ipc/wire.h"

#include <QObject>
#include <QString>

#include <deque>
#include <string>

class QSocketNotifier;

namespace conduit::agents {

class AgentChannel : public QObject {
    Q_OBJECT
public:
    // Takes ownership of `fd` (non-blocking).
    explicit AgentChannel(int fd, QObject *parent = nullptr);
    ~AgentChannel() override;

    void send(std::string frame);
    // Bytes queued but not yet accepted by the socket.
    size_t pendingBytes() const { return pending_; }
    void close();
    // Reads and delivers everything the socket holds now (after the runner
    // exited, so that its last words are heard before its exit status).
    void drain();
    bool isOpen() const { return fd_ >= 0; }

signals:
    void frameReceived(const conduit::ipc::FrameReader::Frame &frame);
    // End of stream or a malformed frame; no frames follow. `violation`:
    // the runner broke the protocol (garbage, a frame it may not send), as
    // opposed to the connection ending or failing.
    void broken(const QString &reason, bool violation);
    // The write queue drained after the socket had been full.
    void writable();

private:
    void onReadable();
    void readAvailable(int maxRounds);
    void onWritable();
    void flush();
    void fail(const QString &reason, bool violation = false);

    int fd_;
    QSocketNotifier *readNotifier_;
    QSocketNotifier *writeNotifier_;
    ipc::FrameReader reader_;
    std::deque<std::string> queue_;
    size_t frontOffset_ = 0;
    size_t pending_ = 0;
};

} // namespace conduit::agents
