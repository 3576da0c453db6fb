// The typed IPC messages: one encoder and one decoder per message, shared
// by the host and the runner (ipc/messages.h).
#include "ipc/messages.h"
#include <conduit/agent.h>

#include <QTest>

using namespace conduit::ipc;

namespace {

template <class M>
std::optional<M> through(const M &m, std::string *error = nullptr) {
    const std::string frame = msg::frame(9, m);
    FrameHeader h;
    if (decodeHeader(reinterpret_cast<const unsigned char *>(frame.data()), h) != HeaderError::None ||
        h.type != M::kType || h.request != 9)
        return std::nullopt;
    return msg::decode<M>(std::string_view(frame).substr(kHeaderSize), error);
}

std::string payloadOf(const Fields &f) { return f.encode(); }

} // namespace

class TestMessages : public QObject {
    Q_OBJECT
private slots:
    void everyMessageRoundTrips() {
        msg::Call call{Op::Transfer,
                       {"ecu-1", "ecu.bin", "2.0.0", std::string(64, 'a'), R"({"k":1})", "/s/staging", 1ull << 40},
                       "can0",
                       R"({"rate":10})"};
        QVERIFY(through(call) == call);
        msg::Init init{R"({"port":1})", "/var/lib/x"};
        QVERIFY(through(init) == init);
        msg::DataEnd end{CONDUIT_E_PAYLOAD};
        QVERIFY(through(end) == end);
        msg::Hello hello{1, "io.conduit.x", "1.2", 1, 3, 1, 2, 2, {"ecu", "gw"}, 4242};
        QVERIFY(through(hello) == hello);
        msg::Fail fail{CONDUIT_E_ABI, "missing entry symbol"};
        QVERIFY(through(fail) == fail);
        msg::Result result{-1003, "vendor failure", CONDUIT_CONSENT_POSTPONE, 5, true};
        QVERIFY(through(result) == result);
        msg::Device device{"ecu-1", "ecu", "hw", "1.0", "0.9", "activated", 3};
        QVERIFY(through(device) == device);
        msg::Credit credit{1u << 20};
        QVERIFY(through(credit) == credit);
        msg::Log log{CONDUIT_LOG_WARNING, "w\xc3\xa4rning"};
        QVERIFY(through(log) == log);
        msg::Progress progress{"ecu-1", 10, 100};
        QVERIFY(through(progress) == progress);
        msg::Status status{"ecu-1", "erasing"};
        QVERIFY(through(status) == status);
        msg::CaptureData data{"can0", std::string("\0\1\xff", 3), 123456789};
        QVERIFY(through(data) == data);
        msg::CaptureEnd capEnd{"can0", CONDUIT_E_IO};
        QVERIFY(through(capEnd) == capEnd);
    }

    // An absent field reads as the same default on both sides.
    void absentFieldsHaveOneDefault() {
        const Fields none;
        QCOMPARE(msg::Result::read(none).code, int64_t(CONDUIT_E_FAILED));
        QCOMPARE(msg::Init::read(none).configJson, std::string("{}"));
        QVERIFY(!msg::Log::read(none).level);
        QVERIFY(!msg::Hello::read(none).hostMinor);
        QCOMPARE(msg::DataEnd::read(none).code, int64_t(0));
        Fields op;
        op.putU64(Tag::Op, static_cast<uint64_t>(Op::Inventory));
        auto call = msg::Call::read(op, nullptr);
        QVERIFY(call);
        QCOMPARE(call->update.customJson, std::string("{}"));
        QVERIFY(call->name.empty() && call->params.empty());
    }

    // Empty name and params are not sent, so the runner's "{}" applies.
    void emptyNameAndParamsAreNotSent() {
        msg::Call c{Op::CaptureStart, {}, {}, {}};
        auto f = Fields::decode(c.fields().encode(), nullptr);
        QVERIFY(f);
        QVERIFY(!f->has(Tag::Name));
        QVERIFY(!f->has(Tag::Params));
        QVERIFY(f->has(Tag::CustomJson));
    }

    void unknownOperationIsRefused() {
        for (uint64_t op : {uint64_t(0), uint64_t(kMaxOp + 1), ~uint64_t(0)}) {
            Fields f;
            f.putU64(Tag::Op, op);
            std::string error;
            QVERIFY(!msg::decode<msg::Call>(payloadOf(f), &error));
            QCOMPARE(error, "unknown operation " + std::to_string(op));
        }
    }

    void malformedFieldListsAreRefused() {
        std::string error;
        // An integer field of 4 bytes.
        std::string bytes("\x1e\x00\x04\x00\x00\x00\x01\x02\x03\x04", 10);
        QVERIFY(!msg::decode<msg::Credit>(bytes, &error));
        QVERIFY2(error.find("not 8 bytes") != std::string::npos, error.c_str());
        // A duplicate tag.
        const std::string once = msg::Status{"a", "b"}.fields().encode();
        error.clear();
        QVERIFY(!msg::decode<msg::Status>(once + once, &error));
        QVERIFY2(error.find("duplicate") != std::string::npos, error.c_str());
    }

    // Device types cross as one line-separated field; empty names drop out.
    void deviceTypesSplitOnNewlines() {
        Fields f;
        f.put(Tag::DeviceTypes, "ecu\n\ngw\n");
        QCOMPARE(msg::Hello::read(f).deviceTypes, (std::vector<std::string>{"ecu", "gw"}));
        QVERIFY(msg::Hello::read(Fields()).deviceTypes.empty());
    }

    // The typed messages keep the wire as it was (tags and integer widths):
    // a runner and a host built before them still understand each other.
    void deviceKeepsTheWireTags() {
        const msg::Device d{"ecu-1", "ecu", "hw", "1.0", "0.9", "idle", 7};
        auto f = Fields::decode(d.fields().encode(), nullptr);
        QVERIFY(f);
        QCOMPARE(f->strOr(Tag::DeviceId), std::string("ecu-1"));
        QCOMPARE(f->strOr(Tag::DeviceType), std::string("ecu"));
        QCOMPARE(f->strOr(Tag::HardwareId), std::string("hw"));
        QCOMPARE(f->strOr(Tag::CurrentVersion), std::string("1.0"));
        QCOMPARE(f->strOr(Tag::PreviousVersion), std::string("0.9"));
        QCOMPARE(f->strOr(Tag::UpdateState), std::string("idle"));
        QCOMPARE(*f->u64(Tag::Capabilities), uint64_t(7));
    }
};

QTEST_GUILESS_MAIN(TestMessages)
#include "tst_messages.moc"
