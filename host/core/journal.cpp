#include "journal.h"

#include "durablefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::core {

namespace {

constexpr quint32 kMaxRecord = 4u << 20;

std::array<quint32, 256> makeCrcTable() {
    std::array<quint32, 256> t{};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}

QString errnoText() { return QString::fromLocal8Bit(strerror(errno)); }

qint64 g_crashAt = -1;
qint64 g_crashCount = 0;

} // namespace

void setCrashPoint(qint64 n) {
    g_crashAt = n;
    g_crashCount = 0;
}

qint64 crashPointCount() { return g_crashCount; }

void crashPoint(const char *) {
    if (++g_crashCount == g_crashAt) ::kill(::getpid(), SIGKILL);
}

quint32 Journal::crc32(const QByteArray &data) {
    static const std::array<quint32, 256> table = makeCrcTable();
    quint32 c = 0xFFFFFFFFu;
    for (char ch : data) c = table[(c ^ quint8(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

QByteArray Journal::encode(const QJsonObject &record) {
    const QByteArray payload = QJsonDocument(record).toJson(QJsonDocument::Compact);
    QByteArray out(8, '\0');
    const quint32 len = quint32(payload.size()), crc = crc32(payload);
    for (int i = 0; i < 4; ++i) {
        out[i] = char(len >> (8 * i));
        out[4 + i] = char(crc >> (8 * i));
    }
    return out + payload;
}

Journal::Journal(QString path) : path_(std::move(path)) {}

Journal::~Journal() {
    if (fd_ >= 0) ::close(fd_);
}

bool Journal::open(QString *error) {
    QDir().mkpath(QFileInfo(path_).absolutePath());
    fd_ = ::open(QFile::encodeName(path_).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        *error = QStringLiteral("cannot open journal %1: %2").arg(path_, errnoText());
        return false;
    }
    QFile f;
    if (!f.open(fd_, QIODevice::ReadOnly, QFileDevice::DontCloseHandle)) {
        *error = QStringLiteral("cannot read journal %1").arg(path_);
        return false;
    }
    const QByteArray all = f.readAll();
    f.close();
    records_.clear();
    qsizetype pos = 0;
    while (all.size() - pos >= 8) {
        auto u32 = [&](qsizetype at) {
            quint32 v = 0;
            for (int i = 0; i < 4; ++i) v |= quint32(quint8(all[at + i])) << (8 * i);
            return v;
        };
        const quint32 len = u32(pos), crc = u32(pos + 4);
        if (len > kMaxRecord || len > quint32(all.size() - pos - 8)) break;
        const QByteArray payload = all.mid(pos + 8, len);
        if (crc32(payload) != crc) break;
        const QJsonDocument doc = QJsonDocument::fromJson(payload);
        if (!doc.isObject()) break;
        records_ << doc.object();
        pos += 8 + len;
    }
    tornBytes_ = all.size() - pos;
    if (tornBytes_ > 0) {
        // A record cut by a power loss never took effect: drop it.
        if (::ftruncate(fd_, pos) != 0 || ::fsync(fd_) != 0) {
            *error = QStringLiteral("cannot truncate torn journal tail: %1").arg(errnoText());
            return false;
        }
    }
    end_ = ::lseek(fd_, pos, SEEK_SET);
    return true;
}

bool Journal::append(const QJsonObject &record, bool durable, QString *error) {
    const QByteArray bytes = encode(record);
    crashPoint("journal-before-write");
    // A failed write (a full disk) may leave part of the record: cut it off,
    // or every later record would sit behind a torn one and be dropped at
    // the next start.
    auto undo = [this](const char *what, QString *error) {
        *error = QStringLiteral("journal %1 failed: %2").arg(QLatin1String(what), errnoText());
        if (::ftruncate(fd_, end_) != 0 || ::lseek(fd_, end_, SEEK_SET) != end_)
            *error += QStringLiteral(" (and cutting the partial record off failed: %1)").arg(errnoText());
        return false;
    };
    if (!writeFully(fd_, bytes.constData(), size_t(bytes.size()))) return undo("write", error);
    if (durable && ::fdatasync(fd_) != 0) return undo("fsync", error);
    if (durable) ++fsyncs_;
    bytesWritten_ += quint64(bytes.size());
    end_ += bytes.size();
    records_ << record;
    crashPoint("journal-after-write");
    return true;
}

bool Journal::compact(const QList<QJsonObject> &keep, QString *error) {
    QByteArray all;
    for (const QJsonObject &r : keep) all += encode(r);
    if (!replaceFileDurably(path_, all, error)) {
        *error = QStringLiteral("journal compaction failed: %1").arg(*error);
        return false;
    }
    ++fsyncs_;
    ::close(fd_);
    fd_ = ::open(QFile::encodeName(path_).constData(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
        *error = QStringLiteral("cannot reopen journal: %1").arg(errnoText());
        return false;
    }
    end_ = ::lseek(fd_, 0, SEEK_END);
    records_ = keep;
    return true;
}

} // namespace conduit::core
