// The campaign's figures for the driver: durations summed over phases (the
// longest device of each), release notes merged per locale, and how both
// travel in the campaign's JSON (control API, journal).
#include "core/campaign.h"

#include <QJsonArray>
#include <QTest>

using namespace conduit::core;

namespace {

CampaignTarget target(const char *device, int phase, qint64 install, qint64 unusable) {
    CampaignTarget t;
    t.deviceId = QLatin1String(device);
    t.targetName = t.deviceId + QStringLiteral(".img");
    t.phase = phase;
    t.installSeconds = install;
    t.unusableSeconds = unusable;
    return t;
}

} // namespace

class TestCampaign : public QObject {
    Q_OBJECT

private slots:
    void durationsSumThePhasesLongestDevice() {
        Campaign c;
        // Phase 0: the gateway alone; phase 2: two ECUs in parallel; the
        // phase numbers need not be contiguous.
        c.targets << target("gw", 0, 120, 60) << target("ecu-a", 2, 300, 200) << target("ecu-b", 2, 200, 250);
        QCOMPARE(c.installSeconds(), qint64(120 + 300));
        QCOMPARE(c.unusableSeconds(), qint64(60 + 250));
        // The targets' order does not matter.
        std::swap(c.targets[0], c.targets[2]);
        QCOMPARE(c.installSeconds(), qint64(420));
    }

    void durationsUnknownWhenNoTargetStatesThem() {
        Campaign c;
        c.targets << target("gw", 0, -1, -1) << target("ecu-a", 1, -1, -1);
        QCOMPARE(c.installSeconds(), qint64(-1));
        QCOMPARE(c.unusableSeconds(), qint64(-1));
        const QJsonObject o = c.toJson();
        QVERIFY(!o.contains(QLatin1String("install_seconds")));
        QVERIFY(!o.contains(QLatin1String("unusable_seconds")));
        QVERIFY(
            !o.value(QLatin1String("targets")).toArray().first().toObject().contains(QLatin1String("install_seconds")));
        QCOMPARE(Campaign().installSeconds(), qint64(-1));
    }

    void aTargetWithoutAFigureCountsAsZero() {
        Campaign c;
        c.targets << target("gw", 0, -1, 30) << target("ecu-a", 1, 90, -1);
        QCOMPARE(c.installSeconds(), qint64(90));
        QCOMPARE(c.unusableSeconds(), qint64(30));
        // Zero is a statement ("no time"), not unknown.
        Campaign z;
        z.targets << target("gw", 0, 0, 0);
        QCOMPARE(z.installSeconds(), qint64(0));
        QCOMPARE(z.toJson().value(QLatin1String("install_seconds")).toInteger(-1), qint64(0));
    }

    void jsonCarriesFiguresAndReadsTargetsBack() {
        Campaign c;
        c.id = QStringLiteral("c1");
        c.targets << target("gw", 0, 120, 60) << target("ecu-a", 1, 300, -1);
        c.releaseNotes.insert(QStringLiteral("en"), QStringLiteral("Better brakes."));
        const QJsonObject o = c.toJson();
        QCOMPARE(o.value(QLatin1String("install_seconds")).toInteger(), qint64(420));
        QCOMPARE(o.value(QLatin1String("unusable_seconds")).toInteger(), qint64(60));
        QCOMPARE(o.value(QLatin1String("release_notes")).toObject().value(QLatin1String("en")).toString(),
                 QStringLiteral("Better brakes."));
        const QJsonObject ecu = o.value(QLatin1String("targets")).toArray().at(1).toObject();
        QCOMPARE(ecu.value(QLatin1String("install_seconds")).toInteger(), qint64(300));
        QVERIFY(!ecu.contains(QLatin1String("unusable_seconds")));
        // The journal round trip (recovery) keeps every target's figures.
        const Campaign back = Campaign::fromJson(o);
        QCOMPARE(back.targets.at(0).installSeconds, qint64(120));
        QCOMPARE(back.targets.at(1).unusableSeconds, qint64(-1));
        QCOMPARE(back.installSeconds(), qint64(420));
        QCOMPARE(back.releaseNotes, c.releaseNotes);
    }

    void notesMergePerLocaleOnceEach() {
        const QMap<QString, QString> gw{{QStringLiteral("en"), QStringLiteral("Gateway: faster start.")},
                                        {QStringLiteral("de"), QStringLiteral("Gateway: schnellerer Start.")}};
        const QMap<QString, QString> brake{{QStringLiteral("en"), QStringLiteral("Brakes: smoother.")},
                                           {QStringLiteral("de"), QStringLiteral("Bremsen: sanfter.")}};
        // Two brake ECUs with the same image: their notes appear once.
        const auto merged = mergeReleaseNotes({gw, brake, brake});
        QCOMPARE(merged.size(), 2);
        QCOMPARE(merged.value(QStringLiteral("en")), QStringLiteral("Gateway: faster start.\n\nBrakes: smoother."));
        QCOMPARE(merged.value(QStringLiteral("de")),
                 QStringLiteral("Gateway: schnellerer Start.\n\nBremsen: sanfter."));
        QVERIFY(mergeReleaseNotes({}).isEmpty());
        QVERIFY(mergeReleaseNotes({{}, {}}).isEmpty());
    }

    void aTargetMissingALocaleFallsBackToTheNearest() {
        const QMap<QString, QString> gw{{QStringLiteral("en"), QStringLiteral("Gateway.")},
                                        {QStringLiteral("de-AT"), QStringLiteral("Gateway (AT).")}};
        const QMap<QString, QString> brake{{QStringLiteral("de_DE"), QStringLiteral("Bremsen.")},
                                           {QStringLiteral("en"), QStringLiteral("Brakes.")}};
        const QMap<QString, QString> seat{{QStringLiteral("fr"), QStringLiteral("Sièges.")}};
        const auto merged = mergeReleaseNotes({gw, brake, seat});
        // Same language first (de-AT for de_DE and the reverse), then
        // English, then whatever the target has.
        QCOMPARE(merged.value(QStringLiteral("de_DE")), QStringLiteral("Gateway (AT).\n\nBremsen.\n\nSièges."));
        QCOMPARE(merged.value(QStringLiteral("de-AT")), QStringLiteral("Gateway (AT).\n\nBremsen.\n\nSièges."));
        QCOMPARE(merged.value(QStringLiteral("en")), QStringLiteral("Gateway.\n\nBrakes.\n\nSièges."));
        QCOMPARE(merged.value(QStringLiteral("fr")), QStringLiteral("Gateway.\n\nBrakes.\n\nSièges."));
        QCOMPARE(merged.size(), 4);
        // One locale in two spellings is the same locale, before another region.
        const QMap<QString, QString> two{{QStringLiteral("de-AT"), QStringLiteral("AT.")},
                                         {QStringLiteral("de-DE"), QStringLiteral("DE.")}};
        const QMap<QString, QString> one{{QStringLiteral("de_DE"), QStringLiteral("Bremsen.")}};
        QCOMPARE(mergeReleaseNotes({two, one}).value(QStringLiteral("de_DE")), QStringLiteral("DE.\n\nBremsen."));
    }
};

QTEST_GUILESS_MAIN(TestCampaign)
#include "tst_campaign.moc"
