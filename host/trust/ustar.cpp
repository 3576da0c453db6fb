#include "trust/ustar_p.h"

#include <cstring>
#include <limits>
#include <optional>

namespace conduit::trust::ustar {

namespace {

// Field offsets and sizes of the ustar header.
struct Field {
    int offset;
    int size;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12}, kMtime{136, 12},
    kChecksum{148, 8}, kTypeFlag{156, 1}, kLinkName{157, 100}, kMagic{257, 6}, kVersion{263, 2}, kUname{265, 32},
    kGname{297, 32}, kDevMajor{329, 8}, kDevMinor{337, 8}, kPrefix{345, 155};

TrustError malformed(const QString &what) { return trustError(TrustErrorKind::Malformed, what); }

// Octal digits, optionally preceded by spaces and followed by NULs/spaces.
// A field full of digits (no terminator) is allowed, as POSIX permits.
std::optional<qint64> parseOctal(const char *block, Field field) {
    const char *p = block + field.offset;
    int i = 0;
    while (i < field.size && p[i] == ' ') ++i;
    qint64 value = 0;
    int digits = 0;
    for (; i < field.size && p[i] >= '0' && p[i] <= '7'; ++i, ++digits) {
        if (value > (std::numeric_limits<qint64>::max() >> 3)) return std::nullopt;
        value = value * 8 + (p[i] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; i < field.size; ++i) {
        if (p[i] != '\0' && p[i] != ' ') return std::nullopt;
    }
    return value;
}

// The bytes of a NUL-terminated (or full) string field; anything but NULs
// after the terminator is refused, so no hidden name can ride behind it.
std::optional<QByteArray> stringField(const char *block, Field field) {
    const char *p = block + field.offset;
    const int length = int(strnlen(p, size_t(field.size)));
    for (int i = length; i < field.size; ++i) {
        if (p[i] != '\0') return std::nullopt;
    }
    return QByteArray(p, length);
}

void putOctal(char *block, Field field, qint64 value) {
    // size-1 digits and a NUL when they fit, else all digits (size field only).
    const int digits = value < (qint64(1) << (3 * (field.size - 1))) ? field.size - 1 : field.size;
    for (int i = digits - 1; i >= 0; --i, value >>= 3) block[field.offset + i] = char('0' + (value & 7));
}

void putString(char *block, Field field, const QByteArray &text) {
    std::memcpy(block + field.offset, text.constData(), size_t(qMin<qsizetype>(text.size(), field.size)));
}

unsigned checksumOf(const char *block) {
    unsigned sum = 0;
    for (int i = 0; i < kBlockSize; ++i) {
        const bool inField = i >= kChecksum.offset && i < kChecksum.offset + kChecksum.size;
        sum += inField ? unsigned(' ') : unsigned(static_cast<unsigned char>(block[i]));
    }
    return sum;
}

EntryType typeOf(char flag) {
    switch (flag) {
    case '0':
    case '\0':
    case '7': return EntryType::File; // '7' contiguous = regular
    case '5': return EntryType::Directory;
    case '1': return EntryType::HardLink;
    case '2': return EntryType::SymLink;
    case '3': return EntryType::CharDevice;
    case '4': return EntryType::BlockDevice;
    case '6': return EntryType::Fifo;
    case 'x':
    case 'g':
    case 'L':
    case 'K': return EntryType::Extension;
    default: return EntryType::Other;
    }
}

} // namespace

bool isZeroBlock(const char *block) {
    for (int i = 0; i < kBlockSize; ++i) {
        if (block[i] != '\0') return false;
    }
    return true;
}

Result<Header> decodeHeader(const char *block) {
    if (std::memcmp(block + kMagic.offset, "ustar\0", 6) != 0 || std::memcmp(block + kVersion.offset, "00", 2) != 0)
        return malformed(QStringLiteral("not a POSIX ustar header (magic \"ustar\\0\" \"00\" required)"));
    const auto stored = parseOctal(block, kChecksum);
    if (!stored) return malformed(QStringLiteral("unreadable header checksum"));
    if (unsigned(*stored) != checksumOf(block))
        return malformed(
            QStringLiteral("header checksum mismatch (stored %1, computed %2)").arg(*stored).arg(checksumOf(block)));

    Header header;
    const auto name = stringField(block, kName);
    const auto prefix = stringField(block, kPrefix);
    if (!name || !prefix) return malformed(QStringLiteral("NUL byte inside the entry name"));
    if (name->isEmpty()) return malformed(QStringLiteral("empty entry name"));
    header.path = prefix->isEmpty() ? *name : *prefix + '/' + *name;

    header.typeFlag = block[kTypeFlag.offset];
    header.type = typeOf(header.typeFlag);
    const auto linkName = stringField(block, kLinkName);
    header.hasLinkName = !linkName || !linkName->isEmpty();

    if (static_cast<unsigned char>(block[kSize.offset]) & 0x80)
        return malformed(QStringLiteral("base-256 size field is not supported"));
    const auto size = parseOctal(block, kSize);
    const auto mtime = parseOctal(block, kMtime);
    if (!size || !mtime || !parseOctal(block, kMode))
        return malformed(
            QStringLiteral("invalid octal number in the header of \"%1\"").arg(QString::fromUtf8(header.path)));
    header.size = *size;
    header.mtime = *mtime;
    return header;
}

Result<QByteArray> encodeHeader(const QByteArray &path, bool directory, qint64 size, qint64 mtime) {
    const QByteArray full = directory ? path + '/' : path;
    QByteArray name = full, prefix;
    if (full.size() > kName.size) {
        // Split at a '/' so that the prefix fits 155 bytes and the name 100.
        qsizetype split = -1;
        for (qsizetype i = full.size() - 1; i > 0; --i) {
            if (full[i] == '/' && i <= kPrefix.size && full.size() - i - 1 <= kName.size && full.size() - i - 1 > 0) {
                split = i;
                break;
            }
        }
        if (split < 0) return malformed(QStringLiteral("path too long for ustar: \"%1\"").arg(QString::fromUtf8(path)));
        prefix = full.left(split);
        name = full.mid(split + 1);
    }
    if (size < 0 || size > kMaxSize)
        return malformed(QStringLiteral("entry too large for ustar: \"%1\"").arg(QString::fromUtf8(path)));

    QByteArray block(kBlockSize, '\0');
    char *b = block.data();
    putString(b, kName, name);
    putOctal(b, kMode, directory ? 0755 : 0644);
    putOctal(b, kUid, 0);
    putOctal(b, kGid, 0);
    putOctal(b, kSize, size);
    putOctal(b, kMtime, mtime);
    b[kTypeFlag.offset] = directory ? '5' : '0';
    std::memcpy(b + kMagic.offset, "ustar\0", 6);
    std::memcpy(b + kVersion.offset, "00", 2);
    putString(b, kUname, QByteArrayLiteral("root"));
    putString(b, kGname, QByteArrayLiteral("root"));
    putOctal(b, kDevMajor, 0);
    putOctal(b, kDevMinor, 0);
    putString(b, kPrefix, prefix);
    // Six octal digits, NUL, space: the traditional layout every tar reads.
    const unsigned sum = checksumOf(b);
    for (int i = 5, v = int(sum); i >= 0; --i, v >>= 3) b[kChecksum.offset + i] = char('0' + (v & 7));
    b[kChecksum.offset + 6] = '\0';
    b[kChecksum.offset + 7] = ' ';
    return block;
}

} // namespace conduit::trust::ustar
