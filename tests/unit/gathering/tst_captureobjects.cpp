// One-shot captures (a camera clip): records kept whole and in order, handed
// over only after an end with CONDUIT_OK; any other end, a bound crossed, a
// class withdrawn or the agent gone answers with why, once; records of
// other agents or streams are not taken.
#include "captureobjects.h"

#include <QTest>

using namespace conduit::gathering;

namespace {

struct Answer {
    int calls = 0;
    std::optional<CapturedObject> object;
    QString error;
    ObjectDone done() {
        return [this](std::optional<CapturedObject> o, const QString &e) {
            ++calls;
            object = std::move(o);
            error = e;
        };
    }
};

ObjectRequest clip(const QString &stream = QStringLiteral("clip-hb-1"), qint64 maxBytes = 1000) {
    return ObjectRequest{QStringLiteral("camera-1"), stream, QStringLiteral("{}"), DataClass::Camera, maxBytes};
}

} // namespace

class TestCaptureObjects : public QObject {
    Q_OBJECT
private slots:
    void wholeObjectAfterAnOkEnd() {
        CaptureObjects o;
        Answer a;
        o.expect(clip(), a.done());
        QVERIFY(o.known(QStringLiteral("clip-hb-1"), QStringLiteral("io.conduit.camera")));
        QVERIFY(o.record(QStringLiteral("io.conduit.camera"), QStringLiteral("clip-hb-1"), "abc", 42));
        QVERIFY(o.record(QStringLiteral("io.conduit.camera"), QStringLiteral("clip-hb-1"), "def", 42));
        QVERIFY(!o.record(QStringLiteral("io.conduit.other"), QStringLiteral("clip-hb-1"), "xxx", 1));
        QVERIFY(!o.record(QStringLiteral("io.conduit.camera"), QStringLiteral("clip-hb-2"), "yyy", 1));
        QCOMPARE(a.calls, 0);
        QVERIFY(o.end(QStringLiteral("io.conduit.camera"), QStringLiteral("clip-hb-1"), 0));
        QCOMPARE(a.calls, 1);
        QVERIFY(a.object);
        QCOMPARE(a.object->bytes, QByteArray("abcdef"));
        QCOMPARE(a.object->firstNs, 42);
        QVERIFY(!o.expects(QStringLiteral("clip-hb-1")));
    }

    void otherEndsAnswerWhy() {
        CaptureObjects o;
        Answer busy, empty;
        o.expect(clip(QStringLiteral("clip-a")), busy.done());
        o.expect(clip(QStringLiteral("clip-b")), empty.done());
        o.record(QStringLiteral("cam"), QStringLiteral("clip-a"), "part", 1);
        QVERIFY(o.end(QStringLiteral("cam"), QStringLiteral("clip-a"), -5));
        QCOMPARE(busy.calls, 1);
        QVERIFY(!busy.object);
        QVERIFY2(busy.error.contains(QLatin1String("busy")), qPrintable(busy.error));
        QVERIFY(o.end(QStringLiteral("cam"), QStringLiteral("clip-b"), 0));
        QVERIFY(!empty.object);
        QVERIFY2(empty.error.contains(QLatin1String("without data")), qPrintable(empty.error));
    }

    void boundCrossedFailsOnceAndSwallowsTheRest() {
        CaptureObjects o;
        Answer a;
        o.expect(clip(QStringLiteral("clip-a"), 10), a.done());
        QVERIFY(o.record(QStringLiteral("cam"), QStringLiteral("clip-a"), QByteArray(8, 'x'), 1));
        QVERIFY(o.record(QStringLiteral("cam"), QStringLiteral("clip-a"), QByteArray(8, 'x'), 1));
        QCOMPARE(a.calls, 1);
        QVERIFY2(a.error.contains(QLatin1String("more than 10 bytes")), qPrintable(a.error));
        QVERIFY(o.record(QStringLiteral("cam"), QStringLiteral("clip-a"), QByteArray(8, 'x'), 1)); // still its
        QVERIFY(!o.known(QStringLiteral("clip-a"), QStringLiteral("cam")));                        // not wanted
        QVERIFY(o.end(QStringLiteral("cam"), QStringLiteral("clip-a"), 0));
        QCOMPARE(a.calls, 1);
        QVERIFY(!o.expects(QStringLiteral("clip-a")));
    }

    void withdrawnClassAndGoneAgent() {
        CaptureObjects o;
        Answer camera, gone;
        o.expect(clip(QStringLiteral("clip-a")), camera.done());
        ObjectRequest diag = clip(QStringLiteral("dtc-1"));
        diag.dataClass = DataClass::Diagnostics;
        o.expect(diag, gone.done());
        o.known(QStringLiteral("dtc-1"), QStringLiteral("diag-agent"));
        o.discard(DataClass::Camera, QStringLiteral("withheld: refused"));
        QCOMPARE(camera.calls, 1);
        QCOMPARE(camera.error, QStringLiteral("withheld: refused"));
        QCOMPARE(gone.calls, 0);
        o.failAgent(QStringLiteral("diag-agent"), QStringLiteral("runner ended"));
        QCOMPARE(gone.calls, 1);
        QCOMPARE(gone.error, QStringLiteral("runner ended"));
        o.failAll(QStringLiteral("stopping")); // answered ones are not answered again
        QCOMPARE(camera.calls, 1);
        QCOMPARE(gone.calls, 1);
    }

    void forgottenIsNeverAnswered() {
        CaptureObjects o;
        Answer a;
        o.expect(clip(), a.done());
        o.forget(QStringLiteral("clip-hb-1"));
        QVERIFY(!o.record(QStringLiteral("cam"), QStringLiteral("clip-hb-1"), "x", 1));
        QVERIFY(!o.end(QStringLiteral("cam"), QStringLiteral("clip-hb-1"), 0));
        QCOMPARE(a.calls, 0);
    }
};

QTEST_GUILESS_MAIN(TestCaptureObjects)
#include "tst_captureobjects.moc"
