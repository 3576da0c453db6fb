// VerifiedStream, the check every image passes through on its way to an
// agent: it must end (with an error) on any source that does not match its
// signed length, read the way the runner reads it (never more than the
// bytes still owed).
#include "upstream/verifiedstream.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QTest>

#include <limits>

using namespace conduit;

namespace {

std::unique_ptr<QIODevice> bufferOf(const QByteArray &bytes) {
    auto buffer = std::make_unique<QBuffer>();
    buffer->setData(bytes);
    buffer->open(QIODevice::ReadOnly);
    return buffer;
}

QString sha256(const QByteArray &bytes) {
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

struct Drained {
    qint64 delivered = 0;
    bool failed = false;
    bool ended = false;
    QString error;
};

// Reads like AgentProxy::pumpPayloadData: chunks of at most `chunk`, never
// past `owed` bytes in all; a bounded number of reads, so a stream that
// neither delivers nor ends fails the test instead of hanging it.
Drained drain(QIODevice &stream, qint64 owed, qint64 chunk) {
    Drained d;
    QByteArray buf(int(chunk), '\0');
    for (int i = 0; i < 10000; ++i) {
        const qint64 want = std::min(chunk, owed - d.delivered);
        if (want == 0) {
            d.ended = stream.atEnd();
            return d;
        }
        const qint64 n = stream.read(buf.data(), want);
        if (n < 0) {
            d.failed = true;
            d.error = stream.errorString();
            return d;
        }
        if (n == 0 && stream.atEnd()) {
            d.ended = true;
            return d;
        }
        d.delivered += n;
    }
    return d; // neither failed nor ended: the stream would spin forever
}

} // namespace

class TestVerifiedStream : public QObject {
    Q_OBJECT

    const QByteArray image = QByteArray(5000, 'a') + QByteArray(3000, 'b');

private slots:
    void exactImageVerifies() {
        upstream::VerifiedStream stream(
            bufferOf(image),
            trust::ImageVerifier(QStringLiteral("x.bin"), image.size(), {{QStringLiteral("sha256"), sha256(image)}}));
        const Drained d = drain(stream, image.size(), 1024);
        QVERIFY2(!d.failed, qPrintable(d.error));
        QCOMPARE(d.delivered, qint64(image.size()));
        QVERIFY(d.ended);
    }

    // A signed length of 2^63-1 once overflowed "remaining + 1" into a
    // negative read size: the stream returned 0 forever and the install
    // hung in Downloading.
    void hugeSignedLengthEndsWithAnError() {
        upstream::VerifiedStream stream(
            bufferOf(image), trust::ImageVerifier(QStringLiteral("x.bin"), std::numeric_limits<qint64>::max(),
                                                  {{QStringLiteral("sha256"), sha256(image)}}));
        const Drained d = drain(stream, std::numeric_limits<qint64>::max(), 1024);
        QVERIFY2(d.failed, "the stream neither failed nor ended");
        QVERIFY2(d.error.contains(QStringLiteral("signed length")), qPrintable(d.error));
        QVERIFY(d.delivered <= image.size());
    }

    // A source longer than its signed length, read exactly to the signed
    // length (the runner never asks for more), once verified and installed
    // the signed prefix; `conduitctl verify` refused the same bundle.
    void sourceLongerThanSignedLengthIsRefused() {
        upstream::VerifiedStream stream(
            bufferOf(image + "trailing"),
            trust::ImageVerifier(QStringLiteral("x.bin"), image.size(), {{QStringLiteral("sha256"), sha256(image)}}));
        const Drained d = drain(stream, image.size(), 1024);
        QVERIFY2(d.failed, "an image longer than its signed length verified");
        QVERIFY2(d.error.contains(QStringLiteral("endless data attack")), qPrintable(d.error));
        QVERIFY(d.delivered < image.size()); // the last bytes are withheld
    }

    void shortSourceIsRefused() {
        upstream::VerifiedStream stream(
            bufferOf(image.left(7000)),
            trust::ImageVerifier(QStringLiteral("x.bin"), image.size(), {{QStringLiteral("sha256"), sha256(image)}}));
        const Drained d = drain(stream, image.size(), 1024);
        QVERIFY(d.failed);
        QVERIFY2(d.error.contains(QStringLiteral("signed length is 8000")), qPrintable(d.error));
    }
};

QTEST_GUILESS_MAIN(TestVerifiedStream)
#include "tst_verifiedstream.moc"
