#include "trust/imageverifier.h"

#include <QTest>

using namespace conduit::trust;

namespace {

std::map<QString, QString> hashesOf(const QByteArray &data)
{
    return {{QStringLiteral("sha256"), *hashHex(QStringLiteral("sha256"), data)},
            {QStringLiteral("sha512"), *hashHex(QStringLiteral("sha512"), data)}};
}

} // namespace

class TestImageVerifier : public QObject {
    Q_OBJECT

private slots:
    void knownDigests()
    {
        QCOMPARE(*hashHex(QStringLiteral("sha256"), "abc"),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QVERIFY(hashHex(QStringLiteral("sha512"), "abc")->startsWith(QStringLiteral("ddaf35a193617aba")));
        QVERIFY(!hashHex(QStringLiteral("md5"), "abc"));
    }

    void acceptsImageInChunks()
    {
        const QByteArray image(100000, 'i');
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        for (qsizetype offset = 0; offset < image.size(); offset += 4096)
            QVERIFY(verifier.addData(QByteArrayView(image).sliced(offset, std::min<qsizetype>(4096, image.size() - offset))));
        QCOMPARE(verifier.remaining(), qint64(0));
        QVERIFY(verifier.finish());
    }

    void imageHashMismatch_data()
    {
        QTest::addColumn<QString>("algorithm");
        QTest::newRow("sha256") << QStringLiteral("sha256");
        QTest::newRow("sha512") << QStringLiteral("sha512");
    }
    void imageHashMismatch()
    {
        QFETCH(QString, algorithm);
        const QByteArray image = "signed image";
        auto hashes = hashesOf(image);
        hashes[algorithm] = *hashHex(algorithm, "other image!");
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashes);
        QVERIFY(verifier.addData(image));
        auto result = verifier.finish();
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::ImageMismatch);
        QVERIFY(result.error().message.contains(algorithm + QStringLiteral(" hash does not match")));
    }

    void imageLongerThanItsLengthStops()
    {
        const QByteArray image = "signed image";
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        QVERIFY(verifier.addData(image.left(6)));
        auto result = verifier.addData(image.mid(6) + "EXTRA");
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::EndlessData);
        QVERIFY(result.error().message.contains(QStringLiteral("endless data attack")));
        QCOMPARE(verifier.received(), qint64(6)); // the oversized chunk was not consumed
        QVERIFY(!verifier.addData("x"));           // and the verifier stays failed
        QVERIFY(!verifier.finish());
    }

    void imageShorterThanItsLength()
    {
        const QByteArray image = "signed image";
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        QVERIFY(verifier.addData(image.chopped(1)));
        auto result = verifier.finish();
        QVERIFY(!result);
        QVERIFY(result.error().message.contains(QStringLiteral("11 bytes, signed length is 12")));
    }

    void unknownHashAlgorithmIsRefused()
    {
        ImageVerifier verifier(QStringLiteral("fw.bin"), 3, {{QStringLiteral("md5"), QStringLiteral("00")}});
        auto result = verifier.addData("abc");
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::Unsupported);
        ImageVerifier none(QStringLiteral("fw.bin"), 3, {});
        QVERIFY(!none.finish());
    }
};

QTEST_GUILESS_MAIN(TestImageVerifier)
#include "tst_imageverifier.moc"
