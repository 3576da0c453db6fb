#include "flasherror.h"
#include "imagedigest.h"
#include "testimages.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

#include <cstring>

using namespace conduit::flash;

namespace {
using flashtest::qtSha;
using flashtest::randomBytes;
constexpr qsizetype kBlock = qsizetype(ImageDigest::kBlockSize);
} // namespace

class TestImageDigest : public QObject {
    Q_OBJECT

private slots:
    void sha256MatchesIndependentImplementation() {
        const QByteArray data = randomBytes(100003, 3);
        Sha256 s;
        s.update(data.constData(), 7);
        s.update(data.constData() + 7, size_t(data.size() - 7));
        QCOMPARE(s.hex(), qtSha(data));
    }

    void blockChecksumsSeeEveryByte() {
        const QByteArray a = randomBytes(4096, 1);
        QByteArray b = a;
        QCOMPARE(BlockChecksum::of(a.constData(), 4096), BlockChecksum::of(b.constData(), 4096));
        for (qsizetype i : {qsizetype(0), qsizetype(1000), qsizetype(4095)}) {
            b[i] = char(b[i] ^ 1);
            QVERIFY(!(BlockChecksum::of(a.constData(), 4096) == BlockChecksum::of(b.constData(), 4096)));
            b[i] = a[i];
        }
        QVERIFY(!(BlockChecksum::of(a.constData(), 4096) == BlockChecksum::of(a.constData(), 4095)));
    }

    // Pieces of any size, across block boundaries, a short last block: the
    // same SHA-256 as Qt's over the whole, the same checksum per block as
    // one call over that block.
    void digestMatchesWholeImage_data() {
        QTest::addColumn<qsizetype>("size");
        QTest::addColumn<qsizetype>("firstPiece");
        QTest::newRow("3.5 blocks, odd pieces") << 3 * kBlock + kBlock / 2 << qsizetype(1);
        QTest::newRow("whole blocks in block-sized pieces") << 3 * kBlock << kBlock;
        QTest::newRow("less than a block") << qsizetype(70001) << qsizetype(333);
        QTest::newRow("one block plus one byte, one piece") << kBlock + 1 << kBlock + 1;
    }
    void digestMatchesWholeImage() {
        QFETCH(qsizetype, size);
        QFETCH(qsizetype, firstPiece);
        const QByteArray image = randomBytes(size, 4);
        ImageDigest d(uint64_t(image.size()));
        QCOMPARE(d.blockCount(), size_t((size + kBlock - 1) / kBlock));
        qsizetype off = 0, step = firstPiece;
        while (off < image.size()) {
            const qsizetype n = std::min(step, image.size() - off);
            d.add(image.constData() + off, size_t(n));
            off += n;
            if (step != kBlock) step = step * 3 + 17;
        }
        QCOMPARE(d.added(), uint64_t(size));
        QCOMPARE(d.sha256Hex(), qtSha(image));
        for (size_t i = 0; i < d.blockCount(); ++i) {
            const qsizetype start = qsizetype(i) * kBlock, n = std::min(kBlock, size - start);
            QVERIFY2(d.block(i) == BlockChecksum::of(image.constData() + start, size_t(n)),
                     qPrintable(QString::number(i)));
        }
    }

    // The writer's contract: with kMaxPending + 1 buffers cycled, none is
    // refilled while the digest still reads it.
    void bufferRingIsSafeToRefill() {
        const QByteArray image = randomBytes(40 * 65536 + 5, 5);
        std::vector<QByteArray> ring(ImageDigest::kMaxPending + 1, QByteArray(65536, Qt::Uninitialized));
        ImageDigest d(uint64_t(image.size()));
        size_t i = 0;
        for (qsizetype off = 0; off < image.size(); off += 65536, ++i) {
            QByteArray &b = ring[i % ring.size()];
            const qsizetype n = std::min<qsizetype>(65536, image.size() - off);
            std::memcpy(b.data(), image.constData() + off, size_t(n));
            d.add(b.constData(), size_t(n));
        }
        QCOMPARE(d.sha256Hex(), qtSha(image));
        QVERIFY(d.block(0) == BlockChecksum::of(image.constData(), size_t(kBlock)));
    }

    void longerThanAnnouncedIsAnError() {
        ImageDigest d(10);
        d.add("0123456789", 10);
        try {
            d.add("x", 1);
            QFAIL("accepted a byte past the length");
        } catch (const Error &e) {
            QCOMPARE(e.code(), CONDUIT_E_PAYLOAD);
        }
    }

    // A transfer that fails mid-way destroys the digest with work queued.
    void destroyedWhileHashing() {
        const QByteArray image = randomBytes(4 * kBlock, 6);
        ImageDigest d(uint64_t(image.size()));
        d.add(image.constData(), size_t(kBlock));
        d.add(image.constData() + kBlock, size_t(kBlock));
    }
};

QTEST_GUILESS_MAIN(TestImageDigest)
#include "tst_imagedigest.moc"
