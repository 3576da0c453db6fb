// Offline update bundle: one POSIX ustar archive carrying the Director and
// Image repositories' metadata and the target files (docs/bundle.md).
//
//   bundle.json                  index (first entry; unsigned, checked against the archive)
//   director/<tuf file name>     N.root.json, timestamp.json, [V.]snapshot.json, [V.]targets.json
//   image/<tuf file name>        the same, plus delegated roles ([V.]<role>.json)
//   targets/<target name>        the image of every target the bundle carries
//
// Nothing in the archive is trusted: the reader only makes sure it is a
// well-formed, bounded ustar file whose names cannot escape anything, and
// hands metadata to the TUF/Uptane checks (verifyUptane) and target bytes to
// ImageVerifier. Nothing is ever extracted to disk by path.
#pragma once

#include "trust/repository.h"
#include "trust/trusterror.h"
#include "trust/uptane.h"

#include <QDateTime>
#include <QIODevice>

#include <memory>
#include <vector>

namespace conduit::trust {

inline constexpr int kBundleFormat = 1;

struct BundleLimits {
    qint64 maxEntries = 10000;                  // headers, directories included
    qint64 maxIndexBytes = 1024 * 1024;         // bundle.json
    qint64 maxMetadataBytes = 16 * 1024 * 1024; // each director/ or image/ file
    qint64 maxTargetBytes = qint64(64) << 30;   // each targets/ file
};

struct BundleEntry {
    QString path; // archive path without a trailing '/'
    bool directory = false;
    qint64 dataOffset = 0; // of the file's bytes in the archive
    qint64 size = 0;
};

// Reads and validates a whole bundle up front (headers only: file data is
// read on demand, so a 4 GiB bundle costs a few kilobytes of memory).
// [single-thread] The reader, its metadata sources and entry devices share
// one underlying device and seek it before every read: use them from one
// thread (open the bundle again for another thread).
class BundleReader {
public:
    // Every header is checked before anything is returned; the first
    // violation is the error, naming the entry ("bundle entry \"../x\": ...").
    static Result<BundleReader> open(const QString &path, const BundleLimits &limits = {});
    // Same over any random-access device (a QBuffer for the fuzzer and tests).
    // The device must be open for reading; the reader shares ownership.
    static Result<BundleReader> open(std::shared_ptr<QIODevice> device, const BundleLimits &limits = {});

    int format() const { return m_format; }
    QDateTime created() const { return m_created; }
    const std::vector<BundleEntry> &entries() const { return m_entries; }

    // "director" or "image": the repository's metadata as a MetadataSource,
    // usable directly by refreshRepository() / verifyUptane().
    std::unique_ptr<MetadataSource> metadataSource(const QString &repository) const;

    // A target file by its target name, or nullptr when the bundle lacks it.
    const BundleEntry *target(const QString &targetName) const;
    // Sequential read-only view of exactly the entry's bytes (no whole-file load).
    std::unique_ptr<QIODevice> openEntry(const BundleEntry &entry) const;

private:
    BundleReader() = default;
    std::shared_ptr<QIODevice> m_device;
    std::vector<BundleEntry> m_entries;
    int m_format = 0;
    QDateTime m_created;
};

// The bundled image of `target`, refused unless it exists and its size is
// exactly the signed length (nothing past it is ever accepted, nothing short
// is streamed). The host checks this before installing; verify does too.
Result<const BundleEntry *> bundledImage(const BundleReader &bundle, const VerifiedTarget &target);

// Streams the bundled image of `target` through ImageVerifier: the entry must
// exist, and its length and every listed hash must match.
Status verifyBundledTarget(const BundleReader &bundle, const VerifiedTarget &target);

// Writes a bundle. Metadata is held in memory (it is small); target files
// are streamed from disk when write() runs. The output is deterministic for
// the same inputs and `created` time.
class BundleWriter {
public:
    // `repository` is "director" or "image"; `fileName` a TUF file name.
    Status addMetadata(const QString &repository, const QString &fileName, const QByteArray &bytes);
    Status addTargetFile(const QString &targetName, const QString &filePath);
    Status addTargetBytes(const QString &targetName, const QByteArray &bytes);
    // Writes to a temporary file beside `path` and renames it over `path`.
    Status write(const QString &path, const QDateTime &created, const QString &generator = QString()) const;

private:
    struct Item {
        QString path;
        QByteArray bytes;   // metadata / in-memory target
        QString sourceFile; // streamed target
        qint64 size = 0;
    };
    Status add(Item item);
    std::vector<Item> m_items;
};

} // namespace conduit::trust
