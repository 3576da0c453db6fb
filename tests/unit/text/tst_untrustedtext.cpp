#include "text/untrustedtext.h"

#include <QTest>

using namespace conduit::text;

class TestUntrustedText : public QObject {
    Q_OBJECT

private slots:
    void plainTextIsUnchanged() {
        const QString s = QStringLiteral("device ecu-1: install failed: Prüfsumme falsch\tüber 10 %");
        QCOMPARE(printable(s), s);
    }

    void controlCharactersAreEscaped_data() {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("esc") << QStringLiteral("a\x1b[2Jb") << QStringLiteral("a\\x1b[2Jb");
        QTest::newRow("nul") << QString(QStringLiteral("gw.bin") + QChar(0) + QStringLiteral("evil"))
                             << QStringLiteral("gw.bin\\x00evil");
        QTest::newRow("newline") << QStringLiteral("x\ny\r") << QStringLiteral("x\\ny\\r");
        QTest::newRow("del") << QStringLiteral("a\x7f") << QStringLiteral("a\\x7f");
        QTest::newRow("c1 csi") << QStringLiteral("a\u009b2J") << QStringLiteral("a\\u{9b}2J");
        QTest::newRow("bidi override") << QStringLiteral("fw\u202egib.exe") << QStringLiteral("fw\\u{202e}gib.exe");
        QTest::newRow("bidi isolate") << QStringLiteral("\u2066x\u2069") << QStringLiteral("\\u{2066}x\\u{2069}");
    }

    void controlCharactersAreEscaped() {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(printable(in), out);
        QVERIFY(!printableLocal8Bit(in).contains('\0'));
    }

    void boundedLineReplacesControlCharacters() {
        QCOMPARE(boundedLine(QStringLiteral("a\x1b[2J\r\nb\tc\u009bd\u202ee\x7f"), 256),
                 QStringLiteral("a\ufffd[2J\ufffd\ufffdb\ufffdc\ufffdd\ufffde\ufffd"));
        const QString plain = QStringLiteral("Prüfung über 10 % – ok");
        QCOMPARE(boundedLine(plain, 256), plain);
        const QChar lone[] = {QChar(0xD83D), QChar(u'x'), QChar(0xDE00)};
        QCOMPARE(boundedLine(QStringView(lone, 3), 256), QStringLiteral("\ufffdx\ufffd"));
    }

    // Cut by code points, never inside a surrogate pair, the cut marked.
    void boundedLineIsCutAtCodePoints() {
        QCOMPARE(boundedLine(QStringLiteral("abcdef"), 6), QStringLiteral("abcdef"));
        QCOMPARE(boundedLine(QStringLiteral("abcdefg"), 6), QStringLiteral("abcde\u2026"));
        const QString emoji = QString::fromUcs4(U"\U0001F600\U0001F600\U0001F600");
        QCOMPARE(emoji.size(), 6); // three surrogate pairs
        QCOMPARE(boundedLine(emoji, 3), emoji);
        QCOMPARE(boundedLine(emoji, 2), QString::fromUcs4(U"\U0001F600\u2026"));
        const QString huge(200 * 1024, QChar(u'x'));
        const QString cut = boundedLine(huge + QString::fromUcs4(U"\U0001F600"), 256);
        QCOMPARE(cut.size(), 256);
        QVERIFY(cut.endsWith(QChar(0x2026)));
        QVERIFY(cut.toUtf8().size() == 255 + 3);
        QCOMPARE(QString::fromUtf8(cut.toUtf8()), cut); // valid UTF-8 both ways
    }

    void newlinesCanBeKept() {
        QCOMPARE(printable(QStringLiteral("notes:\nline 2\x1b"), Newlines::Keep),
                 QStringLiteral("notes:\nline 2\\x1b"));
    }
};

QTEST_GUILESS_MAIN(TestUntrustedText)
#include "tst_untrustedtext.moc"
