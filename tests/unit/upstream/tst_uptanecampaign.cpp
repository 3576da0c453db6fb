// A campaign from Uptane-verified targets: what the driver is told (release
// notes merged in install order, each device's durations) comes from the
// targets' signed `conduit` blocks, Director's and Image's together, and a
// malformed one refuses the whole update with a clear reason.
#include "upstream/uptanecampaign.h"

#include <QTest>

using namespace conduit;
using trust::JsonValue;

namespace {

// JSON written with ' for " (no raw string literals: moc reads this file).
JsonValue json(QByteArray text) {
    auto v = trust::parseJson(text.replace('\'', '"'));
    return v ? *v : JsonValue();
}

trust::VerifiedTarget target(const char *serial, const char *name, qint64 phase, const QByteArray &imageConduit,
                             const QByteArray &directorConduit = {}) {
    trust::VerifiedTarget t;
    t.ecuSerial = QLatin1String(serial);
    t.hardwareId = QStringLiteral("hw");
    t.name = QLatin1String(name);
    t.length = 100;
    t.hashes[QStringLiteral("sha256")] = QString(64, QLatin1Char('a'));
    t.policy.phase = phase;
    t.imageCustom = JsonValue(JsonValue::Object{});
    t.directorCustom = JsonValue(JsonValue::Object{});
    if (!imageConduit.isEmpty()) t.imageCustom.insert("conduit", json(imageConduit));
    if (!directorConduit.isEmpty()) t.directorCustom.insert("conduit", json(directorConduit));
    return t;
}

} // namespace

class TestUptaneCampaign : public QObject {
    Q_OBJECT

private slots:
    void driverInformationFromSignedTargets() {
        trust::UptaneUpdate u;
        // Director order is by name; the notes follow the install order.
        u.targets.push_back(target("ecu-1", "brake-2.bin", 1,
                                   "{'install_seconds': 300, 'unusable_seconds': 200, "
                                   "'release_notes': {'en': 'Brakes: smoother.', 'de': 'Bremsen: sanfter.'}}"));
        u.targets.push_back(target("ecu-2", "brake-2b.bin", 1,
                                   "{'install_seconds': 200, 'unusable_seconds': 250, "
                                   "'release_notes': {'en': 'Brakes: smoother.', 'de': 'Bremsen: sanfter.'}}"));
        // The Director may add fields the Image repository does not list.
        u.targets.push_back(target("gw-1", "gw-2.bin", 0,
                                   "{'release_notes': {'en': 'Gateway: faster start.', 'de': 'Gateway: schneller.'}}",
                                   "{'install_seconds': 120, 'unusable_seconds': 60}"));
        QString error;
        const auto c = upstream::campaignFromUptane(u, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->targets.size(), 3);
        QCOMPARE(c->targets[0].installSeconds, qint64(300));
        QCOMPARE(c->targets[1].unusableSeconds, qint64(250));
        QCOMPARE(c->targets[2].installSeconds, qint64(120));
        QCOMPARE(c->installSeconds(), qint64(120 + 300));
        QCOMPARE(c->unusableSeconds(), qint64(60 + 250));
        QCOMPARE(c->releaseNotes.value(QStringLiteral("en")),
                 QStringLiteral("Gateway: faster start.\n\nBrakes: smoother."));
        QCOMPARE(c->releaseNotes.value(QStringLiteral("de")),
                 QStringLiteral("Gateway: schneller.\n\nBremsen: sanfter."));
    }

    void withoutFiguresTheCampaignStatesNone() {
        trust::UptaneUpdate u;
        u.targets.push_back(target("gw-1", "gw-2.bin", 0, "{'phase': 0, 'version': '2.0'}"));
        u.targets.push_back(target("ecu-1", "brake-2.bin", 1, {}));
        QString error;
        const auto c = upstream::campaignFromUptane(u, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->installSeconds(), qint64(-1));
        QCOMPARE(c->unusableSeconds(), qint64(-1));
        QVERIFY(c->releaseNotes.isEmpty());
        QVERIFY(!c->toJson().contains(QLatin1String("install_seconds")));
    }

    void malformedFieldRefusesTheUpdate_data() {
        QTest::addColumn<QByteArray>("image");
        QTest::addColumn<QByteArray>("director");
        QTest::addColumn<QString>("message");
        QTest::newRow("seconds as text") << QByteArray("{'install_seconds': '5 min'}") << QByteArray()
                                         << "target brake-2.bin: conduit.install_seconds must be an integer 0..86400";
        QTest::newRow("director's figure out of range")
            << QByteArray() << QByteArray("{'unusable_seconds': 100000}")
            << "target brake-2.bin: conduit.unusable_seconds must be an integer";
        QTest::newRow("bad locale") << QByteArray("{'release_notes': {'en_': 'x'}}") << QByteArray()
                                    << "target brake-2.bin: conduit.release_notes: \"en_\" is not a locale";
        QTest::newRow("escape in notes") << QByteArray("{'release_notes': {'en': '\\u001b]0;pwned\\u0007'}}")
                                         << QByteArray()
                                         << "conduit.release_notes.en contains the control character U+001B";
    }
    void malformedFieldRefusesTheUpdate() {
        QFETCH(QByteArray, image);
        QFETCH(QByteArray, director);
        QFETCH(QString, message);
        trust::UptaneUpdate u;
        u.targets.push_back(target("gw-1", "gw-2.bin", 0, "{'install_seconds': 60}"));
        u.targets.push_back(target("ecu-1", "brake-2.bin", 1, image, director));
        QString error;
        QVERIFY(!upstream::campaignFromUptane(u, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void mergedNotesWithinTheCampaignCap() {
        // Every target within its own cap, together over the campaign's.
        trust::UptaneUpdate u;
        for (int i = 0; i < 5; ++i) {
            const QByteArray text(8000, char('a' + i));
            u.targets.push_back(target(qPrintable(QStringLiteral("ecu-%1").arg(i)),
                                       qPrintable(QStringLiteral("t%1.bin").arg(i)), i,
                                       "{'release_notes': {'en': '" + text + "'}}"));
        }
        QString error;
        QVERIFY(!upstream::campaignFromUptane(u, &error));
        QVERIFY2(error.contains(QLatin1String(
                     "the release notes of this update in en are 40008 bytes together, over the limit of 32768")),
                 qPrintable(error));
        u.targets.pop_back();
        QVERIFY2(upstream::campaignFromUptane(u, &error), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestUptaneCampaign)
#include "tst_uptanecampaign.moc"
