#include "journalsink.h"

#include <QtEndian>

#include <sys/stat.h>

namespace conduit::daemon {

namespace {
// syslog(3) levels
QByteArray priorityOf(QtMsgType type) {
    switch (type) {
    case QtDebugMsg: return "7";
    case QtInfoMsg: return "6";
    case QtWarningMsg: return "4";
    case QtCriticalMsg: return "3";
    case QtFatalMsg: return "2";
    }
    return "6";
}

// $JOURNAL_STREAM is "device:inode" of the stream journald connected our
// stdout/stderr to; it is inherited, so it only counts if stderr is it.
bool stderrIsJournalStream() {
    const QByteArray stream = qgetenv("JOURNAL_STREAM");
    const int colon = stream.indexOf(':');
    if (colon <= 0) return false;
    struct stat st;
    if (::fstat(2, &st) != 0) return false;
    bool okDev = false, okIno = false;
    const qulonglong dev = stream.left(colon).toULongLong(&okDev);
    const qulonglong ino = stream.mid(colon + 1).toULongLong(&okIno);
    return okDev && okIno && dev == static_cast<qulonglong>(st.st_dev) && ino == static_cast<qulonglong>(st.st_ino);
}
} // namespace

std::unique_ptr<JournalSink> JournalSink::fromEnvironment() {
    const QByteArray mode = qgetenv("CONDUIT_LOG");
    if (mode == "stderr") return nullptr;
    if (mode != "journal" && !stderrIsJournalStream()) return nullptr;
    QByteArray path = qgetenv("CONDUIT_JOURNAL_SOCKET");
    if (path.isEmpty()) path = kSocket;
    auto sink = std::make_unique<JournalSink>(path);
    if (!sink->socket_.valid()) return nullptr;
    return sink;
}

JournalSink::JournalSink(const QByteArray &socketPath) : socket_(socketPath) {}

bool JournalSink::write(QtMsgType type, const QMessageLogContext &context, const QString &message,
                        const core::LogFields &fields) const {
    Fields f{{"MESSAGE", message.toUtf8()},
             {"PRIORITY", priorityOf(type)},
             {"SYSLOG_IDENTIFIER", "conduitd"},
             {"CONDUIT_CATEGORY", context.category ? QByteArray(context.category) : QByteArray("default")}};
    if (!fields.campaign.isEmpty()) f.append({"CAMPAIGN", fields.campaign.toUtf8()});
    if (!fields.device.isEmpty()) f.append({"DEVICE", fields.device.toUtf8()});
    if (!fields.step.isEmpty()) f.append({"STEP", fields.step.toUtf8()});
    if (context.file) {
        f.append({"CODE_FILE", QByteArray(context.file)});
        f.append({"CODE_LINE", QByteArray::number(context.line)});
        if (context.function) f.append({"CODE_FUNC", QByteArray(context.function)});
    }
    return socket_.send(encode(f));
}

QByteArray JournalSink::encode(const Fields &fields) {
    QByteArray out;
    for (const auto &[name, value] : fields) {
        out += name;
        if (!value.contains('\n')) {
            out += '=' + value + '\n';
            continue;
        }
        char size[8];
        qToLittleEndian<quint64>(static_cast<quint64>(value.size()), size);
        out += '\n';
        out += QByteArray(size, sizeof size);
        out += value + '\n';
    }
    return out;
}

} // namespace conduit::daemon
