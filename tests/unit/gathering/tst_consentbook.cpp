// The driver's consent book: the documented defaults, durable choices, a
// damaged file that refuses every class (never turns into consent), and
// the file format's checks.
#include "consentbook.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::gathering;

class TestConsentBook : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString path(const char *name) const { return dir_.filePath(QLatin1String(name)); }

private slots:
    void defaultsRefuseOnlyPersonalClasses() {
        ConsentBook book(path("none.json"));
        QString warning;
        QVERIFY(book.load(&warning));
        QVERIFY(!book.allowed(DataClass::Location));
        QVERIFY(!book.allowed(DataClass::Camera));
        QVERIFY(book.allowed(DataClass::Telemetry));
        QVERIFY(book.allowed(DataClass::Diagnostics));
        QVERIFY(book.allowed(DataClass::Logs));
        QCOMPARE(book.all().size(), std::size(kDataClasses));
    }

    void choicesSurviveReload() {
        {
            ConsentBook book(path("c.json"));
            QString e;
            QVERIFY(book.load(&e));
            QVERIFY(book.set(DataClass::Camera, true, &e));
            QVERIFY(book.set(DataClass::Logs, false, &e));
        }
        ConsentBook again(path("c.json"));
        QString e;
        QVERIFY(again.load(&e));
        QVERIFY(again.allowed(DataClass::Camera));
        QVERIFY(!again.allowed(DataClass::Logs));
        QVERIFY(!again.allowed(DataClass::Location));
    }

    void damagedFileRefusesEverything() {
        for (const QByteArray &bytes : {QByteArray("{\"version\": 1, \"classes\": {\"camera\": tr"), QByteArray(""),
                                        QByteArray("{\"version\": 2, \"classes\": {}}"),
                                        QByteArray("{\"version\": 1, \"classes\": {\"faces\": true}}"),
                                        QByteArray("{\"version\": 1, \"classes\": {\"camera\": \"yes\"}}")}) {
            QFile f(path("bad.json"));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(bytes);
            f.close();
            ConsentBook book(path("bad.json"));
            QString warning;
            QVERIFY(!book.load(&warning));
            QVERIFY2(warning.contains(QLatin1String("every data class is refused")), qPrintable(warning));
            for (DataClass c : kDataClasses) QVERIFY(!book.allowed(c));
        }
    }

    void unwritableFileChangesNothing() {
        ConsentBook book(path("missing-dir/c.json"));
        QString e;
        QVERIFY(book.load(&e));
        QVERIFY(!book.set(DataClass::Camera, true, &e));
        QVERIFY(!e.isEmpty());
        QVERIFY(!book.allowed(DataClass::Camera));
    }

    void encodeDecodeRoundTrip() {
        ConsentMap m = ConsentBook::defaults();
        m[DataClass::Telemetry] = false;
        m[DataClass::Camera] = true;
        QString e;
        const auto back = ConsentBook::decode(ConsentBook::encode(m), &e);
        QVERIFY2(back, qPrintable(e));
        QVERIFY(*back == m);
    }
};

QTEST_GUILESS_MAIN(TestConsentBook)
#include "tst_consentbook.moc"
