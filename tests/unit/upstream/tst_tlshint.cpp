// The operator's hint after a TLS refusal: the raw text stays, the setting
// to check follows.
#include "upstream/tlshint.h"

#include <QTest>

using conduit::upstream::withTlsHint;

class TestTlsHint : public QObject {
    Q_OBJECT
private slots:
    void alertsAboutOurCertificate() {
        const QString unknownCa =
            QStringLiteral("Error while reading: error:0A000418:SSL routines::tlsv1 alert unknown ca");
        QVERIFY(withTlsHint(unknownCa, true).startsWith(unknownCa));
        QVERIFY(withTlsHint(unknownCa, true)
                    .contains(QLatin1String("the server refused our client certificate (check [ddi] cert_file")));
        const QString required = QStringLiteral("error:0A00045C:SSL routines::tlsv13 alert certificate required");
        QVERIFY(withTlsHint(required, false)
                    .endsWith(
                        QLatin1String("the server requires a client certificate (set [ddi] cert_file and key_file)")));
    }
    void theServersCertificate() {
        QVERIFY(withTlsHint(QStringLiteral("SSL handshake failed: The issuer certificate of a locally looked up "
                                           "certificate could not be found"),
                            true)
                    .contains(QLatin1String("not issued by a CA we trust (check [ddi] ca_file")));
        QVERIFY(withTlsHint(QStringLiteral("SSL handshake failed: The certificate has expired"), false)
                    .contains(QLatin1String("clock")));
        QVERIFY(
            withTlsHint(
                QStringLiteral(
                    "SSL handshake failed: The host name did not match any of the valid hosts for this certificate"),
                false)
                .contains(QLatin1String("[ddi] server")));
    }
    void otherErrorsUnchanged() {
        QCOMPARE(withTlsHint(QStringLiteral("Connection refused"), true), QStringLiteral("Connection refused"));
        const QString once = withTlsHint(QStringLiteral("tlsv1 alert unknown ca"), true);
        QCOMPARE(withTlsHint(once, true), once); // never twice
    }
};

QTEST_GUILESS_MAIN(TestTlsHint)
#include "tst_tlshint.moc"
