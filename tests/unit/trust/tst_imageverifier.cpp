#include "trust/imageverifier.h"

#include <QTest>

using namespace conduit::trust;

namespace {

std::map<QString, QString> hashesOf(const QByteArray &data) {
    return {{QStringLiteral("sha256"), *hashHex(QStringLiteral("sha256"), data)},
            {QStringLiteral("sha512"), *hashHex(QStringLiteral("sha512"), data)}};
}

} // namespace

class TestImageVerifier : public QObject {
    Q_OBJECT

private slots:
    void knownDigests() {
        QCOMPARE(*hashHex(QStringLiteral("sha256"), "abc"),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QVERIFY(hashHex(QStringLiteral("sha512"), "abc")->startsWith(QStringLiteral("ddaf35a193617aba")));
        QVERIFY(!hashHex(QStringLiteral("md5"), "abc"));
    }

    void acceptsImageInChunks() {
        const QByteArray image(100000, 'i');
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        for (qsizetype offset = 0; offset < image.size(); offset += 4096)
            QVERIFY(verifier.addData(
                QByteArrayView(image).sliced(offset, std::min<qsizetype>(4096, image.size() - offset))));
        QCOMPARE(verifier.remaining(), qint64(0));
        QVERIFY(verifier.finish());
    }

    void imageHashMismatch_data() {
        QTest::addColumn<QString>("algorithm");
        QTest::newRow("sha256") << QStringLiteral("sha256");
        QTest::newRow("sha512") << QStringLiteral("sha512");
    }
    void imageHashMismatch() {
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

    // Hash once: a downloader that hashed the bytes itself hands over its
    // digest; the verifier compares it, and still checks the other hashes.
    void delegatedDigestIsCompared() {
        const QByteArray image(70000, 'd');
        const auto hashes = hashesOf(image);
        ImageVerifier good(QStringLiteral("fw.bin"), image.size(), hashes);
        QVERIFY(good.delegateHash(QStringLiteral("sha256")));
        QVERIFY(good.addData(image));
        good.provideDigest(QStringLiteral("sha256"), hashes.at(QStringLiteral("sha256")).toUpper());
        QVERIFY(good.finish());

        ImageVerifier wrong(QStringLiteral("fw.bin"), image.size(), hashes);
        QVERIFY(wrong.delegateHash(QStringLiteral("sha256")));
        QVERIFY(wrong.addData(image));
        wrong.provideDigest(QStringLiteral("sha256"), *hashHex(QStringLiteral("sha256"), "another image"));
        auto r = wrong.finish();
        QVERIFY(!r);
        QVERIFY(r.error().message.contains(QStringLiteral("sha256 hash does not match")));

        ImageVerifier missing(QStringLiteral("fw.bin"), image.size(), hashes);
        QVERIFY(missing.delegateHash(QStringLiteral("sha256")));
        QVERIFY(missing.addData(image));
        QVERIFY(!missing.finish()); // no digest handed over: no pass

        // The hash kept in the verifier still bites.
        auto otherSha512 = hashes;
        otherSha512[QStringLiteral("sha512")] = *hashHex(QStringLiteral("sha512"), "another image");
        ImageVerifier partly(QStringLiteral("fw.bin"), image.size(), otherSha512);
        QVERIFY(partly.delegateHash(QStringLiteral("sha256")));
        QVERIFY(partly.addData(image));
        partly.provideDigest(QStringLiteral("sha256"), hashes.at(QStringLiteral("sha256")));
        QVERIFY(!partly.finish());
    }

    void delegationOnlyBeforeTheFirstByteAndForListedHashes() {
        const QByteArray image(1000, 'x');
        ImageVerifier v(QStringLiteral("fw.bin"), image.size(),
                        {{QStringLiteral("sha512"), *hashHex(QStringLiteral("sha512"), image)}});
        QVERIFY(!v.delegateHash(QStringLiteral("sha256"))); // not listed: nothing to delegate
        ImageVerifier late(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        QVERIFY(late.addData(image.first(10)));
        QVERIFY(!late.delegateHash(QStringLiteral("sha256"))); // a digest covers the whole image
        QVERIFY(late.addData(image.sliced(10)));
        QVERIFY(late.finish());
    }

    void imageLongerThanItsLengthStops() {
        const QByteArray image = "signed image";
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        QVERIFY(verifier.addData(image.left(6)));
        auto result = verifier.addData(image.mid(6) + "EXTRA");
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::EndlessData);
        QVERIFY(result.error().message.contains(QStringLiteral("endless data attack")));
        QCOMPARE(verifier.received(), qint64(6)); // the oversized chunk was not consumed
        QVERIFY(!verifier.addData("x"));          // and the verifier stays failed
        QVERIFY(!verifier.finish());
    }

    void imageShorterThanItsLength() {
        const QByteArray image = "signed image";
        ImageVerifier verifier(QStringLiteral("fw.bin"), image.size(), hashesOf(image));
        QVERIFY(verifier.addData(image.chopped(1)));
        auto result = verifier.finish();
        QVERIFY(!result);
        QVERIFY(result.error().message.contains(QStringLiteral("11 bytes, signed length is 12")));
    }

    void unknownHashAlgorithmIsRefused() {
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
