#include "trust/trustedstate.h"

#include "trust/trustlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::trust {

namespace {

constexpr qint64 kFormat = 1;
constexpr qint64 kMaxStateBytes = 8 * 1024 * 1024;

TrustError storageError(const QString &message) {
    return trustError(TrustErrorKind::Storage, QStringLiteral("trusted state: %1").arg(message));
}

TrustError osError(const QString &what, const QString &path) {
    return storageError(QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno))));
}

bool writeAll(int fd, const QByteArray &data) {
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += n;
    }
    return true;
}

} // namespace

JsonValue TrustedState::toJson() const {
    JsonValue json;
    json.insert("format", JsonValue(kFormat));
    json.insert("director", director.toJson());
    json.insert("image", image.toJson());
    json.insert("last_trusted_time",
                lastTrustedTime.isValid() ? JsonValue(formatExpiry(lastTrustedTime)) : JsonValue());
    JsonValue counters(JsonValue::Object{});
    for (const auto &[ecu, counter] : releaseCounters) counters.insert(ecu.toStdString(), JsonValue(counter));
    json.insert("release_counters", counters);
    return json;
}

Result<TrustedState> TrustedState::fromJson(const JsonValue &json) {
    if (json["format"].toInteger() != kFormat || !json["release_counters"].isObject())
        return storageError(QStringLiteral("unknown format"));
    TrustedState state;
    auto director = RepositoryState::fromJson(json["director"]);
    auto image = RepositoryState::fromJson(json["image"]);
    if (!director || !image) return storageError(QStringLiteral("invalid repository state"));
    state.director = std::move(*director);
    state.image = std::move(*image);
    if (json["last_trusted_time"].isString()) {
        const auto time = parseExpiry(json["last_trusted_time"].toString());
        if (!time) return storageError(QStringLiteral("invalid last_trusted_time"));
        state.lastTrustedTime = *time;
    }
    for (const auto &[ecu, counter] : json["release_counters"].toObject()) {
        if (!counter.isInteger()) return storageError(QStringLiteral("invalid release counter"));
        state.releaseCounters[QString::fromStdString(ecu)] = counter.toInteger();
    }
    return state;
}

bool TrustedState::operator==(const TrustedState &other) const {
    return canonicalJson(toJson()) == canonicalJson(other.toJson());
}

Result<TrustedState> provisionTrustedState(const QByteArray &directorRoot, const QByteArray &imageRoot) {
    auto director = stateFromInitialRoot(directorRoot);
    if (!director)
        return trustError(director.error().kind, QStringLiteral("director root: ") + director.error().message);
    auto image = stateFromInitialRoot(imageRoot);
    if (!image) return trustError(image.error().kind, QStringLiteral("image root: ") + image.error().message);
    TrustedState state;
    state.director = std::move(*director);
    state.image = std::move(*image);
    return state;
}

Status checkMovesForward(const TrustedState &stored, const TrustedState &next) {
    for (auto [old, now, name] :
         {std::tuple{&stored.director, &next.director, "director"}, {&stored.image, &next.image, "image"}}) {
        const qint64 oldRoot = old->rootVersion();
        const qint64 newRoot = now->rootVersion();
        if (newRoot < oldRoot) {
            return trustError(TrustErrorKind::Rollback, QStringLiteral("rollback attack: %1 root version %2 < %3")
                                                            .arg(QLatin1String(name))
                                                            .arg(newRoot)
                                                            .arg(oldRoot));
        }
        if (newRoot == oldRoot &&
            (now->timestamp.version < old->timestamp.version || now->snapshot.version < old->snapshot.version)) {
            return trustError(TrustErrorKind::Rollback,
                              QStringLiteral("rollback attack: %1 timestamp/snapshot versions would go backwards")
                                  .arg(QLatin1String(name)));
        }
    }
    if (stored.lastTrustedTime.isValid() &&
        (!next.lastTrustedTime.isValid() || next.lastTrustedTime < stored.lastTrustedTime)) {
        return trustError(TrustErrorKind::Freeze,
                          QStringLiteral("freeze attack: last trusted time would go back from %1")
                              .arg(formatExpiry(stored.lastTrustedTime)));
    }
    for (const auto &[ecu, counter] : stored.releaseCounters) {
        auto it = next.releaseCounters.find(ecu);
        if (it == next.releaseCounters.end() || it->second < counter) {
            return trustError(TrustErrorKind::Rollback,
                              QStringLiteral("rollback attack: release counter of ECU %1 would go back from %2")
                                  .arg(ecu)
                                  .arg(counter));
        }
    }
    return Ok{};
}

bool TrustStore::exists() const { return QFileInfo::exists(m_path); }

Result<TrustedState> TrustStore::load() const {
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) return storageError(QStringLiteral("cannot open %1").arg(m_path));
    const QByteArray bytes = file.read(kMaxStateBytes + 1);
    auto json = parseJson(bytes, JsonLimits{kMaxStateBytes, 64});
    if (!json) return storageError(json.error().message);
    return TrustedState::fromJson(*json);
}

Status TrustStore::save(const TrustedState &state) const {
    if (exists()) {
        auto stored = load();
        if (!stored) return stored.error();
        auto forward = checkMovesForward(*stored, state);
        if (!forward) return forward.error();
    }
    // Not canonicalJson(): the OLPC encoding leaves control characters raw,
    // and the state embeds root files as they were signed, which python-tuf
    // and tuf-on-ci pretty-print (newlines). The strict parser refuses raw
    // control characters, so the state would never load again.
    const QByteArray bytes = compactJson(state.toJson());
    const QString dir = QFileInfo(m_path).absolutePath();
    const QByteArray tmpPath = QFile::encodeName(m_path + QStringLiteral(".tmp"));
    const int fd = ::open(tmpPath.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return osError(QStringLiteral("cannot create"), QString::fromLocal8Bit(tmpPath));
    const bool written = writeAll(fd, bytes) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(tmpPath.constData());
        return osError(QStringLiteral("cannot write"), QString::fromLocal8Bit(tmpPath));
    }
    if (::rename(tmpPath.constData(), QFile::encodeName(m_path).constData()) != 0) {
        ::unlink(tmpPath.constData());
        return osError(QStringLiteral("cannot rename onto"), m_path);
    }
    const int dirFd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0) return osError(QStringLiteral("cannot open directory"), dir);
    const bool synced = ::fsync(dirFd) == 0;
    ::close(dirFd);
    if (!synced) return osError(QStringLiteral("cannot sync directory"), dir);
    qCDebug(lcTrust) << "trusted state saved to" << m_path;
    return Ok{};
}

} // namespace conduit::trust
