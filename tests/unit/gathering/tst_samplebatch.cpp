// Signal samples batched into one store payload, and damaged payloads.
#include "gathering/samplebatch.h"

#include <QTest>

#include <limits>

using namespace conduit::gathering;

class TestSampleBatch : public QObject {
    Q_OBJECT
private slots:
    void roundTrip() {
        SampleBatch b;
        QVERIFY(b.empty());
        const std::vector<SignalSample> samples{
            {7, 1'700'000'000'000'000, 12.5}, {0, -1, -0.0}, {0xffffffffu, std::numeric_limits<qint64>::max(), 1e300}};
        for (const SignalSample &s : samples) b.add(s);
        QCOMPARE(b.size(), 3);
        QCOMPARE(b.firstTimeUs(), qint64(1'700'000'000'000'000));
        const QByteArray bytes = b.take();
        QVERIFY(b.empty());
        QCOMPARE(bytes.size(), SampleBatch::kHeaderBytes + 3 * SampleBatch::kSampleBytes);
        QCOMPARE(bytes, SampleBatch::encode(samples));
        const auto back = SampleBatch::decode(bytes);
        QVERIFY(back);
        QVERIFY(*back == samples);
        const auto empty = SampleBatch::decode(b.take());
        QVERIFY(empty && empty->empty());
    }
    void damagedPayloadsAreRefused_data() {
        QTest::addColumn<QByteArray>("bytes");
        const QByteArray good = SampleBatch::encode({{1, 2, 3.0}, {4, 5, 6.0}});
        QTest::addRow("empty") << QByteArray();
        QTest::addRow("short header") << good.left(7);
        QTest::addRow("wrong magic") << QByteArray("CSB2") + good.mid(4);
        QTest::addRow("cut sample") << good.chopped(1);
        QTest::addRow("extra byte") << good + 'x';
        QByteArray huge = good;
        huge[7] = char(0xff); // count 0xff000002
        QTest::addRow("count beyond the payload") << huge;
    }
    void damagedPayloadsAreRefused() {
        QFETCH(QByteArray, bytes);
        QVERIFY(!SampleBatch::decode(bytes));
    }
};

QTEST_GUILESS_MAIN(TestSampleBatch)
#include "tst_samplebatch.moc"
