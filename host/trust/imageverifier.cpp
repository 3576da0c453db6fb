#include "trust/imageverifier.h"

#include "trust/keys.h"

#include <botan/hash.h>

namespace conduit::trust {

namespace {

const char *botanName(const QString &algorithm) {
    if (algorithm == QLatin1String("sha256")) return "SHA-256";
    if (algorithm == QLatin1String("sha512")) return "SHA-512";
    return nullptr;
}

QString finalHex(Botan::HashFunction &hash) {
    const auto digest = hash.final();
    return toHex(QByteArrayView(reinterpret_cast<const char *>(digest.data()), qsizetype(digest.size())));
}

} // namespace

bool isSupportedHash(const QString &algorithm) { return botanName(algorithm) != nullptr; }

std::optional<QString> hashHex(const QString &algorithm, QByteArrayView data) {
    const char *name = botanName(algorithm);
    if (!name) return std::nullopt;
    auto hash = Botan::HashFunction::create_or_throw(name);
    hash->update(reinterpret_cast<const uint8_t *>(data.data()), size_t(data.size()));
    return finalHex(*hash);
}

ImageVerifier::ImageVerifier(QString targetName, qint64 expectedLength, std::map<QString, QString> expectedHashes)
    : m_name(std::move(targetName)), m_expectedLength(expectedLength) {
    if (expectedHashes.empty())
        m_error = trustError(TrustErrorKind::Malformed, QStringLiteral("target %1 lists no hashes").arg(m_name));
    for (auto &[algorithm, expected] : expectedHashes) {
        const char *name = botanName(algorithm);
        if (!name) {
            m_error = trustError(TrustErrorKind::Unsupported,
                                 QStringLiteral("target %1: unsupported hash algorithm \"%2\"").arg(m_name, algorithm));
            continue;
        }
        m_hashers.push_back(Hasher{algorithm, expected.toLower(), Botan::HashFunction::create_or_throw(name), {}});
    }
}

ImageVerifier::~ImageVerifier() = default;
ImageVerifier::ImageVerifier(ImageVerifier &&) noexcept = default;
ImageVerifier &ImageVerifier::operator=(ImageVerifier &&) noexcept = default;

Status ImageVerifier::addData(QByteArrayView chunk) {
    if (m_error) return *m_error;
    if (m_finished)
        return trustError(TrustErrorKind::EndlessData, QStringLiteral("image %1: data after finish()").arg(m_name));
    if (chunk.size() > remaining()) {
        m_error = trustError(TrustErrorKind::EndlessData,
                             QStringLiteral("endless data attack: image %1 is longer than its signed length %2")
                                 .arg(m_name)
                                 .arg(m_expectedLength));
        return *m_error;
    }
    for (Hasher &h : m_hashers)
        if (h.hash) h.hash->update(reinterpret_cast<const uint8_t *>(chunk.data()), size_t(chunk.size()));
    m_received += chunk.size();
    return Ok{};
}

Status ImageVerifier::finish() {
    if (m_error) return *m_error;
    if (m_finished) return Ok{};
    if (m_received != m_expectedLength) {
        m_error = trustError(TrustErrorKind::ImageMismatch, QStringLiteral("image %1 is %2 bytes, signed length is %3")
                                                                .arg(m_name)
                                                                .arg(m_received)
                                                                .arg(m_expectedLength));
        return *m_error;
    }
    for (Hasher &h : m_hashers) {
        if ((h.hash ? finalHex(*h.hash) : h.provided.toLower()) != h.expected) {
            m_error = trustError(
                TrustErrorKind::ImageMismatch,
                QStringLiteral("arbitrary software attack: image %1 %2 hash does not match the signed metadata")
                    .arg(m_name, h.algorithm));
            return *m_error;
        }
    }
    m_finished = true;
    return Ok{};
}

bool ImageVerifier::delegateHash(const QString &algorithm) {
    for (Hasher &h : m_hashers) {
        if (h.algorithm == algorithm) {
            // Only before any byte: a digest covers the whole image.
            if (m_received > 0) return false;
            h.hash.reset();
            return true;
        }
    }
    return false;
}

void ImageVerifier::provideDigest(const QString &algorithm, const QString &hex) {
    for (Hasher &h : m_hashers)
        if (h.algorithm == algorithm && !h.hash) h.provided = hex;
}

} // namespace conduit::trust
