// Captured frames into items: batches bounded by bytes and age, the class,
// priority, kind and campaign of the request, the consent gate before
// anything is kept, drops counted when the store cannot take a batch, the
// recent window bounded, and the payload's encoding checked.
#include "captureframes.h"
#include "captureingest.h"

#include <QTemporaryDir>
#include <QTest>

using namespace conduit::gathering;

class TestCaptureIngest : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<ConsentBook> consent_;
    QList<Item> out_;
    bool accept_ = true;
    qint64 now_ = 0;

    std::unique_ptr<CaptureIngest> make(CaptureIngest::Config c) {
        return std::make_unique<CaptureIngest>(
            c, consent_.get(),
            [this](const Item &item, qint64) {
                if (accept_) out_ << item;
                return accept_;
            },
            [this] { return now_; });
    }
    static CaptureRequest request(DataClass c) {
        CaptureRequest r;
        r.deviceId = QStringLiteral("cam-1");
        r.stream = QStringLiteral("front");
        r.campaignId = QStringLiteral("c-1");
        r.kind = ItemKind::Blob;
        r.dataClass = c;
        r.priority = Priority::High;
        return r;
    }
    static QList<CapturedFrame> framesOf(const Item &item) {
        QString e;
        auto f = decodeCaptureFrames(item.bytes, &e);
        return f ? *f : QList<CapturedFrame>{};
    }

private slots:
    void init() {
        consent_ = std::make_unique<ConsentBook>(dir_.filePath(QStringLiteral("consent.json")));
        QString e;
        QVERIFY(consent_->load(&e));
        QVERIFY(consent_->set(DataClass::Camera, true, &e));
        out_.clear();
        accept_ = true;
        now_ = 0;
    }

    void batchesAreBoundedBySize() {
        CaptureIngest::Config c;
        c.batchBytes = 1000;
        auto in = make(c);
        in->begin(QStringLiteral("agent"), request(DataClass::Camera));
        for (int i = 0; i < 20; ++i)
            in->frame(QStringLiteral("agent"), QStringLiteral("front"), QByteArray(200, char('a' + i)), 1000 + i);
        QVERIFY(out_.size() >= 4);
        int frames = 0;
        for (const Item &item : out_) {
            QVERIFY(item.bytes.size() <= 1000);
            QCOMPARE(item.dataClass, DataClass::Camera);
            QCOMPARE(item.priority, Priority::High);
            QCOMPARE(item.campaignId, QStringLiteral("c-1"));
            frames += int(framesOf(item).size());
        }
        in->end(QStringLiteral("agent"), QStringLiteral("front"));
        frames = 0;
        for (const Item &item : out_) frames += int(framesOf(item).size());
        QCOMPARE(frames, 20); // nothing lost at the end of the stream
        QCOMPARE(framesOf(out_.first()).first().data, QByteArray(200, 'a'));
    }

    void batchesAreFlushedByAge() {
        CaptureIngest::Config c;
        c.batchMs = 100;
        auto in = make(c);
        in->begin(QStringLiteral("agent"), request(DataClass::Camera));
        in->frame(QStringLiteral("agent"), QStringLiteral("front"), "x", 1);
        in->flushDue();
        QCOMPARE(out_.size(), 0);
        now_ = 100;
        in->flushDue();
        QCOMPARE(out_.size(), 1);
    }

    void refusedClassIsNeverKept() {
        auto in = make({});
        in->begin(QStringLiteral("agent"), request(DataClass::Location));
        for (int i = 0; i < 5; ++i) in->frame(QStringLiteral("agent"), QStringLiteral("front"), "where", i);
        in->flushAll();
        QCOMPARE(out_.size(), 0);
        QCOMPARE(in->drops().at({DataClass::Location, FrameDrop::Consent}).frames, 5);
        QVERIFY(in->window(QStringLiteral("cam-1"), QStringLiteral("front"), 0, 100).isEmpty());
    }

    void slowStoreDropsAreCounted() {
        CaptureIngest::Config c;
        c.batchBytes = 100;
        auto in = make(c);
        accept_ = false;
        in->begin(QStringLiteral("agent"), request(DataClass::Camera));
        for (int i = 0; i < 10; ++i)
            in->frame(QStringLiteral("agent"), QStringLiteral("front"), QByteArray(90, 'z'), i);
        QCOMPARE(in->drops().at({DataClass::Camera, FrameDrop::Backlog}).frames, 10);
    }

    void agentGoneEndsItsStreams() {
        auto in = make({});
        in->begin(QStringLiteral("agent"), request(DataClass::Camera));
        CaptureRequest other = request(DataClass::Camera);
        other.stream = QStringLiteral("rear");
        in->begin(QStringLiteral("agent-2"), other);
        in->frame(QStringLiteral("agent"), QStringLiteral("front"), "a", 1);
        in->endAgent(QStringLiteral("agent"));
        QCOMPARE(out_.size(), 1); // stored, not lost
        QCOMPARE(in->active().size(), 1);
        QCOMPARE(in->active().first().stream, QStringLiteral("rear"));
        in->frame(QStringLiteral("agent"), QStringLiteral("front"), "b", 2);
        QCOMPARE(in->unclaimed().frames, 1);
    }

    void unclaimedFramesAreCounted() {
        auto in = make({});
        in->frame(QStringLiteral("agent"), QStringLiteral("other"), "abc", 1);
        QCOMPARE(in->unclaimed().frames, 1);
        QCOMPARE(in->unclaimed().bytes, 3);
        QCOMPARE(out_.size(), 0);
    }

    void windowIsBoundedAndDiscardedOnWithdrawal() {
        CaptureIngest::Config c;
        c.windowBytes = 1000;
        c.windowMs = 1000;
        auto in = make(c);
        in->begin(QStringLiteral("agent"), request(DataClass::Camera));
        const qint64 ms = 1'000'000;
        for (int i = 0; i < 30; ++i)
            in->frame(QStringLiteral("agent"), QStringLiteral("front"), QByteArray(100, 'w'), i * 10 * ms);
        const auto all = in->window(QStringLiteral("cam-1"), QStringLiteral("front"), 0, 1'000'000 * ms);
        QCOMPARE(all.size(), 10); // the byte bound
        QCOMPARE(all.last().timestampNs, 290 * ms);
        const auto some = in->window(QStringLiteral("cam-1"), QStringLiteral("front"), 250 * ms, 270 * ms);
        QCOMPARE(some.size(), 3);
        in->discard(DataClass::Camera);
        QVERIFY(in->window(QStringLiteral("cam-1"), QStringLiteral("front"), 0, 1'000'000 * ms).isEmpty());
        in->flushAll();
        QCOMPARE(out_.size(), 0); // the batch went too
    }

    void damagedPayloadsAreRefused() {
        const QByteArray good = encodeCaptureFrames({{1, "ab"}, {2, "cde"}});
        QString e;
        QVERIFY(decodeCaptureFrames(good, &e));
        QVERIFY(!decodeCaptureFrames(good.left(good.size() - 1), &e));
        QVERIFY(!decodeCaptureFrames(good + "x", &e));
        QByteArray lie = good;
        lie[4] = char(0xff); // a count no payload of this size can hold
        QVERIFY(!decodeCaptureFrames(lie, &e));
        QVERIFY(!decodeCaptureFrames("CCF", &e));
    }
};

QTEST_GUILESS_MAIN(TestCaptureIngest)
#include "tst_captureingest.moc"
