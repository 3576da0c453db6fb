// The campaign journal: an append-only, checksummed write-ahead log. A
// record is made durable (fsync) before the step it announces takes effect,
// so after a power cut the host knows exactly how far a campaign got.
//
// File format (docs/campaign-engine.md, "Journal"; the records themselves:
// journalrecord.h): repeated records of
//   u32 length | u32 crc32(payload) | payload (compact JSON object)
// little-endian. Replay stops at the first torn or corrupt record (a write
// cut by a power loss) and truncates the file there.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace conduit::core {

class Journal {
public:
    explicit Journal(QString path);
    ~Journal();

    // Opens (creating if needed) and replays the journal. Returns false with
    // *error on an I/O error; a torn tail is not an error (see tornBytes()).
    bool open(QString *error);
    const QList<QJsonObject> &records() const { return records_; }
    qint64 tornBytes() const { return tornBytes_; }

    // Appends one record; with `durable`, returns only after fsync. On a
    // failure nothing of the record stays in the file.
    bool append(const QJsonObject &record, bool durable, QString *error);
    // Replaces the journal by `keep` (temp file, fsync, rename, dir fsync).
    bool compact(const QList<QJsonObject> &keep, QString *error);

    quint64 bytesWritten() const { return bytesWritten_; }
    quint64 fsyncs() const { return fsyncs_; }
    const QString &path() const { return path_; }

    static quint32 crc32(const QByteArray &data);
    static QByteArray encode(const QJsonObject &record);

private:
    QString path_;
    int fd_ = -1;
    QList<QJsonObject> records_;
    qint64 tornBytes_ = 0;
    qint64 end_ = 0; // where the last whole record ends
    quint64 bytesWritten_ = 0;
    quint64 fsyncs_ = 0;
};

// Called by the host before every durable journal write and after it, with
// a running count: the power-cut harness uses it to die at a chosen point.
void setCrashPoint(qint64 n);
void crashPoint(const char *where);
// Crash points passed so far (to size a harness run).
qint64 crashPointCount();

} // namespace conduit::core
