#include "trust/metadata.h"
#include "trust/repositorybuilder.h"

#include <QTest>
#include <QTimeZone>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(0, 0), QTimeZone::utc());

QByteArray envelope(const QByteArray &signedPart) { return "{\"signatures\": [], \"signed\": " + signedPart + "}"; }

} // namespace

class TestMetadata : public QObject {
    Q_OBJECT

private:
    static void expectMalformed(const QByteArray &raw, const QString &type, const QString &fragment) {
        auto result = parseSignedMetadata(raw, type, 1 << 20);
        QVERIFY2(!result, raw.constData());
        QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
    }

private slots:
    void parsesEnvelope() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        auto md = parseSignedMetadata(repo.initialRoot(), QStringLiteral("root"), 1 << 20);
        QVERIFY(md);
        QCOMPARE(md->version, qint64(1));
        QCOMPARE(md->signatures.size(), size_t(1));
        QCOMPARE(md->expires, kNow.addDays(365));
        auto root = parseRoot(*md);
        QVERIFY(root);
        QVERIFY(root->consistentSnapshot);
        QCOMPARE(root->roles.size(), size_t(4));
        QVERIFY(verifyThreshold(root->metadata, root->keys, root->roles.at(QStringLiteral("root")),
                                QStringLiteral("root")));
    }

    void rejectsMalformedJson() {
        expectMalformed("{\"signed\": {", QStringLiteral("root"), QStringLiteral("malformed root metadata"));
    }

    void rejectsFloatsInSignedMetadata() {
        expectMalformed(envelope("{\"_type\": \"timestamp\", \"version\": 1.0, \"expires\": \"2030-01-01T00:00:00Z\", "
                                 "\"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("floating-point"));
    }

    void rejectsDuplicateKeysInSignedMetadata() {
        expectMalformed(envelope("{\"_type\": \"timestamp\", \"version\": 1, \"version\": 2, \"expires\": "
                                 "\"2030-01-01T00:00:00Z\", \"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("duplicate key \"version\""));
    }

    void rejectsWrongType() {
        expectMalformed(envelope("{\"_type\": \"snapshot\", \"version\": 1, \"expires\": \"2030-01-01T00:00:00Z\", "
                                 "\"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("wrong _type \"snapshot\""));
    }

    void rejectsBadVersionAndExpiry() {
        expectMalformed(envelope("{\"_type\": \"timestamp\", \"version\": 0, \"expires\": \"2030-01-01T00:00:00Z\", "
                                 "\"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("version must be a positive integer"));
        expectMalformed(envelope("{\"_type\": \"timestamp\", \"version\": 1, \"expires\": \"2030-01-01 00:00:00\", "
                                 "\"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("expires must be"));
        expectMalformed(envelope("{\"_type\": \"timestamp\", \"version\": 1, \"expires\": \"2030-02-30T00:00:00Z\", "
                                 "\"spec_version\": \"1.0\"}"),
                        QStringLiteral("timestamp"), QStringLiteral("expires must be"));
    }

    void rejectsNonHexSignature() {
        expectMalformed(
            "{\"signatures\": [{\"keyid\": \"ab\", \"sig\": \"xyz\"}], \"signed\": {\"_type\": \"timestamp\", "
            "\"version\": 1, \"expires\": \"2030-01-01T00:00:00Z\", \"spec_version\": \"1.0\"}}",
            QStringLiteral("timestamp"), QStringLiteral("not hex"));
    }

    void emptySignatureIsSkipped() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        auto md = parseSignedMetadata(repo.initialRoot(), QStringLiteral("root"), 1 << 20);
        auto root = parseRoot(*md);
        SignedMetadata withPlaceholder = root->metadata;
        withPlaceholder.signatures.insert(withPlaceholder.signatures.begin(),
                                          Signature{QStringLiteral("deadbeef"), {}});
        QVERIFY(verifyThreshold(withPlaceholder, root->keys, root->roles.at(QStringLiteral("root")),
                                QStringLiteral("root")));
    }

    void rejectsOverByteLimitBeforeParsing() {
        auto result = parseSignedMetadata(QByteArray(5000, ' '), QStringLiteral("timestamp"), 4096);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::TooLarge);
        QVERIFY(result.error().message.contains(QStringLiteral("endless data attack")));
    }

    void rootWithUnknownKeyTypeIsRefused() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        JsonValue s = repo.rootSigned();
        s.objectRef()["keys"].insert(
            "abcd",
            JsonValue(JsonValue::Object{{"keytype", JsonValue("sphincs")},
                                        {"scheme", JsonValue("sphincs")},
                                        {"keyval", JsonValue(JsonValue::Object{{"public", JsonValue("00")}})}}));
        auto md = parseSignedMetadata(signMetadata(s, repo.root.keys), QStringLiteral("root"), 1 << 20);
        QVERIFY(md);
        auto root = parseRoot(*md);
        QVERIFY(!root);
        QCOMPARE(root.error().kind, TrustErrorKind::Unsupported);
    }

    void rootRoleWithDuplicateKeyIdIsRefused() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        JsonValue s = repo.rootSigned();
        const QString id = repo.targets.keys.front().keyId();
        s.objectRef()["roles"].objectRef()["targets"].insert("keyids", JsonValue::array({id, id}));
        auto root = parseRoot(*parseSignedMetadata(signMetadata(s, repo.root.keys), QStringLiteral("root"), 1 << 20));
        QVERIFY(!root);
        QVERIFY(root.error().message.contains(QStringLiteral("twice")));
    }

    void expiryIsAFreeze() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        auto md = parseSignedMetadata(repo.initialRoot(), QStringLiteral("root"), 1 << 20);
        QVERIFY(checkNotExpired(*md, QStringLiteral("root"), kNow));
        auto expired = checkNotExpired(*md, QStringLiteral("root"), kNow.addDays(365));
        QVERIFY(!expired);
        QCOMPARE(expired.error().kind, TrustErrorKind::Freeze);
        QVERIFY(expired.error().message.startsWith(
            QStringLiteral("freeze attack: root version 1 expired at 2031-01-01T00:00:00Z")));
    }

    void targetNameSafety_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("safe");
        QTest::newRow("plain") << QStringLiteral("app.bin") << true;
        QTest::newRow("nested") << QStringLiteral("ecu/a/fw.bin") << true;
        QTest::newRow("parent") << QStringLiteral("../fw.bin") << false;
        QTest::newRow("inner parent") << QStringLiteral("a/../../fw.bin") << false;
        QTest::newRow("absolute") << QStringLiteral("/etc/passwd") << false;
        QTest::newRow("dot") << QStringLiteral("./fw.bin") << false;
        QTest::newRow("empty segment") << QStringLiteral("a//b") << false;
        QTest::newRow("backslash") << QStringLiteral("a\\..\\b") << false;
        QTest::newRow("newline") << QStringLiteral("a\nb") << false;
        QTest::newRow("empty") << QString() << false;
    }
    void targetNameSafety() {
        QFETCH(QString, name);
        QFETCH(bool, safe);
        QCOMPARE(isSafeTargetName(name), safe);
    }

    void delegationPathPatterns() {
        DelegatedRole role;
        role.paths = {QStringLiteral("vendor/*.bin"), QStringLiteral("x/?/y")};
        QVERIFY(role.matches(QStringLiteral("vendor/fw.bin")));
        QVERIFY(!role.matches(QStringLiteral("vendor/fw.img")));
        QVERIFY(!role.matches(QStringLiteral("vendor/sub/fw.bin")));
        QVERIFY(role.matches(QStringLiteral("x/1/y")));
        QVERIFY(!role.matches(QStringLiteral("x/12/y")));
        DelegatedRole hashed;
        hashed.pathHashPrefixes = {sha256Hex("a/b").left(2)};
        QVERIFY(hashed.matches(QStringLiteral("a/b")));
    }

    void targetsMetadataParsesCustomAndDelegations() {
        RepositoryBuilder repo(QStringLiteral("m"), kNow);
        repo.addTarget(QStringLiteral("fw.bin"), "fw",
                       JsonValue(JsonValue::Object{{"release_counter", JsonValue(qint64(3))}}));
        BuilderDelegation d{QStringLiteral("vendor"), {}, {QStringLiteral("vendor/*")}, true, {}};
        d.role.keys = {RepositoryBuilder::seededKey(QStringLiteral("v"))};
        repo.delegations.push_back(d);
        auto md = parseSignedMetadata(signMetadata(repo.targetsSigned(), repo.targets.keys), QStringLiteral("targets"),
                                      1 << 20);
        auto targets = parseTargets(*md);
        QVERIFY(targets);
        QCOMPARE(targets->targets.at(QStringLiteral("fw.bin")).custom["release_counter"].toInteger(), qint64(3));
        QCOMPARE(targets->targets.at(QStringLiteral("fw.bin")).hashes.size(), size_t(2));
        QVERIFY(targets->hasDelegations);
        QCOMPARE(targets->delegations.front().name, QStringLiteral("vendor"));
        QVERIFY(targets->delegations.front().terminating);
    }
};

QTEST_GUILESS_MAIN(TestMetadata)
#include "tst_metadata.moc"
