// Windows and incident bundles: samples, log lines and captures at known
// times end up exactly in [trigger - pre, trigger + post]; the manifest's
// sizes and hashes match the parts read back from the archive; periodic
// campaigns give signal windows per period.
#include "campaignfixture.h"

#include "gathering/campaign/collection.h"
#include "trust/keys.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace campaigntest;

namespace {

const QString kSpeed = QStringLiteral("Vehicle.Speed");
const QString kBrake = QStringLiteral("Vehicle.Chassis.Brake.PedalPosition");

struct Rig {
    QTemporaryDir dir;
    TestClock clock;
    FakeSink sink;
    FakeCaptures captures;
    FakeClips clips;
    LogRing logs;
    SigningKey key = campaigntest::key('a');
    std::function<bool(DataClass)> consent;
    std::unique_ptr<CampaignCollection> collection;

    bool open() {
        CampaignCollection::Config config{dir.path(), vehicle(), trustOf({key}, 1), {}, 20000, 1 << 20, clock.fn()};
        auto c = CampaignCollection::open(config, {&sink, &logs, &captures, consent, &clips});
        if (!c.ok()) return false;
        collection = std::move(*c);
        return true;
    }
    bool accept(const JsonValue &doc) { return collection->accept(sign(doc, {key})).ok(); }
    void signal(const QString &name, double value, qint64 t) {
        clock.ms = t;
        collection->onSignal(name, value, t);
    }
    // Opened, the base campaign accepted, and triggered at kNowMs + 10.
    bool triggered(const JsonValue &doc = baseDocument()) {
        if (!open() || !accept(doc)) return false;
        signal(kSpeed, 90, kNowMs);
        signal(kBrake, 90, kNowMs + 10);
        return collection->counters().triggers == 1;
    }
};

JsonValue twoStreams() {
    JsonValue d = baseDocument();
    auto &streams = d.objectRef()["collect"].objectRef()["streams"].arrayRef();
    streams.push_back(JsonValue(JsonValue::Object{{"device", JsonValue("cam-rear")}, {"stream", JsonValue("clip")}}));
    return d;
}

// The base campaign with its camera stream asked per trigger.
JsonValue windowClip() {
    JsonValue d = baseDocument();
    auto &streams = d.objectRef()["collect"].objectRef()["streams"].arrayRef();
    streams[0].objectRef()["capture"] = JsonValue("window");
    return d;
}

// The start of a WebM file (EBML header, DocType "webm") and some bytes.
QByteArray webmBytes() {
    return QByteArray::fromHex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d") + QByteArray(5000, 'v');
}

std::map<QString, QByteArray> entriesOf(const QByteArray &archive) {
    std::map<QString, QByteArray> out;
    auto entries = readBundle(archive);
    if (!entries.ok()) return out;
    for (const BundleEntry &e : *entries) out[e.name] = e.bytes;
    return out;
}

} // namespace

class TestIncidentBundle : public QObject {
    Q_OBJECT
private slots:
    void windowIsExactlyPreAndPost() {
        Rig rig;
        QVERIFY(rig.open());
        rig.captures.refusedDevice = QStringLiteral("cam-rear");
        QVERIFY(rig.accept(twoStreams()));
        const qint64 T = kNowMs + 3050; // the brake pedal's rising edge
        const qint64 from = T - 2000, to = T + 1000;

        std::vector<SignalSample> expected;
        auto feed = [&](const QString &name, quint32 index, double value, qint64 t) {
            rig.signal(name, value, t);
            if (t >= from && t <= to) expected.push_back(SignalSample{index, t * 1000, value});
        };
        rig.logs.append({from - 1, QStringLiteral("conduit.gathering.store"), QStringLiteral("too early")});
        rig.logs.append({T - 100, QStringLiteral("conduit.gathering.store"), QStringLiteral("before \"brake\"")});
        rig.logs.append({T + 500, QStringLiteral("conduit.trust"), QStringLiteral("other category")});
        rig.logs.append({to, QStringLiteral("conduit.gathering.campaign"), QStringLiteral("at the end")});
        rig.logs.append({to + 1, QStringLiteral("conduit.gathering.campaign"), QStringLiteral("too late")});
        feed(kBrake, 1, 0, kNowMs);
        for (qint64 t = kNowMs; t < T; t += 100) feed(kSpeed, 0, 90, t);
        feed(kSpeed, 0, 91, from - 1); // out of order and outside
        feed(kSpeed, 0, 92, from);     // exactly at the start
        feed(kBrake, 1, 95, T);        // fires
        QCOMPARE(rig.collection->counters().triggers, 1);
        for (qint64 t = T + 100; t < to; t += 100) feed(kSpeed, 0, 93, t);
        feed(kSpeed, 0, 94, to);            // exactly at the end
        QVERIFY(rig.sink.stored.isEmpty()); // the post window is still open
        feed(kSpeed, 0, 95, to + 1);        // after the end: closes it
        QCOMPARE(rig.sink.stored.size(), 1);
        std::sort(expected.begin(), expected.end(),
                  [](const SignalSample &a, const SignalSample &b) { return a.timeUs < b.timeUs; });

        const Item &item = rig.sink.stored[0];
        QCOMPARE(item.kind, ItemKind::Blob);
        QCOMPARE(item.campaignId, QStringLiteral("hard-braking"));
        QCOMPARE(item.priority, Priority::Safety);
        QCOMPARE(item.dataClass, DataClass::Camera); // it holds a camera part
        QCOMPARE(item.createdMs, T);
        QCOMPARE(item.expiresMs, T + 86400 * 1000);

        const auto entries = entriesOf(item.bytes);
        QCOMPARE(entries.size(), size_t(4));
        auto manifest = conduit::trust::parseJson(entries.at(QStringLiteral("manifest.json")));
        QVERIFY(manifest.ok());
        const JsonValue &m = *manifest;
        QCOMPARE(m["campaign"]["id"].toString(), QStringLiteral("hard-braking"));
        QCOMPARE(m["campaign"]["version"].toInteger(), 1);
        QCOMPARE(m["trigger"]["time_ms"].toInteger(), T);
        QCOMPARE(m["trigger"]["kind"].toString(), QStringLiteral("condition"));
        QVERIFY(m["trigger"]["condition"].toString().startsWith(QLatin1String("Vehicle.Speed > 50")));
        QCOMPARE(m["window"]["from_ms"].toInteger(), from);
        QCOMPARE(m["window"]["to_ms"].toInteger(), to);
        QCOMPARE(m["signals"].toArray().size(), size_t(2));
        QCOMPARE(m["samples_dropped"].toInteger(), 0);

        // Every part's size and SHA-256 as the manifest says.
        QCOMPARE(m["parts"].toArray().size(), size_t(3));
        for (const JsonValue &p : m["parts"].toArray()) {
            const QByteArray &bytes = entries.at(p["name"].toString());
            QCOMPARE(p["size"].toInteger(), bytes.size());
            QCOMPARE(p["sha256"].toString(), conduit::trust::sha256Hex(bytes));
        }
        const auto samples = SampleBatch::decode(entries.at(QStringLiteral("signals.csb")));
        QVERIFY(samples);
        QCOMPARE(*samples, expected);
        QCOMPARE(samples->front().timeUs, from * 1000);
        QCOMPARE(samples->back().timeUs, to * 1000);
        const JsonValue &signalsPart = m["parts"].toArray()[0];
        QCOMPARE(signalsPart["name"].toString(), QStringLiteral("signals.csb"));
        QCOMPARE(signalsPart["first_ms"].toInteger(), from);
        QCOMPARE(signalsPart["last_ms"].toInteger(), to);
        QCOMPARE(signalsPart["records"].toInteger(), qint64(expected.size()));

        const QList<QByteArray> lines = entries.at(QStringLiteral("logs.jsonl")).split('\n');
        QCOMPARE(lines.size(), 3); // two lines and the empty rest
        QCOMPARE((*conduit::trust::parseJson(lines[0]))["text"].toString(), QStringLiteral("before \"brake\""));
        QCOMPARE((*conduit::trust::parseJson(lines[1]))["t"].toInteger(), to);
        QCOMPARE(m["parts"].toArray()[1]["data_class"].toString(), QStringLiteral("logs"));

        QCOMPARE(entries.at(QStringLiteral("streams/cam-front/clip.bin")),
                 QStringLiteral("cam-front/clip %1..%2").arg(from).arg(to).toUtf8());
        QCOMPARE(m["parts"].toArray()[2]["data_class"].toString(), QStringLiteral("camera"));
        QCOMPARE(m["missing"].toArray().size(), size_t(1));
        QCOMPARE(m["missing"].toArray()[0]["name"].toString(), QStringLiteral("streams/cam-rear/clip.bin"));
        QCOMPARE(m["missing"].toArray()[0]["reason"].toString(), QStringLiteral("not running"));
    }

    // A "window" stream is asked at the trigger for [T - pre, T + post];
    // the bundle waits for the clip, lists it with its hash, size and first
    // frame, and is stored as camera data.
    void clipIsAskedAtTheTriggerAndWaitedFor() {
        Rig rig;
        QVERIFY(rig.triggered(windowClip()));
        const qint64 T = kNowMs + 10;
        QCOMPARE(rig.clips.asked.size(), 1);
        const ClipRequest &r = rig.clips.asked[0];
        QCOMPARE(r.campaignId, QStringLiteral("hard-braking"));
        QCOMPARE(r.stream.device, QStringLiteral("cam-front"));
        QCOMPARE(r.stream.stream, QStringLiteral("clip"));
        QCOMPARE(r.triggerMs, T);
        QCOMPARE(r.preMs, 2000);
        QCOMPARE(r.postMs, 1000);
        QVERIFY(rig.captures.asked.isEmpty()); // not the recent frames: the clip
        rig.clock.ms = T + 1000;
        rig.collection->tick();
        QVERIFY(rig.sink.stored.isEmpty()); // the window ended; the clip is awaited
        QCOMPARE(rig.collection->nextDeadlineMs(), T + 1000 + 30000);
        const qint64 firstNs = (T - 2100) * 1'000'000 + 123;
        rig.clock.ms = T + 4000;
        rig.clips.answer(0, Clip{webmBytes(), firstNs});
        QCOMPARE(rig.sink.stored.size(), 1); // at once, not at the next tick
        const Item &item = rig.sink.stored[0];
        QCOMPARE(item.dataClass, DataClass::Camera);
        const auto entries = entriesOf(item.bytes);
        QCOMPARE(entries.at(QStringLiteral("streams/cam-front/clip.webm")), webmBytes());
        auto m = conduit::trust::parseJson(entries.at(QStringLiteral("manifest.json")));
        QVERIFY(m.ok());
        const JsonValue *clip = nullptr;
        for (const JsonValue &p : (*m)["parts"].toArray())
            if (p["name"].toString() == QLatin1String("streams/cam-front/clip.webm")) clip = &p;
        QVERIFY(clip);
        QCOMPARE((*clip)["sha256"].toString(), conduit::trust::sha256Hex(webmBytes()));
        QCOMPARE((*clip)["size"].toInteger(), webmBytes().size());
        QCOMPARE((*clip)["first_frame_ns"].toInteger(), firstNs);
        QCOMPARE((*clip)["first_ms"].toInteger(), firstNs / 1'000'000);
        QCOMPARE((*clip)["data_class"].toString(), QStringLiteral("camera"));
        QCOMPARE((*m)["missing"].toArray().size(), size_t(0));
        QVERIFY(rig.clips.cancelled.isEmpty());
    }

    // A clip that does not come within the wait: the bundle goes without it
    // and says so; the source is told to stop.
    void clipThatDoesNotComeIsMissing() {
        Rig rig;
        QVERIFY(rig.triggered(windowClip()));
        const qint64 T = kNowMs + 10;
        rig.clock.ms = T + 1000 + 29999;
        rig.collection->tick();
        QVERIFY(rig.sink.stored.isEmpty());
        rig.clock.ms = T + 1000 + 30000;
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1);
        QCOMPARE(rig.sink.stored[0].dataClass, DataClass::Telemetry); // no camera part in it
        QCOMPARE(rig.clips.cancelled.size(), 1);
        QCOMPARE(rig.clips.cancelled[0].first, QStringLiteral("hard-braking"));
        auto m = conduit::trust::parseJson(entriesOf(rig.sink.stored[0].bytes).at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["missing"].toArray().size(), size_t(1));
        QCOMPARE((*m)["missing"].toArray()[0]["reason"].toString(),
                 QStringLiteral("the clip did not arrive within 30 s after the window"));
        // A late answer changes nothing.
        rig.clips.answer(0, Clip{webmBytes(), 1});
        QCOMPARE(rig.sink.stored.size(), 1);

        Rig failed; // the agent could not make it: missing with its reason, at the window's end
        QVERIFY(failed.triggered(windowClip()));
        failed.clips.answer(0, conduit::error::DomainError<CaptureErrorKind>{CaptureErrorKind::Unavailable,
                                                                             QStringLiteral("no camera")});
        QVERIFY(failed.sink.stored.isEmpty());
        failed.clock.ms = T + 1000;
        failed.collection->tick();
        QCOMPARE(failed.sink.stored.size(), 1);
        m = conduit::trust::parseJson(entriesOf(failed.sink.stored[0].bytes).at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["missing"].toArray()[0]["reason"].toString(), QStringLiteral("no camera"));
    }

    // Camera refused: the agent is not asked, the manifest says withheld.
    void refusedClipIsNotAskedAndWithheld() {
        Rig rig;
        rig.consent = [](DataClass c) { return c != DataClass::Camera; };
        QVERIFY(rig.triggered(windowClip()));
        QVERIFY(rig.clips.asked.isEmpty());
        rig.clock.ms = kNowMs + 10 + 1000;
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1); // nothing to wait for
        QCOMPARE(rig.sink.stored[0].dataClass, DataClass::Telemetry);
        const auto entries = entriesOf(rig.sink.stored[0].bytes);
        QVERIFY(!entries.count(QStringLiteral("streams/cam-front/clip.webm")));
        auto m = conduit::trust::parseJson(entries.at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["withheld"].toArray().size(), size_t(1));
        QCOMPARE((*m)["withheld"].toArray()[0]["reason"].toString(),
                 QStringLiteral("the driver refused data class camera"));
        QCOMPARE((*m)["missing"].toArray().size(), size_t(0));
    }

    // Camera withdrawn after the clip was asked: whatever comes is withheld.
    void clipOfAClassRefusedMeanwhileIsWithheld() {
        Rig rig;
        bool camera = true;
        rig.consent = [&camera](DataClass c) { return c != DataClass::Camera || camera; };
        QVERIFY(rig.triggered(windowClip()));
        QCOMPARE(rig.clips.asked.size(), 1);
        camera = false;
        rig.clock.ms = kNowMs + 10 + 1000;
        rig.clips.answer(0, Clip{webmBytes(), 1}); // it came anyway
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1);
        QCOMPARE(rig.sink.stored[0].dataClass, DataClass::Telemetry);
        const auto entries = entriesOf(rig.sink.stored[0].bytes);
        QVERIFY(!entries.count(QStringLiteral("streams/cam-front/clip.webm")));
        auto m = conduit::trust::parseJson(entries.at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["withheld"].toArray().size(), size_t(1));
        QCOMPARE((*m)["withheld"].toArray()[0]["name"].toString(), QStringLiteral("streams/cam-front/clip.webm"));
    }

    void postWindowEndsOnTheClock() {
        Rig rig;
        QVERIFY(rig.triggered());
        QCOMPARE(rig.collection->nextDeadlineMs(), kNowMs + 1010);
        rig.clock.ms = kNowMs + 1009;
        rig.collection->tick();
        QVERIFY(rig.sink.stored.isEmpty());
        rig.clock.ms = kNowMs + 1010;
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1);
        const auto samples = SampleBatch::decode(entriesOf(rig.sink.stored[0].bytes).at(QStringLiteral("signals.csb")));
        QCOMPARE(samples->size(), size_t(2));
    }

    void stopFinishesAnOpenIncident() {
        Rig rig;
        QVERIFY(rig.triggered());
        rig.clock.ms = kNowMs + 400;
        QVERIFY(rig.collection->stop(QStringLiteral("hard-braking")).ok());
        QCOMPARE(rig.sink.stored.size(), 1);
        auto m = conduit::trust::parseJson(entriesOf(rig.sink.stored[0].bytes).at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["window"]["to_ms"].toInteger(), kNowMs + 400);
    }

    void periodicSignalWindows() {
        Rig rig;
        QVERIFY(rig.open());
        JsonValue d = baseDocument();
        d.objectRef()["trigger"] = JsonValue(JsonValue::Object{{"period_ms", JsonValue(1000)}});
        d.remove("window");
        d.objectRef()["collect"] = *conduit::trust::parseJson(R"({"signals": ["Vehicle.Speed"]})");
        QVERIFY(rig.accept(d));
        for (qint64 t = kNowMs; t <= kNowMs + 2000; t += 250) rig.signal(kSpeed, double(t - kNowMs), t);
        // The clock is now at kNowMs + 2000: two periods ended.
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const Item &item = rig.sink.stored[i];
            QCOMPARE(item.kind, ItemKind::SignalWindow);
            QCOMPARE(item.createdMs, kNowMs + 1000 * (i + 1));
            const auto samples = SampleBatch::decode(item.bytes);
            QVERIFY(samples);
            QCOMPARE(samples->size(), size_t(4)); // [start, end): 0, 250, 500, 750
            QCOMPARE(samples->front().timeUs, (kNowMs + 1000 * i) * 1000);
            QCOMPARE(samples->back().timeUs, (kNowMs + 1000 * i + 750) * 1000);
        }
        QCOMPARE(rig.collection->counters().signalWindows, 2);
    }

    void refusedPutIsCounted() {
        Rig rig;
        rig.sink.refuse = true;
        QVERIFY(rig.triggered());
        rig.clock.ms = kNowMs + 2000;
        rig.collection->tick();
        QCOMPARE(rig.collection->counters().failures, 1);
        QVERIFY2(rig.collection->lastFailure().contains(QLatin1String("the store refused its blob: full")),
                 qPrintable(rig.collection->lastFailure()));
    }

    void refusedClassesAreNeverCollected() {
        Rig rig;
        rig.consent = [](DataClass c) { return c != DataClass::Camera && c != DataClass::Logs; };
        QVERIFY(rig.triggered());
        rig.clock.ms = kNowMs + 2000;
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1);
        QVERIFY(rig.captures.asked.isEmpty()); // the camera was not even asked
        const auto entries = entriesOf(rig.sink.stored[0].bytes);
        QCOMPARE(entries.size(), size_t(2)); // manifest and signals only
        auto m = conduit::trust::parseJson(entries.at(QStringLiteral("manifest.json")));
        QCOMPARE((*m)["withheld"].toArray().size(), size_t(2)); // logs and camera
        QCOMPARE((*m)["withheld"].toArray()[1]["reason"].toString(),
                 QStringLiteral("the driver refused data class camera"));
        QCOMPARE((*m)["missing"].toArray().size(), size_t(0));

        Rig none; // the campaign's own class refused: nothing is put
        none.consent = [](DataClass c) { return c != DataClass::Telemetry; };
        QVERIFY(none.triggered());
        none.clock.ms = kNowMs + 2000;
        none.collection->tick();
        QVERIFY(none.sink.stored.isEmpty());
        QCOMPARE(none.collection->counters().refused, 1);
    }

    void ringBoundByCountIsReported() {
        SignalRing ring(10000, 3);
        for (int i = 0; i < 5; ++i) ring.add(SignalSample{0, i * 1000, double(i)});
        QCOMPARE(ring.size(), 3);
        QCOMPARE(ring.droppedForCount(), 2);
        QCOMPARE(ring.between(0, 10000).front().value, 2.0);
        SignalRing aged(1, 100); // 1 ms = 1000 us
        for (int i = 0; i < 5; ++i) aged.add(SignalSample{0, i * 600, double(i)});
        QCOMPARE(aged.size(), 2); // 1800 and 2400 us: within 1000 us of the newest
        QCOMPARE(aged.droppedForCount(), 0);
    }

    void logRingBounds() {
        LogRing byCount(LogRing::Bounds{3, 1 << 20, 60000});
        for (int i = 0; i < 5; ++i) byCount.append({i, QStringLiteral("conduit.a"), QString::number(i)});
        auto lines = byCount.between(0, 10, {QStringLiteral("*")});
        QCOMPARE(lines.size(), size_t(3));
        QCOMPARE(lines.front().text, QStringLiteral("2"));
        LogRing byAge(LogRing::Bounds{100, 1 << 20, 1000});
        byAge.append({0, QStringLiteral("conduit.a"), QStringLiteral("old")});
        byAge.append({1001, QStringLiteral("conduit.a"), QStringLiteral("new")});
        QCOMPARE(byAge.between(0, 2000, {QStringLiteral("*")}).size(), size_t(1));
        LogRing byBytes(LogRing::Bounds{100, 200, 60000});
        for (int i = 0; i < 5; ++i) byBytes.append({i, QStringLiteral("c"), QString(40, u'x')}); // 98 bytes each
        QCOMPARE(byBytes.between(0, 10, {QStringLiteral("*")}).size(), size_t(2));
        QVERIFY(LogRing::categoryMatches(QStringLiteral("conduit.trust"), {QStringLiteral("conduit.*")}));
        QVERIFY(!LogRing::categoryMatches(QStringLiteral("conduitx.trust"), {QStringLiteral("conduit.*")}));
        QVERIFY(!LogRing::categoryMatches(QStringLiteral("conduit.trust.x"), {QStringLiteral("conduit.trust")}));
    }

    // "Any tar reads it": GNU tar lists and extracts a bundle byte for byte.
    void tarReadsIt() {
        Rig rig;
        QVERIFY(rig.triggered());
        rig.clock.ms = kNowMs + 2000;
        rig.collection->tick();
        QCOMPARE(rig.sink.stored.size(), 1);
        QTemporaryDir out;
        QFile file(out.filePath(QStringLiteral("bundle.tar")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(rig.sink.stored[0].bytes);
        file.close();
        QProcess tar;
        tar.start(QStringLiteral("tar"), {QStringLiteral("-xf"), file.fileName(), QStringLiteral("-C"), out.path()});
        QVERIFY(tar.waitForFinished(30000));
        QCOMPARE(tar.exitCode(), 0);
        for (const auto &[name, bytes] : entriesOf(rig.sink.stored[0].bytes)) {
            QFile extracted(out.filePath(name));
            QVERIFY2(extracted.open(QIODevice::ReadOnly), qPrintable(name));
            QCOMPARE(extracted.readAll(), bytes);
        }
    }

    void readerIsStrict() {
        IncidentBundle b;
        b.campaignId = QStringLiteral("c");
        b.parts.push_back(
            BundlePart{QStringLiteral("signals.csb"), DataClass::Telemetry, QByteArray(700, 'x'), {}, {}, 0, {}});
        const QByteArray archive = b.encode();
        QCOMPARE(entriesOf(archive).size(), size_t(2));
        QVERIFY(!readBundle(archive.left(archive.size() - 512)).ok()); // one zero block missing
        QVERIFY(!readBundle(archive.left(1024 + 512)).ok());           // cut inside a part
        QByteArray damaged = archive;
        damaged[512 * 2 + 10] = 'Z'; // the second header's name (checksum no longer matches)
        QVERIFY(!readBundle(damaged).ok());
    }
};

QTEST_GUILESS_MAIN(TestIncidentBundle)
#include "tst_incidentbundle.moc"
