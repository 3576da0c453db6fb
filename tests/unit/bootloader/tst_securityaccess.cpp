// SecurityAccess (0x27) on the real UDS client over a scripted Link that
// answers each expected request at once, with the example OEM library
// computing the keys: unlock, zero seed, invalid key (no retry), exceeded
// attempts, the delay timer (waited once, through an injected wait), and
// other NRCs named.
#include "securityaccess.h"

#include <QTest>

#include <deque>

using namespace conduit::bootloader;
using namespace std::chrono_literals;

namespace {

struct Exchange {
    Bytes request, reply;
};

class AnsweringLink : public Link {
public:
    std::deque<Exchange> script;
    std::vector<Bytes> sent;
    std::vector<std::string> mismatches;

    std::optional<TransportError> send(const Bytes &request) override {
        sent.push_back(request);
        if (script.empty()) {
            mismatches.push_back("unscripted request #" + std::to_string(sent.size()));
            return std::nullopt;
        }
        if (script.front().request != request)
            mismatches.push_back("request #" + std::to_string(sent.size()) + " differs");
        pending_.push_back(script.front().reply);
        script.pop_front();
        return std::nullopt;
    }
    std::optional<TransportError> sendFunctional(const Bytes &) override { return std::nullopt; }
    std::optional<TransportError> receive(Bytes &message, Clock::time_point) override {
        if (pending_.empty()) return TransportError{TransportErrorKind::Timeout, "no scripted reply"};
        message = pending_.front();
        pending_.pop_front();
        return std::nullopt;
    }
    size_t maxMessageSize() const override { return 4095; }
    std::string describe() const override { return "answering"; }

private:
    std::deque<Bytes> pending_;
};

const Bytes kSeed = {0x11, 0x22, 0x33, 0x44};
// The conventions' formula: key[i] = seed[n-1-i] ^ (0xC3 + level) ^ secret[i % 4].
Bytes keyFor(const Bytes &seed, uint8_t level) {
    static const uint8_t secret[4] = {0x13, 0x37, 0xC0, 0xDE};
    Bytes key(seed.size());
    for (size_t i = 0; i < seed.size(); ++i)
        key[i] = uint8_t(seed[seed.size() - 1 - i] ^ uint8_t(0xC3 + level) ^ secret[i % 4]);
    return key;
}
Bytes seedRequest(uint8_t level) { return {0x27, level}; }
Bytes seedReply(uint8_t level, const Bytes &seed) {
    Bytes r{0x67, level};
    r.insert(r.end(), seed.begin(), seed.end());
    return r;
}
Bytes keyRequest(uint8_t level, const Bytes &key) {
    Bytes r{0x27, uint8_t(level + 1)};
    r.insert(r.end(), key.begin(), key.end());
    return r;
}
Bytes negative(uint8_t nrc) { return {0x7F, 0x27, nrc}; }

} // namespace

class TestSecurityAccess : public QObject {
    Q_OBJECT
    std::unique_ptr<SeedKeyLibrary> lib_;
    std::vector<std::chrono::milliseconds> waits_;

    SecurityAccess::Wait recordWait() {
        return [this](std::chrono::milliseconds d, const std::function<void()> &keepAlive) {
            waits_.push_back(d);
            keepAlive();
            return true;
        };
    }
    SecurityAccessConfig config(uint8_t level = 1) {
        SecurityAccessConfig c;
        c.level = level;
        c.delay = 10s;
        c.requestTimeout = 2s;
        return c;
    }

private slots:
    void initTestCase() {
        SeedKeyError error{};
        lib_ = SeedKeyLibrary::open(SEEDKEY_EXAMPLE, error);
        QVERIFY2(lib_, error.message.c_str());
    }
    void init() { waits_.clear(); }

    void unlocks() {
        for (uint8_t level : {uint8_t(0x01), uint8_t(0x11)}) {
            AnsweringLink link;
            link.script = {{seedRequest(level), seedReply(level, kSeed)},
                           {keyRequest(level, keyFor(kSeed, level)), {0x67, uint8_t(level + 1)}}};
            UdsClient client(link);
            SecurityAccess access(client, *lib_, config(level), recordWait());
            UnlockOutcome outcome{};
            const auto e = access.unlock(outcome);
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(outcome, UnlockOutcome::Unlocked);
            QVERIFY(link.script.empty() && link.mismatches.empty());
        }
        QVERIFY(waits_.empty());
    }

    void zeroSeedMeansUnlocked() {
        AnsweringLink link;
        link.script = {{seedRequest(1), seedReply(1, {0, 0, 0, 0})}};
        UdsClient client(link);
        SecurityAccess access(client, *lib_, config(), recordWait());
        UnlockOutcome outcome{};
        QVERIFY(!access.unlock(outcome));
        QCOMPARE(outcome, UnlockOutcome::AlreadyUnlocked);
        QCOMPARE(link.sent.size(), size_t(1)); // no key sent
    }

    void invalidKeyNotRetried() {
        AnsweringLink link;
        link.script = {{seedRequest(1), seedReply(1, kSeed)}, {keyRequest(1, keyFor(kSeed, 1)), negative(0x35)}};
        UdsClient client(link);
        SecurityAccess access(client, *lib_, config(), recordWait());
        UnlockOutcome outcome{};
        const auto e = access.unlock(outcome);
        QVERIFY(e);
        QCOMPARE(e->kind, SecurityAccessError::Kind::InvalidKey);
        QVERIFY(e->nrc == uds::Nrc::InvalidKey);
        QVERIFY2(e->message.find("invalidKey") != std::string::npos &&
                     e->message.find("not retried") != std::string::npos,
                 e->message.c_str());
        QCOMPARE(link.sent.size(), size_t(2));
        QVERIFY(link.mismatches.empty());
    }

    void exceededAttempts() {
        AnsweringLink link;
        link.script = {{seedRequest(1), seedReply(1, kSeed)}, {keyRequest(1, keyFor(kSeed, 1)), negative(0x36)}};
        UdsClient client(link);
        SecurityAccess access(client, *lib_, config(), recordWait());
        UnlockOutcome outcome{};
        const auto e = access.unlock(outcome);
        QVERIFY(e && e->kind == SecurityAccessError::Kind::ExceededAttempts);
        QVERIFY2(e->message.find("exceedNumberOfAttempts") != std::string::npos ||
                     e->message.find("exceededNumberOfAttempts") != std::string::npos,
                 e->message.c_str());
        QCOMPARE(link.sent.size(), size_t(2));
    }

    // 0x37 on requestSeed: wait the profile's delay once (capped), then unlock.
    void delayWaitedOnce() {
        AnsweringLink link;
        link.script = {{seedRequest(1), negative(0x37)},
                       {seedRequest(1), seedReply(1, kSeed)},
                       {keyRequest(1, keyFor(kSeed, 1)), {0x67, 0x02}}};
        UdsClient client(link);
        SecurityAccessConfig c = config();
        c.delay = 90s;
        c.maxDelay = 30s;
        SecurityAccess access(client, *lib_, c, recordWait());
        UnlockOutcome outcome{};
        const auto e = access.unlock(outcome);
        QVERIFY2(!e, e ? e->message.c_str() : "");
        QCOMPARE(outcome, UnlockOutcome::Unlocked);
        QCOMPARE(waits_.size(), size_t(1));
        QCOMPARE(waits_[0].count(), 30000); // capped
        QVERIFY(link.mismatches.empty());
    }

    void delayStillNotExpired() {
        AnsweringLink link;
        link.script = {{seedRequest(1), negative(0x37)}, {seedRequest(1), negative(0x37)}};
        UdsClient client(link);
        SecurityAccess access(client, *lib_, config(), recordWait());
        UnlockOutcome outcome{};
        const auto e = access.unlock(outcome);
        QVERIFY(e && e->kind == SecurityAccessError::Kind::DelayNotExpired);
        QVERIFY2(e->message.find("again after waiting 10000 ms") != std::string::npos, e->message.c_str());
        QCOMPARE(waits_.size(), size_t(1));
        QCOMPARE(link.sent.size(), size_t(2)); // no third request
    }

    void cancelledDuringDelay() {
        AnsweringLink link;
        link.script = {{seedRequest(1), negative(0x37)}};
        UdsClient client(link);
        SecurityAccess access(client, *lib_, config(),
                              [](std::chrono::milliseconds, const std::function<void()> &) { return false; });
        UnlockOutcome outcome{};
        const auto e = access.unlock(outcome);
        QVERIFY(e && e->kind == SecurityAccessError::Kind::Link);
        QCOMPARE(link.sent.size(), size_t(1));
    }

    void otherErrorsNamed() {
        {
            AnsweringLink link;
            link.script = {{seedRequest(1), negative(0x22)}};
            UdsClient client(link);
            SecurityAccess access(client, *lib_, config(), recordWait());
            UnlockOutcome outcome{};
            const auto e = access.unlock(outcome);
            QVERIFY(e && e->kind == SecurityAccessError::Kind::Negative && e->nrc == uds::Nrc::ConditionsNotCorrect);
            QVERIFY2(e->message.find("conditionsNotCorrect") != std::string::npos, e->message.c_str());
        }
        {
            // A seed reply for another level does not echo the request: it is
            // no answer (a late one to an earlier request), so the request
            // times out, and no key is sent.
            AnsweringLink link;
            link.script = {{seedRequest(1), seedReply(3, kSeed)}};
            UdsClient client(link);
            SecurityAccess access(client, *lib_, config(), recordWait());
            UnlockOutcome outcome{};
            const auto e = access.unlock(outcome);
            QVERIFY(e && e->kind == SecurityAccessError::Kind::Link);
            QVERIFY2(e->message.find("no response") != std::string::npos, e->message.c_str());
        }
        {
            AnsweringLink link; // the library refuses the variant: nothing sent after the seed
            link.script = {{seedRequest(1), seedReply(1, kSeed)}};
            UdsClient client(link);
            SecurityAccessConfig c = config();
            c.variant = "another-oem";
            SecurityAccess access(client, *lib_, c, recordWait());
            UnlockOutcome outcome{};
            const auto e = access.unlock(outcome);
            QVERIFY(e && e->kind == SecurityAccessError::Kind::KeyGeneration);
            QVERIFY2(e->message.find("variantInvalid") != std::string::npos, e->message.c_str());
            QCOMPARE(link.sent.size(), size_t(1));
        }
        {
            AnsweringLink link;
            UdsClient client(link);
            SecurityAccess access(client, *lib_, config(2), recordWait());
            UnlockOutcome outcome{};
            const auto e = access.unlock(outcome);
            QVERIFY(e && e->kind == SecurityAccessError::Kind::Config);
            QVERIFY(link.sent.empty());
        }
        QCOMPARE(securityAccessErrorName(SecurityAccessError::Kind::InvalidKey), "invalid-key");
    }
};

QTEST_GUILESS_MAIN(TestSecurityAccess)
#include "tst_securityaccess.moc"
