#include "agentchannel.h"

#include <QPointer>
#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <limits>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace conduit::agents {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxIov = 16;
} // namespace

AgentChannel::AgentChannel(int fd, QObject *parent)
    : QObject(parent), fd_(fd), readNotifier_(new QSocketNotifier(fd, QSocketNotifier::Read, this)),
      writeNotifier_(new QSocketNotifier(fd, QSocketNotifier::Write, this)) {
    writeNotifier_->setEnabled(false);
    connect(readNotifier_, &QSocketNotifier::activated, this, &AgentChannel::onReadable);
    connect(writeNotifier_, &QSocketNotifier::activated, this, &AgentChannel::onWritable);
}

AgentChannel::~AgentChannel() { close(); }

void AgentChannel::close() {
    if (fd_ < 0) return;
    readNotifier_->setEnabled(false);
    writeNotifier_->setEnabled(false);
    ::close(fd_);
    fd_ = -1;
    queue_.clear();
    pending_ = 0;
}

void AgentChannel::send(std::string frame) {
    if (fd_ < 0 || frame.empty()) return;
    pending_ += frame.size();
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) flush();
}

void AgentChannel::onWritable() {
    flush();
    // Only after the socket had pushed back: emitting from send() would let
    // a writer re-enter itself without bound.
    if (fd_ >= 0 && queue_.empty()) emit writable();
}

void AgentChannel::flush() {
    while (fd_ >= 0 && !queue_.empty()) {
        iovec iov[kMaxIov];
        int n = 0;
        size_t offset = frontOffset_;
        for (auto it = queue_.begin(); it != queue_.end() && n < kMaxIov; ++it, ++n) {
            iov[n].iov_base = it->data() + offset;
            iov[n].iov_len = it->size() - offset;
            offset = 0;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<size_t>(n);
        // MSG_NOSIGNAL: a runner that died must not take the host down
        // with SIGPIPE.
        ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                writeNotifier_->setEnabled(true);
                return;
            }
            fail(QStringLiteral("write to runner failed: %1").arg(QString::fromLocal8Bit(strerror(errno))));
            return;
        }
        size_t left = static_cast<size_t>(w);
        pending_ -= left;
        while (left > 0) {
            size_t avail = queue_.front().size() - frontOffset_;
            if (left >= avail) {
                left -= avail;
                queue_.pop_front();
                frontOffset_ = 0;
            } else {
                frontOffset_ += left;
                left = 0;
            }
        }
    }
    if (fd_ >= 0) writeNotifier_->setEnabled(false);
}

void AgentChannel::onReadable() { readAvailable(16); }

void AgentChannel::drain() { readAvailable(std::numeric_limits<int>::max()); }

void AgentChannel::readAvailable(int maxRounds) {
    QPointer<AgentChannel> self(this);
    char buf[kReadChunk];
    // Bounded work per wake-up keeps the event loop fair to other runners.
    for (int round = 0; round < maxRounds && fd_ >= 0; ++round) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            fail(QStringLiteral("read from runner failed: %1").arg(QString::fromLocal8Bit(strerror(errno))));
            return;
        }
        if (n == 0) {
            fail(QStringLiteral("runner closed the connection"));
            return;
        }
        reader_.append(buf, static_cast<size_t>(n));
        while (auto frame = reader_.next()) {
            if (!ipc::isRunnerToHost(frame->header.type)) {
                fail(QStringLiteral("protocol violation: frame type %1 not allowed from a runner")
                         .arg(static_cast<int>(frame->header.type)),
                     true);
                return;
            }
            emit frameReceived(*frame);
            if (!self || fd_ < 0) return;
        }
        if (!reader_.error().empty()) {
            fail(QStringLiteral("protocol violation: %1").arg(QString::fromStdString(reader_.error())), true);
            return;
        }
        if (static_cast<size_t>(n) < sizeof buf) break;
    }
}

void AgentChannel::fail(const QString &reason, bool violation) {
    close();
    emit broken(reason, violation);
}

} // namespace conduit::agents
