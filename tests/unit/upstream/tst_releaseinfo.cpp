// What the host reads of a target's signed `conduit` block for the driver:
// release notes per locale and the two durations, each checked strictly.
#include "upstream/releaseinfo.h"

#include <QTest>

using namespace conduit::upstream;
using conduit::trust::JsonValue;
using conduit::trust::parseJson;

class TestReleaseInfo : public QObject {
    Q_OBJECT

    // JSON written with ' for " (no raw string literals: moc reads this file).
    static JsonValue json(QByteArray text) {
        auto v = parseJson(text.replace('\'', '"'));
        return v ? *v : JsonValue();
    }

private slots:
    void readsNotesAndFigures() {
        QString error;
        const auto info = releaseInfoOf(json("{'phase': 1, 'install_seconds': 420, 'unusable_seconds': 0,\n"
                                             "            'release_notes': {'en': 'Smoother braking.\\nFixes a warning "
                                             "light.', 'de-DE': 'Sanfteres Bremsen.', 'pt_BR': 'Freio.\\tOk'}}"),
                                        QStringLiteral("bcm.bin"), &error);
        QVERIFY2(info, qPrintable(error));
        QCOMPARE(info->installSeconds.value_or(-1), qint64(420));
        QCOMPARE(info->unusableSeconds.value_or(-1), qint64(0)); // zero is stated, not unknown
        QCOMPARE(info->releaseNotes.size(), 3);
        QCOMPARE(info->releaseNotes.value(QStringLiteral("en")),
                 QStringLiteral("Smoother braking.\nFixes a warning light."));
        QCOMPARE(info->releaseNotes.value(QStringLiteral("de-DE")), QStringLiteral("Sanfteres Bremsen."));
    }

    void absentFieldsStayEmpty() {
        QString error;
        for (const JsonValue &block : {JsonValue(), json("{'phase': 2, 'version': '5.2', 'future_field': [1]}")}) {
            const auto info = releaseInfoOf(block, QStringLiteral("t"), &error);
            QVERIFY2(info, qPrintable(error));
            QVERIFY(!info->installSeconds && !info->unusableSeconds && info->releaseNotes.isEmpty());
        }
    }

    void refused_data() {
        QTest::addColumn<QByteArray>("block");
        QTest::addColumn<QString>("message");
        QTest::newRow("block not an object") << QByteArray("[1]") << "target t: conduit policy must be an object";
        QTest::newRow("seconds a string") << QByteArray("{'install_seconds': '600'}")
                                          << "target t: conduit.install_seconds must be an integer 0..86400 (seconds)";
        QTest::newRow("seconds negative")
            << QByteArray("{'unusable_seconds': -1}") << "conduit.unusable_seconds must be an integer 0..86400";
        QTest::newRow("seconds over a day")
            << QByteArray("{'install_seconds': 86401}") << "conduit.install_seconds must be an integer 0..86400";
        QTest::newRow("seconds a bool") << QByteArray("{'unusable_seconds': true}")
                                        << "conduit.unusable_seconds must be an integer";
        QTest::newRow("notes a string") << QByteArray("{'release_notes': 'Better.'}")
                                        << "conduit.release_notes must be an object of locale: text";
        QTest::newRow("notes an array") << QByteArray("{'release_notes': ['en', 'Better.']}")
                                        << "must be an object of locale: text";
        QTest::newRow("text not a string")
            << QByteArray("{'release_notes': {'en': 1}}") << "conduit.release_notes.en must be a string";
        QTest::newRow("text empty") << QByteArray("{'release_notes': {'en': ''}}")
                                    << "conduit.release_notes.en is empty";
        QTest::newRow("escape sequence") << QByteArray("{'release_notes': {'en': 'red\\u001b[31m'}}")
                                         << "conduit.release_notes.en contains the control character U+001B";
        QTest::newRow("carriage return") << QByteArray("{'release_notes': {'en': 'a\\rb'}}")
                                         << "contains the control character U+000D";
        QTest::newRow("NUL") << QByteArray("{'release_notes': {'en': 'a\\u0000b'}}")
                             << "contains the control character U+0000";
        QTest::newRow("C1 control") << QByteArray("{'release_notes': {'en': 'a\\u009bb'}}")
                                    << "contains the control character U+009B";
        QTest::newRow("locale a word") << QByteArray("{'release_notes': {'english': 'x'}}")
                                       << "\"english\" is not a locale";
        QTest::newRow("locale empty") << QByteArray("{'release_notes': {'': 'x'}}") << "\"\" is not a locale";
        QTest::newRow("locale path") << QByteArray("{'release_notes': {'../en': 'x'}}") << "is not a locale";
        QTest::newRow("locale trailing dash")
            << QByteArray("{'release_notes': {'de-': 'x'}}") << "\"de-\" is not a locale";
        QTest::newRow("locale twice") << QByteArray("{'release_notes': {'de-DE': 'a', 'de_de': 'b'}}")
                                      << "lists the locale de-de twice";
    }
    void refused() {
        QFETCH(QByteArray, block);
        QFETCH(QString, message);
        QString error;
        QVERIFY(!releaseInfoOf(json(block), QStringLiteral("t"), &error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void sizeLimits() {
        QString error;
        ReleaseInfoLimits limits;
        limits.maxNoteBytes = 10;
        limits.maxLocales = 2;
        QVERIFY(releaseInfoOf(json("{'release_notes': {'en': '0123456789'}}"), QStringLiteral("t"), &error, limits));
        // Bytes of UTF-8, not characters: five umlauts are ten bytes.
        QVERIFY(releaseInfoOf(json("{'release_notes': {'de': 'ääääü'}}"), QStringLiteral("t"), &error, limits));
        QVERIFY(!releaseInfoOf(json("{'release_notes': {'de': 'äääääü'}}"), QStringLiteral("t"), &error, limits));
        QVERIFY2(error.contains(QLatin1String("conduit.release_notes.de is 12 bytes, over the limit of 10")),
                 qPrintable(error));
        QVERIFY(!releaseInfoOf(json("{'release_notes': {'en': 'a', 'de': 'b', 'fr': 'c'}}"), QStringLiteral("t"),
                               &error, limits));
        QVERIFY2(error.contains(QLatin1String("has 3 locales, over the limit of 2")), qPrintable(error));
        // The default cap: 8 KiB per locale.
        const QByteArray big = "{\"release_notes\": {\"en\": \"" + QByteArray(8193, 'x') + "\"}}";
        QVERIFY(!releaseInfoOf(json(big), QStringLiteral("t"), &error));
        QVERIFY2(error.contains(QLatin1String("8193 bytes, over the limit of 8192")), qPrintable(error));
    }

    void locales_data() {
        QTest::addColumn<QString>("locale");
        QTest::addColumn<bool>("valid");
        for (const char *ok : {"en", "de", "deu", "de-DE", "de_DE", "zh-Hant-TW", "es-419", "sr_Latn_RS"})
            QTest::newRow(ok) << QString::fromLatin1(ok) << true;
        for (const char *bad : {"", "e", "engl", "de-", "-de", "de--DE", "de-D", "de-ABCDEFGHI", "d3", "de DE", "de.DE",
                                "a-bb-cc-dd-ee", "é"})
            QTest::newRow(bad[0] ? bad : "(empty)") << QString::fromUtf8(bad) << false;
    }
    void locales() {
        QFETCH(QString, locale);
        QFETCH(bool, valid);
        QCOMPARE(isValidLocale(locale), valid);
    }
};

QTEST_GUILESS_MAIN(TestReleaseInfo)
#include "tst_releaseinfo.moc"
