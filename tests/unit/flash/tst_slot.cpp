#include "flasherror.h"
#include "slot.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::flash;

namespace {
QByteArray randomBytes(qsizetype size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qsizetype i = 0; i < size; ++i) b[i] = char(gen.generate() & 0xff);
    return b;
}
std::string qtSha(const QByteArray &b) {
    return QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex().toStdString();
}
} // namespace

class TestSlot : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void sha256MatchesIndependentImplementation() {
        const QByteArray data = randomBytes(100003, 3);
        Sha256 s;
        s.update(data.constData(), 7);
        s.update(data.constData() + 7, size_t(data.size() - 7));
        QCOMPARE(s.hex(), qtSha(data));
    }

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
    // whatever pieces, and hashes exactly the image.
    void verifierTrailsWriter() {
        const QString path = dir_.filePath(QStringLiteral("trail.img"));
        const QByteArray image = randomBytes((7 << 20) + 99, 6);
        SlotWriter w(path.toStdString(), uint64_t(image.size()), 1 << 20);
        ReadBackVerifier v(path.toStdString(), uint64_t(image.size()));
        uint64_t reported = 0;
        w.onDurable = [&](uint64_t off) {
            QVERIFY(off >= reported);
            reported = off;
            v.durableUpTo(off);
        };
        for (qsizetype off = 0; off < image.size(); off += 300000)
            w.write(image.constData() + off, size_t(std::min<qsizetype>(300000, image.size() - off)));
        QVERIFY(reported >= (5u << 20)); // windows were reported while writing
        w.finish();
        QCOMPARE(reported, uint64_t(image.size()));
        QCOMPARE(v.finish(), qtSha(image));
    }

    void verifierReportsShortSlot() {
        const QString path = dir_.filePath(QStringLiteral("shortv.img"));
        {
            SlotWriter w(path.toStdString(), 1000, 1 << 20);
            w.write(QByteArray(1000, 'x').constData(), 1000);
            w.finish();
        }
        ReadBackVerifier v(path.toStdString(), 5000);
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
