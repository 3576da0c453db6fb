// UDS (ISO 14229-1) on the wire: service ids, negative response codes with
// their names, and the encoders/decoders of the requests and replies the
// reprogramming sequence and the ECU simulator use. Shared by both sides;
// pure (no I/O, no clocks). Every decoder is strict: wrong length or a
// field outside its range is an error with a message, never a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace conduit::bootloader::uds {

using Bytes = std::vector<uint8_t>;

enum class Sid : uint8_t {
    DiagnosticSessionControl = 0x10,
    EcuReset = 0x11,
    ClearDiagnosticInformation = 0x14,
    ReadDtcInformation = 0x19,
    ReadDataByIdentifier = 0x22,
    SecurityAccess = 0x27,
    CommunicationControl = 0x28,
    Authentication = 0x29,
    WriteDataByIdentifier = 0x2E,
    RoutineControl = 0x31,
    RequestDownload = 0x34,
    TransferData = 0x36,
    RequestTransferExit = 0x37,
    TesterPresent = 0x3E,
    ControlDtcSetting = 0x85,
};
constexpr uint8_t kNegativeResponse = 0x7F;
constexpr uint8_t kPositiveOffset = 0x40;
constexpr uint8_t kSuppressPositiveResponse = 0x80; // bit in the sub-function byte

// Negative response codes (ISO 14229-1 Annex A.1), every one named.
enum class Nrc : uint8_t {
    GeneralReject = 0x10,
    ServiceNotSupported = 0x11,
    SubFunctionNotSupported = 0x12,
    IncorrectMessageLengthOrInvalidFormat = 0x13,
    ResponseTooLong = 0x14,
    BusyRepeatRequest = 0x21,
    ConditionsNotCorrect = 0x22,
    RequestSequenceError = 0x24,
    NoResponseFromSubnetComponent = 0x25,
    FailurePreventsExecutionOfRequestedAction = 0x26,
    RequestOutOfRange = 0x31,
    SecurityAccessDenied = 0x33,
    AuthenticationRequired = 0x34,
    InvalidKey = 0x35,
    ExceedNumberOfAttempts = 0x36,
    RequiredTimeDelayNotExpired = 0x37,
    // 0x38-0x4F reserved by extended data link security (authentication)
    UploadDownloadNotAccepted = 0x70,
    TransferDataSuspended = 0x71,
    GeneralProgrammingFailure = 0x72,
    WrongBlockSequenceCounter = 0x73,
    RequestCorrectlyReceivedResponsePending = 0x78,
    SubFunctionNotSupportedInActiveSession = 0x7E,
    ServiceNotSupportedInActiveSession = 0x7F,
    RpmTooHigh = 0x81,
    RpmTooLow = 0x82,
    EngineIsRunning = 0x83,
    EngineIsNotRunning = 0x84,
    EngineRunTimeTooLow = 0x85,
    TemperatureTooHigh = 0x86,
    TemperatureTooLow = 0x87,
    VehicleSpeedTooHigh = 0x88,
    VehicleSpeedTooLow = 0x89,
    ThrottlePedalTooHigh = 0x8A,
    ThrottlePedalTooLow = 0x8B,
    TransmissionRangeNotInNeutral = 0x8C,
    TransmissionRangeNotInGear = 0x8D,
    BrakeSwitchNotClosed = 0x8F,
    ShifterLeverNotInPark = 0x90,
    TorqueConverterClutchLocked = 0x91,
    VoltageTooHigh = 0x92,
    VoltageTooLow = 0x93,
    ResourceTemporarilyNotAvailable = 0x94,
};

// "requestOutOfRange" for a known code; "reserved (0x3a)" / "vehicleManufacturerSpecific (0xf2)" otherwise.
std::string nrcName(uint8_t code);
// "RequestDownload" for a known service, "service 0xab" otherwise.
std::string sidName(uint8_t sid);
// For messages, the code once: "requestOutOfRange (0x31)", "reserved (0x3a)";
// "RequestDownload (0x34)", "service 0xab".
std::string describeNrc(uint8_t code);
std::string describeSid(uint8_t sid);

// A reply split into what it is.
struct Reply {
    bool positive = false;
    uint8_t sid = 0;               // the request's service id (positive: reply[0]-0x40; negative: reply[1])
    uint8_t nrc = 0;               // negative only
    std::span<const uint8_t> data; // after the SID byte (positive)
};
// Fails for an empty reply, a 0x7F of the wrong length.
std::optional<Reply> parseReply(std::span<const uint8_t> reply, std::string &error);

// Does a positive response echo what its request asked (ISO 14229-1: the
// sub-function without the suppress bit for 0x10 0x11 0x19 0x27 0x28 0x3E
// 0x85; the identifier for 0x22 0x2E; control type and routine for 0x31;
// the block counter for 0x36)? A late answer to an earlier request of the
// same service does not, and must not answer this one. Services without an
// echo always match.
bool echoMatches(std::span<const uint8_t> request, std::span<const uint8_t> positive);

// ---- requests and the replies they get (encoders used by the client, decoders by both)
// Every parse*Reply takes `positive`, the whole positive response starting
// with SID+0x40 (UdsResult::response), and checks that byte and the echoed
// fields (session, DID, level, routine type and id).

struct SessionTiming {
    uint16_t p2Ms = 0;
    uint32_t p2StarMs = 0;
}; // from the 0x50 reply (P2* sent in 10 ms units)
Bytes sessionControl(uint8_t session, bool suppress = false);
std::optional<SessionTiming> parseSessionReply(std::span<const uint8_t> positive, uint8_t session, std::string &error);
Bytes sessionReply(uint8_t session, SessionTiming timing); // simulator side

Bytes ecuReset(uint8_t type, bool suppress = false);
Bytes testerPresent(bool suppress = true);
Bytes communicationControl(uint8_t control, uint8_t communicationType, bool suppress);
Bytes controlDtcSetting(uint8_t setting, bool suppress);

Bytes readDataByIdentifier(uint16_t did);
std::optional<Bytes> parseReadDataReply(std::span<const uint8_t> positive, uint16_t did, std::string &error);
Bytes writeDataByIdentifier(uint16_t did, std::span<const uint8_t> value);

Bytes securityAccessRequestSeed(uint8_t level);                           // odd sub-function
Bytes securityAccessSendKey(uint8_t level, std::span<const uint8_t> key); // level+1
std::optional<Bytes> parseSeedReply(std::span<const uint8_t> positive, uint8_t level, std::string &error);

// RoutineControl: 0x01 start, 0x02 stop, 0x03 request results.
Bytes routineControl(uint8_t type, uint16_t routine, std::span<const uint8_t> options = {});
struct RoutineReply {
    uint16_t routine = 0;
    Bytes status;
};
std::optional<RoutineReply> parseRoutineReply(std::span<const uint8_t> positive, uint8_t type, uint16_t routine,
                                              std::string &error);

// RequestDownload with its dataFormatIdentifier and addressAndLengthFormatIdentifier
// (high nibble: length bytes, low nibble: address bytes; 1..4 each).
Bytes requestDownload(uint8_t dataFormat, uint8_t addressAndLengthFormat, uint64_t address, uint64_t size,
                      std::string &error); // empty when address/size do not fit the ALFID
struct DownloadRequest {
    uint8_t dataFormat = 0;
    uint64_t address = 0, size = 0;
};
std::optional<DownloadRequest> parseRequestDownload(std::span<const uint8_t> request, std::string &error); // simulator
// maxNumberOfBlockLength: the length of the whole 0x36 request (SID and counter included).
std::optional<uint64_t> parseDownloadReply(std::span<const uint8_t> positive, std::string &error);
Bytes downloadReply(uint64_t maxBlockLength); // simulator

Bytes transferData(uint8_t blockCounter, std::span<const uint8_t> data);
Bytes requestTransferExit(std::span<const uint8_t> parameters = {});

// The next block sequence counter: starts at 1, wraps 0xFF -> 0x00.
constexpr uint8_t nextBlockCounter(uint8_t counter) { return static_cast<uint8_t>(counter + 1); }

Bytes negativeResponse(uint8_t sid, Nrc nrc); // simulator

} // namespace conduit::bootloader::uds
