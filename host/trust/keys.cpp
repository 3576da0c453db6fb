#include "trust/keys.h"

#include <botan/auto_rng.h>
#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/hash.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

#include "trust/trustlog.h"

namespace conduit::trust {

namespace {

constexpr size_t kP256ScalarBytes = 32;
const char *const kP256Oid = "1.2.840.10045.3.1.7";

TrustError keyError(TrustErrorKind kind, const QString &message) {
    return trustError(kind, QStringLiteral("invalid key: %1").arg(message));
}

std::vector<uint8_t> toVector(QByteArrayView bytes) {
    return {reinterpret_cast<const uint8_t *>(bytes.data()),
            reinterpret_cast<const uint8_t *>(bytes.data()) + bytes.size()};
}

Botan::RandomNumberGenerator &rng() {
    thread_local Botan::AutoSeeded_RNG generator;
    return generator;
}

// Strict DER: SEQUENCE { INTEGER r, INTEGER s }, short-form lengths, minimal
// positive integers. Output is r||s, each left-padded to 32 bytes.
std::optional<std::vector<uint8_t>> ecdsaDerToRaw(QByteArrayView der) {
    const auto *p = reinterpret_cast<const uint8_t *>(der.data());
    const size_t n = size_t(der.size());
    if (n < 8 || p[0] != 0x30 || p[1] >= 0x80 || size_t(p[1]) + 2 != n) return std::nullopt;
    std::vector<uint8_t> raw(2 * kP256ScalarBytes, 0);
    size_t pos = 2;
    for (int part = 0; part < 2; ++part) {
        if (pos + 2 > n || p[pos] != 0x02 || p[pos + 1] >= 0x80) return std::nullopt;
        size_t len = p[pos + 1];
        pos += 2;
        if (len == 0 || pos + len > n) return std::nullopt;
        const uint8_t *v = p + pos;
        if (v[0] & 0x80) return std::nullopt;                               // negative
        if (v[0] == 0 && (len == 1 || !(v[1] & 0x80))) return std::nullopt; // zero or non-minimal
        pos += len;
        if (v[0] == 0) {
            ++v;
            --len;
        }
        if (len > kP256ScalarBytes) return std::nullopt;
        std::copy(v, v + len, raw.begin() + (part + 1) * kP256ScalarBytes - len);
    }
    if (pos != n) return std::nullopt;
    return raw;
}

std::shared_ptr<Botan::Public_Key> loadPem(const std::string &pem) {
    try {
        Botan::DataSource_Memory source(pem);
        return std::shared_ptr<Botan::Public_Key>(Botan::X509::load_key(source));
    } catch (const std::exception &e) {
        qCDebug(lcTrust) << "public key PEM rejected:" << e.what();
        return nullptr;
    }
}

} // namespace

QString toHex(QByteArrayView bytes) { return QString::fromLatin1(QByteArray(bytes.data(), bytes.size()).toHex()); }

std::optional<QByteArray> fromHex(const QString &hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    for (const QChar c : hex) {
        const char16_t u = c.unicode();
        const bool isHex = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
        if (!isHex) return std::nullopt;
    }
    return QByteArray::fromHex(hex.toLatin1());
}

QString sha256Hex(QByteArrayView bytes) {
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    hash->update(reinterpret_cast<const uint8_t *>(bytes.data()), size_t(bytes.size()));
    const auto digest = hash->final();
    return toHex(QByteArrayView(reinterpret_cast<const char *>(digest.data()), qsizetype(digest.size())));
}

QString keyIdOf(const JsonValue &keyObject) { return sha256Hex(canonicalJson(keyObject)); }

Result<PublicKey> PublicKey::fromJson(const JsonValue &keyObject) {
    if (!keyObject.isObject() || !keyObject["keytype"].isString() || !keyObject["scheme"].isString() ||
        !keyObject["keyval"].isObject() || !keyObject["keyval"]["public"].isString())
        return keyError(TrustErrorKind::Malformed, QStringLiteral("keytype, scheme and keyval.public are required"));

    const std::string keytype = keyObject["keytype"].str();
    const std::string scheme = keyObject["scheme"].str();
    const std::string pub = keyObject["keyval"]["public"].str();
    PublicKey key;
    key.m_json = keyObject;
    key.m_keyId = keyIdOf(keyObject);

    if (keytype == "ed25519") {
        if (scheme != "ed25519")
            return keyError(TrustErrorKind::Unsupported,
                            QStringLiteral("unknown ed25519 scheme \"%1\"").arg(QString::fromStdString(scheme)));
        const auto raw = fromHex(QString::fromStdString(pub));
        if (!raw || raw->size() != 32)
            return keyError(TrustErrorKind::BadKey, QStringLiteral("Ed25519 public key must be 32 bytes of hex"));
        key.m_type = KeyType::Ed25519;
        key.m_key = std::make_shared<Botan::Ed25519_PublicKey>(toVector(*raw));
    } else if (keytype == "ecdsa" || keytype == "ecdsa-sha2-nistp256") {
        if (scheme != "ecdsa-sha2-nistp256")
            return keyError(TrustErrorKind::Unsupported,
                            QStringLiteral("unknown ECDSA scheme \"%1\"").arg(QString::fromStdString(scheme)));
        auto loaded = loadPem(pub);
        auto *ecdsa = dynamic_cast<Botan::ECDSA_PublicKey *>(loaded.get());
        if (!ecdsa)
            return keyError(TrustErrorKind::BadKey, QStringLiteral("ECDSA public key is not a valid ECDSA PEM key"));
        if (ecdsa->domain().get_curve_oid() != Botan::OID(kP256Oid))
            return keyError(TrustErrorKind::BadKey, QStringLiteral("ECDSA key is not on curve P-256"));
        key.m_type = KeyType::EcdsaP256;
        key.m_key = loaded;
    } else if (keytype == "rsa") {
        if (scheme != "rsassa-pss-sha256")
            return keyError(TrustErrorKind::Unsupported,
                            QStringLiteral("unsupported RSA scheme \"%1\"").arg(QString::fromStdString(scheme)));
        auto loaded = loadPem(pub);
        auto *rsa = dynamic_cast<Botan::RSA_PublicKey *>(loaded.get());
        if (!rsa) return keyError(TrustErrorKind::BadKey, QStringLiteral("RSA public key is not a valid RSA PEM key"));
        if (rsa->key_length() < 2048)
            return keyError(TrustErrorKind::BadKey,
                            QStringLiteral("RSA key of %1 bits is below 2048").arg(rsa->key_length()));
        key.m_type = KeyType::RsaPss;
        key.m_key = loaded;
    } else {
        return keyError(TrustErrorKind::Unsupported,
                        QStringLiteral("unknown key type \"%1\"").arg(QString::fromStdString(keytype)));
    }
    const auto der = Botan::X509::BER_encode(*key.m_key);
    key.m_material = QByteArray(reinterpret_cast<const char *>(der.data()), qsizetype(der.size()));
    return key;
}

bool PublicKey::verify(QByteArrayView message, QByteArrayView signature) const {
    if (!m_key) return false;
    try {
        const auto *msg = reinterpret_cast<const uint8_t *>(message.data());
        switch (m_type) {
        case KeyType::Ed25519: {
            if (signature.size() != 64) return false;
            Botan::PK_Verifier verifier(*m_key, "Pure");
            return verifier.verify_message(msg, size_t(message.size()),
                                           reinterpret_cast<const uint8_t *>(signature.data()), 64);
        }
        case KeyType::EcdsaP256: {
            const auto raw = ecdsaDerToRaw(signature);
            if (!raw) return false;
            Botan::PK_Verifier verifier(*m_key, "EMSA1(SHA-256)", Botan::IEEE_1363);
            return verifier.verify_message(msg, size_t(message.size()), raw->data(), raw->size());
        }
        case KeyType::RsaPss: {
            Botan::PK_Verifier verifier(*m_key, "EMSA4(SHA-256)");
            return verifier.verify_message(msg, size_t(message.size()),
                                           reinterpret_cast<const uint8_t *>(signature.data()),
                                           size_t(signature.size()));
        }
        }
    } catch (const std::exception &e) {
        qCDebug(lcTrust) << "signature check failed with exception:" << e.what();
    }
    return false;
}

Result<SigningKey> SigningKey::fromBotan(std::shared_ptr<Botan::Private_Key> key) {
    JsonValue json;
    if (auto *ed = dynamic_cast<Botan::Ed25519_PrivateKey *>(key.get())) {
        const auto pub = ed->get_public_key();
        json.insert("keytype", "ed25519");
        json.insert("scheme", "ed25519");
        json.insert("keyval", JsonValue(JsonValue::Object{
                                  {"public", JsonValue(toHex(QByteArrayView(reinterpret_cast<const char *>(pub.data()),
                                                                            qsizetype(pub.size()))))}}));
    } else if (dynamic_cast<Botan::ECDSA_PrivateKey *>(key.get())) {
        json.insert("keytype", "ecdsa");
        json.insert("scheme", "ecdsa-sha2-nistp256");
        json.insert("keyval", JsonValue(JsonValue::Object{{"public", JsonValue(Botan::X509::PEM_encode(*key))}}));
    } else {
        return keyError(TrustErrorKind::Unsupported, QStringLiteral("only Ed25519 and ECDSA P-256 keys can sign"));
    }
    auto pub = PublicKey::fromJson(json);
    if (!pub) return pub.error();
    SigningKey signer;
    signer.m_key = std::move(key);
    signer.m_public = *pub;
    return signer;
}

Result<SigningKey> SigningKey::ed25519FromSeed(QByteArrayView seed) {
    if (seed.size() != 32) return keyError(TrustErrorKind::BadKey, QStringLiteral("Ed25519 seed must be 32 bytes"));
    Botan::secure_vector<uint8_t> secret(seed.begin(), seed.end());
    return fromBotan(std::make_shared<Botan::Ed25519_PrivateKey>(secret));
}

Result<SigningKey> SigningKey::ecdsaP256FromSeed(QByteArrayView seed) {
    if (seed.isEmpty()) return keyError(TrustErrorKind::BadKey, QStringLiteral("empty ECDSA seed"));
    const Botan::EC_Group group("secp256r1");
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    hash->update(reinterpret_cast<const uint8_t *>(seed.data()), size_t(seed.size()));
    const auto digest = hash->final();
    Botan::BigInt x = Botan::BigInt::decode(digest.data(), digest.size()) % group.get_order();
    if (x == 0) x = 1;
    return fromBotan(std::make_shared<Botan::ECDSA_PrivateKey>(rng(), group, x));
}

SigningKey SigningKey::generateEd25519() { return *fromBotan(std::make_shared<Botan::Ed25519_PrivateKey>(rng())); }

SigningKey SigningKey::generateEcdsaP256() {
    return *fromBotan(std::make_shared<Botan::ECDSA_PrivateKey>(rng(), Botan::EC_Group("secp256r1")));
}

Result<SigningKey> SigningKey::fromPrivateKeyPem(const QByteArray &pem) {
    try {
        Botan::DataSource_Memory source(reinterpret_cast<const uint8_t *>(pem.constData()), size_t(pem.size()));
        std::unique_ptr<Botan::Private_Key> key = Botan::PKCS8::load_key(source);
        return fromBotan(std::shared_ptr<Botan::Private_Key>(std::move(key)));
    } catch (const std::exception &e) {
        return keyError(TrustErrorKind::BadKey,
                        QStringLiteral("cannot load private key: %1").arg(QString::fromUtf8(e.what())));
    }
}

QByteArray SigningKey::sign(QByteArrayView message) const {
    const bool ed = m_public.type() == KeyType::Ed25519;
    Botan::PK_Signer signer(*m_key, rng(), ed ? "Pure" : "EMSA1(SHA-256)", ed ? Botan::IEEE_1363 : Botan::DER_SEQUENCE);
    const auto sig =
        signer.sign_message(reinterpret_cast<const uint8_t *>(message.data()), size_t(message.size()), rng());
    return QByteArray(reinterpret_cast<const char *>(sig.data()), qsizetype(sig.size()));
}

QByteArray SigningKey::privateKeyPem() const { return QByteArray::fromStdString(Botan::PKCS8::PEM_encode(*m_key)); }

} // namespace conduit::trust
