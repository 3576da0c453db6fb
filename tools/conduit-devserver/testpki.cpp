#include "testpki.h"

#include <QDir>
#include <QFile>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace conduit::devserver {

namespace {

struct Free {
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

QString opensslError(const char *what) {
    const unsigned long e = ERR_get_error();
    char text[256] = {};
    ERR_error_string_n(e, text, sizeof text);
    return QStringLiteral("%1: %2").arg(QLatin1String(what), QLatin1String(text));
}

bool addExtension(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

struct Extension {
    int nid;
    const char *value;
};

// A certificate for `key` named `cn`, signed by issuer (self-signed when null).
Cert makeCert(EVP_PKEY *key, const QString &cn, X509 *issuer, EVP_PKEY *issuerKey,
              std::initializer_list<Extension> extensions, QString *error) {
    Cert cert(X509_new());
    std::unique_ptr<BIGNUM, Free> serial(BN_new());
    if (!cert || !serial || !BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) || !X509_set_version(cert.get(), 2) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(2) * 365 * 24 * 3600) ||
        !X509_set_pubkey(cert.get(), key)) {
        *error = opensslError("certificate");
        return nullptr;
    }
    const QByteArray name = cn.toUtf8();
    X509_NAME *subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>("Conduit test PKI"),
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(name.constData()),
                               -1, -1, 0);
    X509 *signer = issuer ? issuer : cert.get();
    if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(signer))) {
        *error = opensslError("issuer");
        return nullptr;
    }
    for (const Extension &e : extensions)
        if (!addExtension(cert.get(), signer, e.nid, e.value)) {
            *error = opensslError("extension");
            return nullptr;
        }
    if (!X509_sign(cert.get(), issuer ? issuerKey : key, EVP_sha256())) {
        *error = opensslError("sign");
        return nullptr;
    }
    return cert;
}

bool writeFile(const QString &path, const QByteArray &bytes, bool secret, QString *error) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    if (secret) f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (f.write(bytes) != bytes.size()) {
        *error = QStringLiteral("cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool writeCert(const QString &path, X509 *cert, QString *error) {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(bio.get(), cert)) {
        *error = opensslError("PEM");
        return false;
    }
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return writeFile(path, QByteArray(data, n), false, error);
}

bool writeKey(const QString &path, EVP_PKEY *key, QString *error) {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    // Traditional "RSA PRIVATE KEY" PEM, which every TLS stack (and QSslKey) reads.
    if (!PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
        *error = opensslError("PEM");
        return false;
    }
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return writeFile(path, QByteArray(data, n), true, error);
}

Key newKey(QString *error) {
    Key key(EVP_RSA_gen(2048));
    if (!key) *error = opensslError("RSA key");
    return key;
}

} // namespace

bool makeTestPki(const QString &dir, const QString &clientCommonName, QString *error) {
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create %1").arg(dir);
        return false;
    }
    const QDir d(dir);
    const std::initializer_list<Extension> caExt{{NID_basic_constraints, "critical,CA:TRUE"},
                                                 {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                                 {NID_subject_key_identifier, "hash"}};
    Key caKey = newKey(error), rogueKey = newKey(error);
    if (!caKey || !rogueKey) return false;
    Cert ca = makeCert(caKey.get(), QStringLiteral("Conduit Test CA"), nullptr, nullptr, caExt, error);
    Cert rogueCa = makeCert(rogueKey.get(), QStringLiteral("Conduit Rogue CA"), nullptr, nullptr, caExt, error);
    if (!ca || !rogueCa) return false;

    Key serverKey = newKey(error), clientKey = newKey(error), rogueClientKey = newKey(error);
    if (!serverKey || !clientKey || !rogueClientKey) return false;
    Cert server = makeCert(serverKey.get(), QStringLiteral("127.0.0.1"), ca.get(), caKey.get(),
                           {{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"}},
                           error);
    const std::initializer_list<Extension> clientExt{{NID_basic_constraints, "critical,CA:FALSE"},
                                                     {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                                                     {NID_ext_key_usage, "clientAuth"},
                                                     {NID_subject_key_identifier, "hash"},
                                                     {NID_authority_key_identifier, "keyid:always"}};
    Cert client = makeCert(clientKey.get(), clientCommonName, ca.get(), caKey.get(), clientExt, error);
    Cert rogueClient =
        makeCert(rogueClientKey.get(), clientCommonName, rogueCa.get(), rogueKey.get(), clientExt, error);
    if (!server || !client || !rogueClient) return false;

    return writeCert(d.filePath(QStringLiteral("ca.pem")), ca.get(), error) &&
           writeKey(d.filePath(QStringLiteral("ca.key")), caKey.get(), error) &&
           writeCert(d.filePath(QStringLiteral("server.pem")), server.get(), error) &&
           writeKey(d.filePath(QStringLiteral("server.key")), serverKey.get(), error) &&
           writeCert(d.filePath(QStringLiteral("client.pem")), client.get(), error) &&
           writeKey(d.filePath(QStringLiteral("client.key")), clientKey.get(), error) &&
           writeCert(d.filePath(QStringLiteral("rogue-ca.pem")), rogueCa.get(), error) &&
           writeCert(d.filePath(QStringLiteral("rogue-client.pem")), rogueClient.get(), error) &&
           writeKey(d.filePath(QStringLiteral("rogue-client.key")), rogueClientKey.get(), error);
}

} // namespace conduit::devserver
