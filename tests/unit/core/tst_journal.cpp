// The journal: durable appends, checksummed replay, torn tails, compaction.
#include "core/journal.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using conduit::core::Journal;

class TestJournal : public QObject {
    Q_OBJECT
private slots:
    // A full disk cuts a record in the middle: what reached the file is cut
    // off, so the records appended once there is room again are not hidden
    // behind a torn one at the next start.
    void failedAppendLeavesNothingBehind() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        QString error;
        {
            Journal j(path);
            QVERIFY(j.open(&error));
            QVERIFY(j.append({{"type", "start"}}, true, &error));
            const qint64 used = QFileInfo(path).size();
            // The file may not grow past 100 more bytes: a 4 KiB record is
            // written in part, then refused (EFBIG, like ENOSPC).
            rlimit old{};
            QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
            const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
            rlimit small = old;
            small.rlim_cur = rlim_t(used + 100);
            QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
            const bool appended =
                j.append({{"type", "commit-begin"}, {"pad", QString(4096, QLatin1Char('x'))}}, true, &error);
            setrlimit(RLIMIT_FSIZE, &old);
            std::signal(SIGXFSZ, oldHandler);
            QVERIFY(!appended);
            QVERIFY2(error.contains(QLatin1String("journal write failed")), qPrintable(error));
            QCOMPARE(QFileInfo(path).size(), used);
            QVERIFY(j.append({{"type", "finish"}}, true, &error));
        }
        Journal j(path);
        QVERIFY(j.open(&error));
        QCOMPARE(j.tornBytes(), qint64(0));
        QCOMPARE(j.records().size(), 2);
        QCOMPARE(j.records()[1].value("type").toString(), QStringLiteral("finish"));
    }
    void appendAndReplay() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        QString error;
        {
            Journal j(path);
            QVERIFY(j.open(&error));
            QVERIFY(j.append({{"type", "start"}, {"n", 1}}, true, &error));
            QVERIFY(j.append({{"type", "staged"}, {"device", "ü-ecu"}}, false, &error));
            QCOMPARE(j.fsyncs(), quint64(1));
            QVERIFY(j.bytesWritten() > 16);
        }
        Journal j(path);
        QVERIFY(j.open(&error));
        QCOMPARE(j.records().size(), 2);
        QCOMPARE(j.records()[1].value("device").toString(), QStringLiteral("ü-ecu"));
        QCOMPARE(j.tornBytes(), qint64(0));
    }
    void tornTailIsDroppedAndAppendsContinue_data() {
        QTest::addColumn<int>("cut");
        for (int cut : {1, 4, 7, 8, 9, 20}) QTest::addRow("cut %d bytes", cut) << cut;
    }
    void tornTailIsDroppedAndAppendsContinue() {
        QFETCH(int, cut);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        QString error;
        {
            Journal j(path);
            QVERIFY(j.open(&error));
            j.append({{"type", "a"}}, true, &error);
            j.append({{"type", "b"}, {"pad", QString(30, 'p')}}, true, &error);
        }
        QFile f(path);
        QVERIFY(f.resize(f.size() - cut)); // the last write was cut by a power loss
        Journal j(path);
        QVERIFY(j.open(&error));
        QCOMPARE(j.records().size(), 1);
        QVERIFY(j.tornBytes() > 0);
        QVERIFY(j.append({{"type", "c"}}, true, &error));
        Journal again(path);
        QVERIFY(again.open(&error));
        QCOMPARE(again.records().size(), 2);
        QCOMPARE(again.records()[1].value("type").toString(), QStringLiteral("c"));
    }
    void corruptRecordEndsReplay() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        QString error;
        {
            Journal j(path);
            QVERIFY(j.open(&error));
            j.append({{"type", "a"}}, true, &error);
            j.append({{"type", "b"}}, true, &error);
            j.append({{"type", "c"}}, true, &error);
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray all = f.readAll();
        const int second = int(Journal::encode({{"type", "a"}}).size());
        all[second + 10] = all[second + 10] ^ 0x20; // flip a bit in record 2's payload
        f.seek(0);
        f.write(all);
        f.close();
        Journal j(path);
        QVERIFY(j.open(&error));
        QCOMPARE(j.records().size(), 1);
    }
    void compactReplacesContent() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        QString error;
        Journal j(path);
        QVERIFY(j.open(&error));
        for (int i = 0; i < 10; ++i) j.append({{"i", i}}, false, &error);
        QVERIFY(j.compact({{{"keep", true}}}, &error));
        QVERIFY(j.append({{"after", 1}}, true, &error));
        Journal again(path);
        QVERIFY(again.open(&error));
        QCOMPARE(again.records().size(), 2);
        QVERIFY(again.records()[0].value("keep").toBool());
    }
    void crc32KnownAnswer() {
        QCOMPARE(Journal::crc32("123456789"), 0xCBF43926u); // the standard check value
    }
};

QTEST_APPLESS_MAIN(TestJournal)
#include "tst_journal.moc"
