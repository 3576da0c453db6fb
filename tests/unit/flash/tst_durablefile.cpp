#include "durablefile.h"
#include "flasherror.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::flash;

class TestDurableFile : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    QByteArray read(const QString &p) {
        QFile f(p);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
    }

private slots:
    void replacesWholeFile() {
        const std::string p = dir_.filePath(QStringLiteral("kv")).toStdString();
        QVERIFY(!readSmallFile(p).has_value());
        writeFileAtomically(p, "a=1\nb=2\n");
        writeFileAtomically(p, "c=3\n");
        QCOMPARE(readSmallFile(p).value(), std::string("c=3\n"));
        QVERIFY(!QFile::exists(QString::fromStdString(p + ".tmp")));
    }

    void keyValues() {
        const KeyValues v = parseKeyValues("# comment\n\na=1\n=x\nnoequals\nb=x=y\na=2");
        QCOMPARE(v.size(), size_t(2));
        QCOMPARE(v.at("a"), std::string("2"));
        QCOMPARE(v.at("b"), std::string("x=y"));
        QCOMPARE(parseKeyValues(formatKeyValues(v)), v);
    }

    void unreadableIsAnError() {
        QVERIFY_THROWS_EXCEPTION(Error, readSmallFile(dir_.path().toStdString())); // a directory
    }

    // A cut at either switching step of an atomic write (before the rename,
    // after it) leaves the old or the new content, never a mix. The child
    // is flash-bootsim, whose one boot is one atomic boot-env write.
    void cutAtEachStepLeavesOldOrNew_data() {
        QTest::addColumn<int>("step");
        QTest::addColumn<bool>("newContent");
        QTest::newRow("before rename") << 1 << false;
        QTest::newRow("after rename") << 2 << true;
        QTest::newRow("no cut") << 3 << true;
    }
    void cutAtEachStepLeavesOldOrNew() {
        QFETCH(int, step);
        QFETCH(bool, newContent);
        const QString env = dir_.filePath(QStringLiteral("env-%1").arg(step));
        const QByteArray old = "conduit_primary=A\nconduit_trial=B\nconduit_tries=1\n";
        {
            QFile f(env);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(old);
        }
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("CONDUIT_FLASH_FAULT"), QStringLiteral("switch=%1").arg(step));
        p.setProcessEnvironment(e);
        p.start(QStringLiteral(FLASH_BOOTSIM_PATH), {QStringLiteral("file"), env});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), step <= 2 ? 70 : 0);
        const QByteArray now = read(env);
        if (newContent)
            QCOMPARE(now, QByteArray("conduit_booted=B\nconduit_primary=A\nconduit_trial=B\nconduit_tries=0\n"));
        else
            QCOMPARE(now, old);
    }
};

QTEST_GUILESS_MAIN(TestDurableFile)
#include "tst_durablefile.moc"
