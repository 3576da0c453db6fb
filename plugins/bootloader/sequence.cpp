#include "sequence.h"

#include "securityaccess.h"

#include <conduit/agent.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <thread>

#include <zlib.h>

namespace conduit::bootloader {

namespace {

using std::chrono::milliseconds;

std::string hex(uint64_t v, int digits) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
    return buf;
}

std::string sizeText(uint64_t bytes) {
    if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= 1024) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

conduit_result resultFor(const UdsError &e) {
    switch (e.kind) {
    case UdsError::Kind::Cancelled: return CONDUIT_E_CANCELLED;
    case UdsError::Kind::Timeout:
    case UdsError::Kind::Transport: return CONDUIT_E_IO;
    default: return CONDUIT_E_FAILED;
    }
}

Bytes be(uint64_t v, int bytes) {
    Bytes out(static_cast<size_t>(bytes));
    for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[size_t(i)] = uint8_t(v);
    return out;
}

uint8_t bcd(int v) { return uint8_t(((v / 10) << 4) | (v % 10)); }

// A 0x73 wrongBlockSequenceCounter: the segment's download is over.
struct WrongCounter {
    std::string message;
};

} // namespace

uint32_t crc32(const Bytes &data) {
    // zlib's is several times faster than a byte-wise table: the whole image is checked.
    uLong c = ::crc32_z(0, Z_NULL, 0);
    c = ::crc32_z(c, data.data(), data.size());
    return uint32_t(c);
}

Sequence::Sequence(const EcuConfig &ecu, UdsSource uds, SecurityKeys keys, SequenceObserver observer)
    : ecu_(ecu), profile_(ecu.profile), uds_(std::move(uds)), keys_(std::move(keys)), observer_(std::move(observer)) {}

void Sequence::say(const std::string &status) const {
    if (observer_.status) observer_.status(status);
    if (observer_.log) observer_.log(ecu_.id + ": " + status);
}

// Functional requests get no reply (suppressed, and every ECU hears them):
// a failed send is worth a warning, and the next physical request, on the
// same link, fails on its own if the link is gone.
void Sequence::functional(const std::string &what, const Bytes &request) {
    const UdsResult r = uds_().requestFunctional(request);
    if (!r.ok() && observer_.log) observer_.log(ecu_.id + ": " + what + " (functional) not sent: " + r.error->message);
}

void Sequence::checkCancelled(const std::string &before) const {
    if (observer_.cancelled && observer_.cancelled())
        throw conduit::Error(CONDUIT_E_CANCELLED, "ECU " + ecu_.id + ": cancelled before " + before);
}

UdsResult Sequence::step(const std::string &what, const Bytes &request, milliseconds deadline) {
    UdsResult r = uds_().request(request, Clock::now() + deadline);
    if (!r.ok()) throw conduit::Error(resultFor(*r.error), "ECU " + ecu_.id + ": " + what + ": " + r.error->message);
    return r;
}

EcuIdentity Sequence::identify() {
    EcuIdentity id;
    const auto read = [&](uint16_t did, std::string &out) {
        const UdsResult r = step("read " + hex(did, 4), uds::readDataByIdentifier(did), profile_.timing.p2Star);
        std::string error;
        const std::optional<Bytes> value = uds::parseReadDataReply(r.response, did, error);
        if (!value) throw conduit::Error(CONDUIT_E_IO, "ECU " + ecu_.id + ": DID " + hex(did, 4) + ": " + error);
        out.assign(value->begin(), value->end());
        while (!out.empty() && (out.back() == '\0' || out.back() == ' ')) out.pop_back();
    };
    read(profile_.softwareVersionDid, id.softwareVersion);
    read(profile_.hardwareNumberDid, id.hardwareNumber);
    read(profile_.serialNumberDid, id.serialNumber);
    return id;
}

void Sequence::enterProgramming() {
    say("entering the extended session");
    UdsResult r = uds_().startSession(profile_.extendedSession, Clock::now() + profile_.timing.p2Star);
    if (!r.ok())
        throw conduit::Error(resultFor(*r.error), "ECU " + ecu_.id + ": extended session: " + r.error->message);
    uds_().setTesterPresent(true);
    if (profile_.precondition) routine("precondition check", *profile_.precondition, {}, true);
    // Functional, reply suppressed: every ECU of the network stops setting
    // DTCs and sending normal messages while one of them is reprogrammed.
    if (profile_.dtcSettingOff) functional("DTC setting off", uds::controlDtcSetting(0x02, true));
    if (profile_.communicationControl)
        functional("communication control off", uds::communicationControl(0x03, 0x01, true));
    checkCancelled("the programming session");
    say("entering the programming session");
    r = uds_().startSession(profile_.programmingSession, Clock::now() + profile_.timing.p2Star);
    if (!r.ok())
        throw conduit::Error(resultFor(*r.error), "ECU " + ecu_.id + ": programming session: " + r.error->message);
}

void Sequence::unlock() {
    if (profile_.securityLevel == 0) return;
    if (!keys_.library)
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT,
                             "ECU " + ecu_.id + ": security access level " + hex(profile_.securityLevel, 2) +
                                 " needs a seed/key library (\"seed_key\" in the agent config)");
    SecurityAccessConfig c;
    c.level = profile_.securityLevel;
    c.variant = keys_.variant;
    c.options = keys_.options;
    c.delay = profile_.securityDelay;
    c.requestTimeout = profile_.timing.p2Star;
    // The ECU's delay timer is real time: wait it out, keeping the session alive.
    const auto wait = [this](milliseconds duration, const std::function<void()> &keepAlive) {
        say("security access delayed by the ECU, waiting " + std::to_string(duration.count() / 1000) + " s");
        const auto until = Clock::now() + duration;
        while (Clock::now() < until) {
            if (observer_.cancelled && observer_.cancelled()) return false;
            keepAlive();
            std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(200), until - Clock::now()));
        }
        return true;
    };
    SecurityAccess access(uds_(), *keys_.library, c, wait);
    UnlockOutcome outcome{};
    if (auto e = access.unlock(outcome))
        throw conduit::Error(e->kind == SecurityAccessError::Kind::Link ? CONDUIT_E_IO : CONDUIT_E_FAILED,
                             "ECU " + ecu_.id + ": security access: " + e->message);
    say(outcome == UnlockOutcome::AlreadyUnlocked ? "security access: already unlocked"
                                                  : "security access granted (level " + hex(c.level, 2) + ")");
}

void Sequence::writeFingerprint() {
    if (!profile_.fingerprintDid) return;
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    Bytes value{bcd(tm.tm_year % 100), bcd(tm.tm_mon + 1), bcd(tm.tm_mday)};
    value.insert(value.end(), profile_.testerSerial.begin(), profile_.testerSerial.end());
    step("write fingerprint " + hex(*profile_.fingerprintDid, 4),
         uds::writeDataByIdentifier(*profile_.fingerprintDid, value), profile_.timing.p2Star);
}

void Sequence::routine(const std::string &what, const RoutineStep &r, const Bytes &options, bool statusMustBeZero) {
    checkCancelled(what);
    say(what);
    const UdsResult res =
        step(what + " (routine " + hex(r.id, 4) + ")", uds::routineControl(0x01, r.id, options), r.deadline);
    std::string error;
    const auto reply = uds::parseRoutineReply(res.response, 0x01, r.id, error);
    if (!reply) throw conduit::Error(CONDUIT_E_FAILED, "ECU " + ecu_.id + ": " + what + ": " + error);
    if (statusMustBeZero && !reply->status.empty() && reply->status[0] != 0)
        throw conduit::Error(CONDUIT_E_FAILED, "ECU " + ecu_.id + ": " + what + " failed (routine " + hex(r.id, 4) +
                                                   " status " + hex(reply->status[0], 2) + ")");
}

// Progress during a download goes to the host at most once per this many bytes.
constexpr uint64_t kProgressStep = 64 * 1024;

void Sequence::downloadSegment(const Segment &s, uint64_t &done, uint64_t total) {
    const std::string where = hex(s.address, 8) + " (" + sizeText(s.data.size()) + ")";
    const int addrBytes = profile_.eraseAlfid & 0x0F, lenBytes = profile_.eraseAlfid >> 4;
    Bytes eraseOptions{profile_.eraseAlfid};
    for (uint8_t b : be(s.address, addrBytes)) eraseOptions.push_back(b);
    for (uint8_t b : be(s.data.size(), lenBytes)) eraseOptions.push_back(b);
    if (observer_.erasing) observer_.erasing();
    routine("erasing " + where, profile_.erase, eraseOptions, true);

    checkCancelled("the download of " + where);
    std::string error;
    const Bytes request =
        uds::requestDownload(profile_.dataFormat, profile_.downloadAlfid, s.address, s.data.size(), error);
    if (request.empty())
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "ECU " + ecu_.id + ": segment " + where + ": " + error);
    const UdsResult r = step("request download " + where, request, profile_.timing.p2Star);
    const std::optional<uint64_t> maxBlock = uds::parseDownloadReply(r.response, error);
    if (!maxBlock) throw conduit::Error(CONDUIT_E_FAILED, "ECU " + ecu_.id + ": request download: " + error);
    // maxNumberOfBlockLength counts the whole 0x36 request: SID and counter too.
    const uint64_t limit = std::min<uint64_t>(*maxBlock, uds_().link().maxMessageSize());
    if (limit < 3)
        throw conduit::Error(CONDUIT_E_FAILED, "ECU " + ecu_.id + ": maxNumberOfBlockLength " +
                                                   std::to_string(*maxBlock) + " leaves no room for data");
    const size_t perBlock = size_t(limit - 2);
    say("downloading " + where + " in blocks of " + std::to_string(perBlock) + " bytes");

    uint8_t counter = 1;
    for (size_t offset = 0; offset < s.data.size(); offset += perBlock) {
        if (observer_.cancelled && observer_.cancelled()) checkCancelled("block " + std::to_string(counter));
        const size_t n = std::min(perBlock, s.data.size() - offset);
        const Bytes block = uds::transferData(counter, std::span<const uint8_t>(s.data).subspan(offset, n));
        // A lost reply is repeated with the same counter: the ECU answers a
        // repeated block positively without writing it twice.
        UdsResult br;
        for (int attempt = 0; attempt < 3; ++attempt) {
            // Only the reply naming this block: after a repeat, the late
            // reply to the first send must not answer the next block.
            br = uds_().request(block, Clock::now() + profile_.blockDeadline, false,
                                [counter](const Bytes &reply) { return reply.size() >= 2 && reply[1] == counter; });
            if (br.ok() || br.error->kind != UdsError::Kind::Timeout) break;
            if (observer_.log)
                observer_.log(ecu_.id + ": no reply to block " + std::to_string(counter) + ", repeating it");
        }
        if (!br.ok() && br.error->nrc == uds::Nrc::WrongBlockSequenceCounter)
            throw WrongCounter{"ECU " + ecu_.id + ": transfer data block " + std::to_string(counter) + " at " +
                               hex(s.address + offset, 8) + ": " + br.error->message};
        if (!br.ok())
            throw conduit::Error(resultFor(*br.error), "ECU " + ecu_.id + ": transfer data block " +
                                                           std::to_string(counter) + " at " +
                                                           hex(s.address + offset, 8) + ": " + br.error->message);
        counter = uds::nextBlockCounter(counter);
        done += n;
        // Reported every kProgressStep bytes and at the segment's end, not per
        // block: each report is a message to the host.
        const bool last = offset + n >= s.data.size();
        if (observer_.progress && (last || done / kProgressStep != (done - n) / kProgressStep))
            observer_.progress(done, total);
        if (auto e = uds_().keepAlive())
            throw conduit::Error(CONDUIT_E_IO, "ECU " + ecu_.id + ": tester present: " + e->message);
    }
    step("request transfer exit " + where, uds::requestTransferExit(), profile_.timing.p2Star);
    if (profile_.checkMemory) {
        const uint32_t crc = crc32(s.data);
        routine("checking memory " + where, *profile_.checkMemory, be(crc, 4), true);
    }
}

void Sequence::program(const std::vector<Segment> &segments) {
    uint64_t total = 0;
    for (const Segment &s : segments) total += s.data.size();
    for (int attempt = 1;; ++attempt) {
        try {
            enterProgramming();
            unlock();
            writeFingerprint();
            uint64_t done = 0;
            if (observer_.progress) observer_.progress(0, total);
            for (const Segment &s : segments) downloadSegment(s, done, total);
            break;
        } catch (const WrongCounter &e) {
            // The ECU lost track of the blocks; ISO 14229-1 gives no way to
            // resume that download. A session change ends it: start over once.
            if (attempt == 2) throw conduit::Error(CONDUIT_E_FAILED, e.message + " (again after starting over)");
            if (observer_.log) observer_.log(e.message + "; starting the programming over");
        }
    }
    if (profile_.checkDependencies) routine("checking dependencies", *profile_.checkDependencies, {}, true);
    say("programmed " + sizeText(total) + " in " + std::to_string(segments.size()) + " segment(s)");
}

void Sequence::switchBank(int bank) {
    if (!profile_.bankSwitch)
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT,
                             "ECU " + ecu_.id + ": dual bank without a bank_switch routine");
    enterProgramming();
    unlock();
    routine("switching to bank " + std::to_string(bank), *profile_.bankSwitch, Bytes{uint8_t(bank)}, true);
}

std::string Sequence::resetAndWait(const std::string &version) {
    say("resetting");
    uds_().setTesterPresent(false);
    step("ECU reset", uds::ecuReset(profile_.resetType), profile_.timing.p2Star);
    const auto deadline = Clock::now() + profile_.resetDeadline;
    std::string reported, lastError = "no answer";
    for (;;) {
        checkCancelled("the version check after reset");
        UdsResult r;
        try { // an ECU that is a DoIP node itself drops the connection when it resets
            r = uds_().request(uds::readDataByIdentifier(profile_.softwareVersionDid),
                               std::min(deadline, Clock::now() + profile_.timing.p2Star));
        } catch (const conduit::Error &e) {
            r.error = UdsError{UdsError::Kind::Transport, std::nullopt, e.what()};
        }
        if (r.ok()) {
            std::string error;
            if (auto v = uds::parseReadDataReply(r.response, profile_.softwareVersionDid, error)) {
                reported.assign(v->begin(), v->end());
                while (!reported.empty() && (reported.back() == '\0' || reported.back() == ' ')) reported.pop_back();
                if (version.empty() || reported == version) break;
                lastError = "it reports version \"" + reported + "\"";
            } else {
                lastError = error;
            }
        } else {
            lastError = r.error->message;
        }
        if (Clock::now() >= deadline)
            throw conduit::Error(CONDUIT_E_FAILED, "ECU " + ecu_.id + ": after the reset " + lastError +
                                                       (version.empty() ? "" : ", expected \"" + version + "\""));
        std::this_thread::sleep_for(milliseconds(100)); // the ECU is booting: poll, bounded by the deadline
    }
    // Back to normal communication on the whole network.
    if (profile_.communicationControl)
        functional("communication control on", uds::communicationControl(0x00, 0x01, true));
    if (profile_.dtcSettingOff) functional("DTC setting on", uds::controlDtcSetting(0x01, true));
    say("running " + reported);
    return reported;
}

} // namespace conduit::bootloader
