#include "tuftargets.h"

#include "transfer/download.h"
#include "trust/imageverifier.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QStorageInfo>

#include <cstdio>
#include <unistd.h>

namespace conduit::ctl {

Q_LOGGING_CATEGORY(lcTuf, "conduit.tuf")

using namespace trust;

namespace {

// Checks a file on disk against the target's signed length and hashes.
Status verifyFile(const QString &path, const TargetFile &target) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return trustError(TrustErrorKind::Storage, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    ImageVerifier verifier(target.name, target.length, target.hashes);
    while (true) {
        // One byte past the signed length is enough to refuse it (and
        // remaining() + 1 could overflow for a hostile length).
        const QByteArray chunk = file.read(std::min<qint64>(verifier.remaining(), (1 << 20) - 1) + 1);
        if (chunk.isEmpty()) break;
        if (auto added = verifier.addData(chunk); !added) return added;
    }
    return verifier.finish();
}

// The URL of the target's file: each path segment percent-encoded.
QUrl targetUrl(const QUrl &baseUrl, const QString &filePath) {
    QByteArray url = baseUrl.toEncoded();
    if (!url.endsWith('/')) url += '/';
    QByteArrayList segments;
    for (const QString &segment : filePath.split(u'/')) segments << QUrl::toPercentEncoding(segment);
    return QUrl::fromEncoded(url + segments.join('/'), QUrl::StrictMode);
}

// Runs one download to its end on a local event loop.
Status download(const QUrl &url, const QString &path, const TargetFile &target) {
    const auto sha256 = target.hashes.find(QStringLiteral("sha256"));
    if (sha256 == target.hashes.end()) {
        return trustError(
            TrustErrorKind::Unsupported,
            QStringLiteral("target %1 lists no sha256 hash, which this client streams the download against")
                .arg(target.name));
    }
    transfer::DownloadOptions options;
    // A command line tool answers in seconds, not after the host's patient retries.
    options.maxAttempts = 3;
    options.backoffMs = 200;
    options.backoffMaxMs = 2000;
    qCInfo(lcTuf).noquote()
        << QStringLiteral("target %1 (%2 bytes) from %3").arg(target.name).arg(target.length).arg(url.toString());
    transfer::Download transfer(url, path, target.length, sha256->second, options);
    // Whether all signed bytes arrived: then a failure means they are not
    // the signed ones (the download drops them), else the transfer failed.
    bool allArrived = target.length == 0;
    QObject::connect(&transfer, &transfer::Download::progress,
                     [&](qint64 onDisk, qint64 length) { allArrived = allArrived || onDisk == length; });
    QEventLoop loop;
    QObject::connect(&transfer, &transfer::Download::finished, &loop, &QEventLoop::quit);
    transfer.start();
    if (!transfer.isFinished()) loop.exec(QEventLoop::ExcludeUserInputEvents);
    if (!transfer.succeeded()) {
        const TrustErrorKind kind = allArrived ? TrustErrorKind::ImageMismatch : TrustErrorKind::Missing;
        return trustError(kind,
                          QStringLiteral("target %1 from %2: %3").arg(target.name, url.toString(), transfer.error()));
    }
    return Ok{};
}

Status syncAndRename(const QString &from, const QString &to) {
    QFile file(from);
    if (!file.open(QIODevice::ReadWrite) || ::fsync(file.handle()) != 0)
        return trustError(TrustErrorKind::Storage, QStringLiteral("cannot sync %1: %2").arg(from, file.errorString()));
    file.close();
    // rename(2) replaces an older copy of the target atomically.
    if (std::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0)
        return trustError(TrustErrorKind::Storage, QStringLiteral("cannot rename %1 to %2").arg(from, to));
    return Ok{};
}

} // namespace

QString targetFileName(const QString &targetName) { return QString::fromLatin1(QUrl::toPercentEncoding(targetName)); }

Result<TargetFetch> fetchTarget(const VerifiedRepository &repository, const TargetFile &target, const QUrl &baseUrl,
                                const QString &directory) {
    if (!isSafeTargetName(target.name))
        return trustError(TrustErrorKind::Malformed,
                          QStringLiteral("refusing the unsafe target path \"%1\"").arg(target.name));
    if (!QDir().mkpath(directory))
        return trustError(TrustErrorKind::Storage, QStringLiteral("cannot create %1").arg(directory));
    const QString finalPath = QDir(directory).filePath(targetFileName(target.name));
    if (QFile::exists(finalPath) && verifyFile(finalPath, target)) return TargetFetch::AlreadyVerified;

    // Checked here, before any arithmetic on a hostile signed length.
    const QStorageInfo storage(directory);
    if (storage.isValid() && target.length > storage.bytesAvailable()) {
        return trustError(TrustErrorKind::TooLarge,
                          QStringLiteral("target %1 is signed as %2 bytes, %3 has %4 bytes free")
                              .arg(target.name)
                              .arg(target.length)
                              .arg(directory)
                              .arg(storage.bytesAvailable()));
    }
    // Hidden, so that nothing looking for targets in the directory sees it.
    const QString partPath = QDir(directory).filePath(u'.' + targetFileName(target.name) + QStringLiteral(".part"));
    const QUrl url = targetUrl(baseUrl, repository.targetFilePath(target));
    Status status = download(url, partPath, target);
    if (status) status = verifyFile(partPath, target); // every signed hash, not only the sha256 streamed against
    if (status) status = syncAndRename(partPath, finalPath);
    if (!status) {
        QFile::remove(partPath);
        return status.error();
    }
    return TargetFetch::Downloaded;
}

} // namespace conduit::ctl
