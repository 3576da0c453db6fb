#include "trust/bundle.h"

#include "trust/canonicaljson.h"
#include "trust/imageverifier.h"
#include "trust/trustlog.h"
#include "trust/ustar_p.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>

namespace conduit::trust {

namespace {

const QString kIndexName = QStringLiteral("bundle.json");
const QString kTargetsDir = QStringLiteral("targets");
// After the end-of-archive block only zero padding may follow (tar pads to
// its 10 KiB record size; allow a few records).
constexpr qint64 kMaxTrailingZeros = 64 * 1024;

TrustError entryError(TrustErrorKind kind, const QString &entry, const QString &what) {
    return trustError(kind, QStringLiteral("bundle entry \"%1\": %2").arg(entry, what));
}

bool isRepository(const QString &name) { return name == QLatin1String("director") || name == QLatin1String("image"); }

// Reads exactly `size` bytes at `offset`, or returns nullopt.
std::optional<QByteArray> readAt(QIODevice &device, qint64 offset, qint64 size) {
    if (!device.seek(offset)) return std::nullopt;
    QByteArray bytes = device.read(size);
    if (bytes.size() != size) return std::nullopt;
    return bytes;
}

// A read-only window onto one entry of the archive: reads never pass the
// entry's end, whatever follows in the file.
class EntryDevice : public QIODevice {
public:
    EntryDevice(std::shared_ptr<QIODevice> archive, qint64 offset, qint64 size)
        : m_archive(std::move(archive)), m_offset(offset), m_size(size) {
        QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }
    bool isSequential() const override { return false; }
    qint64 size() const override { return m_size; }
    bool seek(qint64 pos) override {
        if (pos < 0 || pos > m_size) return false;
        m_pos = pos;
        return QIODevice::seek(pos);
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override {
        const qint64 n = qMin(maxSize, m_size - m_pos);
        if (n <= 0) return 0; // end of the entry
        if (!m_archive->seek(m_offset + m_pos)) return -1;
        const qint64 got = m_archive->read(data, n);
        if (got > 0) m_pos += got;
        return got;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    std::shared_ptr<QIODevice> m_archive;
    qint64 m_offset;
    qint64 m_size;
    qint64 m_pos = 0;
};

class BundleMetadataSource : public MetadataSource {
public:
    BundleMetadataSource(std::shared_ptr<QIODevice> archive, std::map<QString, BundleEntry> files)
        : m_archive(std::move(archive)), m_files(std::move(files)) {}
    std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) override {
        auto it = m_files.find(name);
        if (it == m_files.end()) return std::nullopt;
        // One byte over the limit is enough for the parser to refuse it.
        const qint64 size = it->second.size;
        return readAt(*m_archive, it->second.dataOffset, maxBytes < size ? maxBytes + 1 : size);
    }

private:
    std::shared_ptr<QIODevice> m_archive;
    std::map<QString, BundleEntry> m_files;
};

// Walks the headers once and applies every structural rule.
class BundleScanner {
public:
    BundleScanner(QIODevice &device, const BundleLimits &limits) : m_device(device), m_limits(limits) {}

    Status scan(std::vector<BundleEntry> &entries) {
        const qint64 total = m_device.size();
        qint64 offset = 0;
        for (;;) {
            if (offset + ustar::kBlockSize > total)
                return trustError(
                    TrustErrorKind::Malformed,
                    QStringLiteral("truncated bundle: no end-of-archive marker after %1 bytes").arg(offset));
            const auto block = readAt(m_device, offset, ustar::kBlockSize);
            if (!block)
                return trustError(TrustErrorKind::Malformed,
                                  QStringLiteral("bundle: read error at offset %1").arg(offset));
            if (ustar::isZeroBlock(block->constData())) return checkTrailer(offset + ustar::kBlockSize, total);
            if (qint64(entries.size()) >= m_limits.maxEntries)
                return trustError(TrustErrorKind::TooLarge,
                                  QStringLiteral("bundle has more than %1 entries").arg(m_limits.maxEntries));
            auto header = ustar::decodeHeader(block->constData());
            if (!header) {
                return trustError(header.error().kind, QStringLiteral("bundle entry #%1 at offset %2: %3")
                                                           .arg(entries.size() + 1)
                                                           .arg(offset)
                                                           .arg(header.error().message));
            }
            auto entry = checkEntry(*header, offset + ustar::kBlockSize, total, entries.empty());
            if (!entry) return entry.error();
            entries.push_back(*entry);
            offset += ustar::kBlockSize + ustar::paddedSize(entry->size);
        }
    }

private:
    Result<BundleEntry> checkEntry(const ustar::Header &header, qint64 dataOffset, qint64 total, bool first) {
        if (firstInvalidUtf8(header.path) != -1)
            return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle entry name is not valid UTF-8"));
        QString path = QString::fromUtf8(header.path);
        const QString shown = path;
        const bool directory = header.type == ustar::EntryType::Directory;
        if (directory && path.endsWith(u'/')) path.chop(1);

        switch (header.type) {
        case ustar::EntryType::File:
        case ustar::EntryType::Directory: break;
        case ustar::EntryType::HardLink:
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("hard links are not allowed"));
        case ustar::EntryType::SymLink:
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("symbolic links are not allowed"));
        case ustar::EntryType::CharDevice:
        case ustar::EntryType::BlockDevice:
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("device nodes are not allowed"));
        case ustar::EntryType::Fifo:
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("FIFOs are not allowed"));
        case ustar::EntryType::Extension:
            return entryError(TrustErrorKind::Unsupported, shown,
                              QStringLiteral("pax/GNU extension headers are not allowed (type '%1')")
                                  .arg(QChar::fromLatin1(header.typeFlag)));
        case ustar::EntryType::Other:
            return entryError(TrustErrorKind::Unsupported, shown,
                              QStringLiteral("unsupported entry type '%1'").arg(QChar::fromLatin1(header.typeFlag)));
        }
        if (header.hasLinkName)
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("a link name on a non-link entry"));
        if (!isSafeTargetName(path))
            return entryError(TrustErrorKind::Malformed, shown,
                              QStringLiteral("path traversal attempt: unsafe path (absolute, \"..\", \".\", empty "
                                             "segment, backslash or control character)"));
        if (first && (directory || path != kIndexName))
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("the first entry must be bundle.json"));

        const qint64 cap = directory ? 0 : capFor(path);
        if (cap < 0)
            return entryError(TrustErrorKind::Malformed, shown,
                              QStringLiteral("unexpected entry (see docs/bundle.md for the layout)"));
        if (directory && !isAllowedDirectory(path))
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("unexpected directory"));
        if (header.size > cap) {
            return entryError(TrustErrorKind::TooLarge, shown,
                              QStringLiteral("%1 bytes is over the limit of %2").arg(header.size).arg(cap));
        }
        if (header.size > total - dataOffset) {
            return entryError(TrustErrorKind::Malformed, shown,
                              QStringLiteral("truncated: the header says %1 bytes but only %2 remain")
                                  .arg(header.size)
                                  .arg(total - dataOffset));
        }
        if (!m_paths.insert(path).second)
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("duplicate entry"));
        if (!directory) {
            if (m_parents.count(path))
                return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("a file where a directory is used"));
            for (qsizetype slash = path.indexOf(u'/'); slash > 0; slash = path.indexOf(u'/', slash + 1)) {
                const QString parent = path.left(slash);
                m_parents.insert(parent);
                if (m_files.count(parent))
                    return entryError(TrustErrorKind::Malformed, shown,
                                      QStringLiteral("a path below the file \"%1\"").arg(parent));
            }
            m_files.insert(path);
        } else if (m_files.count(path)) {
            return entryError(TrustErrorKind::Malformed, shown, QStringLiteral("a directory where a file is used"));
        }
        return BundleEntry{path, directory, dataOffset, header.size};
    }

    // The size cap of a file at `path`, or -1 if no file may live there.
    qint64 capFor(const QString &path) const {
        if (path == kIndexName) return m_limits.maxIndexBytes;
        const qsizetype slash = path.indexOf(u'/');
        if (slash < 0) return -1;
        const QString top = path.left(slash);
        if (isRepository(top))
            return path.indexOf(u'/', slash + 1) < 0 && path.endsWith(QLatin1String(".json"))
                       ? m_limits.maxMetadataBytes
                       : -1;
        if (top == kTargetsDir) return m_limits.maxTargetBytes;
        return -1;
    }

    static bool isAllowedDirectory(const QString &path) {
        return isRepository(path) || path == kTargetsDir || path.startsWith(kTargetsDir + u'/');
    }

    Status checkTrailer(qint64 offset, qint64 total) const {
        const qint64 rest = total - offset;
        if (rest > kMaxTrailingZeros)
            return trustError(
                TrustErrorKind::Malformed,
                QStringLiteral("bundle: %1 bytes of trailing data after the end of the archive").arg(rest));
        const auto tail = readAt(m_device, offset, rest);
        if (!tail || tail->count('\0') != rest)
            return trustError(TrustErrorKind::Malformed,
                              QStringLiteral("bundle: non-zero data after the end of the archive"));
        return Ok{};
    }

    QIODevice &m_device;
    const BundleLimits &m_limits;
    std::set<QString> m_paths, m_files, m_parents;
};

// bundle.json must describe exactly the files in the archive.
Status checkIndex(const JsonValue &index, const std::vector<BundleEntry> &entries, int &format, QDateTime &created) {
    auto bad = [](const QString &what) {
        return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle.json: %1").arg(what));
    };
    if (!index.isObject() || !index["format"].isInteger())
        return bad(QStringLiteral("not an object with an integer \"format\""));
    if (index["format"].toInteger() != kBundleFormat)
        return trustError(TrustErrorKind::Unsupported,
                          QStringLiteral("bundle format %1 is not supported (this host reads format %2)")
                              .arg(index["format"].toInteger())
                              .arg(kBundleFormat));
    format = int(index["format"].toInteger());
    const auto time = index["created"].isString() ? parseExpiry(index["created"].toString()) : std::nullopt;
    if (!time) return bad(QStringLiteral("\"created\" must be a YYYY-MM-DDTHH:MM:SSZ time"));
    created = *time;
    if (!index["contents"].isArray()) return bad(QStringLiteral("\"contents\" must be an array"));

    std::map<QString, qint64> listed;
    for (const JsonValue &item : index["contents"].toArray()) {
        if (!item["path"].isString() || !item["length"].isInteger())
            return bad(QStringLiteral("every \"contents\" item needs a string \"path\" and an integer \"length\""));
        if (!listed.emplace(item["path"].toString(), item["length"].toInteger()).second)
            return bad(QStringLiteral("\"%1\" listed twice").arg(item["path"].toString()));
    }
    for (const BundleEntry &entry : entries) {
        if (entry.directory || entry.path == kIndexName) continue;
        auto it = listed.find(entry.path);
        if (it == listed.end())
            return entryError(TrustErrorKind::Malformed, entry.path, QStringLiteral("not listed in bundle.json"));
        if (it->second != entry.size)
            return entryError(TrustErrorKind::Malformed, entry.path,
                              QStringLiteral("%1 bytes, bundle.json lists %2").arg(entry.size).arg(it->second));
        listed.erase(it);
    }
    if (!listed.empty())
        return bad(QStringLiteral("lists \"%1\", which the archive does not contain").arg(listed.begin()->first));
    return Ok{};
}

} // namespace

Result<BundleReader> BundleReader::open(const QString &path, const BundleLimits &limits) {
    // Opened without blocking and taken only as a regular file: a FIFO with
    // no writer would block open() (and the caller's event loop) for ever,
    // a device or a socket is no bundle.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return trustError(
            TrustErrorKind::Missing,
            QStringLiteral("cannot open bundle %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle %1 is not a regular file").arg(path));
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    auto file = std::make_shared<QFile>();
    if (!file->open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return trustError(TrustErrorKind::Missing,
                          QStringLiteral("cannot open bundle %1: %2").arg(path, file->errorString()));
    }
    return open(std::shared_ptr<QIODevice>(std::move(file)), limits);
}

Result<BundleReader> BundleReader::open(std::shared_ptr<QIODevice> device, const BundleLimits &limits) {
    if (!device || !device->isReadable() || device->isSequential())
        return trustError(TrustErrorKind::Storage,
                          QStringLiteral("bundle: a readable random-access device is required"));
    BundleReader reader;
    BundleScanner scanner(*device, limits);
    auto scanned = scanner.scan(reader.m_entries);
    if (!scanned) return scanned.error();
    if (reader.m_entries.empty())
        return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle is empty (bundle.json missing)"));

    const BundleEntry &indexEntry = reader.m_entries.front();
    const auto indexBytes = readAt(*device, indexEntry.dataOffset, indexEntry.size);
    if (!indexBytes) return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle.json: read error"));
    auto index = parseJson(*indexBytes, JsonLimits{limits.maxIndexBytes, 16});
    if (!index) return trustError(index.error().kind, QStringLiteral("bundle.json: %1").arg(index.error().message));
    auto indexed = checkIndex(*index, reader.m_entries, reader.m_format, reader.m_created);
    if (!indexed) return indexed.error();
    reader.m_device = std::move(device);
    qCDebug(lcTrust) << "bundle opened:" << reader.m_entries.size() << "entries, created" << reader.m_created;
    return reader;
}

std::unique_ptr<MetadataSource> BundleReader::metadataSource(const QString &repository) const {
    std::map<QString, BundleEntry> files;
    const QString prefix = repository + u'/';
    for (const BundleEntry &entry : m_entries) {
        if (!entry.directory && entry.path.startsWith(prefix)) files.emplace(entry.path.mid(prefix.size()), entry);
    }
    return std::make_unique<BundleMetadataSource>(m_device, std::move(files));
}

const BundleEntry *BundleReader::target(const QString &targetName) const {
    const QString path = kTargetsDir + u'/' + targetName;
    for (const BundleEntry &entry : m_entries) {
        if (!entry.directory && entry.path == path) return &entry;
    }
    return nullptr;
}

std::unique_ptr<QIODevice> BundleReader::openEntry(const BundleEntry &entry) const {
    return std::make_unique<EntryDevice>(m_device, entry.dataOffset, entry.size);
}

Result<const BundleEntry *> bundledImage(const BundleReader &bundle, const VerifiedTarget &target) {
    const BundleEntry *entry = bundle.target(target.name);
    if (!entry)
        return trustError(TrustErrorKind::Missing,
                          QStringLiteral("bundle lacks the image of target %1").arg(target.name));
    if (entry->size > target.length) {
        return trustError(TrustErrorKind::EndlessData,
                          QStringLiteral("endless data attack: image %1 is longer than its signed length %2")
                              .arg(target.name)
                              .arg(target.length));
    }
    if (entry->size < target.length) {
        return trustError(TrustErrorKind::ImageMismatch, QStringLiteral("image %1 is %2 bytes, signed length is %3")
                                                             .arg(target.name)
                                                             .arg(entry->size)
                                                             .arg(target.length));
    }
    return entry;
}

Status verifyBundledTarget(const BundleReader &bundle, const VerifiedTarget &target) {
    auto image = bundledImage(bundle, target);
    if (!image) return image.error();
    const BundleEntry *entry = *image;
    ImageVerifier verifier(target.name, target.length, target.hashes);
    auto device = bundle.openEntry(*entry);
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 n = device->read(chunk.data(), chunk.size());
        if (n < 0)
            return trustError(TrustErrorKind::Storage, QStringLiteral("bundle: read error in %1").arg(entry->path));
        if (n == 0) break;
        auto added = verifier.addData(QByteArrayView(chunk.constData(), n));
        if (!added) return added.error();
    }
    return verifier.finish();
}

} // namespace conduit::trust
