// DoIP (ISO 13400-2) on the wire: the generic header, every payload the
// tester and the entity exchange, and a stream parser for TCP. Shared by
// the bootloader agent and the ECU simulator; pure (no sockets, no clocks).
// Decoders are strict: a payload of the wrong length for its type is an
// error (the caller answers with a generic NACK "invalid payload length").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace conduit::bootloader::doip {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kUdpDiscoveryPort = 13400;
constexpr uint16_t kTcpDataPort = 13400;
constexpr uint16_t kTlsDataPort = 3496; // ISO 13400-2:2019
constexpr size_t kHeaderSize = 8;

enum class Version : uint8_t {
    Iso2010 = 0x01,
    Iso2012 = 0x02,
    Iso2019 = 0x03,
    Any = 0xFF, // only in vehicle identification requests
};

enum class PayloadType : uint16_t {
    GenericNack = 0x0000,
    VehicleIdentificationRequest = 0x0001,
    VehicleIdentificationRequestByEid = 0x0002,
    VehicleIdentificationRequestByVin = 0x0003,
    VehicleAnnouncement = 0x0004, // also the identification response
    RoutingActivationRequest = 0x0005,
    RoutingActivationResponse = 0x0006,
    AliveCheckRequest = 0x0007,
    AliveCheckResponse = 0x0008,
    EntityStatusRequest = 0x4001,
    EntityStatusResponse = 0x4002,
    PowerModeRequest = 0x4003,
    PowerModeResponse = 0x4004,
    DiagnosticMessage = 0x8001,
    DiagnosticAck = 0x8002,
    DiagnosticNack = 0x8003,
};
std::string payloadTypeName(uint16_t type);

enum class GenericNackCode : uint8_t {
    IncorrectPattern = 0x00, // version/inverse mismatch: the connection is closed
    UnknownPayloadType = 0x01,
    MessageTooLarge = 0x02,
    OutOfMemory = 0x03,
    InvalidPayloadLength = 0x04,
};
std::string genericNackName(uint8_t code);

enum class RoutingCode : uint8_t {
    UnknownSourceAddress = 0x00,
    AllSocketsRegistered = 0x01,
    SourceAddressMismatch = 0x02,
    SourceAddressAlreadyActive = 0x03,
    MissingAuthentication = 0x04,
    RejectedConfirmation = 0x05,
    UnsupportedActivationType = 0x06,
    TlsRequired = 0x07, // 2019
    Success = 0x10,
    ConfirmationRequired = 0x11,
};
std::string routingCodeName(uint8_t code);

enum class DiagnosticNackCode : uint8_t {
    InvalidSourceAddress = 0x02,
    UnknownTargetAddress = 0x03,
    DiagnosticMessageTooLarge = 0x04,
    OutOfMemory = 0x05,
    TargetUnreachable = 0x06,
    UnknownNetwork = 0x07,
    TransportProtocolError = 0x08,
};
std::string diagnosticNackName(uint8_t code);
// Names for messages: "missing authentication (0x04)"; unknown codes "reserved (0x0a)" (the code once).
std::string describeRoutingCode(uint8_t code);
std::string describeGenericNack(uint8_t code);
std::string describeDiagnosticNack(uint8_t code);

struct Header {
    Version version = Version::Iso2012;
    uint16_t type = 0;
    uint32_t length = 0;
};
// One whole message: header fields and payload.
struct Message {
    Version version = Version::Iso2012;
    uint16_t type = 0;
    Bytes payload;
};

Bytes encode(Version version, PayloadType type, std::span<const uint8_t> payload);
// The 8 header bytes; fails (with the NACK code to send) on a version/inverse mismatch.
std::optional<Header> decodeHeader(std::span<const uint8_t, kHeaderSize> bytes, GenericNackCode &nack);

// ---- payloads

struct VehicleAnnouncement {
    std::string vin; // 17 characters
    uint16_t logicalAddress = 0;
    std::array<uint8_t, 6> eid{}, gid{};
    uint8_t furtherAction = 0;
    std::optional<uint8_t> syncStatus;
};
struct RoutingActivationRequest {
    uint16_t sourceAddress = 0;
    uint8_t activationType = 0; // 0x00 default, 0x01 WWH-OBD, 0xE0 central security
    std::optional<uint32_t> oemSpecific;
};
struct RoutingActivationResponse {
    uint16_t testerAddress = 0, entityAddress = 0;
    uint8_t code = 0; // RoutingCode, kept raw: unknown codes are reported, not rejected
    std::optional<uint32_t> oemSpecific;
};
struct EntityStatus {
    uint8_t nodeType = 0; // 0 gateway, 1 node
    uint8_t maxSockets = 0, openSockets = 0;
    std::optional<uint32_t> maxDataSize;
};
struct DiagnosticMessage {
    uint16_t source = 0, target = 0;
    Bytes userData; // the UDS message
};
// Positive (0x8002, code 0x00) or negative (0x8003, DiagnosticNackCode) acknowledgement.
struct DiagnosticAck {
    uint16_t source = 0, target = 0;
    uint8_t code = 0;
    Bytes previous; // optional echo of the acknowledged message
};

Bytes encodeAnnouncement(const VehicleAnnouncement &);
Bytes encodeRoutingRequest(const RoutingActivationRequest &);
Bytes encodeRoutingResponse(const RoutingActivationResponse &);
Bytes encodeAliveCheckResponse(uint16_t sourceAddress);
Bytes encodeEntityStatus(const EntityStatus &);
Bytes encodeDiagnostic(const DiagnosticMessage &);
// The first 12 bytes of a whole diagnostic message (header, source, target)
// carrying `userDataSize` bytes of UDS: written before the caller's UDS
// bytes, it is encode(version, DiagnosticMessage, encodeDiagnostic(...))
// without copying them.
constexpr size_t kDiagnosticHeadSize = kHeaderSize + 4;
std::array<uint8_t, kDiagnosticHeadSize> encodeDiagnosticHead(Version version, uint16_t source, uint16_t target,
                                                              size_t userDataSize);
Bytes encodeDiagnosticAck(const DiagnosticAck &);
Bytes encodeGenericNack(GenericNackCode);

std::optional<VehicleAnnouncement> decodeAnnouncement(std::span<const uint8_t>, std::string &error);
std::optional<RoutingActivationRequest> decodeRoutingRequest(std::span<const uint8_t>, std::string &error);
std::optional<RoutingActivationResponse> decodeRoutingResponse(std::span<const uint8_t>, std::string &error);
std::optional<uint16_t> decodeAliveCheckResponse(std::span<const uint8_t>, std::string &error);
std::optional<EntityStatus> decodeEntityStatus(std::span<const uint8_t>, std::string &error);
std::optional<DiagnosticMessage> decodeDiagnostic(std::span<const uint8_t>, std::string &error);
std::optional<DiagnosticAck> decodeDiagnosticAck(std::span<const uint8_t>, std::string &error);
std::optional<uint8_t> decodeGenericNack(std::span<const uint8_t>, std::string &error);

// Vehicle identification requests with EID (6 bytes) or VIN (17 characters); the plain
// request, the alive check request, the entity status and power mode requests carry nothing.
Bytes encodeIdentificationRequestByEid(const std::array<uint8_t, 6> &eid);
std::optional<std::array<uint8_t, 6>> decodeIdentificationRequestByEid(std::span<const uint8_t>, std::string &error);
Bytes encodeIdentificationRequestByVin(const std::string &vin);
std::optional<std::string> decodeIdentificationRequestByVin(std::span<const uint8_t>, std::string &error);
std::optional<uint8_t> decodePowerModeResponse(std::span<const uint8_t>, std::string &error);
// For the payload types that carry nothing: refuses a non-empty payload.
bool checkEmpty(std::span<const uint8_t>, PayloadType type, std::string &error);

// Splits a TCP byte stream into messages. Survives messages coalesced in
// one read and split across many (down to one byte per read). A message
// whose declared length exceeds `maxPayload` is skipped without buffering
// it (the caller answers GenericNack MessageTooLarge); a bad header is
// fatal for the stream (IncorrectPattern: the caller closes).
class StreamParser {
public:
    explicit StreamParser(uint32_t maxPayload = 1u << 20);

    void feed(std::span<const uint8_t> bytes);

    enum class Status { NeedMore, Message, Skipped, Fatal };
    // Takes the next message out, if a whole one is buffered. After Skipped
    // or Fatal, `nack` says which generic NACK to send.
    Status next(Message &out, GenericNackCode &nack);

    size_t buffered() const { return buffer_.size() - start_; }

private:
    uint32_t maxPayload_;
    Bytes buffer_;
    size_t start_ = 0;
    uint64_t skipping_ = 0; // bytes of an oversized payload still to drop
    bool fatal_ = false;
};

} // namespace conduit::bootloader::doip
