// Streaming check of an image against its verified length and hashes.
// Feed the bytes as they arrive (download, bundle, staging); the verifier
// refuses anything past the signed length (endless data) and, at finish(),
// a short image or any listed hash that differs. Unknown hash algorithms are
// refused up front, so a hash the host cannot check never passes silently.
#pragma once

#include "trust/trusterror.h"

#include <QByteArrayView>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace Botan {
class HashFunction;
}

namespace conduit::trust {

// "sha256" and "sha512" (TUF names). Lowercase hex, or nullopt if unknown.
std::optional<QString> hashHex(const QString &algorithm, QByteArrayView data);
bool isSupportedHash(const QString &algorithm);

class ImageVerifier {
public:
    ImageVerifier(QString targetName, qint64 expectedLength, std::map<QString, QString> expectedHashes);
    ~ImageVerifier();
    ImageVerifier(ImageVerifier &&) noexcept;
    ImageVerifier &operator=(ImageVerifier &&) noexcept;

    // Fails (and stays failed) as soon as the total passes the signed length.
    Status addData(QByteArrayView chunk);
    // Checks the length and every listed hash (idempotent once passed).
    Status finish();

    // Hash once: the caller computes `algorithm` itself over exactly the
    // bytes it passes to addData() (the download that received them), so
    // the verifier stops hashing it and finish() compares the digest given
    // to provideDigest() instead; without one, finish() fails. False (and
    // nothing changes) when the target lists no such hash.
    bool delegateHash(const QString &algorithm);
    void provideDigest(const QString &algorithm, const QString &hex);

    qint64 received() const { return m_received; }
    // How many more bytes may be accepted; a downloader caps its request here.
    qint64 remaining() const { return m_expectedLength - m_received; }

private:
    struct Hasher {
        QString algorithm;
        QString expected;
        std::unique_ptr<Botan::HashFunction> hash; // null when delegated
        QString provided;                          // the delegated digest
    };
    QString m_name;
    qint64 m_expectedLength = 0;
    qint64 m_received = 0;
    bool m_finished = false;
    std::optional<TrustError> m_error;
    std::vector<Hasher> m_hashers;
};

} // namespace conduit::trust
