#include "trust/repositorybuilder.h"
#include "trust/trustedstate.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(0, 0), QTimeZone::utc());

QByteArray readAll(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestTrustedState : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    RepositoryBuilder director{QStringLiteral("director"), kNow};
    RepositoryBuilder image{QStringLiteral("image"), kNow};

    TrustedState provisioned() {
        auto state = provisionTrustedState(director.initialRoot(), image.initialRoot());
        if (!state) qFatal("%s", qPrintable(state.error().message));
        return *state;
    }

private slots:
    void saveAndLoadRoundTrip() {
        TrustStore store(dir.filePath(QStringLiteral("roundtrip.json")));
        QVERIFY(!store.exists());
        TrustedState state = provisioned();
        state.lastTrustedTime = kNow;
        state.releaseCounters[QStringLiteral("ecu-a")] = 4;
        state.image.timestamp = TrustedRole{3, QStringLiteral("ab")};
        state.image.snapshotMeta[QStringLiteral("targets.json")] = 2;
        QVERIFY(store.save(state));
        auto loaded = store.load();
        QVERIFY(loaded);
        QVERIFY(*loaded == state);
        QCOMPARE(loaded->director.root, director.initialRoot());
        QVERIFY(!QFile::exists(store.path() + QStringLiteral(".tmp")));
    }

    // python-tuf, tuf-on-ci and sigstore publish pretty-printed roots; the
    // state embeds the root file as it was signed, newlines and all, and
    // must read back after a save (it once did not: every later verify
    // failed with "control character in string").
    void prettyPrintedRootSurvivesSaveAndLoad() {
        const QByteArray root = readAll(QStringLiteral(CONDUIT_TRUST_TEST_DATA "/tuf-on-ci-0.11/initial_root.json"));
        QVERIFY(root.contains('\n'));
        auto state = provisionTrustedState(root, image.initialRoot());
        QVERIFY2(state, qPrintable(state ? QString() : state.error().message));
        TrustStore store(dir.filePath(QStringLiteral("pretty.json")));
        QVERIFY(store.save(*state));
        auto loaded = store.load();
        QVERIFY2(loaded, qPrintable(loaded ? QString() : loaded.error().message));
        QCOMPARE(loaded->director.root, root);
        QVERIFY(*loaded == *state);
        // A second save over the first (a rotation, a new timestamp) loads the
        // stored state first: it must not fail either.
        loaded->lastTrustedTime = kNow;
        QVERIFY(store.save(*loaded));
        QVERIFY(store.load());
    }

    void provisioningChecksRootSignatures() {
        RepositoryBuilder bad(QStringLiteral("bad"), kNow);
        bad.root.signers = std::vector<SigningKey>{RepositoryBuilder::seededKey(QStringLiteral("nobody"))};
        auto state = provisionTrustedState(director.initialRoot(), bad.initialRoot());
        QVERIFY(!state);
        QVERIFY(state.error().message.startsWith(QStringLiteral("image root: arbitrary software attack")));
    }

    void neverMovesBackwards_data() {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("release counter") << QStringLiteral("counter") << QStringLiteral("release counter of ECU ecu-a");
        QTest::newRow("counter dropped") << QStringLiteral("drop") << QStringLiteral("release counter of ECU ecu-a");
        QTest::newRow("trusted time") << QStringLiteral("time") << QStringLiteral("last trusted time");
        QTest::newRow("timestamp") << QStringLiteral("timestamp")
                                   << QStringLiteral("image timestamp/snapshot versions");
        QTest::newRow("root") << QStringLiteral("root") << QStringLiteral("image root version 1 < 2");
    }
    void neverMovesBackwards() {
        QFETCH(QString, change);
        QFETCH(QString, fragment);
        TrustStore store(dir.filePath(change + QStringLiteral(".json")));
        TrustedState state = provisioned();
        state.lastTrustedTime = kNow;
        state.releaseCounters[QStringLiteral("ecu-a")] = 4;
        state.image.timestamp.version = 5;
        RepositoryBuilder rotated(QStringLiteral("image"), kNow);
        rotated.initialRoot();
        rotated.rotateRoot();
        MemorySource published;
        rotated.publish(published);
        state.image.root = *published.file(QStringLiteral("2.root.json"));
        QVERIFY(store.save(state));
        const QByteArray before = readAll(store.path());

        TrustedState next = state;
        if (change == "counter")
            next.releaseCounters[QStringLiteral("ecu-a")] = 3;
        else if (change == "drop")
            next.releaseCounters.clear();
        else if (change == "time")
            next.lastTrustedTime = kNow.addSecs(-1);
        else if (change == "timestamp")
            next.image.timestamp.version = 4;
        else
            next.image.root = image.initialRoot();
        auto saved = store.save(next);
        QVERIFY(!saved);
        QVERIFY2(saved.error().message.contains(fragment), qPrintable(saved.error().message));
        QCOMPARE(readAll(store.path()), before);

        // Moving forward is fine.
        TrustedState forward = state;
        forward.releaseCounters[QStringLiteral("ecu-a")] = 5;
        forward.lastTrustedTime = kNow.addSecs(1);
        QVERIFY(store.save(forward));
        QVERIFY(*store.load() == forward);
    }

    void corruptedStateIsAnError() {
        const QString path = dir.filePath(QStringLiteral("corrupt.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"format\": 1, \"director\": ");
        file.close();
        TrustStore store(path);
        auto loaded = store.load();
        QVERIFY(!loaded);
        QCOMPARE(loaded.error().kind, TrustErrorKind::Storage);
        QVERIFY(!store.save(provisioned())); // cannot prove the new state moves forward
        QVERIFY(!TrustStore(dir.filePath(QStringLiteral("absent.json"))).load());
    }

    void unwritableDirectoryIsAnError() {
        TrustStore store(dir.filePath(QStringLiteral("no/such/dir/state.json")));
        auto saved = store.save(provisioned());
        QVERIFY(!saved);
        QCOMPARE(saved.error().kind, TrustErrorKind::Storage);
    }
};

QTEST_GUILESS_MAIN(TestTrustedState)
#include "tst_trustedstate.moc"
