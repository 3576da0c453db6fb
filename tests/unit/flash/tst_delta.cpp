#include "delta.h"
#include "flasherror.h"
#include "json.h"

#include <QRandomGenerator>
#include <QTest>

using namespace conduit::flash;

namespace {
std::vector<uint8_t> randomBytes(size_t size, quint32 seed) {
    std::vector<uint8_t> b(size);
    QRandomGenerator gen(seed);
    for (auto &c : b) c = uint8_t(gen.generate() & 0xff);
    return b;
}
// A successor image: edits, an insertion that shifts the rest, a new tail,
// and a block moved from the end to the start (only long-distance matching
// finds it with a window that covers the base).
std::vector<uint8_t> successor(const std::vector<uint8_t> &base) {
    std::vector<uint8_t> t(base.end() - (512 << 10), base.end());
    t.insert(t.end(), base.begin(), base.end());
    for (size_t i = 5000; i < t.size(); i += 300000) t[i] ^= 0x5a;
    const auto ins = randomBytes(40000, 11);
    t.insert(t.begin() + std::ptrdiff_t(t.size() / 3), ins.begin(), ins.end());
    const auto tail = randomBytes(100000, 12);
    t.insert(t.end(), tail.begin(), tail.end());
    return t;
}
std::vector<uint8_t> apply(const std::vector<uint8_t> &base, const std::vector<uint8_t> &patch, size_t outSize,
                           size_t chunk, bool *finished = nullptr) {
    std::vector<uint8_t> out(outSize);
    DeltaApplier a(base.data(), base.size(), out.data(), out.size());
    for (size_t off = 0; off < patch.size(); off += chunk)
        a.feed(patch.data() + off, std::min(chunk, patch.size() - off));
    if (finished) *finished = a.finished();
    out.resize(a.produced());
    return out;
}
} // namespace

class TestDelta : public QObject {
    Q_OBJECT
private slots:
    void roundTripIsSmallAndExact_data() {
        QTest::addColumn<int>("chunk");
        QTest::newRow("1 byte feeds") << 1;
        QTest::newRow("4 KiB feeds") << 4096;
        QTest::newRow("whole") << (64 << 20);
    }
    void roundTripIsSmallAndExact() {
        QFETCH(int, chunk);
        const auto base = randomBytes(6 << 20, 1);
        const auto target = successor(base);
        const auto patch = makeDelta(base.data(), base.size(), target.data(), target.size(), 3);
        // New material is ~140 KB of random bytes; everything else is matches.
        QVERIFY2(patch.size() < 200000, qPrintable(QString::number(patch.size())));
        bool finished = false;
        const auto out = apply(base, patch, target.size(), size_t(chunk), &finished);
        QVERIFY(finished);
        QVERIFY(out == target);
    }

    void wrongBaseFailsTheFrameChecksum() {
        const auto base = randomBytes(1 << 20, 1);
        const auto target = successor(base);
        const auto patch = makeDelta(base.data(), base.size(), target.data(), target.size(), 3);
        auto other = base;
        other[1000] ^= 1;
        try {
            apply(other, patch, target.size(), 65536);
            QFAIL("applied onto the wrong base");
        } catch (const Error &e) {
            QCOMPARE(e.code(), CONDUIT_E_PAYLOAD);
        }
    }

    void truncatedPatchIsNotFinished() {
        const auto base = randomBytes(1 << 20, 2);
        const auto target = successor(base);
        auto patch = makeDelta(base.data(), base.size(), target.data(), target.size(), 3);
        patch.resize(patch.size() / 2);
        bool finished = true;
        apply(base, patch, target.size(), 65536, &finished);
        QVERIFY(!finished);
    }

    void outputLargerThanTargetIsRefused() {
        const auto base = randomBytes(1 << 20, 3);
        const auto target = successor(base);
        const auto patch = makeDelta(base.data(), base.size(), target.data(), target.size(), 3);
        QVERIFY_THROWS_EXCEPTION(Error, apply(base, patch, target.size() - 1, 65536));
    }

    void windowCoversImage() {
        QCOMPARE(deltaWindowLog(1), 10u);
        QCOMPARE(deltaWindowLog((1u << 20) + 1), 21u);
        QCOMPARE(deltaWindowLog(uint64_t(1) << 30), 30u);
        QCOMPARE(deltaWindowLog(uint64_t(1) << 40), 31u);
    }

    void specRoundTripAndValidation() {
        DeltaSpec s{std::string(64, 'a'), std::string(64, 'b'), 10, 20};
        Json j;
        std::string error;
        QVERIFY(Json::parse(deltaSpecJson(s), j, error));
        const auto back = parseDeltaSpec(j);
        QVERIFY(back.has_value());
        QCOMPARE(back->baseSha256, s.baseSha256);
        QCOMPARE(back->targetLength, uint64_t(20));
        QVERIFY(Json::parse("{\"other\":1}", j, error));
        QVERIFY(!parseDeltaSpec(j).has_value());
        QVERIFY(Json::parse("{\"conduit\":{\"delta\":{\"base_sha256\":\"xyz\",\"target_sha256\":\"xyz\"}}}", j, error));
        QVERIFY_THROWS_EXCEPTION(Error, parseDeltaSpec(j));
        QVERIFY(Json::parse("{\"conduit\":{\"delta\":{\"format\":\"bsdiff\"}}}", j, error));
        QVERIFY_THROWS_EXCEPTION(Error, parseDeltaSpec(j));
    }
};

QTEST_GUILESS_MAIN(TestDelta)
#include "tst_delta.moc"
