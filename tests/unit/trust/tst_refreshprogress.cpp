// refreshRepository()'s progress report: exactly the roles a refresh
// verified before it failed, with their files as fetched, so that a client
// that persists role by role (conduitctl tuf) keeps a new root when the
// timestamp is bad (the expectations of the TUF conformance suite's
// test_unsigned_metadata).
#include "trust/repositorybuilder.h"

#include <QTest>
#include <QTimeZone>

using namespace conduit::trust;

class TestRefreshProgress : public QObject {
    Q_OBJECT

private slots:
    void reportsWhatWasVerified_data() {
        QTest::addColumn<QString>("badRole");
        QTest::addColumn<QStringList>("verified");
        QTest::newRow("root") << QStringLiteral("root") << QStringList{};
        QTest::newRow("timestamp") << QStringLiteral("timestamp") << QStringList{QStringLiteral("root")};
        QTest::newRow("snapshot") << QStringLiteral("snapshot")
                                  << QStringList{QStringLiteral("root"), QStringLiteral("timestamp")};
        QTest::newRow("targets") << QStringLiteral("targets")
                                 << QStringList{QStringLiteral("root"), QStringLiteral("snapshot"),
                                                QStringLiteral("timestamp")};
        QTest::newRow("none") << QString()
                              << QStringList{QStringLiteral("root"), QStringLiteral("snapshot"),
                                             QStringLiteral("targets"), QStringLiteral("timestamp")};
    }
    void reportsWhatWasVerified() {
        QFETCH(QString, badRole);
        QFETCH(QStringList, verified);
        const QDateTime now(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
        RepositoryBuilder repo(QStringLiteral("progress"), now);
        MemorySource source;
        repo.publish(source);
        const RepositoryState initial = *stateFromInitialRoot(repo.initialRoot());
        auto first = refreshRepository(QStringLiteral("image"), initial, source, now);
        QVERIFY(first);
        const RepositoryState trusted = first->state;

        // A new release with a new root, one role of it signed by nobody.
        for (auto [role, name] : {std::pair{&repo.root, "root"},
                                  {&repo.timestamp, "timestamp"},
                                  {&repo.snapshot, "snapshot"},
                                  {&repo.targets, "targets"}}) {
            if (badRole == QLatin1String(name)) role->signers = std::vector<SigningKey>{};
        }
        repo.rotateRoot();
        repo.bumpVersions();
        repo.publish(source);

        RefreshProgress progress;
        auto result = refreshRepository(QStringLiteral("image"), trusted, source, now, RoleLimits{}, &progress);
        QCOMPARE(result.ok(), badRole.isEmpty());
        QStringList files;
        for (const auto &[role, bytes] : progress.files) {
            files << role;
            const QString published = role == QLatin1String("timestamp") ? QStringLiteral("timestamp.json")
                                                                         : QStringLiteral("2.%1.json").arg(role);
            QVERIFY2(bytes == *source.file(published), qPrintable(role));
        }
        QCOMPARE(files, verified);
        QCOMPARE(progress.state.rootVersion(), qint64(verified.contains(QStringLiteral("root")) ? 2 : 1));
        QCOMPARE(progress.state.timestamp.version, qint64(verified.contains(QStringLiteral("timestamp")) ? 2 : 1));
        QCOMPARE(progress.state.snapshot.version, qint64(verified.contains(QStringLiteral("snapshot")) ? 2 : 1));
        QCOMPARE(progress.state.targets.at(QStringLiteral("targets")).version,
                 qint64(verified.contains(QStringLiteral("targets")) ? 2 : 1));
        if (result) QVERIFY(progress.state == result->state);
    }
};

QTEST_GUILESS_MAIN(TestRefreshProgress)
#include "tst_refreshprogress.moc"
