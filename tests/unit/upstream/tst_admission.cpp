// The admission path (host/upstream/admission.h) over real signed
// repositories: each step's refusal names its step, and the trusted state
// is saved only once every check passed (docs/metadata.md §8).
#include "upstream/admission.h"

#include "trust/repositorybuilder.h"
#include "trust/trustedstate.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace conduit;
using trust::JsonValue;
using Step = upstream::AdmissionStep;

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

JsonValue obj(JsonValue::Object o) { return JsonValue(std::move(o)); }

QByteArray readAll(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Metadata from memory; payloads bound or refused as the test says.
class FakeOffer : public upstream::UpdateOffer {
public:
    trust::MetadataSource &director() override { return directorSource; }
    trust::MetadataSource &image() override { return imageSource; }
    std::optional<QString> bindPayloads(const std::vector<trust::VerifiedTarget> &targets) override {
        bound = targets.size();
        return refusal;
    }
    trust::MemorySource directorSource, imageSource;
    std::optional<QString> refusal;
    std::optional<size_t> bound;
};

} // namespace

class TestAdmission : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> dir;
    QString statePath;
    std::unique_ptr<trust::RepositoryBuilder> director, image;
    FakeOffer offer;
    trust::Vehicle vehicle{QStringLiteral("VIN0001"), {{QStringLiteral("ecu-a"), QStringLiteral("hw-a")}}};

    // A release assigning one image to ecu-a, with `policy` as its signed conduit block.
    void release(const JsonValue &policy = {}) {
        JsonValue imageCustom = obj({{"hardware_ids", JsonValue::array({QStringLiteral("hw-a")})}});
        if (!policy.isNull()) imageCustom.insert("conduit", policy);
        image->addTarget(QStringLiteral("a-fw-2.bin"), "firmware a 2", imageCustom);
        director->addTarget(
            QStringLiteral("a-fw-2.bin"), "firmware a 2",
            obj({{"ecu_identifiers", obj({{"ecu-a", obj({{"hardware_id", JsonValue(QStringLiteral("hw-a"))}})}})}}));
        for (auto [repo, source] :
             {std::pair{director.get(), &offer.directorSource}, std::pair{image.get(), &offer.imageSource}}) {
            repo->bumpVersions();
            repo->publish(*source);
        }
    }

    void expectRefused(Step step, const QString &fragment) {
        const QByteArray before = readAll(statePath);
        auto result = upstream::admit(statePath, vehicle, offer, kNow);
        QVERIFY2(!result, "admitted");
        QCOMPARE(result.error().kind, step);
        QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
        QCOMPARE(readAll(statePath), before);
    }

private slots:
    void init() {
        dir = std::make_unique<QTemporaryDir>();
        statePath = dir->filePath(QStringLiteral("trust.json"));
        director = std::make_unique<trust::RepositoryBuilder>(QStringLiteral("director"), kNow);
        image = std::make_unique<trust::RepositoryBuilder>(QStringLiteral("image"), kNow);
        offer.directorSource = offer.imageSource = trust::MemorySource();
        offer.refusal.reset();
        offer.bound.reset();
        auto provisioned = trust::provisionTrustedState(director->initialRoot(), image->initialRoot());
        QVERIFY(provisioned);
        QVERIFY(trust::TrustStore(statePath).save(*provisioned));
    }

    void admitsAndSavesTheVerifiedState() {
        release();
        const QByteArray before = readAll(statePath);
        auto result = upstream::admit(statePath, vehicle, offer, kNow);
        QVERIFY2(result, result ? "" : qPrintable(result.error().message));
        const upstream::Admitted *admitted = &*result;
        QCOMPARE(offer.bound, std::optional<size_t>(1));
        QCOMPARE(admitted->campaign.targets.size(), 1);
        QCOMPARE(admitted->campaign.targets[0].deviceId, QStringLiteral("ecu-a"));
        QCOMPARE(admitted->targets.at(0).name, QStringLiteral("a-fw-2.bin"));
        QVERIFY(readAll(statePath) != before);
        auto saved = trust::TrustStore(statePath).load();
        QVERIFY(saved);
        QCOMPARE(saved->director.timestamp.version, director->timestamp.version);
        QCOMPARE(saved->image.timestamp.version, image->timestamp.version);
    }

    void notProvisionedIsNamed() {
        QFile::remove(statePath);
        release();
        expectRefused(
            Step::TrustedState,
            QStringLiteral("no trusted state at %1: provision it first (conduitctl provision)").arg(statePath));
        QVERIFY(!offer.bound);
        QVERIFY(!QFile::exists(statePath));
    }

    void unreadableStateIsNamed() {
        QFile f(statePath);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{not json");
        f.close();
        release();
        expectRefused(Step::TrustedState, QStringLiteral("the trusted state at %1 cannot be used: ").arg(statePath));
    }

    void failedVerificationSavesNothing() {
        release();
        vehicle.ecus[0].hardwareId = QStringLiteral("hw-other");
        expectRefused(Step::Uptane, QStringLiteral("hw-a"));
        QVERIFY(!offer.bound);
        vehicle.ecus[0].hardwareId = QStringLiteral("hw-a");
    }

    void payloadsThatDoNotCarryTheTargetsSaveNothing() {
        release();
        offer.refusal = QStringLiteral("bundle lacks the image of target a-fw-2.bin");
        expectRefused(Step::Payloads, *offer.refusal);
    }

    void aPolicyThatMakesNoCampaignSavesNothing() {
        release(obj({{"on_condition_break", JsonValue(QStringLiteral("explode"))}}));
        expectRefused(Step::Campaign, QStringLiteral("on_condition_break must be continue, pause or rollback"));
        QCOMPARE(offer.bound, std::optional<size_t>(1));
    }
};

QTEST_GUILESS_MAIN(TestAdmission)
#include "tst_admission.moc"
