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

    void newlinesCanBeKept() {
        QCOMPARE(printable(QStringLiteral("notes:\nline 2\x1b"), Newlines::Keep),
                 QStringLiteral("notes:\nline 2\\x1b"));
    }
};

QTEST_GUILESS_MAIN(TestUntrustedText)
#include "tst_untrustedtext.moc"
