// `conduitctl tuf` as a real process against repositories served over
// loopback HTTP by conduit-devserver: the tuf-on-ci 0.11 repository of the
// TUF conformance suite (init, refresh, download, the metadata directory it
// leaves), its tampered copies, and repositories built here for what the
// vectors cannot show (rollback, a root below threshold, partial progress).
#include "devserverprocess.h"
#include "toolrun.h"

#include "trust/repositorybuilder.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace conduit::trust;
using namespace tooltest;

namespace {

const QString kVectors = QStringLiteral(CONDUIT_TUF_VECTORS);

// Every file under `dir`, hidden ones too, relative to it.
QStringList filesUnder(const QString &dir) {
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) files << QDir(dir).relativeFilePath(it.next());
    files.sort();
    return files;
}

bool copyTree(const QString &from, const QString &to) {
    QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        if (!writeAll(QDir(to).filePath(QDir(from).relativeFilePath(source)), readAll(source))) return false;
    }
    return true;
}

// A signed part changed by one byte: the last digit of the first expiry
// (the JSON stays valid, the signature does not).
QByteArray withOneByteChanged(QByteArray bytes) {
    const qsizetype at = bytes.indexOf("Z\"", bytes.indexOf("\"expires\"")) - 1;
    if (at > 0) bytes[at] = bytes[at] == '1' ? '2' : '1';
    return bytes;
}

} // namespace

class TestTufClient : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp;
    std::unique_ptr<devtest::ServerProcess> server;
    QString served;   // the repository directory the server reads on every request
    QString metadata; // the client's metadata dir
    QString targets;  // the client's target dir
    QString fakeTime; // when the vectors are valid, as --time wants it

    QString metadataUrl() const { return server->url + QStringLiteral("/repo/director/metadata"); }
    QString targetsUrl() const { return server->url + QStringLiteral("/repo/director/targets"); }
    QString servedFile(const QString &name) const { return served + QStringLiteral("/metadata/") + name; }
    QString storedFile(const QString &role) const { return metadata + u'/' + role + QStringLiteral(".json"); }

    Run tuf(const QStringList &args) {
        return run(QStringLiteral(CONDUITCTL_PATH), QStringList{QStringLiteral("tuf")} + args, 60000);
    }
    Run initClient(const QString &root) {
        return tuf({QStringLiteral("--metadata-dir"), metadata, QStringLiteral("init"), root});
    }
    Run refresh(const QStringList &extra = {}) {
        return tuf(
            QStringList{QStringLiteral("--metadata-url"), metadataUrl(), QStringLiteral("--metadata-dir"), metadata} +
            extra + QStringList{QStringLiteral("refresh")});
    }
    Run download(const QString &target, const QStringList &extra = {}) {
        return tuf(QStringList{QStringLiteral("--metadata-url"), metadataUrl(), QStringLiteral("--metadata-dir"),
                               metadata, QStringLiteral("--target-name"), target, QStringLiteral("--target-base-url"),
                               targetsUrl(), QStringLiteral("--target-dir"), targets} +
                   extra + QStringList{QStringLiteral("download")});
    }
    QStringList atFakeTime() const { return {QStringLiteral("--time"), fakeTime}; }

    // Serves a fresh copy of `from` (or an empty repository).
    void serve(const QString &from = {}) {
        if (!from.isEmpty()) QVERIFY(copyTree(from, served));
        server = std::make_unique<devtest::ServerProcess>();
        QString error;
        QVERIFY2(server->start({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--director"), served},
                               &error),
                 qPrintable(error));
    }

    // The vectors served, the client initialised and refreshed once.
    void refreshedVectors() {
        serve(kVectors);
        QCOMPARE(initClient(kVectors + QStringLiteral("/initial_root.json")).exitCode, 0);
        const Run r = refresh(atFakeTime());
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    }

    // A repository built here, published into the served directory.
    void publish(RepositoryBuilder &builder, const std::map<QString, QByteArray> &artifacts = {}) {
        for (const auto &[name, content] : artifacts) {
            builder.addTarget(name, content);
            QVERIFY(writeAll(served + QStringLiteral("/targets/") + sha256Hex(content) + u'.' + name, content));
        }
        MemorySource out;
        builder.publish(out);
        for (const QString &name : out.names()) QVERIFY(writeAll(servedFile(name), *out.file(name)));
    }

    qint64 storedVersion(const QString &role) const {
        auto json = parseJson(readAll(storedFile(role)));
        return json ? (*json)["signed"]["version"].toInteger() : 0;
    }

private slots:
    void initTestCase() {
        fakeTime = QString::fromLatin1(readAll(kVectors + QStringLiteral("/faketime")).trimmed());
        QVERIFY(!fakeTime.isEmpty());
        // "2025-02-09 09:17:23+00:00" -> "2025-02-09T09:17:23Z"
        fakeTime = fakeTime.replace(u' ', u'T').replace(QStringLiteral("+00:00"), QStringLiteral("Z"));
    }

    void init() {
        tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(tmp->isValid());
        served = tmp->filePath(QStringLiteral("served"));
        metadata = tmp->filePath(QStringLiteral("metadata"));
        targets = tmp->filePath(QStringLiteral("targets"));
        QVERIFY(QDir().mkpath(served));
    }

    void cleanup() {
        server.reset();
        tmp.reset();
    }

    // tools.tuf_vectors: the tuf-on-ci repository verifies, the directory
    // holds its files as served, and the target arrives as signed.
    void tufOnCiRefreshAndDownload() {
        serve(kVectors);
        Run r = initClient(kVectors + QStringLiteral("/initial_root.json"));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(filesUnder(metadata), QStringList{QStringLiteral("root.json")});

        r = refresh(atFakeTime());
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QStringLiteral("timestamp v2, snapshot v2, targets v1, delegated: delegatedrole v2")),
                 qPrintable(r.out));
        const std::map<QString, QString> servedAs{
            {QStringLiteral("root"), QStringLiteral("1.root.json")},
            {QStringLiteral("timestamp"), QStringLiteral("timestamp.json")},
            {QStringLiteral("snapshot"), QStringLiteral("2.snapshot.json")},
            {QStringLiteral("targets"), QStringLiteral("1.targets.json")},
            {QStringLiteral("delegatedrole"), QStringLiteral("2.delegatedrole.json")}};
        QStringList expected;
        for (const auto &[role, file] : servedAs) {
            expected << role + QStringLiteral(".json");
            QVERIFY2(readAll(storedFile(role)) == readAll(servedFile(file)), qPrintable(role));
        }
        expected.sort();
        QCOMPARE(filesUnder(metadata), expected);

        const QString targetPath = QString::fromLatin1(readAll(kVectors + QStringLiteral("/targetpath")).trimmed());
        r = download(targetPath, atFakeTime());
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QDirIterator artifacts(kVectors + QStringLiteral("/targets"), QDir::Files, QDirIterator::Subdirectories);
        QVERIFY(artifacts.hasNext());
        const QByteArray artifact = readAll(artifacts.next());
        QCOMPARE(filesUnder(targets), QStringList{QStringLiteral("delegatedrole%2Fartifact")});
        QCOMPARE(readAll(targets + QStringLiteral("/delegatedrole%2Fartifact")), artifact);

        // --verbose shows each request.
        r = refresh(atFakeTime() + QStringList{QStringLiteral("--verbose")});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("metadata 2.root.json -> ")) &&
                     r.err.contains(QStringLiteral("not found")) &&
                     r.err.contains(QStringLiteral("metadata timestamp.json -> 446 bytes")),
                 qPrintable(r.err));

        // The next run starts from the stored metadata, and a target that
        // verifies on disk is not fetched again (the server no longer has it).
        QVERIFY(QDir(served + QStringLiteral("/targets")).removeRecursively());
        r = download(targetPath, atFakeTime());
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QStringLiteral("already verified")), qPrintable(r.out));
        QCOMPARE(readAll(targets + QStringLiteral("/delegatedrole%2Fartifact")), artifact);

        // A target the metadata does not list is refused.
        r = download(QStringLiteral("delegatedrole/other"), atFakeTime());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not in the trusted targets metadata")), qPrintable(r.err));
    }

    // tools.tuf_tampered_metadata: one byte changed in a signed role is
    // refused, and the trusted copy stays as it was.
    void tamperedRole_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("role");
        QTest::newRow("timestamp") << QStringLiteral("timestamp.json") << QStringLiteral("timestamp");
        QTest::newRow("snapshot") << QStringLiteral("2.snapshot.json") << QStringLiteral("snapshot");
        QTest::newRow("targets") << QStringLiteral("1.targets.json") << QStringLiteral("targets");
        QTest::newRow("delegated") << QStringLiteral("2.delegatedrole.json") << QStringLiteral("delegatedrole");
    }
    void tamperedRole() {
        QFETCH(QString, file);
        QFETCH(QString, role);
        refreshedVectors();
        const QByteArray original = readAll(servedFile(file));
        const QByteArray tampered = withOneByteChanged(original);
        QCOMPARE(tampered.size(), original.size());
        QVERIFY(tampered != original);
        QVERIFY(writeAll(servedFile(file), tampered));

        const Run r = refresh(atFakeTime());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ATTACK DETECTED (arbitrary software)")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(role), qPrintable(r.err));
        QCOMPARE(readAll(storedFile(role)), original);

        const Run d = download(QStringLiteral("delegatedrole/artifact"), atFakeTime());
        QCOMPARE(d.exitCode, 1);
        QVERIFY(!QDir(targets).exists() || filesUnder(targets).isEmpty());
    }

    // tools.tuf_tampered_target: bytes that differ from the signed ones
    // never reach the target directory, not even as a partial file.
    void tamperedTarget_data() {
        QTest::addColumn<int>("change"); // 0: one byte flipped, 1: cut short
        QTest::addColumn<QString>("message");
        QTest::newRow("byte flipped") << 0
                                      << QStringLiteral("ATTACK DETECTED (image does not match its signed metadata)");
        QTest::newRow("cut short") << 1 << QStringLiteral("connection ended at byte");
    }
    void tamperedTarget() {
        QFETCH(int, change);
        QFETCH(QString, message);
        refreshedVectors();
        QDirIterator artifacts(served + QStringLiteral("/targets"), QDir::Files, QDirIterator::Subdirectories);
        QVERIFY(artifacts.hasNext());
        const QString artifact = artifacts.next();
        QByteArray bytes = readAll(artifact);
        if (change == 0)
            bytes[3] = char(bytes[3] ^ 0x20);
        else
            bytes.chop(5);
        QVERIFY(writeAll(artifact, bytes));

        const Run r = download(QStringLiteral("delegatedrole/artifact"), atFakeTime());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(describe(r)));
        QCOMPARE(filesUnder(targets), QStringList());
    }

    // tools.tuf_expired: valid at the vectors' time, a freeze far ahead.
    void expired() {
        refreshedVectors();
        const QByteArray timestamp = readAll(storedFile(QStringLiteral("timestamp")));
        Run r = refresh({QStringLiteral("--days-in-future"), QStringLiteral("10000")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ATTACK DETECTED (freeze)")), qPrintable(describe(r)));
        r = download(QStringLiteral("delegatedrole/artifact"),
                     {QStringLiteral("--time"), QStringLiteral("2044-08-11T00:00:00Z")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("expired")), qPrintable(describe(r)));
        QCOMPARE(filesUnder(targets), QStringList());
        QCOMPARE(readAll(storedFile(QStringLiteral("timestamp"))), timestamp);
        r = refresh(atFakeTime());
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    }

    // tools.tuf_root_threshold: roots without their threshold of valid
    // signatures are not trusted, neither initially nor as a new version.
    void rootBelowThreshold() {
        serve(kVectors);
        const QByteArray root = readAll(kVectors + QStringLiteral("/initial_root.json"));
        // Every signature emptied (TUF's "unsigned" placeholder), the rest as published.
        QByteArray unsignedBytes = root;
        for (qsizetype at = unsignedBytes.indexOf("\"sig\": \""); at >= 0;
             at = unsignedBytes.indexOf("\"sig\": \"", at + 1)) {
            const qsizetype start = at + 8;
            unsignedBytes.remove(start, unsignedBytes.indexOf('"', start) - start);
        }
        QVERIFY(unsignedBytes.contains("\"sig\": \"\""));
        const QString unsignedRoot = tmp->filePath(QStringLiteral("unsigned-root.json"));
        QVERIFY(writeAll(unsignedRoot, unsignedBytes));
        Run r = initClient(unsignedRoot);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("threshold is 1")), qPrintable(describe(r)));
        QVERIFY(!QFile::exists(storedFile(QStringLiteral("root"))));
        r = refresh(atFakeTime());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("init")), qPrintable(r.err));

        // Version 2 that root version 1's keys did not sign.
        QVERIFY(initClient(kVectors + QStringLiteral("/initial_root.json")).exitCode == 0);
        QVERIFY(writeAll(servedFile(QStringLiteral("2.root.json")),
                         QByteArray(root).replace("\"version\": 1,", "\"version\": 2,")));
        QVERIFY(readAll(servedFile(QStringLiteral("2.root.json"))) != root);
        r = refresh(atFakeTime());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("root (keys of trusted root version 1)")), qPrintable(describe(r)));
        QCOMPARE(readAll(storedFile(QStringLiteral("root"))), root);

        // A built repository with a root threshold of 2: version 2 signed by one.
        RepositoryBuilder builder(QStringLiteral("threshold"), QDateTime::currentDateTimeUtc());
        builder.root.keys.push_back(RepositoryBuilder::seededKey(QStringLiteral("threshold/root-2")));
        builder.root.threshold = 2;
        const QByteArray builtRoot = builder.initialRoot();
        QVERIFY(QDir(served).removeRecursively());
        QVERIFY(QDir(metadata).removeRecursively());
        QVERIFY(writeAll(tmp->filePath(QStringLiteral("built-root.json")), builtRoot));
        QCOMPARE(initClient(tmp->filePath(QStringLiteral("built-root.json"))).exitCode, 0);
        builder.root.signers = std::vector<SigningKey>{builder.root.keys.front()};
        builder.rotateRoot();
        publish(builder);
        r = refresh();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("1 valid signature(s), threshold is 2")), qPrintable(describe(r)));
        QCOMPARE(readAll(storedFile(QStringLiteral("root"))), builtRoot);
    }

    // tools.tuf_rollback: after version 2, an older timestamp is refused.
    void rollbackTimestamp() {
        serve();
        RepositoryBuilder builder(QStringLiteral("rollback"), QDateTime::currentDateTimeUtc());
        publish(builder, {{QStringLiteral("app.bin"), QByteArrayLiteral("release 1")}});
        QVERIFY(writeAll(tmp->filePath(QStringLiteral("root.json")), builder.initialRoot()));
        QCOMPARE(initClient(tmp->filePath(QStringLiteral("root.json"))).exitCode, 0);
        Run r = download(QStringLiteral("app.bin"));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QByteArray timestampV1 = readAll(servedFile(QStringLiteral("timestamp.json")));

        builder.bumpVersions();
        publish(builder);
        r = refresh();
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(storedVersion(QStringLiteral("timestamp")), qint64(2));
        const QByteArray timestampV2 = readAll(storedFile(QStringLiteral("timestamp")));

        QVERIFY(writeAll(servedFile(QStringLiteral("timestamp.json")), timestampV1));
        r = refresh();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ATTACK DETECTED (rollback)")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("timestamp version 1 < 2")), qPrintable(r.err));
        QCOMPARE(readAll(storedFile(QStringLiteral("timestamp"))), timestampV2);
    }

    // tools.tuf_hostile_length: a target signed as 2^63 - 1 bytes is
    // refused at once, before a byte is fetched or written.
    void hostileLength() {
        serve();
        RepositoryBuilder builder(QStringLiteral("length"), QDateTime::currentDateTimeUtc());
        publish(builder, {{QStringLiteral("huge.bin"), QByteArrayLiteral("small")}});
        builder.targetFiles[QStringLiteral("huge.bin")].insert("length", JsonValue(std::numeric_limits<qint64>::max()));
        publish(builder);
        QVERIFY(writeAll(tmp->filePath(QStringLiteral("root.json")), builder.initialRoot()));
        QCOMPARE(initClient(tmp->filePath(QStringLiteral("root.json"))).exitCode, 0);
        const Run r = download(QStringLiteral("huge.bin"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("is signed as 9223372036854775807 bytes")), qPrintable(describe(r)));
        QCOMPARE(filesUnder(targets), QStringList());
    }

    // tools.tuf_progress: what a refresh verified before it failed is kept
    // (a new root survives a bad timestamp), and a key rotation removes the
    // timestamp and snapshot that the rotated-out key signed.
    void progressIsPersisted() {
        serve();
        RepositoryBuilder builder(QStringLiteral("progress"), QDateTime::currentDateTimeUtc());
        publish(builder);
        QVERIFY(writeAll(tmp->filePath(QStringLiteral("root.json")), builder.initialRoot()));
        QCOMPARE(initClient(tmp->filePath(QStringLiteral("root.json"))).exitCode, 0);
        Run r = refresh();
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(storedVersion(QStringLiteral("snapshot")), qint64(1));

        // Root version 2 rotates the timestamp key; the timestamp is still
        // signed by the old one.
        const std::vector<SigningKey> oldTimestampKeys = builder.timestamp.keys;
        builder.timestamp.keys = {RepositoryBuilder::seededKey(QStringLiteral("progress/timestamp-2"))};
        builder.rotateRoot();
        builder.timestamp.signers = oldTimestampKeys;
        builder.bumpVersions();
        publish(builder);
        r = refresh();
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("timestamp version 2 has 0 valid signature(s)")),
                 qPrintable(describe(r)));
        QCOMPARE(storedVersion(QStringLiteral("root")), qint64(2));
        QVERIFY(!QFile::exists(storedFile(QStringLiteral("timestamp"))));
        QVERIFY(!QFile::exists(storedFile(QStringLiteral("snapshot"))));
        QVERIFY(!QFile::exists(storedFile(QStringLiteral("targets"))));

        // Fixed by the repository: the next refresh goes on from root 2.
        builder.timestamp.signers.reset();
        publish(builder);
        r = refresh();
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QStringLiteral("root v2, timestamp v2, snapshot v2, targets v2")), qPrintable(r.out));
    }
};

QTEST_GUILESS_MAIN(TestTufClient)
#include "tst_tufclient.moc"
