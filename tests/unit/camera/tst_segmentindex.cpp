// The ring's bookkeeping alone: bounds in bytes and seconds, the newest
// segment always kept, and the segments a clip window needs.
#include "segmentindex.h"

#include <QTest>

using namespace conduit::camera;

namespace {

constexpr uint64_t kS = 1000000000ull;

Segment seg(int i, uint64_t bytes, uint64_t seconds = 1) {
    return Segment{"seg" + std::to_string(i), i * seconds * kS, (i + 1) * seconds * kS, bytes};
}

} // namespace

class TestSegmentIndex : public QObject {
    Q_OBJECT
private slots:
    void boundInBytes() {
        SegmentIndex index(RingBounds{1500, 3600 * kS, 100});
        for (int i = 0; i < 50; ++i) {
            const std::vector<std::string> evicted = index.add(seg(i, 300));
            // Closed and open together within the bound: 600 bytes are kept
            // for the segment being written (twice the largest).
            QCOMPARE(index.closedBytesLimit(), uint64_t(900));
            QVERIFY(index.bytes() + 2 * 300 <= 1500);
            // 300-byte segments: three fit, the fourth pushes the oldest out.
            QCOMPARE(index.count(), size_t(std::min(i + 1, 3)));
            if (i >= 3) QCOMPARE(evicted, std::vector<std::string>{"seg" + std::to_string(i - 3)});
        }
        QCOMPARE(index.bytes(), uint64_t(900));
        QCOMPARE(index.oldestStartNs(), 47 * kS);
        QCOMPARE(index.evicted(), uint64_t(47));
    }
    void boundInSeconds() {
        SegmentIndex index(RingBounds{1ull << 40, 5 * kS});
        for (int i = 0; i < 20; ++i) {
            index.add(seg(i, 10));
            QVERIFY(index.durationNs() <= 5 * kS);
        }
        QCOMPARE(index.count(), size_t(5));
        QCOMPARE(index.durationNs(), 5 * kS);
        QCOMPARE(index.newestEndNs(), 20 * kS);
    }
    void oversizedSegmentStaysAlone() {
        SegmentIndex index(RingBounds{1000, 10 * kS, 0});
        index.add(seg(0, 100));
        const std::vector<std::string> evicted = index.add(seg(1, 5000));
        QCOMPARE(evicted, std::vector<std::string>{"seg0"});
        QCOMPARE(index.count(), size_t(1));
        QCOMPARE(index.bytes(), uint64_t(5000));
    }
    void reserveGrowsWithTheLargestSegment() {
        SegmentIndex index(RingBounds{10000, 3600 * kS, 1000});
        index.add(seg(0, 100));
        QCOMPARE(index.closedBytesLimit(), uint64_t(9000));
        index.add(seg(1, 2000));
        QCOMPARE(index.closedBytesLimit(), uint64_t(6000));
        index.add(seg(2, 3000));
        QCOMPARE(index.closedBytesLimit(), uint64_t(4000));
        // 100 + 2000 + 3000 > 4000: the oldest go until the rest fits.
        QCOMPARE(index.count(), size_t(1));
        QCOMPARE(index.bytes(), uint64_t(3000));
    }
    void coveringSelectsOverlappingSegments() {
        SegmentIndex index(RingBounds{1ull << 40, 3600 * kS});
        for (int i = 0; i < 10; ++i) index.add(seg(i, 10));
        // [2.5 s, 5.2 s] touches segments 2 (2-3 s) to 5 (5-6 s).
        const std::vector<Segment> c = index.covering(2 * kS + kS / 2, 5 * kS + kS / 5);
        QCOMPARE(c.size(), size_t(4));
        QCOMPARE(c.front().path, std::string("seg2"));
        QCOMPARE(c.back().path, std::string("seg5"));
        // A window ending exactly where a segment starts still takes it (its first frame).
        QCOMPARE(index.covering(1 * kS, 3 * kS).back().path, std::string("seg3"));
        QVERIFY(index.covering(20 * kS, 30 * kS).empty());
    }
};

QTEST_GUILESS_MAIN(TestSegmentIndex)
#include "tst_segmentindex.moc"
