// POSIX ustar (IEEE 1003.1-1988) header encoding and strict decoding, for
// the bundle reader and writer only. Strict means: POSIX magic "ustar\0" "00"
// only, octal numbers only (no GNU base-256), checksum verified, and no byte
// after the first NUL of a name field.
#pragma once

#include "trust/trusterror.h"

#include <QByteArray>
#include <QString>

namespace conduit::trust::ustar {

inline constexpr qint64 kBlockSize = 512;
// 12 octal digits without a terminator, as POSIX allows (64 GiB - 1).
inline constexpr qint64 kMaxSize = (qint64(1) << 36) - 1;

enum class EntryType { File, Directory, HardLink, SymLink, CharDevice, BlockDevice, Fifo, Extension, Other };

struct Header {
    QByteArray path; // prefix + '/' + name, as raw bytes (not yet validated)
    EntryType type = EntryType::Other;
    char typeFlag = 0;
    qint64 size = 0;
    qint64 mtime = 0;
    bool hasLinkName = false;
};

inline qint64 paddedSize(qint64 size) { return (size + kBlockSize - 1) / kBlockSize * kBlockSize; }

bool isZeroBlock(const char *block);

// Decodes one 512-byte header block. Errors are "malformed" and do not name
// the entry (the caller adds the name when one could be decoded).
Result<Header> decodeHeader(const char *block);

// Encodes a header for a regular file or a directory ('/' appended to the
// name). Fails if the path does not fit the 100 + 155 byte name fields.
Result<QByteArray> encodeHeader(const QByteArray &path, bool directory, qint64 size, qint64 mtime);

} // namespace conduit::trust::ustar
