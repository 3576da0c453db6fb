// TUF client workflow for one repository: every check of the update order,
// each attack with the state left unchanged and a good update afterwards,
// and interoperability with a repository made by tuf-on-ci.
#include "trust/repositorybuilder.h"

#include <QFile>
#include <QTest>
#include <QTimeZone>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

QByteArray readFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

// Re-signs a published file after `change` edits its signed part.
void resign(MemorySource &source, const QString &name, const std::vector<SigningKey> &signers,
            const std::function<void(JsonValue &)> &change) {
    auto json = parseJson(*source.file(name));
    JsonValue signedPart = (*json)["signed"];
    change(signedPart);
    source.put(name, signMetadata(signedPart, signers));
}

} // namespace

class TestRepository : public QObject {
    Q_OBJECT

    QDateTime now;
    std::unique_ptr<RepositoryBuilder> repo;
    MemorySource source;
    RepositoryState trusted;

    Result<VerifiedRepository> refresh(const RoleLimits &limits = {}) {
        return refreshRepository(QStringLiteral("image"), trusted, source, now, limits);
    }

    // Applies an update the way the host does: state changes only on success.
    bool update() {
        auto result = refresh();
        if (!result)
            qWarning() << result.error().message;
        else
            trusted = result->state;
        return result.ok();
    }

    void release() {
        repo->bumpVersions();
        repo->publish(source);
    }

    // The attack is refused with a message naming it, the state is unchanged,
    // and a later good release still goes through.
    void expectRejected(const QString &fragment, const RoleLimits &limits = {}) {
        const RepositoryState before = trusted;
        auto result = refresh(limits);
        QVERIFY2(!result, "the update was accepted");
        QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
        QVERIFY(trusted == before);
    }

    void expectRecovery() {
        const bool rootWasBad = repo->root.signers.has_value();
        for (BuilderRole *role : {&repo->root, &repo->timestamp, &repo->snapshot, &repo->targets})
            role->signers.reset();
        if (rootWasBad) repo->resignLatestRoot();
        repo->bumpVersions();
        repo->timestamp.version += 10; // past anything an attack published
        repo->snapshot.version += 10;
        repo->targets.version += 10;
        repo->publish(source);
        QVERIFY(update());
        QCOMPARE(trusted.timestamp.version, repo->timestamp.version);
    }

private slots:
    void init() {
        now = kNow;
        repo = std::make_unique<RepositoryBuilder>(QStringLiteral("image"), now);
        repo->addTarget(QStringLiteral("app.bin"), "application v1");
        source = MemorySource();
        repo->publish(source);
        trusted = *stateFromInitialRoot(repo->initialRoot());
        QVERIFY(update());
    }

    void goodUpdateFindsTargets() {
        repo->addTarget(QStringLiteral("app2.bin"), "application v2");
        release();
        auto result = refresh();
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QVERIFY(result->findTarget(QStringLiteral("app2.bin")));
        QCOMPARE(result->findTarget(QStringLiteral("app2.bin"))->length, qint64(14));
        QVERIFY(!result->findTarget(QStringLiteral("absent.bin")));
        QCOMPARE(result->state.targets.at(QStringLiteral("targets")).version, qint64(2));
    }

    void unsignedMetadata_data() {
        QTest::addColumn<QString>("role");
        for (const char *role : {"root", "timestamp", "snapshot", "targets"})
            QTest::newRow(role) << QString::fromLatin1(role);
    }
    void unsignedMetadata() {
        QFETCH(QString, role);
        BuilderRole *r = role == "root"        ? &repo->root
                         : role == "timestamp" ? &repo->timestamp
                         : role == "snapshot"  ? &repo->snapshot
                                               : &repo->targets;
        r->signers = std::vector<SigningKey>{};
        if (role == "root") repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("arbitrary software attack: %1").arg(role));
        expectRecovery();
    }

    void signatureByUnauthorisedKey_data() { unsignedMetadata_data(); }
    void signatureByUnauthorisedKey() {
        QFETCH(QString, role);
        BuilderRole *r = role == "root"        ? &repo->root
                         : role == "timestamp" ? &repo->timestamp
                         : role == "snapshot"  ? &repo->snapshot
                                               : &repo->targets;
        r->signers = std::vector<SigningKey>{RepositoryBuilder::seededKey(QStringLiteral("attacker"))};
        if (role == "root") repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("arbitrary software attack"));
        expectRecovery();
    }

    void belowThreshold() {
        repo->targets.keys.push_back(RepositoryBuilder::seededKey(QStringLiteral("image/targets-2")));
        repo->targets.threshold = 2;
        repo->rotateRoot();
        release();
        QVERIFY(update()); // two signatures: fine
        repo->targets.signers = std::vector<SigningKey>{repo->targets.keys.front()};
        release();
        expectRejected(QStringLiteral("1 valid signature(s), threshold is 2"));
        expectRecovery();
    }

    void sameKeyIdTwice() {
        repo->targets.keys.push_back(RepositoryBuilder::seededKey(QStringLiteral("image/targets-2")));
        repo->targets.threshold = 2;
        repo->rotateRoot();
        repo->targets.signers = std::vector<SigningKey>{repo->targets.keys.front(), repo->targets.keys.front()};
        release();
        expectRejected(QStringLiteral("threshold is 2"));
        expectRecovery();
    }

    void twoKeyIdsForOneKey() {
        // Root lists the targets key twice, the second copy with a custom
        // field (so a different key id): it still counts once.
        const SigningKey key = repo->targets.keys.front();
        JsonValue alias = key.publicKey().json();
        alias.insert("x-alias", "same key");
        const QString aliasId = keyIdOf(alias);
        repo->root.version = 2;
        JsonValue root = repo->rootSigned();
        root.objectRef()["keys"].insert(aliasId.toStdString(), alias);
        root.objectRef()["roles"].objectRef()["targets"] = JsonValue(JsonValue::Object{
            {"keyids", JsonValue::array({key.keyId(), aliasId})}, {"threshold", JsonValue(qint64(2))}});
        source.put(QStringLiteral("2.root.json"), signMetadata(root, repo->root.keys));
        release();
        // Two signature entries, one per key id, same key.
        auto targetsJson = parseJson(*source.file(repo->fileName(QStringLiteral("targets"), repo->targets.version)));
        const JsonValue signedPart = (*targetsJson)["signed"];
        const QString sig = toHex(key.sign(canonicalJson(signedPart)));
        JsonValue::Array sigs{JsonValue(JsonValue::Object{{"keyid", JsonValue(key.keyId())}, {"sig", JsonValue(sig)}}),
                              JsonValue(JsonValue::Object{{"keyid", JsonValue(aliasId)}, {"sig", JsonValue(sig)}})};
        const QByteArray targetsFile =
            compactJson(JsonValue(JsonValue::Object{{"signatures", JsonValue(sigs)}, {"signed", signedPart}}));
        source.put(repo->fileName(QStringLiteral("targets"), repo->targets.version), targetsFile);
        repo->listLengthsAndHashes = false; // keep the hand-made targets file listable
        JsonValue snapshot = parseJson(*source.file(repo->fileName(QStringLiteral("snapshot"), repo->snapshot.version)))
                                 ->
                                 operator[]("signed");
        snapshot.objectRef()["meta"].objectRef()["targets.json"] =
            JsonValue(JsonValue::Object{{"version", JsonValue(repo->targets.version)}});
        source.put(repo->fileName(QStringLiteral("snapshot"), repo->snapshot.version),
                   signMetadata(snapshot, repo->snapshot.keys));
        resign(source, QStringLiteral("timestamp.json"), repo->timestamp.keys, [&](JsonValue &s) {
            s.objectRef()["meta"] = JsonValue(JsonValue::Object{
                {"snapshot.json", JsonValue(JsonValue::Object{{"version", JsonValue(repo->snapshot.version)}})}});
        });
        expectRejected(QStringLiteral("1 valid signature(s), threshold is 2"));
    }

    void thresholdZero() {
        repo->snapshot.threshold = 0;
        repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("threshold 0"));
        repo->snapshot.threshold = 1;
        repo->resignLatestRoot();
        expectRecovery();
        // Initial roots with threshold 0 are refused too.
        RepositoryBuilder zero(QStringLiteral("zero"), now);
        zero.root.threshold = 0;
        QVERIFY(!stateFromInitialRoot(zero.initialRoot()));
    }

    void wrongType() {
        release();
        resign(source, QStringLiteral("timestamp.json"), repo->timestamp.keys,
               [](JsonValue &s) { s.insert("_type", "snapshot"); });
        expectRejected(QStringLiteral("wrong _type"));
        expectRecovery();
    }

    void expiredMetadata_data() { unsignedMetadata_data(); }
    void expiredMetadata() {
        QFETCH(QString, role);
        BuilderRole *r = role == "root"        ? &repo->root
                         : role == "timestamp" ? &repo->timestamp
                         : role == "snapshot"  ? &repo->snapshot
                                               : &repo->targets;
        r->expires = now.addSecs(-1);
        if (role == "root") repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("freeze attack: %1").arg(role));
        r->expires = now.addDays(400);
        if (role == "root") repo->rotateRoot();
        expectRecovery();
    }

    void expiredLocalMetadataWithNothingNewer() {
        now = now.addDays(31); // the trusted timestamp has expired, nothing new served
        expectRejected(QStringLiteral("freeze attack: timestamp"));
        repo->timestamp.expires = now.addDays(1);
        repo->snapshot.expires = now.addDays(1);
        repo->targets.expires = now.addDays(1);
        expectRecovery();
    }

    void rootNotSignedByOldKeys() {
        repo->root.keys = {RepositoryBuilder::seededKey(QStringLiteral("new-root"))};
        repo->root.signers = repo->root.keys;
        repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("keys of trusted root version 1"));
        repo->root.signers.reset();
        repo->resignLatestRoot(); // now signed by old and new keys
        expectRecovery();
        QCOMPARE(trusted.rootVersion(), qint64(2));
    }

    void rootNotSignedByNewKeys() {
        const auto oldKeys = repo->root.keys;
        repo->root.keys = {RepositoryBuilder::seededKey(QStringLiteral("new-root"))};
        repo->root.signers = oldKeys;
        repo->rotateRoot();
        release();
        expectRejected(QStringLiteral("root (its own keys)"));
        repo->root.signers.reset();
        repo->resignLatestRoot();
        expectRecovery();
        QCOMPARE(trusted.rootVersion(), qint64(2));
    }

    void rootVersionSkip() {
        repo->rotateRoot();
        repo->rotateRoot();
        repo->publish(source);
        source.put(QStringLiteral("2.root.json"), *source.file(QStringLiteral("3.root.json")));
        source.remove(QStringLiteral("3.root.json"));
        expectRejected(QStringLiteral("rollback attack: 2.root.json holds root version 3"));
        expectRecovery();
        QCOMPARE(trusted.rootVersion(), qint64(3));
    }

    void multiStepRootRotation() {
        for (int i = 0; i < 3; ++i) {
            repo->root.keys = {RepositoryBuilder::seededKey(QStringLiteral("root-%1").arg(i))};
            repo->targets.keys = {RepositoryBuilder::seededKey(QStringLiteral("targets-%1").arg(i))};
            repo->rotateRoot();
        }
        release();
        QVERIFY(update());
        QCOMPARE(trusted.rootVersion(), qint64(4));
    }

    void fastForwardRecovery_data() {
        QTest::addColumn<QString>("role");
        QTest::newRow("timestamp") << QStringLiteral("timestamp");
        QTest::newRow("snapshot") << QStringLiteral("snapshot");
    }
    void fastForwardRecovery() {
        QFETCH(QString, role);
        BuilderRole &r = role == "timestamp" ? repo->timestamp : repo->snapshot;
        // A stolen online key pushes a huge version ...
        r.version = 1000;
        release();
        QVERIFY(update());
        // ... the owner rotates that key and starts over at a low version.
        r.keys = {RepositoryBuilder::seededKey(QStringLiteral("rotated-") + role)};
        r.version = 3;
        repo->rotateRoot();
        repo->publish(source);
        QVERIFY(update());
        QCOMPARE((role == "timestamp" ? trusted.timestamp : trusted.snapshot).version, qint64(3));
    }

    void timestampVersionDecrease() {
        const QByteArray old = *source.file(QStringLiteral("timestamp.json"));
        release();
        QVERIFY(update());
        source.put(QStringLiteral("timestamp.json"), old);
        expectRejected(QStringLiteral("rollback attack: timestamp version 1 < 2"));
        expectRecovery();
    }

    void snapshotHashDisagreesWithTimestamp() {
        release();
        resign(source, repo->fileName(QStringLiteral("snapshot"), repo->snapshot.version), repo->snapshot.keys,
               [&](JsonValue &s) { s.insert("expires", JsonValue(formatExpiry(repo->snapshot.expires.addSecs(1)))); });
        expectRejected(QStringLiteral("mix-and-match attack: snapshot.json sha256 does not match timestamp"));
        expectRecovery();
    }

    void snapshotVersionDisagreesWithTimestamp() {
        repo->listLengthsAndHashes = false;
        release();
        const QString name = repo->fileName(QStringLiteral("snapshot"), repo->snapshot.version);
        resign(source, name, repo->snapshot.keys, [](JsonValue &s) { s.insert("version", JsonValue(qint64(7))); });
        expectRejected(QStringLiteral("mix-and-match attack: snapshot version 7 does not match timestamp (2)"));
        expectRecovery();
    }

    void snapshotVersionDecrease() {
        release();
        QVERIFY(update());
        repo->listLengthsAndHashes = false;
        ++repo->timestamp.version;
        repo->publish(source);
        resign(source, QStringLiteral("timestamp.json"), repo->timestamp.keys, [](JsonValue &s) {
            s.objectRef()["meta"] = JsonValue(
                JsonValue::Object{{"snapshot.json", JsonValue(JsonValue::Object{{"version", JsonValue(qint64(1))}})}});
        });
        expectRejected(QStringLiteral("rollback attack: snapshot version 1 < 2"));
        expectRecovery();
    }

    void targetsVersionDecreaseInSnapshot() {
        release();
        QVERIFY(update());
        ++repo->timestamp.version;
        ++repo->snapshot.version;
        repo->targets.version = 1;
        repo->publish(source);
        expectRejected(QStringLiteral("rollback attack: targets version 1 < 2"));
        expectRecovery();
    }

    void targetsFileDroppedFromSnapshot() {
        repo->delegations.push_back(
            BuilderDelegation{QStringLiteral("vendor"), {}, {QStringLiteral("vendor/*")}, true, {}});
        repo->delegations.back().role.keys = {RepositoryBuilder::seededKey(QStringLiteral("vendor"))};
        repo->delegations.back().role.expires = now.addDays(30);
        release();
        QVERIFY(update());
        repo->delegations.clear();
        release();
        expectRejected(QStringLiteral("rollback attack: vendor.json dropped from snapshot"));
        repo->delegations.push_back(
            BuilderDelegation{QStringLiteral("vendor"), {}, {QStringLiteral("vendor/*")}, true, {}});
        repo->delegations.back().role.keys = {RepositoryBuilder::seededKey(QStringLiteral("vendor"))};
        repo->delegations.back().role.expires = now.addDays(30);
        repo->delegations.back().role.version = 2;
        expectRecovery();
    }

    void targetsVersionDisagreesWithSnapshot() {
        repo->listLengthsAndHashes = false;
        release();
        resign(source, repo->fileName(QStringLiteral("targets"), repo->targets.version), repo->targets.keys,
               [](JsonValue &s) { s.insert("version", JsonValue(qint64(9))); });
        expectRejected(QStringLiteral("mix-and-match attack: targets version 9 does not match snapshot (2)"));
        expectRecovery();
    }

    void unchangedVersionWithChangedContent_data() {
        QTest::addColumn<QString>("role");
        QTest::newRow("timestamp") << QStringLiteral("timestamp");
        QTest::newRow("snapshot") << QStringLiteral("snapshot");
        QTest::newRow("targets") << QStringLiteral("targets");
    }
    void unchangedVersionWithChangedContent() {
        QFETCH(QString, role);
        repo->listLengthsAndHashes = false;
        if (role == "targets") {
            // New snapshot and timestamp, but targets re-signed under its old version.
            ++repo->timestamp.version;
            ++repo->snapshot.version;
            repo->addTarget(QStringLiteral("evil.bin"), "evil");
            repo->publish(source);
        } else if (role == "snapshot") {
            // New timestamp, snapshot re-signed under its old version.
            ++repo->timestamp.version;
            repo->publish(source);
            resign(source, repo->fileName(QStringLiteral("snapshot"), 1), repo->snapshot.keys,
                   [](JsonValue &s) { s.insert("x-note", "same version, other bytes"); });
        } else {
            resign(source, QStringLiteral("timestamp.json"), repo->timestamp.keys,
                   [](JsonValue &s) { s.insert("x-note", "same version, other bytes"); });
        }
        expectRejected(QStringLiteral("mix-and-match attack: %1 version 1 changed content").arg(role));
        repo->targetFiles.erase(QStringLiteral("evil.bin"));
        expectRecovery();
    }

    void metadataOverByteLimit_data() {
        QTest::addColumn<QString>("role");
        for (const char *role : {"root", "timestamp", "snapshot", "targets"})
            QTest::newRow(role) << QString::fromLatin1(role);
    }
    void metadataOverByteLimit() {
        QFETCH(QString, role);
        repo->rotateRoot();
        release();
        RoleLimits limits;
        (role == "root"        ? limits.root
         : role == "timestamp" ? limits.timestamp
         : role == "snapshot"  ? limits.snapshot
                               : limits.targets) = 200;
        expectRejected(QStringLiteral("endless data attack"), limits);
        QVERIFY(refresh());
    }

    void pathTraversalInTargetName() {
        repo->addTarget(QStringLiteral("../../etc/passwd"), "root::0:0");
        release();
        expectRejected(QStringLiteral("path traversal"));
        repo->targetFiles.erase(QStringLiteral("../../etc/passwd"));
        expectRecovery();
    }

    void delegatedTargetsFollowPathsAndTermination() {
        BuilderDelegation vendor{QStringLiteral("vendor"), {}, {QStringLiteral("vendor/*")}, true, {}};
        vendor.role.keys = {RepositoryBuilder::seededKey(QStringLiteral("vendor"))};
        vendor.role.expires = now.addDays(30);
        vendor.targets[QStringLiteral("vendor/fw.bin")] = targetEntry("firmware");
        vendor.targets[QStringLiteral("other/x.bin")] = targetEntry("outside its paths");
        BuilderDelegation fallback{QStringLiteral("fallback"), {}, {QStringLiteral("*/*")}, false, {}};
        fallback.role.keys = {RepositoryBuilder::seededKey(QStringLiteral("fallback"))};
        fallback.role.expires = now.addDays(30);
        fallback.targets[QStringLiteral("vendor/late.bin")] = targetEntry("shadowed by terminating vendor");
        fallback.targets[QStringLiteral("other/y.bin")] = targetEntry("y");
        repo->delegations = {vendor, fallback};
        release();
        auto result = refresh();
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QVERIFY(result->findTarget(QStringLiteral("vendor/fw.bin")));
        QVERIFY(!result->findTarget(QStringLiteral("other/x.bin")));     // not in vendor's paths
        QVERIFY(!result->findTarget(QStringLiteral("vendor/late.bin"))); // vendor is terminating
        QVERIFY(result->findTarget(QStringLiteral("other/y.bin")));
        QVERIFY(!result->findTarget(QStringLiteral("vendor/sub/fw.bin"))); // '*' stops at '/'
        QCOMPARE(result->state.targets.at(QStringLiteral("vendor")).version, qint64(1));

        // A delegated role signed by the wrong key is refused.
        repo->delegations[0].role.signers = std::vector<SigningKey>{RepositoryBuilder::seededKey(QStringLiteral("x"))};
        repo->delegations[0].role.version = 2;
        release();
        expectRejected(QStringLiteral("arbitrary software attack: vendor"));
    }

    void interoperatesWithTufOnCi() {
        const QString dir = QStringLiteral(CONDUIT_TRUST_TEST_DATA "/tuf-on-ci-0.11");
        const QDateTime fakeTime = QDateTime::fromString(
            QString::fromLatin1(readFile(dir + QStringLiteral("/faketime")).trimmed()).replace(u' ', u'T'),
            Qt::ISODate);
        QVERIFY(fakeTime.isValid());
        auto state = stateFromInitialRoot(readFile(dir + QStringLiteral("/initial_root.json")));
        QVERIFY2(state, qPrintable(state ? QString() : state.error().message));
        DirectorySource metadata(dir + QStringLiteral("/metadata"));
        auto result = refreshRepository(QStringLiteral("tuf-on-ci"), *state, metadata, fakeTime);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QCOMPARE(result->timestamp.metadata.version, qint64(2));
        QCOMPARE(result->state.targets.at(QStringLiteral("delegatedrole")).version, qint64(2));

        const QString targetPath = QString::fromLatin1(readFile(dir + QStringLiteral("/targetpath")).trimmed());
        const auto target = result->findTarget(targetPath);
        QVERIFY(target);
        const QByteArray artifact = readFile(dir + QStringLiteral("/targets/") + result->targetFilePath(*target));
        QCOMPARE(artifact.size(), target->length);
        QCOMPARE(sha256Hex(artifact), target->hashes.at(QStringLiteral("sha256")));

        // The same repository read ten years later is a freeze.
        auto late = refreshRepository(QStringLiteral("tuf-on-ci"), *state, metadata,
                                      QDateTime(QDate(2045, 1, 1), QTime(0, 0), QTimeZone::utc()));
        QVERIFY(!late);
        QVERIFY(late.error().message.contains(QStringLiteral("freeze attack")));
    }
};

QTEST_GUILESS_MAIN(TestRepository)
#include "tst_repository.moc"
