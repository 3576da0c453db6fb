// The UDS client's timing and NRC handling against a scripted Link: each
// step expects one request (checked byte for byte) and answers with replies
// that arrive at scripted delays after it, as a real ECU's would. Windows
// are several times the delays they must cover, and assertions are on
// outcome and order; elapsed time only gets generous bounds.
#include "udsclient.h"

#include <QTest>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

using namespace conduit::bootloader;
using namespace std::chrono_literals;

namespace {

Bytes bytesOf(std::initializer_list<int> v) {
    Bytes out;
    for (int b : v) out.push_back(static_cast<uint8_t>(b));
    return out;
}

struct Reply {
    std::chrono::milliseconds after; // since the previous reply (the first: since the request)
    Bytes bytes;
};
struct Step {
    Bytes expect;
    std::vector<Reply> replies;
};

class ScriptedLink : public Link {
public:
    std::deque<Step> script;
    std::vector<Bytes> sent, functional;
    std::vector<std::string> mismatches;
    std::optional<TransportError> sendError;
    int receives = 0;

    std::optional<TransportError> send(const Bytes &request) override {
        sent.push_back(request);
        if (sendError) return sendError;
        if (script.empty()) {
            mismatches.push_back("unscripted request");
            return std::nullopt;
        }
        Step step = std::move(script.front());
        script.pop_front();
        if (step.expect != request)
            mismatches.push_back("request differs from the script at #" + std::to_string(sent.size()));
        auto at = Clock::now();
        for (auto &r : step.replies) {
            at += r.after;
            queue_.push_back({at, std::move(r.bytes)});
        }
        return std::nullopt;
    }
    std::optional<TransportError> sendFunctional(const Bytes &request) override {
        functional.push_back(request);
        return std::nullopt;
    }
    // A reply is delivered when it has arrived by `deadline`, at its arrival
    // time; otherwise the call waits out the deadline, as a quiet link does.
    std::optional<TransportError> receive(Bytes &message, Clock::time_point deadline) override {
        ++receives;
        if (!queue_.empty() && queue_.front().first <= deadline) {
            std::this_thread::sleep_until(queue_.front().first);
            message = std::move(queue_.front().second);
            queue_.pop_front();
            return std::nullopt;
        }
        std::this_thread::sleep_until(deadline);
        return TransportError{TransportErrorKind::Timeout, "nothing"};
    }
    size_t maxMessageSize() const override { return 4095; }
    std::string describe() const override { return "scripted"; }

private:
    std::deque<std::pair<Clock::time_point, Bytes>> queue_;
};

const Bytes kPending = bytesOf({0x7F, 0x31, 0x78});
const Bytes kErase = bytesOf({0x31, 0x01, 0xFF, 0x00, 0x44, 0, 1, 0, 0, 0, 0, 0x10, 0});
const Bytes kErased = bytesOf({0x71, 0x01, 0xFF, 0x00, 0x00});

UdsTiming fast() {
    UdsTiming t;
    t.p2 = 40ms;
    t.p2Star = 400ms;
    t.margin = 10ms;
    t.busyDelay = 5ms;
    t.busyRetries = 2;
    return t;
}

} // namespace

class TestUdsClient : public QObject {
    Q_OBJECT

private slots:

    // A block repeated after its reply came late: the late reply (naming the
    // block before) and the repeat's reply both arrive; only the one the
    // filter accepts answers the request, the other is skipped.
    void aLateReplyToAnEarlierRequestIsSkipped() {
        ScriptedLink link;
        const Bytes block = bytesOf({0x36, 0x05, 0xAA, 0xBB});
        link.script.push_back({block, {{0ms, bytesOf({0x76, 0x04})}, {30ms, bytesOf({0x76, 0x05})}}});
        UdsTiming t;
        t.p2 = 500ms;
        UdsClient uds(link, t);
        const UdsResult r = uds.request(block, Clock::now() + 5s, false,
                                        [](const Bytes &reply) { return reply.size() >= 2 && reply[1] == 0x05; });
        QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
        QCOMPARE(r.response, bytesOf({0x76, 0x05}));
        QVERIFY(link.mismatches.empty());
        // Without a filter too: the response must echo the request (here its
        // counter). Before, the first positive 0x76 answered, and the next
        // block then took the repeat's reply.
        link.script.push_back({block, {{0ms, bytesOf({0x76, 0x04})}, {30ms, bytesOf({0x76, 0x05})}}});
        const UdsResult plain = uds.request(block, Clock::now() + 5s);
        QCOMPARE(plain.response, bytesOf({0x76, 0x05}));
        // A retried session change: the late 0x50 of the programming session
        // does not answer the request for the extended session.
        const Bytes extended = bytesOf({0x10, 0x03});
        link.script.push_back({extended,
                               {{0ms, bytesOf({0x50, 0x02, 0x00, 0x32, 0x01, 0xF4})},
                                {30ms, bytesOf({0x50, 0x03, 0x00, 0x32, 0x01, 0xF4})}}});
        const UdsResult session = uds.startSession(0x03, Clock::now() + 5s);
        QVERIFY2(session.ok(), session.error ? session.error->message.c_str() : "");
        QCOMPARE(session.response[1], uint8_t(0x03));
        QVERIFY(link.mismatches.empty());
    }
    void positiveReply() {
        ScriptedLink link;
        link.script.push_back({bytesOf({0x22, 0xF1, 0x89}), {{0ms, bytesOf({0x62, 0xF1, 0x89, '1', '.', '0'})}}});
        UdsClient client(link, fast());
        const auto r = client.request(bytesOf({0x22, 0xF1, 0x89}), Clock::now() + 5s);
        QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
        QCOMPARE(r.response, bytesOf({0x62, 0xF1, 0x89, '1', '.', '0'}));
        QVERIFY(link.mismatches.empty());
    }

    void negativeReplyNamed() {
        ScriptedLink link;
        const Bytes rd = bytesOf({0x34, 0x00, 0x44, 0, 1, 0, 0, 0, 0, 0x10, 0});
        link.script.push_back({rd, {{0ms, bytesOf({0x7F, 0x34, 0x31})}}});
        UdsClient client(link, fast());
        const auto r = client.request(rd, Clock::now() + 5s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error->kind, UdsError::Kind::Negative);
        QCOMPARE(r.error->nrc, std::optional(uds::Nrc::RequestOutOfRange));
        QCOMPARE(r.error->message, std::string("RequestDownload (0x34): requestOutOfRange (0x31)"));
    }

    // Three 0x78, each followed by a gap far beyond P2 (40 ms) but within
    // P2* (400 ms): the client waits P2* after each, and succeeds.
    void pendingRestartsP2Star() {
        ScriptedLink link;
        link.script.push_back({kErase, {{0ms, kPending}, {120ms, kPending}, {120ms, kPending}, {120ms, kErased}}});
        UdsClient client(link, fast());
        const auto r = client.request(kErase, Clock::now() + 10s);
        QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
        QCOMPARE(r.response, kErased);
        QCOMPARE(link.sent.size(), size_t(1));
    }

    // Without 0x78 the same 120 ms gap is past P2: a timeout that names P2.
    void silenceIsP2Timeout() {
        ScriptedLink link;
        link.script.push_back({kErase, {{120ms, kErased}}});
        UdsClient client(link, fast());
        const auto start = Clock::now();
        const auto r = client.request(kErase, Clock::now() + 10s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error->kind, UdsError::Kind::Timeout);
        QCOMPARE(r.error->message, std::string("RoutineControl (0x31): no response within P2 40 ms"));
        QVERIFY(Clock::now() - start >= 40ms);
        QVERIFY(Clock::now() - start < 5s);
    }

    void pendingThenSilenceIsP2StarTimeout() {
        ScriptedLink link;
        link.script.push_back({kErase, {{0ms, kPending}}});
        UdsClient client(link, fast());
        const auto start = Clock::now();
        const auto r = client.request(kErase, Clock::now() + 10s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error->kind, UdsError::Kind::Timeout);
        QVERIFY2(r.error->message.find("P2* 400 ms after responsePending (0x78)") != std::string::npos,
                 r.error->message.c_str());
        QVERIFY(Clock::now() - start >= 400ms);
        QVERIFY(Clock::now() - start < 8s);
    }

    // 0x78 forever: the step's deadline ends it (Kind::Deadline), not P2*.
    void deadlineBoundsPending() {
        ScriptedLink link;
        std::vector<Reply> pendings;
        for (int i = 0; i < 100; ++i) pendings.push_back({i ? 30ms : 0ms, kPending});
        link.script.push_back({kErase, pendings});
        UdsClient client(link, fast());
        const auto r = client.request(kErase, Clock::now() + 250ms);
        QVERIFY(!r.ok());
        QCOMPARE(r.error->kind, UdsError::Kind::Deadline);
        QVERIFY2(r.error->message.find("responsePending") != std::string::npos, r.error->message.c_str());
        QCOMPARE(link.sent.size(), size_t(1));
    }

    void busyRetriesBounded() {
        const Bytes busy = bytesOf({0x7F, 0x31, 0x21});
        {
            ScriptedLink link;
            link.script.push_back({kErase, {{0ms, busy}}});
            link.script.push_back({kErase, {{0ms, busy}}});
            link.script.push_back({kErase, {{0ms, kErased}}});
            UdsClient client(link, fast());
            const auto r = client.request(kErase, Clock::now() + 5s);
            QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
            QCOMPARE(link.sent.size(), size_t(3));
            QVERIFY(link.mismatches.empty());
        }
        {
            ScriptedLink link;
            for (int i = 0; i < 3; ++i) link.script.push_back({kErase, {{0ms, busy}}});
            UdsClient client(link, fast());
            const auto r = client.request(kErase, Clock::now() + 5s);
            QVERIFY(!r.ok());
            QCOMPARE(r.error->kind, UdsError::Kind::Negative);
            QCOMPARE(r.error->nrc, std::optional(uds::Nrc::BusyRepeatRequest));
            QCOMPARE(r.error->message, std::string("RoutineControl (0x31): busyRepeatRequest (0x21) after 2 repeats"));
            QCOMPARE(link.sent.size(), size_t(3)); // the request and 2 repeats, no more
        }
    }

    void cancellation() {
        ScriptedLink link;
        link.script.push_back({kErase, {{0ms, kPending}}});
        UdsTiming t = fast();
        t.p2Star = 60s;
        UdsClient client(link, t);
        int checks = 0;
        client.setCancelCheck([&] { return ++checks > 3; });
        const auto start = Clock::now();
        const auto r = client.request(kErase, Clock::now() + 120s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error->kind, UdsError::Kind::Cancelled);
        QVERIFY(Clock::now() - start < 30s);

        client.setCancelCheck([] { return true; });
        const auto before = link.sent.size();
        QCOMPARE(client.request(kErase, Clock::now() + 1s).error->kind, UdsError::Kind::Cancelled);
        QCOMPARE(link.sent.size(), before); // nothing sent once cancelled
    }

    void suppressed() {
        ScriptedLink link;
        const Bytes dtcOff = bytesOf({0x85, 0x82});
        link.script.push_back({dtcOff, {}});
        link.script.push_back({dtcOff, {{0ms, bytesOf({0x7F, 0x85, 0x22})}}});
        link.script.push_back({dtcOff, {{0ms, bytesOf({0x7F, 0x85, 0x78})}, {100ms, bytesOf({0xC5, 0x02})}}});
        UdsClient client(link, fast());
        auto r = client.request(dtcOff, Clock::now() + 5s, true);
        QVERIFY(r.ok());
        QVERIFY(r.response.empty());
        r = client.request(dtcOff, Clock::now() + 5s, true);
        QCOMPARE(r.error->nrc, std::optional(uds::Nrc::ConditionsNotCorrect));
        r = client.request(dtcOff, Clock::now() + 5s, true); // after a 0x78 the final response is owed
        QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
        QCOMPARE(r.response, bytesOf({0xC5, 0x02}));
    }

    void otherServicesSkipped() {
        ScriptedLink link;
        link.script.push_back({bytesOf({0x22, 0xF1, 0x89}),
                               {{0ms, bytesOf({0x7F, 0x3E, 0x12})},
                                {0ms, bytesOf({0x71, 0x01, 0x02, 0x02, 0})},
                                {0ms, bytesOf({0x62, 0xF1, 0x89})}}});
        UdsClient client(link, fast());
        const auto r = client.request(bytesOf({0x22, 0xF1, 0x89}), Clock::now() + 5s);
        QVERIFY2(r.ok(), r.error ? r.error->message.c_str() : "");
        QCOMPARE(r.response, bytesOf({0x62, 0xF1, 0x89}));
    }

    void malformedAndTransport() {
        ScriptedLink link;
        link.script.push_back({kErase, {{0ms, bytesOf({0x7F, 0x31})}}});
        UdsClient client(link, fast());
        auto r = client.request(kErase, Clock::now() + 5s);
        QCOMPARE(r.error->kind, UdsError::Kind::Unexpected);
        QVERIFY2(r.error->message.find("negative response of 2 bytes") != std::string::npos, r.error->message.c_str());

        link.sendError = TransportError{TransportErrorKind::Refused,
                                        "diagnostic message to 0x1001 refused: unknown target address (0x03)"};
        r = client.request(kErase, Clock::now() + 5s);
        QCOMPARE(r.error->kind, UdsError::Kind::Transport);
        QCOMPARE(
            r.error->message,
            std::string("RoutineControl (0x31): diagnostic message to 0x1001 refused: unknown target address (0x03)"));
        QCOMPARE(client.request({}, Clock::now() + 1s).error->kind, UdsError::Kind::Unexpected);
    }

    void sessionTiming() {
        ScriptedLink link;
        link.script.push_back({bytesOf({0x10, 0x02}), {{0ms, bytesOf({0x50, 0x02, 0x00, 0x19, 0x00, 0x0A})}}});
        link.script.push_back({bytesOf({0x10, 0x03}), {{0ms, bytesOf({0x50, 0x02, 0x00, 0x19, 0x00, 0x0A})}}});
        UdsClient client(link, fast());
        QVERIFY(client.startSession(0x02, Clock::now() + 5s).ok());
        QCOMPARE(client.timing().p2, 25ms);
        QCOMPARE(client.timing().p2Star, 100ms);
        // A reply naming another session is no answer to this request (a late
        // one to an earlier request): the wait goes on, and ends with nothing.
        const auto r = client.startSession(0x03, Clock::now() + 5s);
        QCOMPARE(r.error->kind, UdsError::Kind::Timeout);
    }

    void testerPresent() {
        ScriptedLink link;
        UdsTiming t = fast();
        t.s3 = 0ms; // always due
        UdsClient client(link, t);
        QVERIFY(!client.keepAlive());
        QVERIFY(link.sent.empty()); // off by default (default session)
        client.setTesterPresent(true);
        link.script.push_back({bytesOf({0x3E, 0x80}), {}});
        QVERIFY(!client.keepAlive());
        QCOMPARE(link.sent, std::vector<Bytes>{bytesOf({0x3E, 0x80})});
        QVERIFY(link.mismatches.empty());

        UdsTiming slow = fast();
        slow.s3 = 1h;
        UdsClient quiet(link, slow);
        quiet.setTesterPresent(true);
        link.script.push_back({bytesOf({0x22, 0xF1, 0x89}), {{0ms, bytesOf({0x62, 0xF1, 0x89})}}});
        QVERIFY(quiet.request(bytesOf({0x22, 0xF1, 0x89}), Clock::now() + 5s).ok());
        QVERIFY(!quiet.keepAlive()); // the request just sent keeps the session
        QCOMPARE(link.sent.size(), size_t(2));

        link.sendError = TransportError{TransportErrorKind::ConnectionLost, "gone"};
        const auto e = client.keepAlive();
        QVERIFY(e);
        QCOMPARE(e->message, std::string("TesterPresent (0x3e): gone"));
    }

    void functional() {
        ScriptedLink link;
        UdsClient client(link, fast());
        QVERIFY(client.requestFunctional(bytesOf({0x28, 0x83, 0x01})).ok());
        QCOMPARE(link.functional, std::vector<Bytes>{bytesOf({0x28, 0x83, 0x01})});
        QVERIFY(link.sent.empty());
    }
};

QTEST_APPLESS_MAIN(TestUdsClient)
#include "tst_udsclient.moc"
