// Public keys and signatures as TUF writes them (keytype/scheme/keyval),
// verified and produced with Botan 2.
//
// Supported:
//   keytype "ed25519",  scheme "ed25519",             keyval.public = 32-byte hex
//   keytype "ecdsa" or "ecdsa-sha2-nistp256", scheme "ecdsa-sha2-nistp256",
//                                                     keyval.public = PEM (P-256 only)
//   keytype "rsa",      scheme "rsassa-pss-sha256",   keyval.public = PEM (>= 2048 bits,
//                                                     verify only)
// Signatures are raw bytes here (hex in metadata): Ed25519 64 bytes, ECDSA a
// strict DER SEQUENCE{r,s}, RSA-PSS the modulus-sized block.
#pragma once

#include "trust/canonicaljson.h"
#include "trust/trusterror.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace Botan {
class Public_Key;
class Private_Key;
} // namespace Botan

namespace conduit::trust {

enum class KeyType { Ed25519, EcdsaP256, RsaPss };

class PublicKey {
public:
    // Validates the whole key object; custom fields are kept (they are part
    // of the key id).
    static Result<PublicKey> fromJson(const JsonValue &keyObject);

    // sha256 hex of the canonical JSON of the whole key object.
    QString keyId() const { return m_keyId; }
    KeyType type() const { return m_type; }
    const JsonValue &json() const { return m_json; }
    // Canonical identity of the key material, independent of custom fields,
    // so that two key ids for one key count once toward a threshold.
    const QByteArray &material() const { return m_material; }

    bool verify(QByteArrayView message, QByteArrayView signature) const;

private:
    KeyType m_type = KeyType::Ed25519;
    QString m_keyId;
    JsonValue m_json;
    QByteArray m_material;
    std::shared_ptr<const Botan::Public_Key> m_key;
};

QString keyIdOf(const JsonValue &keyObject);

// A private key for the repository tool and tests (Ed25519 and ECDSA P-256).
class SigningKey {
public:
    // Deterministic: the same 32-byte seed always gives the same key.
    static Result<SigningKey> ed25519FromSeed(QByteArrayView seed);
    static Result<SigningKey> ecdsaP256FromSeed(QByteArrayView seed);
    static SigningKey generateEd25519();
    static SigningKey generateEcdsaP256();
    // PKCS#8 PEM (unencrypted), as written by privateKeyPem().
    static Result<SigningKey> fromPrivateKeyPem(const QByteArray &pem);

    const PublicKey &publicKey() const { return m_public; }
    QString keyId() const { return m_public.keyId(); }
    QByteArray sign(QByteArrayView message) const;
    QByteArray privateKeyPem() const;

private:
    static Result<SigningKey> fromBotan(std::shared_ptr<Botan::Private_Key> key);
    std::shared_ptr<Botan::Private_Key> m_key;
    PublicKey m_public;
};

// Hex helpers (lowercase output; input accepted in either case).
QString toHex(QByteArrayView bytes);
std::optional<QByteArray> fromHex(const QString &hex);
QString sha256Hex(QByteArrayView bytes);

} // namespace conduit::trust
