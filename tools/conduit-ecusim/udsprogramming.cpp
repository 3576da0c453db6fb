// The programming half of the UDS server: the routines (erase, check
// memory, check dependencies, bank switch, preconditions) and the download
// (0x34 RequestDownload, 0x36 TransferData, 0x37 RequestTransferExit).
#include "udsserver.h"

#include "proto/uds.h"

#include <algorithm>

namespace conduit::ecusim {

namespace uds = bootloader::uds;
using uds::Nrc;
using uds::Sid;

namespace {
constexpr uint8_t kProgramming = 0x02;
constexpr uint16_t kPrecondition = 0x0203, kCheckMemory = 0x0202, kSwitchBank = 0x0210, kErase = 0xFF00,
                   kCheckDependencies = 0xFF01;

Outcome reply(Bytes bytes) { return Outcome{std::move(bytes), {}, Action::None, {}}; }
Outcome refuse(uint8_t sid, Nrc nrc) { return reply(uds::negativeResponse(sid, nrc)); }
Outcome routineStatus(uint16_t routine, uint8_t status) {
    return reply({0x71, 0x01, uint8_t(routine >> 8), uint8_t(routine), status});
}
std::string hex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    do {
        s.insert(s.begin(), digits[v & 0xF]);
        v >>= 4;
    } while (v);
    return "0x" + s;
}

// addressAndLengthFormatIdentifier + address + size: the whole of `bytes`.
struct Range {
    uint64_t address = 0, size = 0;
};
std::optional<Range> addressAndLength(std::span<const uint8_t> bytes, Nrc &nrc) {
    nrc = Nrc::IncorrectMessageLengthOrInvalidFormat;
    if (bytes.empty()) return std::nullopt;
    const size_t sizeBytes = bytes[0] >> 4, addressBytes = bytes[0] & 0x0F;
    if (sizeBytes < 1 || sizeBytes > 4 || addressBytes < 1 || addressBytes > 4) {
        nrc = Nrc::RequestOutOfRange;
        return std::nullopt;
    }
    if (bytes.size() != 1 + addressBytes + sizeBytes) return std::nullopt;
    Range r;
    for (size_t i = 0; i < addressBytes; ++i) r.address = r.address << 8 | bytes[1 + i];
    for (size_t i = 0; i < sizeBytes; ++i) r.size = r.size << 8 | bytes[1 + addressBytes + i];
    return r;
}
} // namespace

Outcome UdsServer::programmingGate(uint8_t sid) const {
    const bool routine = sid == uint8_t(Sid::RoutineControl);
    if (session_ != kProgramming)
        return refuse(sid, routine ? Nrc::ConditionsNotCorrect : Nrc::ServiceNotSupportedInActiveSession);
    if (!unlocked_) return refuse(sid, Nrc::SecurityAccessDenied);
    return {};
}

Outcome UdsServer::routine(std::span<const uint8_t> r) {
    if (r.size() < 4) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    const uint8_t type = r[1] & 0x7F;
    const uint16_t id = uint16_t(r[2] << 8 | r[3]);
    const auto options = r.subspan(4);
    if (type < 0x01 || type > 0x03) return refuse(r[0], Nrc::SubFunctionNotSupported);
    if (id != kPrecondition && id != kCheckMemory && id != kSwitchBank && id != kErase && id != kCheckDependencies)
        return refuse(r[0], Nrc::RequestOutOfRange);
    if (type != 0x01) return refuse(r[0], Nrc::SubFunctionNotSupported); // only startRoutine, answered when done
    if (id == kPrecondition) {
        if (session_ == 0x01 && mode_ == Mode::Application) return refuse(r[0], Nrc::ConditionsNotCorrect);
        return routineStatus(id, config_.preconditionStatus);
    }
    if (Outcome gate = programmingGate(r[0]); gate.reply) return gate;
    if (download_) return refuse(r[0], Nrc::RequestSequenceError);
    switch (id) {
    case kErase: return erase(options);
    case kCheckMemory: return checkMemory(options);
    case kCheckDependencies: return checkDependencies();
    default: return switchBank(options);
    }
}

Outcome UdsServer::erase(std::span<const uint8_t> options) {
    const uint8_t sid = uint8_t(Sid::RoutineControl);
    Nrc nrc;
    const auto range = addressAndLength(options, nrc);
    if (!range) return refuse(sid, nrc);
    const auto offset = flash_.locate(range->address, range->size);
    if (!offset || range->size == 0) return refuse(sid, Nrc::RequestOutOfRange);
    if (config_.requireFingerprint && !fingerprintWritten_) {
        Outcome out = refuse(sid, Nrc::ConditionsNotCorrect);
        out.note = "erase refused: no fingerprint (0xF15A) written in this session";
        return out;
    }
    const uint8_t bank = flash_.targetBank();
    std::string error;
    if (!flash_.erase(bank, *offset, range->size, error)) {
        Outcome out = refuse(sid, Nrc::GeneralProgrammingFailure);
        out.note = error;
        return out;
    }
    if (flash_.activeBank() == bank) mode_ = Mode::Bootloader;
    for (auto it = segments_.begin(); it != segments_.end();)
        it = it->second.offset < *offset + range->size && *offset < it->second.offset + it->second.size
                 ? segments_.erase(it)
                 : std::next(it);
    lastSegment_.reset();
    Outcome out = routineStatus(kErase, 0x00);
    const uint64_t ms = std::max<uint64_t>(config_.eraseMinMs, range->size * config_.eraseMsPerKiB / 1024);
    out.delay = Milliseconds(ms);
    out.note = "erase " + hex(range->address) + "+" + hex(range->size) + " of bank " + std::to_string(bank) + ", " +
               std::to_string(ms) + " ms";
    return out;
}

Outcome UdsServer::checkMemory(std::span<const uint8_t> options) {
    const uint8_t sid = uint8_t(Sid::RoutineControl);
    if (options.size() != 4) return refuse(sid, Nrc::IncorrectMessageLengthOrInvalidFormat);
    if (!lastSegment_) return refuse(sid, Nrc::RequestSequenceError);
    Segment &segment = segments_[*lastSegment_];
    const uint32_t expected =
        uint32_t(options[0]) << 24 | uint32_t(options[1]) << 16 | uint32_t(options[2]) << 8 | options[3];
    const uint32_t actual = flash_.crc32(flash_.targetBank(), segment.offset, segment.size);
    segment.verified = expected == actual;
    Outcome out = routineStatus(kCheckMemory, *segment.verified ? 0x00 : 0x01);
    out.note = "CRC-32 of " + hex(*lastSegment_) + "+" + hex(segment.size) + " is " + hex(actual) +
               (*segment.verified ? ": correct" : ", the tester expected " + hex(expected));
    return out;
}

Outcome UdsServer::checkDependencies() {
    const bool consistent = !segments_.empty() && std::all_of(segments_.begin(), segments_.end(), [](const auto &s) {
        return s.second.verified.value_or(false);
    });
    const uint8_t bank = flash_.targetBank();
    std::string error;
    if (consistent && !flash_.setValid(bank, true, error)) {
        Outcome out = refuse(uint8_t(Sid::RoutineControl), Nrc::GeneralProgrammingFailure);
        out.note = error;
        return out;
    }
    Outcome out = routineStatus(kCheckDependencies, consistent ? 0x00 : 0x01);
    out.note = consistent ? "bank " + std::to_string(bank) + " valid: " + flash_.version(bank)
                          : std::string("inconsistent: a segment is missing or not verified");
    return out;
}

Outcome UdsServer::switchBank(std::span<const uint8_t> options) {
    const uint8_t sid = uint8_t(Sid::RoutineControl);
    if (flash_.banks() != 2) return refuse(sid, Nrc::RequestOutOfRange);
    if (options.size() != 1) return refuse(sid, Nrc::IncorrectMessageLengthOrInvalidFormat);
    if (options[0] > 1) return refuse(sid, Nrc::RequestOutOfRange);
    if (!flash_.valid(options[0])) {
        Outcome out = refuse(sid, Nrc::ConditionsNotCorrect);
        out.note = "bank " + std::to_string(options[0]) + " holds no valid application";
        return out;
    }
    std::string error;
    if (!flash_.setNextBank(options[0], error)) {
        Outcome out = refuse(sid, Nrc::GeneralProgrammingFailure);
        out.note = error;
        return out;
    }
    Outcome out = routineStatus(kSwitchBank, 0x00);
    out.note = "bank " + std::to_string(options[0]) + " boots after the next reset";
    return out;
}

Outcome UdsServer::requestDownload(std::span<const uint8_t> r) {
    if (Outcome gate = programmingGate(r[0]); gate.reply) return gate;
    if (r.size() < 3) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    Nrc nrc;
    const auto range = addressAndLength(r.subspan(2), nrc);
    if (!range) return refuse(r[0], nrc);
    if (download_) return refuse(r[0], Nrc::ConditionsNotCorrect);
    if (r[1] != 0x00) return refuse(r[0], Nrc::RequestOutOfRange); // neither compression nor encryption
    const auto offset = flash_.locate(range->address, range->size);
    if (!offset || range->size == 0) return refuse(r[0], Nrc::RequestOutOfRange);
    const uint8_t bank = flash_.targetBank();
    if (!flash_.isErased(bank, *offset, range->size)) {
        Outcome out = refuse(r[0], Nrc::UploadDownloadNotAccepted);
        out.note = hex(range->address) + "+" + hex(range->size) + " is not erased";
        return out;
    }
    Download d;
    d.bank = bank;
    d.address = range->address;
    d.offset = *offset;
    d.size = range->size;
    download_ = d;
    segments_.erase(range->address);
    lastSegment_.reset();
    Outcome out = reply(uds::downloadReply(config_.maxBlockLength));
    out.note = "download " + hex(range->address) + "+" + hex(range->size) + " into bank " + std::to_string(bank);
    return out;
}

Outcome UdsServer::transferData(std::span<const uint8_t> r) {
    if (Outcome gate = programmingGate(r[0]); gate.reply) return gate;
    if (r.size() < 2 || r.size() > config_.maxBlockLength)
        return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
    if (!download_) return refuse(r[0], Nrc::RequestSequenceError);
    Download &d = *download_;
    const uint8_t counter = r[1];
    const auto data = r.subspan(2);
    ++d.requests;
    const Faults &faults = config_.faults;
    if (faults.powerLossAtBlock && d.requests == faults.powerLossAtBlock)
        return Outcome{
            std::nullopt, {}, Action::PowerLoss, "fault: power loss before block " + std::to_string(d.requests)};
    if (faults.wrongCounterAtBlock && d.requests == faults.wrongCounterAtBlock && !wrongCounterFired_) {
        wrongCounterFired_ = true;
        Outcome out = refuse(r[0], Nrc::WrongBlockSequenceCounter);
        out.note = "fault: wrong counter at block " + std::to_string(d.requests);
        return out;
    }
    Outcome out = reply({0x76, counter});
    if (counter == d.expected) {
        if (data.empty()) return refuse(r[0], Nrc::IncorrectMessageLengthOrInvalidFormat);
        if (data.size() > d.size - d.received) {
            out = refuse(r[0], Nrc::TransferDataSuspended);
            out.note = "block " + std::to_string(counter) + " goes beyond the requested size";
            return out;
        }
        std::string error;
        if (!flash_.write(d.bank, d.offset + d.received, data, error)) {
            out = refuse(r[0], Nrc::GeneralProgrammingFailure);
            out.note = error;
            return out;
        }
        d.received += data.size();
        d.lastAccepted = counter;
        d.expected = uds::nextBlockCounter(counter);
    } else if (d.lastAccepted && counter == *d.lastAccepted) {
        out.note = "block " + std::to_string(counter) + " repeated: acknowledged, not written again";
    } else {
        out = refuse(r[0], Nrc::WrongBlockSequenceCounter);
        out.note = "expected block counter " + std::to_string(d.expected);
        return out;
    }
    if (faults.dropAfterBlocks && d.requests == faults.dropAfterBlocks && !dropFired_) {
        dropFired_ = true;
        return Outcome{std::nullopt,
                       {},
                       Action::DropConnection,
                       "fault: connection dropped after block " + std::to_string(d.requests)};
    }
    return out;
}

Outcome UdsServer::transferExit(std::span<const uint8_t> r) {
    if (Outcome gate = programmingGate(r[0]); gate.reply) return gate;
    if (!download_) return refuse(r[0], Nrc::RequestSequenceError);
    if (download_->received != download_->size) {
        Outcome out = refuse(r[0], Nrc::RequestSequenceError);
        out.note = std::to_string(download_->received) + " of " + std::to_string(download_->size) + " bytes received";
        return out;
    }
    segments_[download_->address] = Segment{download_->offset, download_->size, std::nullopt};
    lastSegment_ = download_->address;
    download_.reset();
    return reply({0x77});
}

} // namespace conduit::ecusim
