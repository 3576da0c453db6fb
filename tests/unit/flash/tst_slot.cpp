#include "flasherror.h"
#include "slot.h"
#include "testimages.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::flash;

namespace {
using flashtest::qtSha;
using flashtest::randomBytes;
// Writes `image` into a fresh slot as the agent does, recording its digest.
void writeSlot(const QString &path, const QByteArray &image, ImageDigest &digest) {
    SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
    for (qsizetype off = 0; off < image.size(); off += 300000) {
        const size_t n = size_t(std::min<qsizetype>(300000, image.size() - off));
        digest.add(image.constData() + off, n);
        w.write(image.constData() + off, n);
    }
    digest.drain();
    w.finish();
}
// Changes one byte of the slot behind the writer's back (a second descriptor).
void flipByte(const QString &path, qint64 offset) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(offset));
    char c = 0;
    QVERIFY(f.getChar(&c));
    QVERIFY(f.seek(offset));
    QVERIFY(f.putChar(char(c ^ 0x10)));
}
} // namespace

class TestSlot : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    // Odd chunk sizes across several sync windows; the slot file had older,
    // longer content that must not survive past the image.
    void streamsAndReadsBack() {
        const QString path = dir_.filePath(QStringLiteral("slot.img"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(9 << 20, 'o'));
        }
        const QByteArray image = randomBytes((5 << 20) + 1234, 4);
        SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
        qsizetype off = 0, step = 1;
        while (off < image.size()) {
            const qsizetype n = std::min<qsizetype>(step, image.size() - off);
            w.write(image.constData() + off, size_t(n));
            off += n;
            step = step * 3 + 17;
        }
        QVERIFY_THROWS_EXCEPTION(Error, w.write("x", 1)); // longer than announced
        w.finish();
        QCOMPARE(QFileInfo(path).size(), image.size());
        uint64_t lastProgress = 0;
        QCOMPARE(readBackSha256(path.toStdString(), uint64_t(image.size()), [&](uint64_t d) { lastProgress = d; }),
                 qtSha(image));
        QCOMPARE(lastProgress, uint64_t(image.size()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), image);
    }

    void shortImageIsAnError() {
        const QString path = dir_.filePath(QStringLiteral("short.img"));
        SlotWriter w(path.toStdString(), 4096, 1 << 20);
        w.write("abc", 3);
        QVERIFY_THROWS_EXCEPTION(Error, w.finish());
    }

    void readBackDetectsDifferentContent() {
        const QString path = dir_.filePath(QStringLiteral("flip.img"));
        QByteArray image = randomBytes(70000, 5);
        {
            SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
            w.write(image.constData(), size_t(image.size()));
            w.finish();
        }
        image[69999] = char(image[69999] ^ 0x40);
        QVERIFY(readBackSha256(path.toStdString(), uint64_t(image.size())) != qtSha(image));
        QVERIFY_THROWS_EXCEPTION(Error, readBackSha256(path.toStdString(), uint64_t(image.size()) + 10000));
    }

    // The trailing verifier reads only what was reported written back, in
    // whatever pieces, and finds every block as it was written.
    void verifierTrailsWriter() {
        const QString path = dir_.filePath(QStringLiteral("trail.img"));
        const QByteArray image = randomBytes((7 << 20) + 99, 6);
        SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
        ImageDigest digest(uint64_t(image.size()));
        ReadBackVerifier v(path.toStdString(), digest);
        uint64_t reported = 0;
        w.onDurable = [&](uint64_t off) {
            QVERIFY(off >= reported);
            reported = off;
            digest.drain();
            v.durableUpTo(off);
        };
        for (qsizetype off = 0; off < image.size(); off += 300000) {
            const size_t n = size_t(std::min<qsizetype>(300000, image.size() - off));
            digest.add(image.constData() + off, n);
            w.write(image.constData() + off, n);
        }
        QVERIFY(reported >= (5u << 20)); // windows were reported while writing
        QCOMPARE(digest.sha256Hex(), qtSha(image));
        w.finish();
        QCOMPARE(reported, uint64_t(image.size()));
        QCOMPARE(v.finish(), std::string()); // every block as written
    }

    // Without block checksums (delta images) the verifier hashes what it
    // reads back, trailing the writer the same way.
    void verifierHashesTrailingWriter() {
        const QString path = dir_.filePath(QStringLiteral("trail-sha.img"));
        const QByteArray image = randomBytes((5 << 20) + 7, 8);
        SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
        ReadBackVerifier v(path.toStdString(), uint64_t(image.size()));
        w.onDurable = [&](uint64_t off) { v.durableUpTo(off); };
        for (qsizetype off = 0; off < image.size(); off += 300000)
            w.write(image.constData() + off, size_t(std::min<qsizetype>(300000, image.size() - off)));
        w.finish();
        QCOMPARE(v.finish(), qtSha(image));
    }

    // What the device returns differs from what was written, in a whole
    // block or in the short last one: refused, naming the block's offset.
    void verifierNamesTheBlockThatDiffers_data() {
        QTest::addColumn<qint64>("flipAt");
        QTest::addColumn<QString>("named");
        QTest::newRow("first byte") << qint64(0) << QStringLiteral("block at offset 0 (1048576 bytes)");
        QTest::newRow("third block") << qint64((2 << 20) + 777)
                                     << QStringLiteral("block at offset 2097152 (1048576 bytes)");
        QTest::newRow("last byte, short block")
            << qint64((3 << 20) + 4999) << QStringLiteral("block at offset 3145728 (5000 bytes)");
    }
    void verifierNamesTheBlockThatDiffers() {
        QFETCH(qint64, flipAt);
        QFETCH(QString, named);
        const QString path = dir_.filePath(QStringLiteral("flip-%1.img").arg(flipAt));
        const QByteArray image = randomBytes((3 << 20) + 5000, 7);
        ImageDigest digest(uint64_t(image.size()));
        writeSlot(path, image, digest);
        ReadBackVerifier(path.toStdString(), digest).finish(); // as written: accepted
        flipByte(path, flipAt);
        if (QTest::currentTestFailed()) return;
        try {
            ReadBackVerifier(path.toStdString(), digest).finish();
            QFAIL("a changed slot passed the read-back");
        } catch (const Error &e) {
            QCOMPARE(e.code(), CONDUIT_E_VERIFY);
            QVERIFY2(QString::fromUtf8(e.what()).contains(named), e.what());
        }
    }

    void verifierReportsShortSlot() {
        const QString path = dir_.filePath(QStringLiteral("shortv.img"));
        {
            SlotWriter w(path.toStdString(), 1000, 1 << 20);
            w.write(QByteArray(1000, 'x').constData(), 1000);
            w.finish();
        }
        ImageDigest digest(5000);
        const QByteArray image(5000, 'x');
        digest.add(image.constData(), 5000);
        digest.drain();
        ReadBackVerifier v(path.toStdString(), digest);
        QVERIFY_THROWS_EXCEPTION(Error, v.finish());
    }

    void readBackHonoursCancel() {
        const QString path = dir_.filePath(QStringLiteral("cancel.img"));
        SlotWriter w(path.toStdString(), 3 << 20, 1 << 20);
        const QByteArray zeros(3 << 20, 0);
        w.write(zeros.constData(), size_t(zeros.size()));
        w.finish();
        try {
            readBackSha256(path.toStdString(), 3 << 20, {}, [] { return true; });
            QFAIL("not cancelled");
        } catch (const Error &e) {
            QCOMPARE(e.code(), CONDUIT_E_CANCELLED);
        }
    }
};

QTEST_GUILESS_MAIN(TestSlot)
#include "tst_slot.moc"
