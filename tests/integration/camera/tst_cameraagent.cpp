// The camera agent through the real runner, as the host drives it: a clip
// around a trigger and a still requested over conduit.data-capture/1, their
// bytes judged by gst-discoverer-1.0 where they reach the host; the live
// stream's rate cap; requests the agent refuses; its health in the inventory.
#include "gatedsource.h"
#include "mediaprobe.h"

#include <conduit/agent.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

quint64 nowNs() {
    return quint64(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

// What reached the host on one stream.
struct Received {
    QByteArray bytes;
    QList<quint64> timestamps;
    QList<qsizetype> sizes;
    int endCode = 1; // 1: not ended
};

struct CameraRunner : RunnerFixture {
    QMap<QString, Received> streams;

    explicit CameraRunner(const QString &config) : RunnerFixture(QStringLiteral(CAMERA_AGENT_PATH)) {
        AgentManifest m;
        m.library = QStringLiteral(CAMERA_AGENT_PATH);
        RunnerLimits limits;
        RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false,
                                 compartmentFor(m.library, state.path())}; // as root, in its compartment
        runner = std::make_unique<AgentProxy>(m, spec, limits, config, state.path());
        QObject::connect(runner.get(), &AgentProxy::captureData,
                         [this](const QString &s, const QByteArray &d, quint64 ts) {
                             Received &r = streams[s];
                             r.bytes += d;
                             r.timestamps << ts;
                             r.sizes << d.size();
                         });
        QObject::connect(runner.get(), &AgentProxy::captureEnded,
                         [this](const QString &s, int code) { streams[s].endCode = code; });
    }
    CallResult capture(Op op, const QString &stream, const QString &params = {}) {
        auto *c = runner->call(op, {}, nullptr, stream, params);
        QSignalSpy done(c, &AgentCall::finished);
        done.wait(30000);
        return done.isEmpty() ? noResult() : done.first().first().value<CallResult>();
    }
    bool waitForEnd(const QString &stream, int timeoutMs = 30000) {
        return QTest::qWaitFor([&] { return streams.value(stream).endCode != 1; }, timeoutMs);
    }
    // The health the agent reports with its inventory.
    QJsonObject health() {
        auto *c = runner->call(Op::Inventory);
        QJsonObject h;
        QObject::connect(c, &AgentCall::status, [&](const QString &device, const QString &text) {
            if (device == QLatin1String("cam-front")) h = QJsonDocument::fromJson(text.toUtf8()).object();
        });
        QSignalSpy done(c, &AgentCall::finished);
        done.wait(30000);
        return h;
    }
    QString saved(const QString &stream, const QString &name) {
        const QString path = state.filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly)) f.write(streams.value(stream).bytes);
        return path;
    }
};

const QString kConfig = QStringLiteral(
    R"({"source":"test","device_id":"cam-front","hardware_id":"cam-imx219","width":320,"height":240,"fps":15,)"
    R"("segment_seconds":0.5,"ring_seconds":12,"chunk_kib":4,"live_max_fps":4})");

} // namespace

class TestCameraAgent : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<CallResult>(); }

    void clipAndStillReachTheHost() {
        CameraRunner cam(kConfig);
        QCOMPARE(cam.start(), QString());
        // A trigger just ahead: the ring holds all of the window by then.
        const quint64 trigger = nowNs() + 1500000000ull;
        const CallResult started =
            cam.capture(Op::CaptureStart, QStringLiteral("clip"),
                        QStringLiteral(R"({"trigger_ns":%1,"pre_s":1.0,"post_s":1.0})").arg(trigger));
        QVERIFY2(started.ok(), qPrintable(started.message));
        QVERIFY(cam.waitForEnd(QStringLiteral("clip")));
        const Received clip = cam.streams.value(QStringLiteral("clip"));
        QCOMPARE(clip.endCode, int(CONDUIT_OK));
        QVERIFY(cam.capture(Op::CaptureStop, QStringLiteral("clip")).ok());

        // Bounded chunks, each stamped with the clip's first frame: at or
        // before the window's start, by at most one segment.
        QVERIFY(clip.sizes.size() > 1);
        for (qsizetype n : clip.sizes) QVERIFY(n > 0 && n <= 4 * 1024);
        const quint64 from = trigger - 1000000000ull;
        for (quint64 ts : clip.timestamps) QCOMPARE(ts, clip.timestamps.first());
        QVERIFY(clip.timestamps.first() <= from);
        QVERIFY(from - clip.timestamps.first() <= 500000000ull + 70000000ull);

        const MediaProbe probe = probeMedia(cam.saved(QStringLiteral("clip"), QStringLiteral("clip.webm")));
        QVERIFY2(probe.ok, qPrintable(probe.output));
        QCOMPARE(probe.container, QStringLiteral("video/webm"));
        QVERIFY2(probe.video.startsWith(QLatin1String("video/x-vp8, width=(int)320, height=(int)240")),
                 qPrintable(probe.video));
        QVERIFY2(probe.durationSeconds >= 1.9 && probe.durationSeconds <= 2.0 + 0.5 + 0.1,
                 qPrintable(QString::number(probe.durationSeconds)));

        QVERIFY(cam.capture(Op::CaptureStart, QStringLiteral("still")).ok());
        QVERIFY(cam.waitForEnd(QStringLiteral("still")));
        const Received still = cam.streams.value(QStringLiteral("still"));
        QCOMPARE(still.endCode, int(CONDUIT_OK));
        QVERIFY(still.bytes.startsWith("\xff\xd8") && still.bytes.endsWith("\xff\xd9"));
        const MediaProbe image = probeMedia(cam.saved(QStringLiteral("still"), QStringLiteral("still.jpg")));
        QVERIFY2(image.video.startsWith(QLatin1String("image/jpeg, width=(int)320, height=(int)240")),
                 qPrintable(image.output));
        QVERIFY(cam.capture(Op::CaptureStop, QStringLiteral("still")).ok());

        const QJsonObject h = cam.health();
        QCOMPARE(h.value("capturing").toBool(), true);
        QCOMPARE(h.value("encoder").toString(), QStringLiteral("vp8"));
        QCOMPARE(h.value("objects_delivered").toInt(), 2);
        QCOMPARE(h.value("objects_dropped").toInt(), 0);
        QVERIFY(h.value("fps").toDouble() > 10);
        QVERIFY(h.value("ring_segments").toInt() > 0);
        QVERIFY(h.value("ring_fill").toDouble() > 0 && h.value("ring_fill").toDouble() <= 1);
        // About one frame; not the time since a zero baseline (the uptime).
        QVERIFY2(h.value("encoder_latency_ms").toDouble() > 0 && h.value("encoder_latency_ms").toDouble() < 1000,
                 qPrintable(QString::number(h.value("encoder_latency_ms").toDouble())));
    }

    void liveStreamKeepsItsRateCap() {
        CameraRunner cam(kConfig);
        QCOMPARE(cam.start(), QString());
        // Asks for 30 fps; the configuration caps it at 4.
        QVERIFY(cam.capture(Op::CaptureStart, QStringLiteral("live"), QStringLiteral(R"({"fps":30})")).ok());
        QVERIFY(
            QTest::qWaitFor([&] { return cam.streams.value(QStringLiteral("live")).timestamps.size() >= 6; }, 20000));
        QVERIFY(cam.capture(Op::CaptureStop, QStringLiteral("live")).ok());
        const Received live = cam.streams.value(QStringLiteral("live"));
        QCOMPARE(live.endCode, 1); // a live stream ends only when stopped
        for (qsizetype i = 1; i < live.timestamps.size(); ++i) {
            const quint64 gap = live.timestamps[i] - live.timestamps[i - 1];
            QVERIFY2(gap >= 250000000ull - 70000000ull, qPrintable(QStringLiteral("%1 ns apart").arg(gap)));
        }
        QVERIFY(live.bytes.startsWith("\xff\xd8"));
    }

    void refusedRequestsSayWhy_data() {
        QTest::addColumn<QString>("stream");
        QTest::addColumn<QString>("params");
        QTest::addColumn<QString>("reason");
        QTest::newRow("unknown stream") << "thermal"
                                        << "{}"
                                        << "unknown stream \"thermal\"";
        QTest::newRow("longer than the ring") << "clip"
                                              << R"({"pre_s":10,"post_s":5})"
                                              << "the ring holds clips of at most";
        QTest::newRow("bad window") << "clip-2"
                                    << R"({"pre_s":"soon"})"
                                    << "parameter \"pre_s\"";
        QTest::newRow("not JSON") << "still"
                                  << "{"
                                  << "parameters must be a JSON object";
    }
    void refusedRequestsSayWhy() {
        QFETCH(QString, stream);
        QFETCH(QString, params);
        QFETCH(QString, reason);
        CameraRunner cam(kConfig);
        QCOMPARE(cam.start(), QString());
        const CallResult r = cam.capture(Op::CaptureStart, stream, params);
        QCOMPARE(r.code, int(CONDUIT_E_INVALID_ARGUMENT));
        QVERIFY2(r.message.contains(reason), qPrintable(r.message));
    }

    // No camera: the agent loads, says why in its health; a still fails.
    void missingDeviceIsReportedNotFatal() {
        CameraRunner cam(QStringLiteral(R"({"device_id":"cam-front","source":"v4l2","device":"/dev/video-absent"})"));
        QCOMPARE(cam.start(), QString());
        const QJsonObject h = cam.health();
        QCOMPARE(h.value("capturing").toBool(), false);
        QVERIFY2(!h.value("error").toString().isEmpty(), qPrintable(QJsonDocument(h).toJson()));
        QVERIFY(cam.capture(Op::CaptureStart, QStringLiteral("still")).ok());
        QVERIFY(cam.waitForEnd(QStringLiteral("still")));
        QCOMPARE(cam.streams.value(QStringLiteral("still")).endCode, int(CONDUIT_E_FAILED));
    }
};

QTEST_GUILESS_MAIN(TestCameraAgent)
#include "tst_cameraagent.moc"
