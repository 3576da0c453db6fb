// BundleWriter: deterministic ustar output (uid/gid 0, fixed modes, mtime =
// the bundle's creation time, entries in a fixed order) so that the same
// release always gives the same bytes.
#include "trust/bundle.h"

#include "trust/canonicaljson.h"
#include "trust/metadata.h"
#include "trust/ustar_p.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <set>

namespace conduit::trust {

namespace {

TrustError writeError(const QString &what) {
    return trustError(TrustErrorKind::Storage, QStringLiteral("bundle: %1").arg(what));
}

Status writeAll(QIODevice &out, const QByteArray &bytes) {
    if (out.write(bytes) != bytes.size()) return writeError(out.errorString());
    return Ok{};
}

Status writeEntry(QIODevice &out, const QString &path, bool directory, qint64 size, qint64 mtime) {
    auto header = ustar::encodeHeader(path.toUtf8(), directory, size, mtime);
    if (!header) return header.error();
    return writeAll(out, *header);
}

Status writePadding(QIODevice &out, qint64 size) {
    return writeAll(out, QByteArray(ustar::paddedSize(size) - size, '\0'));
}

// Streams a file into the archive; it must still have exactly `size` bytes.
Status copyFile(QIODevice &out, const QString &source, qint64 size) {
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return writeError(QStringLiteral("cannot open %1: %2").arg(source, in.errorString()));
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    qint64 copied = 0;
    while (copied < size) {
        const qint64 n = in.read(chunk.data(), qMin<qint64>(chunk.size(), size - copied));
        if (n <= 0) return writeError(QStringLiteral("%1 changed or could not be read while bundling").arg(source));
        if (out.write(chunk.constData(), n) != n) return writeError(out.errorString());
        copied += n;
    }
    if (!in.atEnd()) return writeError(QStringLiteral("%1 grew while bundling").arg(source));
    return Ok{};
}

} // namespace

Status BundleWriter::add(Item item) {
    for (const Item &other : m_items) {
        if (other.path == item.path)
            return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle: duplicate entry %1").arg(item.path));
    }
    m_items.push_back(std::move(item));
    return Ok{};
}

Status BundleWriter::addMetadata(const QString &repository, const QString &fileName, const QByteArray &bytes) {
    if ((repository != QLatin1String("director") && repository != QLatin1String("image")) ||
        !isSafeRoleName(fileName) || !fileName.endsWith(QLatin1String(".json")))
        return trustError(TrustErrorKind::Malformed,
                          QStringLiteral("bundle: bad metadata name %1/%2").arg(repository, fileName));
    return add(Item{repository + u'/' + fileName, bytes, QString(), bytes.size()});
}

Status BundleWriter::addTargetFile(const QString &targetName, const QString &filePath) {
    if (!isSafeTargetName(targetName))
        return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle: unsafe target name %1").arg(targetName));
    const QFileInfo info(filePath);
    if (!info.isFile()) return writeError(QStringLiteral("%1 is not a regular file").arg(filePath));
    return add(Item{QStringLiteral("targets/") + targetName, QByteArray(), info.absoluteFilePath(), info.size()});
}

Status BundleWriter::addTargetBytes(const QString &targetName, const QByteArray &bytes) {
    if (!isSafeTargetName(targetName))
        return trustError(TrustErrorKind::Malformed, QStringLiteral("bundle: unsafe target name %1").arg(targetName));
    return add(Item{QStringLiteral("targets/") + targetName, bytes, QString(), bytes.size()});
}

Status BundleWriter::write(const QString &path, const QDateTime &created, const QString &generator) const {
    // Fixed order: director metadata, image metadata, targets; each sorted.
    std::vector<const Item *> items;
    for (const Item &item : m_items) items.push_back(&item);
    auto rank = [](const Item *item) {
        return item->path.startsWith(QLatin1String("director/")) ? 0
               : item->path.startsWith(QLatin1String("image/"))  ? 1
                                                                 : 2;
    };
    std::sort(items.begin(), items.end(),
              [&](const Item *a, const Item *b) { return rank(a) != rank(b) ? rank(a) < rank(b) : a->path < b->path; });

    JsonValue::Array contents;
    for (const Item *item : items)
        contents.emplace_back(
            JsonValue(JsonValue::Object{{"path", JsonValue(item->path)}, {"length", JsonValue(item->size)}}));
    JsonValue index(JsonValue::Object{{"format", JsonValue(kBundleFormat)},
                                      {"created", JsonValue(formatExpiry(created))},
                                      {"contents", JsonValue(std::move(contents))}});
    if (!generator.isEmpty()) index.insert("generator", JsonValue(generator));
    const QByteArray indexBytes = compactJson(index) + '\n';
    const qint64 mtime = created.toSecsSinceEpoch();

    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return writeError(QStringLiteral("cannot write %1: %2").arg(path, out.errorString()));
    auto run = [&]() -> Status {
        if (auto s = writeEntry(out, QStringLiteral("bundle.json"), false, indexBytes.size(), mtime); !s) return s;
        if (auto s = writeAll(out, indexBytes); !s) return s;
        if (auto s = writePadding(out, indexBytes.size()); !s) return s;
        std::set<QString> directories;
        for (const Item *item : items) {
            // Parent directories first, once each, so `tar x` recreates the tree.
            for (qsizetype slash = item->path.indexOf(u'/'); slash > 0; slash = item->path.indexOf(u'/', slash + 1)) {
                const QString directory = item->path.left(slash);
                if (directories.insert(directory).second) {
                    if (auto s = writeEntry(out, directory, true, 0, mtime); !s) return s;
                }
            }
            if (auto s = writeEntry(out, item->path, false, item->size, mtime); !s) return s;
            auto body =
                item->sourceFile.isEmpty() ? writeAll(out, item->bytes) : copyFile(out, item->sourceFile, item->size);
            if (!body) return body;
            if (auto s = writePadding(out, item->size); !s) return s;
        }
        return writeAll(out, QByteArray(2 * ustar::kBlockSize, '\0'));
    };
    auto written = run();
    if (!written) {
        out.cancelWriting();
        return written;
    }
    if (!out.commit()) return writeError(QStringLiteral("cannot commit %1: %2").arg(path, out.errorString()));
    return Ok{};
}

} // namespace conduit::trust
