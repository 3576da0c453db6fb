// Uptane full verification over a Director and an Image repository, with the
// trusted state persisted through TrustStore exactly as the host does: every
// attack is refused, the state file is byte-for-byte unchanged, and the next
// good update succeeds.
#include "trust/repositorybuilder.h"
#include "trust/uptane.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace conduit::trust;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

JsonValue obj(JsonValue::Object o) { return JsonValue(std::move(o)); }

QByteArray readAll(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestUptane : public QObject {
    Q_OBJECT

    QDateTime now;
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<TrustStore> store;
    std::unique_ptr<RepositoryBuilder> director, image;
    MemorySource directorSource, imageSource;
    Vehicle vehicle;
    RoleLimits limits;
    QString lastError;
    std::vector<VerifiedTarget> lastTargets;

    // Director assigns `name` to `ecu`; the Image repository holds it.
    void assign(const QString &name, const QByteArray &content, const QString &ecu, const QString &hardwareId,
                qint64 counter, JsonValue policy = {}) {
        JsonValue imageCustom =
            obj({{"hardware_ids", JsonValue::array({hardwareId})}, {"release_counter", JsonValue(counter)}});
        if (!policy.isNull()) imageCustom.insert("conduit", policy);
        image->addTarget(name, content, imageCustom);
        director->addTarget(
            name, content,
            obj({{"ecu_identifiers", obj({{ecu.toStdString(), obj({{"hardware_id", JsonValue(hardwareId)}})}})},
                 {"release_counter", JsonValue(counter)}}));
    }

    void release(RepositoryBuilder &repo, MemorySource &source) {
        repo.bumpVersions();
        repo.publish(source);
    }
    void releaseBoth() {
        release(*director, directorSource);
        release(*image, imageSource);
    }

    bool update() {
        auto trusted = store->load();
        if (!trusted) qFatal("state: %s", qPrintable(trusted.error().message));
        auto result = verifyUptane(*trusted, directorSource, imageSource, vehicle, now, limits);
        if (!result) {
            lastError = result.error().message;
            return false;
        }
        lastTargets = result->targets;
        auto saved = store->save(result->state);
        if (!saved) lastError = saved.error().message;
        return saved.ok();
    }

    void expectRejected(const QString &fragment) {
        const QByteArray before = readAll(store->path());
        QVERIFY(!before.isEmpty());
        QVERIFY2(!update(), "the update was accepted");
        QVERIFY2(lastError.contains(fragment), qPrintable(lastError));
        QCOMPARE(readAll(store->path()), before);
    }

    // A clean release of both repositories is accepted again.
    void expectRecovery() {
        limits = RoleLimits{};
        for (RepositoryBuilder *repo : {director.get(), image.get()}) {
            for (BuilderRole *role : {&repo->timestamp, &repo->snapshot, &repo->targets}) {
                role->signers.reset();
                role->version += 20;
                role->expires = now.addDays(30);
            }
            repo->addDelegationsMember = false;
        }
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-9.bin"), "firmware a 9", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 9);
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError));
    }

private slots:
    void init() {
        now = kNow;
        limits = RoleLimits{};
        dir = std::make_unique<QTemporaryDir>();
        store = std::make_unique<TrustStore>(dir->filePath(QStringLiteral("trust.json")));
        director = std::make_unique<RepositoryBuilder>(QStringLiteral("director"), now);
        image = std::make_unique<RepositoryBuilder>(QStringLiteral("image"), now);
        directorSource = MemorySource();
        imageSource = MemorySource();
        vehicle = Vehicle{
            QStringLiteral("VIN0001"),
            {{QStringLiteral("ecu-a"), QStringLiteral("hw-a")}, {QStringLiteral("ecu-b"), QStringLiteral("hw-b")}}};
        assign(QStringLiteral("a-fw-1.bin"), "firmware a 1", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 1,
               obj({{"phase", JsonValue(qint64(2))},
                    {"dependencies", JsonValue::array({QStringLiteral("b-fw-1.bin")})},
                    {"conditions", obj({{"parked", JsonValue(true)}, {"min_battery_soc", JsonValue(qint64(60))}})}}));
        assign(QStringLiteral("b-fw-1.bin"), "firmware b 1", QStringLiteral("ecu-b"), QStringLiteral("hw-b"), 1);
        director->publish(directorSource);
        image->publish(imageSource);
        auto provisioned = provisionTrustedState(director->initialRoot(), image->initialRoot());
        QVERIFY(provisioned);
        QVERIFY(store->save(*provisioned));
        QVERIFY2(update(), qPrintable(lastError));
    }

    void fullVerificationYieldsTargetsAndPolicy() {
        QCOMPARE(lastTargets.size(), size_t(2));
        const VerifiedTarget &a = lastTargets[0];
        QCOMPARE(a.ecuSerial, QStringLiteral("ecu-a"));
        QCOMPARE(a.hardwareId, QStringLiteral("hw-a"));
        QCOMPARE(a.length, qint64(12));
        QCOMPARE(a.hashes.size(), size_t(2));
        QCOMPARE(a.releaseCounter, qint64(1));
        QCOMPARE(a.policy.phase, qint64(2));
        QCOMPARE(a.policy.dependencies, QStringList{QStringLiteral("b-fw-1.bin")});
        QVERIFY(a.policy.requiresParked);
        QCOMPARE(a.policy.minBatterySoc.value_or(-1), qint64(60));
        QVERIFY(!lastTargets[1].policy.requiresParked);
        auto state = store->load();
        QVERIFY(state);
        QCOMPARE(state->releaseCounters.at(QStringLiteral("ecu-a")), qint64(1));
        QCOMPARE(state->lastTrustedTime, now);
        QCOMPARE(state->director.timestamp.version, qint64(1));
    }

    void expiredMetadata_data() {
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("role");
        for (const char *repo : {"director", "image"})
            for (const char *role : {"root", "timestamp", "snapshot", "targets"})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(repo), QLatin1String(role))))
                    << QString::fromLatin1(repo) << QString::fromLatin1(role);
    }
    void expiredMetadata() {
        QFETCH(QString, repository);
        QFETCH(QString, role);
        RepositoryBuilder &repo = repository == "director" ? *director : *image;
        BuilderRole &r = role == "root"        ? repo.root
                         : role == "timestamp" ? repo.timestamp
                         : role == "snapshot"  ? repo.snapshot
                                               : repo.targets;
        r.expires = now.addSecs(-60);
        if (role == "root") repo.rotateRoot();
        releaseBoth();
        expectRejected(QStringLiteral("%1 repository: freeze attack: %2").arg(repository, role));
        if (role == "root") {
            r.expires = now.addDays(365);
            repo.rotateRoot();
        }
        expectRecovery();
    }

    void unsignedDirectorTargets() {
        director->targets.signers = std::vector<SigningKey>{};
        releaseBoth();
        expectRejected(QStringLiteral("director repository: arbitrary software attack: targets"));
        expectRecovery();
    }

    void directorTargetsVersionDecrease() {
        releaseBoth();
        QVERIFY(update());
        ++director->timestamp.version;
        ++director->snapshot.version;
        director->targets.version = 1;
        director->publish(directorSource);
        expectRejected(QStringLiteral("director repository: rollback attack: targets version 1 < 2"));
        expectRecovery();
    }

    void replayOfOldDirectorMetadata() {
        const MemorySource old = directorSource;
        releaseBoth();
        QVERIFY(update());
        directorSource = old;
        expectRejected(QStringLiteral("director repository: rollback attack: timestamp version 1 < 2"));
        directorSource = MemorySource();
        expectRecovery();
    }

    void directorTargetsWithDelegations() {
        director->addDelegationsMember = true;
        releaseBoth();
        expectRejected(QStringLiteral("director targets metadata must not delegate"));
        expectRecovery();
    }

    void ecuSerialTwice() {
        assign(QStringLiteral("a-fw-2.bin"), "firmware a 2", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 2);
        releaseBoth();
        expectRejected(QStringLiteral("mix-and-match attack: director targets assign ECU ecu-a more than once"));
        expectRecovery();
    }

    void ecuSerialNotInVehicle() {
        director->targetFiles.clear();
        assign(QStringLiteral("c-fw-1.bin"), "firmware c", QStringLiteral("ecu-c"), QStringLiteral("hw-c"), 1);
        releaseBoth();
        expectRejected(QStringLiteral("ECU ecu-c, which is not in vehicle VIN0001"));
        expectRecovery();
    }

    void wrongHardwareId() {
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-2.bin"), "firmware a 2", QStringLiteral("ecu-a"), QStringLiteral("hw-z"), 2);
        releaseBoth();
        expectRejected(QStringLiteral("wrong hardware id: director assigns a-fw-2.bin (hardware hw-z)"));
        expectRecovery();
    }

    void imageNotBuiltForHardware() {
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-2.bin"), "firmware a 2", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 2);
        image->targetFiles[QStringLiteral("a-fw-2.bin")] =
            targetEntry("firmware a 2", obj({{"hardware_ids", JsonValue::array({QStringLiteral("hw-b")})}}));
        releaseBoth();
        expectRejected(QStringLiteral("wrong hardware id: image a-fw-2.bin is not built for hardware hw-a"));
        expectRecovery();
    }

    void directorImageMismatch_data() {
        QTest::addColumn<QByteArray>("directorContent");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("hash") << QByteArray("firmware A 1")
                              << QStringLiteral(
                                     "director and image repository disagree on the sha256 hash of a-fw-1.bin");
        QTest::newRow("length") << QByteArray("firmware a 1+")
                                << QStringLiteral("director lists a-fw-1.bin with length 13, image repository with 12");
    }
    void directorImageMismatch() {
        QFETCH(QByteArray, directorContent);
        QFETCH(QString, fragment);
        JsonValue custom = director->targetFiles[QStringLiteral("a-fw-1.bin")]["custom"];
        director->targetFiles[QStringLiteral("a-fw-1.bin")] = targetEntry(directorContent, custom);
        releaseBoth();
        expectRejected(QStringLiteral("mix-and-match attack: ") + fragment);
        expectRecovery();
    }

    void directorImageCustomFieldMismatch_data() {
        QTest::addColumn<QString>("field");
        QTest::newRow("release_counter") << QStringLiteral("release_counter");
        QTest::newRow("conduit.phase") << QStringLiteral("conduit.phase");
    }
    void directorImageCustomFieldMismatch() {
        QFETCH(QString, field);
        JsonValue entry = director->targetFiles[QStringLiteral("a-fw-1.bin")];
        JsonValue custom = entry["custom"];
        if (field == "release_counter")
            custom.insert("release_counter", JsonValue(qint64(7)));
        else
            custom.insert("conduit", obj({{"phase", JsonValue(qint64(0))}}));
        entry.insert("custom", custom);
        director->targetFiles[QStringLiteral("a-fw-1.bin")] = entry;
        releaseBoth();
        expectRejected(field == "release_counter"
                           ? QStringLiteral("disagree on the release counter of a-fw-1.bin (7 vs 1)")
                           : QStringLiteral("disagree on conduit.phase of a-fw-1.bin"));
        expectRecovery();
    }

    void releaseCounterDecrease() {
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-5.bin"), "firmware a 5", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 5);
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError));
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-3.bin"), "firmware a 3", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 3);
        releaseBoth();
        expectRejected(QStringLiteral("rollback attack: release counter of a-fw-3.bin for ECU ecu-a is 3 < 5"));
        expectRecovery();
    }

    // docs/metadata.md section 8: a verified release stays trusted when its
    // install rolls back, so it can be verified again as it is (same
    // metadata, same counter), but software signed with a lower counter
    // cannot follow it.
    void rolledBackReleaseCanBeRetriedButNotUndercut() {
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-5.bin"), "firmware a 5", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 5);
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError)); // saved, then the install "rolls back"
        QVERIFY2(update(), qPrintable(lastError)); // the retry: the very same files
        QCOMPARE(lastTargets.size(), size_t(1));
        QCOMPARE(lastTargets.front().releaseCounter, qint64(5));
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-1-again.bin"), "firmware a 1", QStringLiteral("ecu-a"), QStringLiteral("hw-a"), 1);
        releaseBoth();
        expectRejected(QStringLiteral("release counter of a-fw-1-again.bin for ECU ecu-a is 1 < 5"));
        director->targetFiles.clear();
        assign(QStringLiteral("a-fw-1-resigned.bin"), "firmware a 1", QStringLiteral("ecu-a"), QStringLiteral("hw-a"),
               5);
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError));
    }

    void imageAbsentFromImageRepository() {
        director->addTarget(QStringLiteral("ghost.bin"), "ghost",
                            obj({{"ecu_identifiers", obj({{"ecu-b", obj({{"hardware_id", JsonValue("hw-b")}})}})}}));
        director->targetFiles.erase(QStringLiteral("b-fw-1.bin"));
        releaseBoth();
        expectRejected(QStringLiteral("arbitrary software attack: ghost.bin is not in the image repository"));
        expectRecovery();
    }

    void clockMovedBackwards() {
        now = now.addSecs(-3600);
        releaseBoth();
        expectRejected(QStringLiteral("freeze attack: clock moved backwards"));
        now = kNow.addSecs(60);
        expectRecovery();
    }

    void metadataOverByteLimit() {
        limits.targets = 300;
        releaseBoth();
        expectRejected(QStringLiteral("director repository: endless data attack"));
        expectRecovery();
    }

    void imageFoundThroughDelegation() {
        BuilderDelegation supplier{QStringLiteral("supplier-b"), {}, {QStringLiteral("b/*")}, true, {}};
        supplier.role.keys = {RepositoryBuilder::seededKey(QStringLiteral("supplier-b"))};
        supplier.role.expires = now.addDays(30);
        supplier.targets[QStringLiteral("b/fw-2.bin")] =
            targetEntry("firmware b 2", obj({{"hardware_ids", JsonValue::array({QStringLiteral("hw-b")})},
                                             {"release_counter", JsonValue(qint64(2))}}));
        image->delegations.push_back(supplier);
        director->targetFiles.erase(QStringLiteral("b-fw-1.bin"));
        director->addTarget(QStringLiteral("b/fw-2.bin"), "firmware b 2",
                            obj({{"ecu_identifiers", obj({{"ecu-b", obj({{"hardware_id", JsonValue("hw-b")}})}})}}));
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError));
        QCOMPARE(lastTargets.size(), size_t(2));
        QCOMPARE(lastTargets[1].name, QStringLiteral("b/fw-2.bin"));
        QCOMPARE(lastTargets[1].releaseCounter, qint64(2)); // from the Image repository
        QVERIFY(lastTargets[1].imagePath.startsWith(QStringLiteral("b/")));
        QVERIFY(lastTargets[1].imagePath.endsWith(QStringLiteral(".fw-2.bin")));

        // The delegated role signed by someone else: refused.
        image->delegations[0].role.signers =
            std::vector<SigningKey>{RepositoryBuilder::seededKey(QStringLiteral("intruder"))};
        image->delegations[0].role.version = 2;
        releaseBoth();
        expectRejected(QStringLiteral("image repository: arbitrary software attack: supplier-b"));
        image->delegations[0].role.signers.reset();
        image->delegations[0].role.version = 3;
        expectRecovery();
    }

    void rootRotationInBothRepositoriesIsPersisted() {
        director->root.keys = {RepositoryBuilder::seededKey(QStringLiteral("director-root-2"))};
        director->rotateRoot();
        image->timestamp.keys = {RepositoryBuilder::seededKey(QStringLiteral("image-ts-2"))};
        image->rotateRoot();
        releaseBoth();
        QVERIFY2(update(), qPrintable(lastError));
        auto state = store->load();
        QCOMPARE(state->director.rootVersion(), qint64(2));
        QCOMPARE(state->image.rootVersion(), qint64(2));
    }
};

QTEST_GUILESS_MAIN(TestUptane)
#include "tst_uptane.moc"
