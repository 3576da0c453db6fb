// The campaign document's strict parser: a valid document parses into the
// typed campaign, and every way of being wrong is refused with a message
// naming the field.
#include "campaignfixture.h"

#include <QFile>
#include <QTest>

using namespace campaigntest;

namespace {

// The member at a dotted path ("collect.streams.0.device"), created when missing.
JsonValue &at(JsonValue &root, const QString &path) {
    JsonValue *v = &root;
    for (const QString &part : path.split(u'.')) {
        bool isIndex = false;
        const int index = part.toInt(&isIndex);
        if (isIndex)
            v = &v->arrayRef()[size_t(index)];
        else
            v = &v->objectRef()[part.toStdString()];
    }
    return *v;
}

void erase(JsonValue &root, const QString &path) {
    const qsizetype dot = path.lastIndexOf(u'.');
    JsonValue &parent = dot < 0 ? root : at(root, path.left(dot));
    parent.remove(path.mid(dot + 1).toStdString());
}

JsonValue json(const char *text) { return *conduit::trust::parseJson(QByteArray(text)); }

struct Case {
    const char *name;
    const char *path;    // member to change
    const char *value;   // JSON to put there; nullptr: remove the member
    const char *message; // expected in the error
};

// One row per refusal of the parser.
const Case kCases[] = {
    {"unknown top-level field", "colour", "\"red\"", "colour: unknown field"},
    {"unknown nested field", "window.mid_ms", "1", "window.mid_ms: unknown field"},
    {"wrong _type", "_type", "\"targets\"", "_type: must be \"campaign\""},
    {"wrong spec_version", "spec_version", "\"2.0\"", "spec_version: must be \"1.0\""},
    {"missing id", "id", nullptr, "id: is required"},
    {"unsafe id", "id", "\"../etc\"", "id: \"../etc\" is not a safe id"},
    {"id of wrong type", "id", "7", "id: must be a string"},
    {"version zero", "version", "0", "version: 0 is out of range"},
    {"version as string", "version", "\"1\"", "version: must be an integer"},
    {"bad start", "start", "\"2026-12-01\"", "start: must be YYYY-MM-DDTHH:MM:SSZ"},
    {"expiry before start", "expires", "\"2026-11-30T00:00:00Z\"", "expires: is not after start"},
    {"missing scope", "scope", nullptr, "scope: is required"},
    {"empty vehicles", "scope.vehicles", "[]", "scope.vehicles: must not be empty"},
    {"vehicle not a string", "scope.vehicles", "[1]", "scope.vehicles[0]: must be a string"},
    {"stream device outside scope.devices", "scope.devices", "[\"ecu-1\"]",
     "collect.streams[0].device: \"cam-front\" is not one of scope.devices"},
    {"signal not a VSS path", "collect.signals.0", "\"Vehicle..Speed\"",
     "collect.signals[0]: \"Vehicle..Speed\" is not a VSS signal path"},
    {"signal twice", "collect.signals.1", "\"Vehicle.Speed\"", "collect.signals[1]: \"Vehicle.Speed\" is listed twice"},
    {"too many signals", "collect.signals",
     "[\"A.s0\",\"A.s1\",\"A.s2\",\"A.s3\",\"A.s4\",\"A.s5\",\"A.s6\",\"A.s7\",\"A.s8\",\"A.s9\",\"A.s10\",\"A.s11\","
     "\"A.s12\",\"A.s13\",\"A.s14\",\"A.s15\",\"A.s16\",\"A.s17\",\"A.s18\",\"A.s19\",\"A.s20\",\"A.s21\",\"A.s22\","
     "\"A.s23\",\"A.s24\",\"A.s25\",\"A.s26\",\"A.s27\",\"A.s28\",\"A.s29\",\"A.s30\",\"A.s31\",\"A.s32\",\"A.s33\","
     "\"A.s34\",\"A.s35\",\"A.s36\",\"A.s37\",\"A.s38\",\"A.s39\",\"A.s40\",\"A.s41\",\"A.s42\",\"A.s43\",\"A.s44\","
     "\"A.s45\",\"A.s46\",\"A.s47\",\"A.s48\",\"A.s49\",\"A.s50\",\"A.s51\",\"A.s52\",\"A.s53\",\"A.s54\",\"A.s55\","
     "\"A.s56\",\"A.s57\",\"A.s58\",\"A.s59\",\"A.s60\",\"A.s61\",\"A.s62\",\"A.s63\",\"A.s64\"]",
     "collect.signals: 65 entries, the limit is 64"},
    {"bad log category", "collect.logs.0", "\"conduit trust\"",
     "collect.logs[0]: \"conduit trust\" is not a log category"},
    {"stream without stream id", "collect.streams.0.stream", nullptr, "collect.streams[0].stream: is required"},
    {"stream param not a string", "collect.streams.0.params.fps", "10",
     "collect.streams[0].params.fps: must be a string"},
    {"stream of unknown class", "collect.streams.0.data_class", "\"audio\"",
     "collect.streams[0].data_class: unknown value \"audio\""},
    {"stream of unknown capture", "collect.streams.0.capture", "\"always\"",
     "collect.streams[0].capture: \"always\" is not one of stream, window"},
    {"stream capture not a string", "collect.streams.0.capture", "1", "collect.streams[0].capture: must be a string"},
    {"collects nothing", "collect", "{}", "collect: collects nothing"},
    {"period and condition", "trigger.period_ms", "1000", "trigger: needs exactly one of period_ms and condition"},
    {"neither period nor condition", "trigger", "{}", "trigger: needs exactly one of period_ms and condition"},
    {"period too short", "trigger", "{\"period_ms\": 10}", "trigger.period_ms: 10 is out of range"},
    {"min interval with a period", "trigger", "{\"period_ms\": 1000, \"min_interval_ms\": 5}",
     "trigger.min_interval_ms: only with a condition"},
    {"negative min interval", "trigger.min_interval_ms", "-1", "trigger.min_interval_ms: -1 is out of range"},
    {"condition syntax", "trigger.condition", "\"Vehicle.Speed >\"",
     "trigger.condition: at offset 15: expected an operand, found the end"},
    {"condition too deep", "trigger.condition", "\"((((((((((((((((((x))))))))))))))))))\"",
     "trigger.condition: at offset 16: nested deeper than 16"},
    {"condition too long", "trigger.condition", nullptr, "trigger.condition: 1100 characters, the limit is 1024"},
    {"negative window", "window.pre_ms", "-5", "window.pre_ms: -5 is out of range [0, 300000]"},
    {"window over the cap", "window.post_ms", "300001", "window.post_ms: 300001 is out of range [0, 300000]"},
    {"window without a condition", "trigger", "{\"period_ms\": 1000}", "window: only with a trigger condition"},
    {"unknown priority", "priority", "\"urgent\"", "priority: unknown value \"urgent\""},
    {"unknown data class", "data_class", "\"secret\"", "data_class: unknown value \"secret\""},
    {"unknown upload policy", "upload", "\"wifi\"", "upload: unknown value \"wifi\""},
    {"retention zero", "retention_s", "0", "retention_s: 0 is out of range"},
    {"not an object", "", "[]", "signed: must be an object"},
};

} // namespace

class TestCampaignDocument : public QObject {
    Q_OBJECT
private slots:
    void parsesTheBaseDocument() {
        auto c = parseCampaign(baseDocument());
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->id, QStringLiteral("hard-braking"));
        QCOMPARE(c->version, 1);
        QCOMPARE(c->startMs, kStartMs);
        QCOMPARE(c->signalNames.size(), 2);
        QCOMPARE(c->streams.size(), size_t(1));
        QCOMPARE(c->streams[0].dataClass, DataClass::Camera);
        QCOMPARE(c->streams[0].params.at(QStringLiteral("fps")), QStringLiteral("10"));
        QCOMPARE(c->streams[0].capture, StreamCapture::Continuous); // "capture" absent: "stream"
        QCOMPARE(c->trigger, TriggerKind::Condition);
        QCOMPARE(c->minIntervalMs, 60000);
        QCOMPARE(c->preMs, 2000);
        QCOMPARE(c->postMs, 1000);
        QCOMPARE(c->priority, Priority::Safety);
        QCOMPARE(c->dataClass, DataClass::Telemetry);
        QCOMPARE(c->retentionMs, 86400 * 1000);
        QCOMPARE(c->upload, UploadPolicy::Unmetered);
        QVERIFY(c->condition);
        QCOMPARE(c->condition->signalNames(), c->signalNames);
    }

    void periodicDocument() {
        JsonValue d = baseDocument();
        at(d, QStringLiteral("trigger")) = json(R"({"period_ms": 5000})");
        erase(d, QStringLiteral("window"));
        at(d, QStringLiteral("upload")) = JsonValue("parked_unmetered");
        auto c = parseCampaign(d);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->trigger, TriggerKind::Periodic);
        QCOMPARE(c->periodMs, 5000);
        QCOMPARE(c->upload, UploadPolicy::ParkedUnmetered);
        QVERIFY(!c->condition);
    }

    // "capture": "window" asks the agent for the trigger's window: only
    // with a condition and a window that is not empty.
    void windowCaptureNeedsAWindow() {
        JsonValue d = baseDocument();
        at(d, QStringLiteral("collect.streams.0")).objectRef()["capture"] = JsonValue("window");
        auto c = parseCampaign(d);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->streams[0].capture, StreamCapture::Window);

        JsonValue empty = d;
        at(empty, QStringLiteral("window")) = json(R"({"pre_ms": 0, "post_ms": 0})");
        auto refused = parseCampaign(empty);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(
                     QStringLiteral("collect.streams[0].capture: \"window\" needs a window (pre_ms + post_ms > 0)")),
                 qPrintable(refused.error().message));

        JsonValue periodic = d;
        erase(periodic, QStringLiteral("window"));
        at(periodic, QStringLiteral("trigger")) = json(R"({"period_ms": 1000})");
        refused = parseCampaign(periodic);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(
                     QStringLiteral("collect.streams[0].capture: \"window\" only with a trigger condition")),
                 qPrintable(refused.error().message));
    }

    void refuses_data() {
        QTest::addColumn<int>("index");
        for (int i = 0; i < int(std::size(kCases)); ++i) QTest::newRow(kCases[i].name) << i;
    }
    void refuses() {
        QFETCH(int, index);
        const Case &c = kCases[index];
        JsonValue d = baseDocument();
        if (QByteArray(c.name) == "condition too long")
            at(d, QStringLiteral("trigger.condition")) = JsonValue(QString(1100, u'x'));
        else if (QByteArray(c.name) == "not an object")
            d = json(c.value);
        else if (c.value)
            at(d, QLatin1String(c.path)) = json(c.value);
        else
            erase(d, QLatin1String(c.path));
        auto parsed = parseCampaign(d);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, CampaignErrorKind::Malformed);
        QVERIFY2(parsed.error().message.startsWith(QLatin1String(c.message)), qPrintable(parsed.error().message));
    }

    // The fuzz targets' seeds are valid documents, so the fuzzer starts deep
    // inside the parser.
    void fuzzSeedsParse() {
        for (const char *name : {"condition.json", "periodic.json"}) {
            QFile file(QStringLiteral(CONDUIT_FUZZ_CORPUS "/fuzz_campaign/") + QLatin1String(name));
            QVERIFY(file.open(QIODevice::ReadOnly));
            auto json = conduit::trust::parseJson(file.readAll());
            QVERIFY(json.ok());
            auto c = parseCampaign(*json);
            QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        }
    }

    void scopeMatching() {
        Scope s{{QStringLiteral("WVW*"), QStringLiteral("TEST-1")}, {}};
        QVERIFY(inScope(s, {QStringLiteral("WVW123"), {}}));
        QVERIFY(inScope(s, {QStringLiteral("TEST-1"), {}}));
        QVERIFY(!inScope(s, {QStringLiteral("TEST-12"), {}}));
        QVERIFY(!inScope(s, {QStringLiteral("XWVW1"), {}}));
        QVERIFY(inScope(Scope{{QStringLiteral("*")}, {}}, {QStringLiteral("anything"), {}}));
        // A pattern's other characters are literal, not regular expression syntax.
        QVERIFY(!inScope(Scope{{QStringLiteral("A.C")}, {}}, {QStringLiteral("ABC"), {}}));
        Scope withDevices{{QStringLiteral("*")}, {QStringLiteral("cam-front"), QStringLiteral("ecu-7")}};
        QVERIFY(inScope(withDevices, {QStringLiteral("V"), {QStringLiteral("ecu-7")}}));
        QVERIFY(!inScope(withDevices, {QStringLiteral("V"), {QStringLiteral("ecu-8")}}));
    }

    void uploadPolicyNames() {
        for (UploadPolicy p : {UploadPolicy::Any, UploadPolicy::Unmetered, UploadPolicy::ParkedUnmetered})
            QCOMPARE(uploadPolicyFromName(nameOf(p)), std::optional<UploadPolicy>(p));
        QCOMPARE(nameOf(UploadPolicy::ParkedUnmetered), QStringLiteral("parked_unmetered"));
        QVERIFY(!uploadPolicyFromName(u"Any"));
    }
};

QTEST_GUILESS_MAIN(TestCampaignDocument)
#include "tst_campaigndocument.moc"
