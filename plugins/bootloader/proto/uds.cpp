#include "uds.h"

#include "wire_p.h"

#include <algorithm>

namespace conduit::bootloader::uds {

using wire::get16;
using wire::getN;
using wire::hex;
using wire::put16;
using wire::putN;

namespace {

struct Named {
    uint8_t code;
    const char *name;
};

constexpr Named kNrcs[] = {
    {0x10, "generalReject"},
    {0x11, "serviceNotSupported"},
    {0x12, "subFunctionNotSupported"},
    {0x13, "incorrectMessageLengthOrInvalidFormat"},
    {0x14, "responseTooLong"},
    {0x21, "busyRepeatRequest"},
    {0x22, "conditionsNotCorrect"},
    {0x24, "requestSequenceError"},
    {0x25, "noResponseFromSubnetComponent"},
    {0x26, "failurePreventsExecutionOfRequestedAction"},
    {0x31, "requestOutOfRange"},
    {0x33, "securityAccessDenied"},
    {0x34, "authenticationRequired"},
    {0x35, "invalidKey"},
    {0x36, "exceedNumberOfAttempts"},
    {0x37, "requiredTimeDelayNotExpired"},
    {0x70, "uploadDownloadNotAccepted"},
    {0x71, "transferDataSuspended"},
    {0x72, "generalProgrammingFailure"},
    {0x73, "wrongBlockSequenceCounter"},
    {0x78, "requestCorrectlyReceivedResponsePending"},
    {0x7E, "subFunctionNotSupportedInActiveSession"},
    {0x7F, "serviceNotSupportedInActiveSession"},
    {0x81, "rpmTooHigh"},
    {0x82, "rpmTooLow"},
    {0x83, "engineIsRunning"},
    {0x84, "engineIsNotRunning"},
    {0x85, "engineRunTimeTooLow"},
    {0x86, "temperatureTooHigh"},
    {0x87, "temperatureTooLow"},
    {0x88, "vehicleSpeedTooHigh"},
    {0x89, "vehicleSpeedTooLow"},
    {0x8A, "throttlePedalTooHigh"},
    {0x8B, "throttlePedalTooLow"},
    {0x8C, "transmissionRangeNotInNeutral"},
    {0x8D, "transmissionRangeNotInGear"},
    {0x8F, "brakeSwitchNotClosed"},
    {0x90, "shifterLeverNotInPark"},
    {0x91, "torqueConverterClutchLocked"},
    {0x92, "voltageTooHigh"},
    {0x93, "voltageTooLow"},
    {0x94, "resourceTemporarilyNotAvailable"},
};

constexpr Named kServices[] = {
    {0x10, "DiagnosticSessionControl"},
    {0x11, "EcuReset"},
    {0x14, "ClearDiagnosticInformation"},
    {0x19, "ReadDtcInformation"},
    {0x22, "ReadDataByIdentifier"},
    {0x27, "SecurityAccess"},
    {0x28, "CommunicationControl"},
    {0x29, "Authentication"},
    {0x2E, "WriteDataByIdentifier"},
    {0x31, "RoutineControl"},
    {0x34, "RequestDownload"},
    {0x36, "TransferData"},
    {0x37, "RequestTransferExit"},
    {0x3E, "TesterPresent"},
    {0x85, "ControlDtcSetting"},
};

template <size_t N>
const char *lookup(const Named (&table)[N], uint8_t code) {
    for (const auto &n : table)
        if (n.code == code) return n.name;
    return nullptr;
}

uint8_t sub(uint8_t subFunction, bool suppress) {
    return static_cast<uint8_t>(subFunction | (suppress ? kSuppressPositiveResponse : 0));
}

// The first byte of a positive response must be the expected one; the
// message names the service: "RoutineControl reply: 3 bytes, expected at least 4".
bool expect(std::span<const uint8_t> positive, Sid sid, size_t minLength, std::string &error) {
    const auto s = static_cast<uint8_t>(sid);
    const std::string what = sidName(s) + " reply";
    if (positive.empty() || positive[0] != s + kPositiveOffset) {
        error = what + ": " + (positive.empty() ? std::string("empty") : "starts with " + hex(positive[0], 2)) +
                ", expected " + hex(s + kPositiveOffset, 2);
        return false;
    }
    if (positive.size() < minLength) {
        error =
            what + ": " + std::to_string(positive.size()) + " bytes, expected at least " + std::to_string(minLength);
        return false;
    }
    return true;
}

bool exactLength(std::span<const uint8_t> positive, Sid sid, size_t length, std::string &error) {
    if (positive.size() == length) return true;
    error = sidName(static_cast<uint8_t>(sid)) + " reply: " + std::to_string(positive.size()) + " bytes, expected " +
            std::to_string(length);
    return false;
}

bool echoes(uint8_t got, uint8_t want, Sid sid, const char *field, std::string &error) {
    if (got == want) return true;
    error = sidName(static_cast<uint8_t>(sid)) + " reply: " + field + " " + hex(got, 2) + ", expected " + hex(want, 2);
    return false;
}

bool fits(uint64_t v, unsigned bytes) { return bytes >= 8 || v >> (8 * bytes) == 0; }

} // namespace

std::string nrcName(uint8_t code) {
    if (const char *n = lookup(kNrcs, code)) return n;
    return std::string(code >= 0xF0 && code <= 0xFE ? "vehicleManufacturerSpecific" : "reserved") + " (" +
           hex(code, 2) + ")";
}
std::string describeNrc(uint8_t code) {
    return lookup(kNrcs, code) ? nrcName(code) + " (" + hex(code, 2) + ")" : nrcName(code);
}
std::string sidName(uint8_t sid) {
    if (const char *n = lookup(kServices, sid)) return n;
    return "service " + hex(sid, 2);
}
std::string describeSid(uint8_t sid) {
    return lookup(kServices, sid) ? sidName(sid) + " (" + hex(sid, 2) + ")" : sidName(sid);
}

std::optional<Reply> parseReply(std::span<const uint8_t> reply, std::string &error) {
    if (reply.empty()) {
        error = "empty UDS response";
        return std::nullopt;
    }
    if (reply[0] == kNegativeResponse) {
        if (reply.size() != 3) {
            error = "negative response of " + std::to_string(reply.size()) + " bytes, expected 3";
            return std::nullopt;
        }
        return Reply{false, reply[1], reply[2], {}};
    }
    if (reply[0] < kPositiveOffset) {
        error = "not a response: first byte " + hex(reply[0], 2) + " is a request service id";
        return std::nullopt;
    }
    return Reply{true, static_cast<uint8_t>(reply[0] - kPositiveOffset), 0, reply.subspan(1)};
}

Bytes sessionControl(uint8_t session, bool suppress) {
    return {static_cast<uint8_t>(Sid::DiagnosticSessionControl), sub(session, suppress)};
}
std::optional<SessionTiming> parseSessionReply(std::span<const uint8_t> positive, uint8_t session, std::string &error) {
    constexpr Sid sid = Sid::DiagnosticSessionControl;
    if (!expect(positive, sid, 2, error) || !echoes(positive[1], session & 0x7F, sid, "session", error) ||
        !exactLength(positive, sid, 6, error))
        return std::nullopt;
    return SessionTiming{get16(&positive[2]), uint32_t(get16(&positive[4])) * 10};
}
Bytes sessionReply(uint8_t session, SessionTiming timing) {
    Bytes out{static_cast<uint8_t>(static_cast<uint8_t>(Sid::DiagnosticSessionControl) + kPositiveOffset),
              static_cast<uint8_t>(session & 0x7F)};
    put16(out, timing.p2Ms);
    put16(out, static_cast<uint16_t>(std::min<uint32_t>(timing.p2StarMs / 10, 0xFFFF)));
    return out;
}

Bytes ecuReset(uint8_t type, bool suppress) { return {static_cast<uint8_t>(Sid::EcuReset), sub(type, suppress)}; }
Bytes testerPresent(bool suppress) { return {static_cast<uint8_t>(Sid::TesterPresent), sub(0x00, suppress)}; }
Bytes communicationControl(uint8_t control, uint8_t communicationType, bool suppress) {
    return {static_cast<uint8_t>(Sid::CommunicationControl), sub(control, suppress), communicationType};
}
Bytes controlDtcSetting(uint8_t setting, bool suppress) {
    return {static_cast<uint8_t>(Sid::ControlDtcSetting), sub(setting, suppress)};
}

Bytes readDataByIdentifier(uint16_t did) {
    Bytes out{static_cast<uint8_t>(Sid::ReadDataByIdentifier)};
    put16(out, did);
    return out;
}
std::optional<Bytes> parseReadDataReply(std::span<const uint8_t> positive, uint16_t did, std::string &error) {
    constexpr Sid sid = Sid::ReadDataByIdentifier;
    if (!expect(positive, sid, 3, error)) return std::nullopt;
    if (get16(&positive[1]) != did) {
        error = sidName(0x22) + " reply: identifier " + hex(get16(&positive[1]), 4) + ", expected " + hex(did, 4);
        return std::nullopt;
    }
    return Bytes(positive.begin() + 3, positive.end());
}
Bytes writeDataByIdentifier(uint16_t did, std::span<const uint8_t> value) {
    Bytes out{static_cast<uint8_t>(Sid::WriteDataByIdentifier)};
    put16(out, did);
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes securityAccessRequestSeed(uint8_t level) { return {static_cast<uint8_t>(Sid::SecurityAccess), level}; }
Bytes securityAccessSendKey(uint8_t level, std::span<const uint8_t> key) {
    Bytes out{static_cast<uint8_t>(Sid::SecurityAccess), static_cast<uint8_t>(level + 1)};
    out.insert(out.end(), key.begin(), key.end());
    return out;
}
std::optional<Bytes> parseSeedReply(std::span<const uint8_t> positive, uint8_t level, std::string &error) {
    constexpr Sid sid = Sid::SecurityAccess;
    if (!expect(positive, sid, 2, error) || !echoes(positive[1], level, sid, "security level", error))
        return std::nullopt;
    if (positive.size() < 3) {
        error = sidName(0x27) + " reply: no seed";
        return std::nullopt;
    }
    return Bytes(positive.begin() + 2, positive.end());
}

Bytes routineControl(uint8_t type, uint16_t routine, std::span<const uint8_t> options) {
    Bytes out{static_cast<uint8_t>(Sid::RoutineControl), type};
    put16(out, routine);
    out.insert(out.end(), options.begin(), options.end());
    return out;
}
std::optional<RoutineReply> parseRoutineReply(std::span<const uint8_t> positive, uint8_t type, uint16_t routine,
                                              std::string &error) {
    constexpr Sid sid = Sid::RoutineControl;
    if (!expect(positive, sid, 4, error) || !echoes(positive[1], type & 0x7F, sid, "routine control type", error))
        return std::nullopt;
    if (get16(&positive[2]) != routine) {
        error = sidName(0x31) + " reply: routine " + hex(get16(&positive[2]), 4) + ", expected " + hex(routine, 4);
        return std::nullopt;
    }
    return RoutineReply{routine, Bytes(positive.begin() + 4, positive.end())};
}

Bytes requestDownload(uint8_t dataFormat, uint8_t addressAndLengthFormat, uint64_t address, uint64_t size,
                      std::string &error) {
    const unsigned sizeBytes = addressAndLengthFormat >> 4, addressBytes = addressAndLengthFormat & 0x0F;
    if (sizeBytes < 1 || sizeBytes > 4 || addressBytes < 1 || addressBytes > 4) {
        error = "RequestDownload: addressAndLengthFormatIdentifier " + hex(addressAndLengthFormat, 2) +
                " outside 0x11..0x44";
        return {};
    }
    if (!fits(address, addressBytes) || !fits(size, sizeBytes)) {
        error = "RequestDownload: address " + wire::hex64(address) + " or size " + std::to_string(size) +
                " does not fit addressAndLengthFormatIdentifier " + hex(addressAndLengthFormat, 2);
        return {};
    }
    Bytes out{static_cast<uint8_t>(Sid::RequestDownload), dataFormat, addressAndLengthFormat};
    putN(out, address, addressBytes);
    putN(out, size, sizeBytes);
    return out;
}
std::optional<DownloadRequest> parseRequestDownload(std::span<const uint8_t> request, std::string &error) {
    if (request.size() < 3 || request[0] != static_cast<uint8_t>(Sid::RequestDownload)) {
        error = "RequestDownload: " + std::to_string(request.size()) + " bytes, not a request of 3 bytes or more";
        return std::nullopt;
    }
    const uint8_t alfid = request[2];
    const unsigned sizeBytes = alfid >> 4, addressBytes = alfid & 0x0F;
    if (sizeBytes < 1 || sizeBytes > 4 || addressBytes < 1 || addressBytes > 4) {
        error = "RequestDownload: addressAndLengthFormatIdentifier " + hex(alfid, 2) + " outside 0x11..0x44";
        return std::nullopt;
    }
    if (request.size() != 3 + addressBytes + sizeBytes) {
        error = "RequestDownload: " + std::to_string(request.size()) + " bytes, expected " +
                std::to_string(3 + addressBytes + sizeBytes) + " for addressAndLengthFormatIdentifier " + hex(alfid, 2);
        return std::nullopt;
    }
    return DownloadRequest{request[1], getN(&request[3], addressBytes), getN(&request[3 + addressBytes], sizeBytes)};
}
std::optional<uint64_t> parseDownloadReply(std::span<const uint8_t> positive, std::string &error) {
    constexpr Sid sid = Sid::RequestDownload;
    if (!expect(positive, sid, 2, error)) return std::nullopt;
    const unsigned n = positive[1] >> 4;
    if (n < 1 || n > 8 || (positive[1] & 0x0F) != 0) {
        error = "RequestDownload reply: lengthFormatIdentifier " + hex(positive[1], 2) + " outside 0x10..0x80";
        return std::nullopt;
    }
    if (!exactLength(positive, sid, 2 + n, error)) return std::nullopt;
    const uint64_t max = getN(&positive[2], n);
    if (max < 3) { // SID + counter + at least one data byte
        error = "RequestDownload reply: maxNumberOfBlockLength " + std::to_string(max) + " carries no data";
        return std::nullopt;
    }
    return max;
}
Bytes downloadReply(uint64_t maxBlockLength) {
    unsigned n = 2; // lengthFormatIdentifier 0x20, the common practice, unless the value needs more
    while (!fits(maxBlockLength, n)) ++n;
    Bytes out{static_cast<uint8_t>(static_cast<uint8_t>(Sid::RequestDownload) + kPositiveOffset),
              static_cast<uint8_t>(n << 4)};
    putN(out, maxBlockLength, n);
    return out;
}

Bytes transferData(uint8_t blockCounter, std::span<const uint8_t> data) {
    Bytes out;
    out.reserve(2 + data.size());
    out.push_back(static_cast<uint8_t>(Sid::TransferData));
    out.push_back(blockCounter);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}
Bytes requestTransferExit(std::span<const uint8_t> parameters) {
    Bytes out{static_cast<uint8_t>(Sid::RequestTransferExit)};
    out.insert(out.end(), parameters.begin(), parameters.end());
    return out;
}

bool echoMatches(std::span<const uint8_t> request, std::span<const uint8_t> positive) {
    if (request.empty() || positive.empty()) return false;
    size_t echoed = 0; // request bytes after the SID that the response repeats
    bool subFunction = false;
    switch (static_cast<Sid>(request[0])) {
    case Sid::DiagnosticSessionControl:
    case Sid::EcuReset:
    case Sid::ReadDtcInformation:
    case Sid::SecurityAccess:
    case Sid::CommunicationControl:
    case Sid::TesterPresent:
    case Sid::ControlDtcSetting: echoed = 1, subFunction = true; break;
    case Sid::ReadDataByIdentifier:
    case Sid::WriteDataByIdentifier: echoed = 2; break;
    case Sid::RoutineControl: echoed = 3; break;
    case Sid::TransferData: echoed = 1; break;
    default: return true;
    }
    if (request.size() < 1 + echoed || positive.size() < 1 + echoed) return false;
    for (size_t i = 1; i <= echoed; ++i) {
        const uint8_t want = subFunction && i == 1 ? uint8_t(request[i] & ~kSuppressPositiveResponse) : request[i];
        if (positive[i] != want) return false;
    }
    return true;
}

Bytes negativeResponse(uint8_t sid, Nrc nrc) { return {kNegativeResponse, sid, static_cast<uint8_t>(nrc)}; }

} // namespace conduit::bootloader::uds
