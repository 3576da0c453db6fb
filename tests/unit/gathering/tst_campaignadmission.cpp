// Admission of signed campaign documents: signatures against the vehicle's
// campaign keys and threshold, expiry, scope, replay and rollback against
// the durable book, and the book across a restart.
#include "campaignfixture.h"

#include "gathering/campaign/collection.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace campaigntest;

namespace {

JsonValue withVersion(qint64 version) {
    JsonValue d = baseDocument();
    d.insert("version", JsonValue(version));
    return d;
}

} // namespace

class TestCampaignAdmission : public QObject {
    Q_OBJECT
private slots:
    void thresholdOfTrustedKeys() {
        const SigningKey a = key('a'), b = key('b'), c = key('c'), stranger = key('z');
        const CampaignKeys twoOfThree = trustOf({a, b, c}, 2);
        const JsonValue d = baseDocument();
        auto verify = [&](const QByteArray &bytes) { return verifyCampaign(bytes, twoOfThree, vehicle(), kNowMs); };
        QVERIFY(verify(sign(d, {a, b})).ok());
        QVERIFY(verify(sign(d, {c, a, stranger})).ok());
        for (const auto &signers :
             {std::vector<SigningKey>{a}, std::vector<SigningKey>{a, a}, std::vector<SigningKey>{a, stranger}}) {
            auto r = verify(sign(d, signers));
            QVERIFY(!r.ok());
            QCOMPARE(r.error().kind, CampaignErrorKind::Unsigned);
            QVERIFY2(r.error().message.contains(QLatin1String("1 valid signature(s), threshold is 2")),
                     qPrintable(r.error().message));
            QVERIFY(r.error().message.contains(QLatin1String("campaign hard-braking version 1")));
        }
        auto none = verify(QByteArray("{\"signatures\": [], \"signed\": ") + conduit::trust::compactJson(d) + '}');
        QVERIFY(!none.ok());
        QCOMPARE(none.error().kind, CampaignErrorKind::Unsigned);
    }

    void tamperedDocumentIsRefused() {
        const SigningKey a = key('a');
        QByteArray bytes = sign(baseDocument(), {a});
        QVERIFY(verifyCampaign(bytes, trustOf({a}, 1), vehicle(), kNowMs).ok());
        bytes.replace("\"pre_ms\":2000", "\"pre_ms\":2001");
        auto r = verifyCampaign(bytes, trustOf({a}, 1), vehicle(), kNowMs);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, CampaignErrorKind::Unsigned);
    }

    void everyRefusalHasItsKind() {
        const SigningKey a = key('a');
        const CampaignKeys keys = trustOf({a}, 1);
        const QByteArray good = sign(baseDocument(), {a});

        auto tooLarge = verifyCampaign(QByteArray(70 * 1024, ' '), keys, vehicle(), kNowMs);
        QCOMPARE(tooLarge.error().kind, CampaignErrorKind::TooLarge);
        QVERIFY(tooLarge.error().message.contains(QLatin1String("the limit is 65536")));

        auto notJson = verifyCampaign("{\"signed\":", keys, vehicle(), kNowMs);
        QCOMPARE(notJson.error().kind, CampaignErrorKind::Malformed);

        QByteArray extra = good;
        extra.insert(1, "\"comment\":\"x\",");
        auto extraField = verifyCampaign(extra, keys, vehicle(), kNowMs);
        QCOMPARE(extraField.error().kind, CampaignErrorKind::Malformed);
        QVERIFY(extraField.error().message.contains(QLatin1String("comment: unknown field")));

        // Signed, but against the schema: still refused (by field).
        JsonValue wrong = baseDocument();
        wrong.insert("colour", JsonValue("red"));
        const QByteArray canonical = conduit::trust::canonicalJson(wrong);
        const QByteArray signedWrong = QByteArray("{\"signatures\":[{\"keyid\":\"") + a.keyId().toLatin1() +
                                       "\",\"sig\":\"" + conduit::trust::toHex(a.sign(canonical)).toLatin1() +
                                       "\"}],\"signed\":" + conduit::trust::compactJson(wrong) + '}';
        auto schema = verifyCampaign(signedWrong, keys, vehicle(), kNowMs);
        QCOMPARE(schema.error().kind, CampaignErrorKind::Malformed);
        QVERIFY(schema.error().message.contains(QLatin1String("colour: unknown field")));

        auto expired = verifyCampaign(good, keys, vehicle(), kStartMs + qint64(40) * 24 * 3600 * 1000);
        QCOMPARE(expired.error().kind, CampaignErrorKind::Expired);
        QVERIFY2(expired.error().message.contains(QLatin1String("expired at 2027-01-01T00:00:00Z")),
                 qPrintable(expired.error().message));

        auto otherVehicle = verifyCampaign(good, keys, VehicleIdentity{QStringLiteral("ABC123"), {}}, kNowMs);
        QCOMPARE(otherVehicle.error().kind, CampaignErrorKind::OutOfScope);
        QVERIFY(otherVehicle.error().message.contains(QLatin1String("not for vehicle ABC123")));

        JsonValue devices = baseDocument();
        devices.objectRef()["scope"].insert("devices", JsonValue::array({QStringLiteral("cam-front")}));
        auto noDevice = verifyCampaign(sign(devices, {a}), keys, VehicleIdentity{QStringLiteral("WVW9"), {}}, kNowMs);
        QCOMPARE(noDevice.error().kind, CampaignErrorKind::OutOfScope);

        QCOMPARE(nameOf(CampaignErrorKind::OutOfScope), QStringLiteral("out-of-scope"));
    }

    void trustFileIsStrict() {
        const SigningKey a = key('a');
        QVERIFY(CampaignKeys::parse(CampaignKeys::serialize({a.publicKey()}, 1)).ok());
        auto over = CampaignKeys::parse(CampaignKeys::serialize({a.publicKey()}, 2));
        QCOMPARE(over.error().kind, CampaignErrorKind::Malformed);
        QVERIFY(over.error().message.contains(QLatin1String("threshold must be an integer from 1")));
        QByteArray wrongId = CampaignKeys::serialize({a.publicKey()}, 1);
        wrongId.replace(a.keyId().toLatin1(), QByteArray(64, 'f'));
        auto id = CampaignKeys::parse(wrongId);
        QVERIFY(!id.ok());
        QVERIFY2(id.error().message.contains(QLatin1String("its key id is")), qPrintable(id.error().message));
        auto missing = CampaignKeys::load(QStringLiteral("/nonexistent/campaign-keys.json"));
        QCOMPARE(missing.error().kind, CampaignErrorKind::Storage);
    }

    void replayRollbackAndRestart() {
        QTemporaryDir dir;
        const SigningKey a = key('a');
        TestClock clock;
        FakeSink sink;
        auto config = [&] {
            return CampaignCollection::Config{dir.path(), vehicle(), trustOf({a}, 1), {}, 1000, 1 << 20, clock.fn()};
        };
        {
            auto c = CampaignCollection::open(config(), {&sink, nullptr, nullptr, {}});
            QVERIFY(c.ok());
            auto v2 = (*c)->accept(sign(withVersion(2), {a}));
            QVERIFY(v2.ok());
            QCOMPARE(v2->offer, Offer::Accepted);
            auto again = (*c)->accept(sign(withVersion(2), {a}));
            QVERIFY(again.ok());
            QCOMPARE(again->offer, Offer::AlreadyHave);
            QCOMPARE(nameOf(again->offer), QStringLiteral("already-have"));
            auto older = (*c)->accept(sign(withVersion(1), {a}));
            QVERIFY(!older.ok());
            QCOMPARE(older.error().kind, CampaignErrorKind::Rollback);
            QVERIFY(older.error().message.contains(QLatin1String("version 1 is older than version 2")));
            // A trigger is remembered (its minimum interval holds across the restart).
            (*c)->onSignal(QStringLiteral("Vehicle.Speed"), 90, kNowMs);
            (*c)->onSignal(QStringLiteral("Vehicle.Chassis.Brake.PedalPosition"), 95, kNowMs + 10);
            QCOMPARE((*c)->counters().triggers, 1);
        }
        {
            auto c = CampaignCollection::open(config(), {&sink, nullptr, nullptr, {}});
            QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
            const BookEntry *e = (*c)->book().find(QStringLiteral("hard-braking"));
            QVERIFY(e);
            QCOMPARE(e->highestVersion, 2);
            QCOMPARE(e->state, CampaignState::Active);
            QCOMPARE(e->lastTriggerMs, kNowMs + 10);
            QCOMPARE((*c)->accept(sign(withVersion(2), {a}))->offer, Offer::AlreadyHave);
            QCOMPARE((*c)->accept(sign(withVersion(1), {a})).error().kind, CampaignErrorKind::Rollback);
            // Inside the minimum interval after the restart: no second trigger.
            (*c)->onSignal(QStringLiteral("Vehicle.Speed"), 90, kNowMs + 20);
            (*c)->onSignal(QStringLiteral("Vehicle.Chassis.Brake.PedalPosition"), 95, kNowMs + 30);
            QCOMPARE((*c)->counters().triggers, 0);
            QVERIFY((*c)->stop(QStringLiteral("hard-braking")).ok());
            QCOMPARE((*c)->stop(QStringLiteral("hard-braking")).error().kind, CampaignErrorKind::NotFound);
            QCOMPARE((*c)->stop(QStringLiteral("nope")).error().kind, CampaignErrorKind::NotFound);
        }
        {
            auto c = CampaignCollection::open(config(), {&sink, nullptr, nullptr, {}});
            QVERIFY(c.ok());
            const BookEntry *e = (*c)->book().find(QStringLiteral("hard-braking"));
            QCOMPARE(e->state, CampaignState::Stopped);
            QVERIFY((*c)->book().active().empty());
            // Stopped: the same version is not started again, an older one is refused, a newer one runs.
            QCOMPARE((*c)->accept(sign(withVersion(2), {a}))->offer, Offer::AlreadyHave);
            QCOMPARE((*c)->accept(sign(withVersion(1), {a})).error().kind, CampaignErrorKind::Rollback);
            QCOMPARE((*c)->accept(sign(withVersion(3), {a}))->offer, Offer::Accepted);
            QCOMPARE((*c)->book().active().size(), size_t(1));
        }
    }

    void expiryEndsACampaignByItself() {
        QTemporaryDir dir;
        const SigningKey a = key('a');
        TestClock clock;
        FakeSink sink;
        CampaignCollection::Config config{dir.path(), vehicle(), trustOf({a}, 1), {}, 1000, 1 << 20, clock.fn()};
        {
            auto c = CampaignCollection::open(config, {&sink, nullptr, nullptr, {}});
            QVERIFY((*c)->accept(sign(baseDocument(), {a})).ok());
            QCOMPARE((*c)->nextDeadlineMs(),
                     QDateTime::fromString(QStringLiteral("2027-01-01T00:00:00Z"), Qt::ISODate).toMSecsSinceEpoch());
        }
        clock.ms = QDateTime::fromString(QStringLiteral("2027-01-01T00:00:00Z"), Qt::ISODate).toMSecsSinceEpoch();
        auto c = CampaignCollection::open(config, {&sink, nullptr, nullptr, {}}); // expired while down
        QVERIFY(c.ok());
        QCOMPARE((*c)->book().find(QStringLiteral("hard-braking"))->state, CampaignState::Ended);
        QVERIFY((*c)->book().active().empty());
    }

    void damagedBookIsAnError() {
        QTemporaryDir dir;
        const SigningKey a = key('a');
        {
            auto book = CampaignBook::open(dir.path());
            QVERIFY(book.ok());
            auto v = verifyCampaign(sign(baseDocument(), {a}), trustOf({a}, 1), vehicle(), kNowMs);
            QVERIFY(v.ok());
            QCOMPARE(*book->offer(*v), Offer::Accepted);
        }
        QFile file(dir.filePath(QStringLiteral("campaigns.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray good = file.readAll();
        file.close();
        for (const QByteArray &bad : {good.left(good.size() / 2), QByteArray(good).replace("\"active\"", "\"paused\""),
                                      QByteArray(good).replace("\"highest_version\":1", "\"highest_version\":2"),
                                      QByteArray(good).replace("\"format\":1", "\"format\":2")}) {
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(bad);
            file.close();
            auto book = CampaignBook::open(dir.path());
            QVERIFY(!book.ok());
            QCOMPARE(book.error().kind, CampaignErrorKind::Storage);
            QVERIFY2(book.error().message.contains(QLatin1String("is damaged")), qPrintable(book.error().message));
        }
    }

    void unwritableBookRefusesAndKeepsNothing() {
        QTemporaryDir dir;
        const SigningKey a = key('a');
        auto book = CampaignBook::open(dir.path());
        QVERIFY(book.ok());
        // A directory where the book goes: the rename over it fails (also as root).
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("campaigns.json")));
        auto v = verifyCampaign(sign(baseDocument(), {a}), trustOf({a}, 1), vehicle(), kNowMs);
        auto offered = book->offer(*v);
        QVERIFY(!offered.ok());
        QCOMPARE(offered.error().kind, CampaignErrorKind::Storage);
        QVERIFY(book->active().empty());
    }
};

QTEST_GUILESS_MAIN(TestCampaignAdmission)
#include "tst_campaignadmission.moc"
