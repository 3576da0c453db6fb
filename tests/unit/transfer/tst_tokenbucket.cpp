// The bandwidth limit's token bucket (transfer/tokenbucket.h), on a clock
// the test moves: a burst, then debt that takes rate-long to pay, refills
// capped at the burst, and several takers sharing one rate.
#include "transfer/tokenbucket.h"

#include <QTest>

using namespace conduit::transfer;
using namespace std::chrono;

class TestTokenBucket : public QObject {
    Q_OBJECT
    const TokenBucket::Clock::time_point t0 = TokenBucket::Clock::now();

private slots:
    void burstThenDebt() {
        TokenBucket b(512 << 10, 0, t0); // 512 KiB/s: a burst of 128 KiB
        QCOMPARE(b.take(128 << 10, t0), milliseconds(0));
        // 64 KiB of debt at 512 KiB/s: 125 ms before the next byte.
        QCOMPARE(b.take(64 << 10, t0), milliseconds(125));
        QCOMPARE(b.wait(t0 + milliseconds(100)), milliseconds(25));
        QCOMPARE(b.wait(t0 + milliseconds(125)), milliseconds(0));
    }

    void refillIsCappedAtTheBurst() {
        TokenBucket b(1 << 20, 100 << 10, t0);
        // A long quiet spell does not save up more than the burst.
        QCOMPARE(b.take(100 << 10, t0 + seconds(60)), milliseconds(0));
        QVERIFY(b.take(1 << 10, t0 + seconds(60)).count() > 0);
    }

    // Two downloads drawing from one bucket together get its rate, not twice it.
    void sharedRateOverTime() {
        const qint64 rate = 400 << 10;
        TokenBucket b(rate, 0, t0);
        qint64 taken = 0;
        auto now = t0;
        const auto end = t0 + seconds(10);
        while (now < end) {
            for (int taker = 0; taker < 2; ++taker) {
                const milliseconds wait = b.wait(now);
                if (wait.count() > 0) {
                    now += wait;
                    continue;
                }
                b.take(16 << 10, now);
                taken += 16 << 10;
            }
        }
        // 10 s at the rate, plus the burst and one chunk per taker.
        QVERIFY2(taken <= rate * 10 + rate / 4 + (32 << 10), qPrintable(QString::number(taken)));
        QVERIFY2(taken >= rate * 10 - (32 << 10), qPrintable(QString::number(taken)));
    }
};

QTEST_GUILESS_MAIN(TestTokenBucket)
#include "tst_tokenbucket.moc"
