// The camera's configuration and the requests of the data-capture
// extension, parsed: defaults, limits, and errors that name the key.
#include "capturerequest.h"

#include <QTest>

using namespace conduit::camera;

namespace {

CameraConfig defaults() {
    std::string error;
    return *parseCameraConfig(R"({"source":"test"})", "/state", error);
}

} // namespace

class TestCaptureRequest : public QObject {
    Q_OBJECT
private slots:
    void configDefaultsAndOverrides() {
        std::string error;
        const std::optional<CameraConfig> d = parseCameraConfig(R"({"source":"test"})", "/state", error);
        QVERIFY2(d, error.c_str());
        QCOMPARE(d->source, Source::Test);
        QCOMPARE(d->encoder, Encoder::Vp8);
        QCOMPARE(d->ringDir, std::string("/state/ring"));
        QCOMPARE(d->ringBytes, uint64_t(64) << 20);
        const std::optional<CameraConfig> c = parseCameraConfig(
            R"({"source":"v4l2","device":"/dev/video2","encoder":"x264","width":1280,"height":720,"fps":30,)"
            R"("ring_kib":1024,"ring_seconds":20,"segment_seconds":2,"chunk_kib":64})",
            "/state", error);
        QVERIFY2(c, error.c_str());
        QCOMPARE(c->source, Source::V4l2);
        QCOMPARE(c->device, std::string("/dev/video2"));
        QCOMPARE(c->encoder, Encoder::X264);
        QCOMPARE(c->ringBytes, uint64_t(1) << 20);
        QCOMPARE(c->chunkBytes, size_t(64) << 10);
        QCOMPARE(c->maxClipSeconds(), 16.0);
    }
    void configErrorsNameTheKey_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << QByteArray("{") << "configuration:";
        QTest::newRow("array") << QByteArray("[]") << "must be a JSON object";
        QTest::newRow("source") << QByteArray(R"({"source":"usb"})") << "\"source\" must be";
        QTest::newRow("no source") << QByteArray("{}") << "\"source\" is required";
        QTest::newRow("no configuration") << QByteArray() << "\"source\" is required";
        QTest::newRow("encoder") << QByteArray(R"({"source":"test","encoder":"h265"})") << "\"encoder\" must be";
        QTest::newRow("fps") << QByteArray(R"({"fps":0})") << "\"fps\" must be an integer";
        QTest::newRow("fractional width") << QByteArray(R"({"width":640.5})") << "\"width\"";
        QTest::newRow("segment") << QByteArray(R"({"segment_seconds":0.01})") << "\"segment_seconds\"";
        QTest::newRow("ring too short") << QByteArray(R"({"source":"test","ring_seconds":2,"segment_seconds":1})")
                                        << "more than two segments";
        QTest::newRow("pattern") << QByteArray(R"({"source":"test","test_pattern":"zebra"})") << "\"test_pattern\"";
        QTest::newRow("empty device") << QByteArray(R"({"device":""})") << "\"device\"";
    }
    void configErrorsNameTheKey() {
        QFETCH(QByteArray, json);
        QFETCH(QString, reason);
        std::string error;
        QVERIFY(!parseCameraConfig(json.toStdString(), "/state", error));
        QVERIFY2(QString::fromStdString(error).contains(reason), error.c_str());
    }
    void streamKindIsThePrefix() {
        QCOMPARE(streamKindOf("clip"), std::optional<StreamKind>(StreamKind::Clip));
        QCOMPARE(streamKindOf("clip-incident-42"), std::optional<StreamKind>(StreamKind::Clip));
        QCOMPARE(streamKindOf("still"), std::optional<StreamKind>(StreamKind::Still));
        QCOMPARE(streamKindOf("live-hmi"), std::optional<StreamKind>(StreamKind::Live));
        QVERIFY(!streamKindOf("clipboard"));
        QVERIFY(!streamKindOf("thermal"));
        QVERIFY(!streamKindOf(""));
    }
    void clipWindowFromParameters() {
        std::string error;
        const std::optional<CaptureRequest> r = parseCaptureRequest(
            "clip-1", R"({"trigger_ns":1700000000000000000,"pre_s":4,"post_s":2.5})", defaults(), 5, error);
        QVERIFY2(r, error.c_str());
        QCOMPARE(r->kind, StreamKind::Clip);
        QCOMPARE(r->clip.fromNs(), uint64_t(1699999996000000000ull));
        QCOMPARE(r->clip.toNs(), uint64_t(1700000002500000000ull));
        // No trigger: now.
        const std::optional<CaptureRequest> now = parseCaptureRequest("clip", "{}", defaults(), 9000000000ull, error);
        QVERIFY(now);
        QCOMPARE(now->clip.triggerNs, uint64_t(9000000000ull));
    }
    void clipLongerThanTheRingIsRefused() {
        std::string error;
        QVERIFY(!parseCaptureRequest("clip", R"({"pre_s":40,"post_s":30})", defaults(), 1ull << 62, error));
        QVERIFY2(QString::fromStdString(error).contains("the ring holds clips of at most 58"), error.c_str());
        QVERIFY(!parseCaptureRequest("clip", R"({"pre_s":0,"post_s":0})", defaults(), 1ull << 62, error));
        QVERIFY(!parseCaptureRequest("clip", R"({"post_s":-1})", defaults(), 1ull << 62, error));
        QVERIFY2(QString::fromStdString(error).contains("\"post_s\""), error.c_str());
    }
    void liveRateIsCappedByTheConfiguration() {
        std::string error;
        const CameraConfig c = defaults(); // 5 fps, 4000 kbit/s
        const std::optional<CaptureRequest> r = parseCaptureRequest("live", R"({"fps":60,"kbps":100000})", c, 0, error);
        QVERIFY2(r, error.c_str());
        QCOMPARE(r->live.fps, 5);
        QCOMPARE(r->live.kbps, 4000);
        const std::optional<CaptureRequest> low = parseCaptureRequest("live", R"({"fps":2,"kbps":300})", c, 0, error);
        QCOMPARE(low->live.fps, 2);
        QCOMPARE(low->live.kbps, 300);
    }
};

QTEST_GUILESS_MAIN(TestCaptureRequest)
#include "tst_capturerequest.moc"
