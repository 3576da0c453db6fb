// conduitd's log lines as journal entries with fields (journald's native
// protocol, systemd.journal-fields(7)): MESSAGE, PRIORITY,
// SYSLOG_IDENTIFIER, CONDUIT_CATEGORY, and, where the line has them,
// CAMPAIGN, DEVICE and STEP (core/logfields.h) and CODE_FILE, CODE_LINE,
// CODE_FUNC (only in builds that keep Qt's message context). One datagram
// per line to journald's socket; so `journalctl -u conduitd CAMPAIGN=c-42`
// shows one campaign.
#pragma once

#include "core/logfields.h"
#include "unixdatagram.h"

#include <QList>
#include <QPair>
#include <QtGlobal>

#include <memory>

namespace conduit::daemon {

class JournalSink {
public:
    static constexpr const char *kSocket = "/run/systemd/journal/socket";

    // The journal conduitd should log to, or null for stderr:
    // $CONDUIT_LOG=stderr: none; $CONDUIT_LOG=journal: journald's socket;
    // else journald's socket when stderr is the stream journald gave us
    // ($JOURNAL_STREAM names stderr's device:inode, as under systemd).
    // $CONDUIT_JOURNAL_SOCKET replaces the socket's path (tests).
    static std::unique_ptr<JournalSink> fromEnvironment();

    explicit JournalSink(const QByteArray &socketPath);

    // One entry; false when journald did not take it (the caller writes the
    // line to stderr instead). [thread-safe]
    bool write(QtMsgType type, const QMessageLogContext &context, const QString &message,
               const core::LogFields &fields) const;

    using Fields = QList<QPair<QByteArray, QByteArray>>;
    // The native protocol's datagram: "NAME=value\n" per field, or, for a
    // value holding a newline, "NAME\n", its length as 64-bit little endian,
    // the value, "\n".
    static QByteArray encode(const Fields &fields);

private:
    UnixDatagram socket_;
};

} // namespace conduit::daemon
