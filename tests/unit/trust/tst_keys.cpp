#include "trust/keys.h"

#include <botan/auto_rng.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

#include <QFile>
#include <QTest>

using namespace conduit::trust;

namespace {

JsonValue keyJson(const char *keytype, const char *scheme, const QString &pub) {
    return JsonValue(JsonValue::Object{{"keytype", JsonValue(keytype)},
                                       {"scheme", JsonValue(scheme)},
                                       {"keyval", JsonValue(JsonValue::Object{{"public", JsonValue(pub)}})}});
}

QByteArray seed(char fill) { return QByteArray(32, fill); }

} // namespace

class TestKeys : public QObject {
    Q_OBJECT

private slots:
    void ed25519SeedIsDeterministic() {
        auto a = SigningKey::ed25519FromSeed(seed('a'));
        auto b = SigningKey::ed25519FromSeed(seed('a'));
        auto c = SigningKey::ed25519FromSeed(seed('c'));
        QVERIFY(a && b && c);
        QCOMPARE(a->keyId(), b->keyId());
        QVERIFY(a->keyId() != c->keyId());
        QCOMPARE(a->publicKey().json()["keyval"]["public"].str().size(), size_t(64));
        QVERIFY(!SigningKey::ed25519FromSeed(QByteArray(31, 'a')));
    }

    void ed25519SignAndVerify() {
        auto key = SigningKey::ed25519FromSeed(seed('k'));
        const QByteArray sig = key->sign("message");
        QCOMPARE(sig.size(), 64);
        QVERIFY(key->publicKey().verify("message", sig));
        QVERIFY(!key->publicKey().verify("messagE", sig));
        QByteArray flipped = sig;
        flipped[10] = char(flipped[10] ^ 1);
        QVERIFY(!key->publicKey().verify("message", flipped));
        QVERIFY(!key->publicKey().verify("message", sig.left(63)));
    }

    void keyIdIsSha256OfCanonicalKeyWithCustomFields() {
        auto key = SigningKey::ed25519FromSeed(seed('k'));
        JsonValue json = key->publicKey().json();
        const QByteArray expectedCanonical = "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"" +
                                             QByteArray::fromStdString(json["keyval"]["public"].str()) +
                                             "\"},\"scheme\":\"ed25519\"}";
        QCOMPARE(key->keyId(), sha256Hex(expectedCanonical));
        json.insert("x-owner", "@someone");
        auto custom = PublicKey::fromJson(json);
        QVERIFY(custom);
        QVERIFY(custom->keyId() != key->keyId());
        QCOMPARE(custom->material(), key->publicKey().material()); // same key material
    }

    void tufOnCiKeyIdsMatchOurComputation() {
        QFile file(QStringLiteral(CONDUIT_TRUST_TEST_DATA "/tuf-on-ci-0.11/initial_root.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        auto root = parseJson(file.readAll());
        QVERIFY(root);
        for (const auto &[id, key] : (*root)["signed"]["keys"].toObject()) {
            auto parsed = PublicKey::fromJson(key);
            QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
            QCOMPARE(parsed->keyId(), QString::fromStdString(id));
            QCOMPARE(parsed->type(), KeyType::EcdsaP256);
        }
    }

    void ed25519KeyMustBe32Bytes() {
        auto result = PublicKey::fromJson(keyJson("ed25519", "ed25519", QString(62, u'a')));
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::BadKey);
        QVERIFY(!PublicKey::fromJson(keyJson("ed25519", "ed25519", QString(64, u'g'))));
    }

    void unknownKeyTypeOrScheme() {
        auto key = SigningKey::ed25519FromSeed(seed('k'));
        const QString pub = key->publicKey().json()["keyval"]["public"].toString();
        auto type = PublicKey::fromJson(keyJson("dsa", "ed25519", pub));
        QVERIFY(!type);
        QCOMPARE(type.error().kind, TrustErrorKind::Unsupported);
        QVERIFY(type.error().message.contains(QStringLiteral("unknown key type \"dsa\"")));
        auto scheme = PublicKey::fromJson(keyJson("ed25519", "ed448", pub));
        QVERIFY(!scheme);
        QCOMPARE(scheme.error().kind, TrustErrorKind::Unsupported);
        auto ecdsaScheme = PublicKey::fromJson(keyJson("ecdsa", "ecdsa-sha2-nistp384", pub));
        QVERIFY(!ecdsaScheme);
        QVERIFY(!PublicKey::fromJson(JsonValue(JsonValue::Object{{"keytype", JsonValue("ed25519")}})));
    }

    void ecdsaSignAndVerify() {
        auto key = SigningKey::ecdsaP256FromSeed("ecdsa seed");
        QVERIFY(key);
        QCOMPARE(SigningKey::ecdsaP256FromSeed("ecdsa seed")->keyId(), key->keyId());
        const QByteArray sig = key->sign("payload");
        QCOMPARE(quint8(sig[0]), quint8(0x30));
        QVERIFY(key->publicKey().verify("payload", sig));
        QVERIFY(!key->publicKey().verify("payloaD", sig));
        // Alias keytype used by older TUF tools.
        JsonValue alias = key->publicKey().json();
        alias.insert("keytype", "ecdsa-sha2-nistp256");
        QVERIFY(PublicKey::fromJson(alias));
    }

    void ecdsaRejectsBadDer() {
        auto key = SigningKey::ecdsaP256FromSeed("ecdsa seed");
        const QByteArray sig = key->sign("payload");
        QVERIFY(key->publicKey().verify("payload", sig));
        QVERIFY(!key->publicKey().verify("payload", sig + '\0')); // trailing byte
        QByteArray wrongTag = sig;
        wrongTag[0] = 0x31;
        QVERIFY(!key->publicKey().verify("payload", wrongTag));
        // Non-minimal integer: an extra leading zero on r.
        const int rLen = quint8(sig[3]);
        QByteArray padded = sig;
        padded.insert(4, '\0');
        padded[3] = char(rLen + 1);
        padded[1] = char(quint8(sig[1]) + 1);
        QVERIFY(!key->publicKey().verify("payload", padded));
        // Long-form length encoding of the sequence.
        QByteArray longForm = sig;
        longForm.insert(1, char(0x81));
        QVERIFY(!key->publicKey().verify("payload", longForm));
        QVERIFY(!key->publicKey().verify("payload", QByteArray(64, 'x'))); // raw r||s is not DER
        QVERIFY(!key->publicKey().verify("payload", QByteArray()));
    }

    void ecdsaRejectsWrongCurve() {
        Botan::AutoSeeded_RNG rng;
        Botan::ECDSA_PrivateKey p384(rng, Botan::EC_Group("secp384r1"));
        auto result = PublicKey::fromJson(
            keyJson("ecdsa", "ecdsa-sha2-nistp256", QString::fromStdString(Botan::X509::PEM_encode(p384))));
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::BadKey);
        QVERIFY(result.error().message.contains(QStringLiteral("P-256")));
        QVERIFY(!PublicKey::fromJson(
            keyJson("ecdsa", "ecdsa-sha2-nistp256",
                    QStringLiteral("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))));
    }

    void rsaPssVerifies() {
        Botan::AutoSeeded_RNG rng;
        Botan::RSA_PrivateKey rsa(rng, 2048);
        auto key = PublicKey::fromJson(
            keyJson("rsa", "rsassa-pss-sha256", QString::fromStdString(Botan::X509::PEM_encode(rsa))));
        QVERIFY2(key, qPrintable(key ? QString() : key.error().message));
        Botan::PK_Signer signer(rsa, rng, "EMSA4(SHA-256)");
        const std::string message = "signed bytes";
        const auto sig = signer.sign_message(reinterpret_cast<const uint8_t *>(message.data()), message.size(), rng);
        const QByteArray sigBytes(reinterpret_cast<const char *>(sig.data()), qsizetype(sig.size()));
        QVERIFY(key->verify("signed bytes", sigBytes));
        QVERIFY(!key->verify("signed byteS", sigBytes));
        QVERIFY(!PublicKey::fromJson(
            keyJson("rsa", "rsassa-pkcs1v15-sha256", QString::fromStdString(Botan::X509::PEM_encode(rsa)))));
    }

    void rsaUnder2048BitsIsRefused() {
        Botan::AutoSeeded_RNG rng;
        Botan::RSA_PrivateKey rsa(rng, 1024);
        auto key = PublicKey::fromJson(
            keyJson("rsa", "rsassa-pss-sha256", QString::fromStdString(Botan::X509::PEM_encode(rsa))));
        QVERIFY(!key);
        QCOMPARE(key.error().kind, TrustErrorKind::BadKey);
        QVERIFY(key.error().message.contains(QStringLiteral("1024 bits")));
    }

    void privateKeyPemRoundTrip() {
        for (auto key : {*SigningKey::ed25519FromSeed(seed('p')), *SigningKey::ecdsaP256FromSeed("pem")}) {
            auto loaded = SigningKey::fromPrivateKeyPem(key.privateKeyPem());
            QVERIFY(loaded);
            QCOMPARE(loaded->keyId(), key.keyId());
            QVERIFY(key.publicKey().verify("x", loaded->sign("x")));
        }
        QVERIFY(!SigningKey::fromPrivateKeyPem("not a key"));
    }

    void hexHelpers() {
        QCOMPARE(toHex("\x01\xab"), QStringLiteral("01ab"));
        QCOMPARE(*fromHex(QStringLiteral("01AB")), QByteArray("\x01\xab"));
        QVERIFY(!fromHex(QStringLiteral("0")));
        QVERIFY(!fromHex(QStringLiteral("zz")));
    }
};

QTEST_GUILESS_MAIN(TestKeys)
#include "tst_keys.moc"
