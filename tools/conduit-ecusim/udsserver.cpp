#include "udsserver.h"

#include "proto/uds.h"

namespace conduit::ecusim {

namespace uds = bootloader::uds;
using uds::Nrc;
using uds::Sid;

namespace {
constexpr uint8_t kDefault = 0x01, kProgramming = 0x02, kExtended = 0x03;
constexpr uint16_t kDidFingerprint = 0xF15A, kDidSimBanks = 0xFD00;

Outcome reply(Bytes bytes) { return Outcome{std::move(bytes), {}, Action::None, {}}; }
Outcome refuse(uint8_t sid, Nrc nrc) { return reply(uds::negativeResponse(sid, nrc)); }
Bytes ascii(const std::string &s) { return Bytes(s.begin(), s.end()); }
bool hasSubFunction(uint8_t sid) {
    switch (Sid(sid)) {
    case Sid::DiagnosticSessionControl:
    case Sid::EcuReset:
    case Sid::SecurityAccess:
    case Sid::CommunicationControl:
    case Sid::RoutineControl:
    case Sid::TesterPresent:
    case Sid::ControlDtcSetting: return true;
    default: return false;
    }
}
} // namespace

UdsServer::UdsServer(const EcuConfig &config, Flash &flash)
    : config_(config), flash_(flash), random_(std::random_device{}()), nrcSeen_(config.faults.nrcs.size(), 0) {}

Bytes UdsServer::expectedKey(std::span<const uint8_t> seed, uint8_t level) {
    static constexpr uint8_t kSecret[4] = {0x13, 0x37, 0xC0, 0xDE};
    Bytes key(seed.size());
    for (size_t i = 0; i < seed.size(); ++i)
        key[i] = uint8_t(seed[seed.size() - 1 - i] ^ uint8_t(0xC3 + level) ^ kSecret[i % 4]);
    return key;
}

void UdsServer::start(TimePoint now) {
    mode_ = flash_.valid(flash_.activeBank()) ? Mode::Application : Mode::Bootloader;
    session_ = mode_ == Mode::Application ? kDefault : kProgramming;
    relock();
    download_.reset();
    segments_.clear();
    lastSegment_.reset();
    fingerprintWritten_ = false;
    lastRequest_ = now;
    delayUntil_.reset();
    if (flash_.attempts() >= config_.maxAttempts) delayUntil_ = now + Milliseconds(config_.securityDelayMs);
}

void UdsServer::relock() {
    unlocked_ = false;
    seed_.reset();
}

void UdsServer::fallBackToDefault() {
    relock();
    download_.reset();
    fingerprintWritten_ = false;
    if (flash_.valid(flash_.activeBank())) {
        mode_ = Mode::Application;
        session_ = kDefault;
    } else {
        session_ = kProgramming; // no application to run: the bootloader stays
    }
}

std::string UdsServer::applicationVersion() const {
    return flash_.valid(flash_.activeBank()) ? flash_.version(flash_.activeBank()) : std::string();
}

Outcome UdsServer::handle(std::span<const uint8_t> r, TimePoint now, bool functional) {
    if (r.empty()) return {};
    const bool nonDefault = session_ != kDefault || mode_ == Mode::Bootloader;
    std::string timedOut;
    if (nonDefault && now - lastRequest_ >= Milliseconds(config_.s3Ms)) {
        fallBackToDefault();
        timedOut = "S3 timeout: security locked, session " + std::to_string(session_) + "; ";
    }
    lastRequest_ = now;
    Outcome out;
    if (auto injected = injectedNrc(r))
        out = std::move(*injected);
    else
        out = dispatch(r, now);
    out.note = timedOut + out.note;
    if (config_.faults.slowMs && out.reply) out.delay += Milliseconds(config_.faults.slowMs);
    if (out.reply && !out.reply->empty()) {
        const Bytes &b = *out.reply;
        const bool positive = b[0] != uds::kNegativeResponse;
        if (positive && out.delay.count() == 0 && r.size() >= 2 && hasSubFunction(r[0]) &&
            (r[1] & uds::kSuppressPositiveResponse))
            out.reply.reset();
        else if (!positive && functional && b.size() == 3 &&
                 (b[2] == uint8_t(Nrc::ServiceNotSupported) || b[2] == uint8_t(Nrc::SubFunctionNotSupported) ||
                  b[2] == uint8_t(Nrc::RequestOutOfRange) ||
                  b[2] == uint8_t(Nrc::SubFunctionNotSupportedInActiveSession) ||
                  b[2] == uint8_t(Nrc::ServiceNotSupportedInActiveSession)))
            out.reply.reset();
    }
    lastRequest_ = now + out.delay; // S3 runs from the (final) reply
    return out;
}

std::optional<Outcome> UdsServer::injectedNrc(std::span<const uint8_t> r) {
    for (size_t i = 0; i < config_.faults.nrcs.size(); ++i) {
        const NrcFault &f = config_.faults.nrcs[i];
        if (f.sid != r[0]) continue;
        if (f.sub) {
            std::optional<uint16_t> sub;
            if (r[0] == uint8_t(Sid::RoutineControl) || r[0] == uint8_t(Sid::ReadDataByIdentifier) ||
                r[0] == uint8_t(Sid::WriteDataByIdentifier)) {
                const size_t at = r[0] == uint8_t(Sid::RoutineControl) ? 2 : 1;
                if (r.size() >= at + 2) sub = uint16_t(r[at] << 8 | r[at + 1]);
            } else if (r.size() >= 2) {
                sub = uint16_t(r[1] & 0x7F);
            }
            if (sub != f.sub) continue;
        }
        if (++nrcSeen_[i] == f.occurrence) {
            Outcome out = refuse(r[0], Nrc(f.nrc));
            out.note = "fault: injected " + uds::nrcName(f.nrc);
            return out;
        }
    }
    return std::nullopt;
}

Outcome UdsServer::dispatch(std::span<const uint8_t> r, TimePoint now) {
    switch (Sid(r[0])) {
    case Sid::DiagnosticSessionControl: return sessionControl(r);
    case Sid::EcuReset: return ecuReset(r, now);
    case Sid::SecurityAccess: return securityAccess(r, now);
    case Sid::ReadDataByIdentifier: return readData(r);
    case Sid::WriteDataByIdentifier: return writeData(r);
    case Sid::RoutineControl: return routine(r);
    case Sid::RequestDownload: return requestDownload(r);
    case Sid::TransferData: return transferData(r);
    case Sid::RequestTransferExit: return transferExit(r);
    case Sid::TesterPresent:
    case Sid::CommunicationControl:
    case Sid::ControlDtcSetting: return simple(r);
    default: return refuse(r[0], Nrc::ServiceNotSupported);
    }
}

Outcome UdsServer::sessionControl(std::span<const uint8_t> r) {
    if (r.size() != 2) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint8_t session = r[1] & 0x7F;
    if (session != kDefault && session != kProgramming && session != kExtended)
        return refuse(r[0], Nrc::SubFunctionNotSupported);
    if (session != session_) {
        relock();
        download_.reset();
        fingerprintWritten_ = false;
    }
    Outcome out;
    if (session == kProgramming && mode_ == Mode::Application) {
        mode_ = Mode::Bootloader;
        out.note = "the application hands over to the bootloader";
    } else if (session == kDefault && mode_ == Mode::Bootloader && flash_.valid(flash_.activeBank())) {
        mode_ = Mode::Application;
        out.note = "the bootloader starts the application";
    }
    session_ = session;
    out.reply = uds::sessionReply(session, {config_.p2Ms, config_.p2StarMs});
    return out;
}

Outcome UdsServer::ecuReset(std::span<const uint8_t> r, TimePoint now) {
    if (r.size() != 2) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint8_t type = r[1] & 0x7F;
    if (type != 0x01 && type != 0x02 && type != 0x03) return refuse(r[0], Nrc::SubFunctionNotSupported);
    Outcome out = reply({uint8_t(r[0] + uds::kPositiveOffset), type});
    out.action = Action::Reset;
    std::string error;
    if (!flash_.boot(error)) return refuse(r[0], Nrc::GeneralProgrammingFailure);
    start(now);
    out.note = std::string("reset: ") +
               (mode_ == Mode::Application ? "application " + applicationVersion()
                                           : std::string("bootloader (no valid application)")) +
               " on bank " + std::to_string(flash_.activeBank());
    return out;
}

Outcome UdsServer::securityAccess(std::span<const uint8_t> r, TimePoint now) {
    if (r.size() < 2) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint8_t sub = r[1] & 0x7F;
    if (sub != 0x01 && sub != 0x02) return refuse(r[0], Nrc::SubFunctionNotSupported);
    if (session_ == kDefault) return refuse(r[0], Nrc::ServiceNotSupportedInActiveSession);
    if (sub == 0x01) {
        if (r.size() != 2) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
        if (securityDelayActive(now)) return refuse(r[0], Nrc::RequiredTimeDelayNotExpired);
        Bytes out{0x67, 0x01, 0, 0, 0, 0};
        if (!unlocked_) {
            Bytes seed(4);
            do {
                for (uint8_t &b : seed) b = uint8_t(random_());
            } while (seed == Bytes(4, 0));
            std::copy(seed.begin(), seed.end(), out.begin() + 2);
            seed_ = seed;
        }
        return reply(out);
    }
    if (r.size() != 6) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    if (!seed_) return refuse(r[0], Nrc::RequestSequenceError);
    const Bytes seed = *seed_;
    seed_.reset();
    if (securityDelayActive(now)) return refuse(r[0], Nrc::RequiredTimeDelayNotExpired);
    std::string error;
    if (!config_.faults.rejectKey && Bytes(r.begin() + 2, r.end()) == expectedKey(seed, 0x01)) {
        unlocked_ = true;
        if (!flash_.setAttempts(0, error)) return refuse(r[0], Nrc::GeneralProgrammingFailure);
        return reply({0x67, 0x02});
    }
    const uint8_t attempts = uint8_t(std::min<int>(flash_.attempts() + 1, 255));
    if (!flash_.setAttempts(attempts, error)) return refuse(r[0], Nrc::GeneralProgrammingFailure);
    Outcome out;
    if (attempts >= config_.maxAttempts) {
        delayUntil_ = now + Milliseconds(config_.securityDelayMs);
        out = refuse(r[0], Nrc::ExceedNumberOfAttempts);
        out.note =
            "attempt " + std::to_string(attempts) + ": delay of " + std::to_string(config_.securityDelayMs) + " ms";
    } else {
        out = refuse(r[0], Nrc::InvalidKey);
        out.note = "attempt " + std::to_string(attempts) + " of " + std::to_string(config_.maxAttempts);
    }
    if (config_.faults.rejectKey) out.note += " (fault: every key rejected)";
    return out;
}

std::optional<Bytes> UdsServer::didValue(uint16_t did) const {
    switch (did) {
    case 0xF189: return ascii(applicationVersion());
    case 0xF191: return ascii(config_.hardwareNumber);
    case 0xF18C: return ascii(config_.serialNumber);
    case 0xF180: return ascii(config_.bootVersion);
    case 0xF186: return Bytes{session_};
    case kDidFingerprint: return fingerprint_;
    case kDidSimBanks:
        return Bytes{flash_.activeBank(), flash_.nextBank(), uint8_t(flash_.valid(0)),
                     uint8_t(flash_.banks() == 2 && flash_.valid(1)), uint8_t(mode_ == Mode::Bootloader)};
    default: return std::nullopt;
    }
}

Outcome UdsServer::readData(std::span<const uint8_t> r) {
    if (r.size() < 3 || r.size() % 2 != 1) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    Bytes out{0x62};
    for (size_t i = 1; i < r.size(); i += 2) {
        const uint16_t did = uint16_t(r[i] << 8 | r[i + 1]);
        const auto value = didValue(did);
        if (!value) return refuse(r[0], Nrc::RequestOutOfRange);
        out.push_back(r[i]);
        out.push_back(r[i + 1]);
        out.insert(out.end(), value->begin(), value->end());
    }
    return reply(out);
}

Outcome UdsServer::writeData(std::span<const uint8_t> r) {
    if (r.size() < 4) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint16_t did = uint16_t(r[1] << 8 | r[2]);
    if (did != kDidFingerprint) return refuse(r[0], Nrc::RequestOutOfRange);
    if (r.size() != 3 + 9) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    if (!unlocked_) return refuse(r[0], Nrc::SecurityAccessDenied);
    fingerprint_.assign(r.begin() + 3, r.end());
    fingerprintWritten_ = true;
    return reply({0x6E, r[1], r[2]});
}

Outcome UdsServer::simple(std::span<const uint8_t> r) {
    const uint8_t sid = r[0];
    const size_t length = sid == uint8_t(Sid::CommunicationControl) ? 3 : 2;
    if (sid == uint8_t(Sid::ControlDtcSetting) ? r.size() < 2 : r.size() != length)
        return refuse(sid, Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint8_t sub = r[1] & 0x7F;
    if (sid == uint8_t(Sid::TesterPresent)) {
        if (sub != 0) return refuse(sid, Nrc::SubFunctionNotSupported);
    } else if (sid == uint8_t(Sid::CommunicationControl)) {
        if (sub > 0x03) return refuse(sid, Nrc::SubFunctionNotSupported);
        if (session_ == kDefault) return refuse(sid, Nrc::ServiceNotSupportedInActiveSession);
        if (r[2] < 0x01 || r[2] > 0x03) return refuse(sid, Nrc::RequestOutOfRange);
    } else {
        if (sub != 0x01 && sub != 0x02) return refuse(sid, Nrc::SubFunctionNotSupported);
        if (session_ == kDefault) return refuse(sid, Nrc::ServiceNotSupportedInActiveSession);
    }
    return reply({uint8_t(sid + uds::kPositiveOffset), sub});
}

} // namespace conduit::ecusim
