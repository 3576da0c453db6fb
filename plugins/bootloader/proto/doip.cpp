#include "doip.h"

#include "wire_p.h"

#include <algorithm>

namespace conduit::bootloader::doip {

using wire::get16;
using wire::get32;
using wire::hex;
using wire::put16;
using wire::put32;

namespace {

struct Named {
    unsigned code;
    const char *name;
};

template <size_t N>
const char *lookup(const Named (&table)[N], unsigned code) {
    for (const auto &n : table)
        if (n.code == code) return n.name;
    return nullptr;
}

constexpr Named kPayloadTypes[] = {
    {0x0000, "generic NACK"},
    {0x0001, "vehicle identification request"},
    {0x0002, "vehicle identification request with EID"},
    {0x0003, "vehicle identification request with VIN"},
    {0x0004, "vehicle announcement / identification response"},
    {0x0005, "routing activation request"},
    {0x0006, "routing activation response"},
    {0x0007, "alive check request"},
    {0x0008, "alive check response"},
    {0x4001, "entity status request"},
    {0x4002, "entity status response"},
    {0x4003, "diagnostic power mode request"},
    {0x4004, "diagnostic power mode response"},
    {0x8001, "diagnostic message"},
    {0x8002, "diagnostic message positive acknowledgement"},
    {0x8003, "diagnostic message negative acknowledgement"},
};

constexpr Named kGenericNacks[] = {
    {0x00, "incorrect pattern format"}, {0x01, "unknown payload type"},
    {0x02, "message too large"},        {0x03, "out of memory"},
    {0x04, "invalid payload length"},
};

constexpr Named kRoutingCodes[] = {
    {0x00, "unknown source address"},
    {0x01, "all TCP sockets registered and active"},
    {0x02, "source address differs from the one activated on this socket"},
    {0x03, "source address already active on another socket"},
    {0x04, "missing authentication"},
    {0x05, "rejected confirmation"},
    {0x06, "unsupported routing activation type"},
    {0x07, "TLS connection required"},
    {0x10, "routing successfully activated"},
    {0x11, "routing will be activated, confirmation required"},
};

constexpr Named kDiagnosticNacks[] = {
    {0x02, "invalid source address"},       {0x03, "unknown target address"},
    {0x04, "diagnostic message too large"}, {0x05, "out of memory"},
    {0x06, "target unreachable"},           {0x07, "unknown network"},
    {0x08, "transport protocol error"},
};

std::string nameOr(const char *known, const char *otherwise, unsigned code, int digits) {
    return known ? std::string(known) : std::string(otherwise) + " (" + hex(code, digits) + ")";
}

// Wrong-length refusals all read the same: "routing activation response: 8 bytes, expected 9 or 13".
bool lengthIs(std::span<const uint8_t> p, std::initializer_list<size_t> allowed, const char *what, std::string &error) {
    if (std::find(allowed.begin(), allowed.end(), p.size()) != allowed.end()) return true;
    error = std::string(what) + ": " + std::to_string(p.size()) + " bytes, expected ";
    size_t i = 0;
    for (size_t n : allowed) error += (i++ ? " or " : "") + std::to_string(n);
    return false;
}

bool lengthAtLeast(std::span<const uint8_t> p, size_t min, const char *what, std::string &error) {
    if (p.size() >= min) return true;
    error = std::string(what) + ": " + std::to_string(p.size()) + " bytes, expected at least " + std::to_string(min);
    return false;
}

bool knownVersion(uint8_t v) { return v == 0x01 || v == 0x02 || v == 0x03; }

} // namespace

std::string payloadTypeName(uint16_t type) {
    const char *other = type >= 0xF000 ? "manufacturer-specific payload type" : "reserved payload type";
    return nameOr(lookup(kPayloadTypes, type), other, type, 4);
}
std::string genericNackName(uint8_t code) { return nameOr(lookup(kGenericNacks, code), "reserved", code, 2); }
std::string routingCodeName(uint8_t code) {
    const char *other = code >= 0xE0 && code <= 0xFE ? "manufacturer-specific" : "reserved";
    return nameOr(lookup(kRoutingCodes, code), other, code, 2);
}
std::string diagnosticNackName(uint8_t code) { return nameOr(lookup(kDiagnosticNacks, code), "reserved", code, 2); }
std::string describeRoutingCode(uint8_t code) {
    return lookup(kRoutingCodes, code) ? routingCodeName(code) + " (" + hex(code, 2) + ")" : routingCodeName(code);
}
std::string describeGenericNack(uint8_t code) {
    return lookup(kGenericNacks, code) ? genericNackName(code) + " (" + hex(code, 2) + ")" : genericNackName(code);
}
std::string describeDiagnosticNack(uint8_t code) {
    return lookup(kDiagnosticNacks, code) ? diagnosticNackName(code) + " (" + hex(code, 2) + ")"
                                          : diagnosticNackName(code);
}

Bytes encode(Version version, PayloadType type, std::span<const uint8_t> payload) {
    Bytes out;
    out.reserve(kHeaderSize + payload.size());
    const auto v = static_cast<uint8_t>(version);
    out.push_back(v);
    out.push_back(static_cast<uint8_t>(~v));
    put16(out, static_cast<uint16_t>(type));
    put32(out, static_cast<uint32_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::optional<Header> decodeHeader(std::span<const uint8_t, kHeaderSize> b, GenericNackCode &nack) {
    const uint8_t v = b[0];
    const uint16_t type = get16(b.data() + 2);
    const bool identification = type >= 0x0001 && type <= 0x0003;
    if (static_cast<uint8_t>(~v) != b[1] || !(knownVersion(v) || (v == 0xFF && identification))) {
        nack = GenericNackCode::IncorrectPattern;
        return std::nullopt;
    }
    return Header{static_cast<Version>(v), type, get32(b.data() + 4)};
}

// ---- payloads

Bytes encodeAnnouncement(const VehicleAnnouncement &a) {
    Bytes out(17, 0);
    std::copy_n(a.vin.begin(), std::min<size_t>(a.vin.size(), 17), out.begin());
    put16(out, a.logicalAddress);
    out.insert(out.end(), a.eid.begin(), a.eid.end());
    out.insert(out.end(), a.gid.begin(), a.gid.end());
    out.push_back(a.furtherAction);
    if (a.syncStatus) out.push_back(*a.syncStatus);
    return out;
}
std::optional<VehicleAnnouncement> decodeAnnouncement(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {32, 33}, "vehicle announcement", error)) return std::nullopt;
    VehicleAnnouncement a;
    a.vin.assign(p.begin(), p.begin() + 17);
    a.logicalAddress = get16(&p[17]);
    std::copy_n(&p[19], 6, a.eid.begin());
    std::copy_n(&p[25], 6, a.gid.begin());
    a.furtherAction = p[31];
    if (p.size() == 33) a.syncStatus = p[32];
    return a;
}

Bytes encodeRoutingRequest(const RoutingActivationRequest &r) {
    Bytes out;
    put16(out, r.sourceAddress);
    out.push_back(r.activationType);
    put32(out, 0); // reserved by ISO 13400
    if (r.oemSpecific) put32(out, *r.oemSpecific);
    return out;
}
std::optional<RoutingActivationRequest> decodeRoutingRequest(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {7, 11}, "routing activation request", error)) return std::nullopt;
    RoutingActivationRequest r;
    r.sourceAddress = get16(&p[0]);
    r.activationType = p[2];
    if (p.size() == 11) r.oemSpecific = get32(&p[7]);
    return r;
}

Bytes encodeRoutingResponse(const RoutingActivationResponse &r) {
    Bytes out;
    put16(out, r.testerAddress);
    put16(out, r.entityAddress);
    out.push_back(r.code);
    put32(out, 0); // reserved by ISO 13400
    if (r.oemSpecific) put32(out, *r.oemSpecific);
    return out;
}
std::optional<RoutingActivationResponse> decodeRoutingResponse(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {9, 13}, "routing activation response", error)) return std::nullopt;
    RoutingActivationResponse r;
    r.testerAddress = get16(&p[0]);
    r.entityAddress = get16(&p[2]);
    r.code = p[4];
    if (p.size() == 13) r.oemSpecific = get32(&p[9]);
    return r;
}

Bytes encodeAliveCheckResponse(uint16_t sourceAddress) {
    Bytes out;
    put16(out, sourceAddress);
    return out;
}
std::optional<uint16_t> decodeAliveCheckResponse(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {2}, "alive check response", error)) return std::nullopt;
    return get16(p.data());
}

Bytes encodeEntityStatus(const EntityStatus &s) {
    Bytes out{s.nodeType, s.maxSockets, s.openSockets};
    if (s.maxDataSize) put32(out, *s.maxDataSize);
    return out;
}
std::optional<EntityStatus> decodeEntityStatus(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {3, 7}, "entity status response", error)) return std::nullopt;
    EntityStatus s{p[0], p[1], p[2], std::nullopt};
    if (p.size() == 7) s.maxDataSize = get32(&p[3]);
    return s;
}

Bytes encodeDiagnostic(const DiagnosticMessage &m) {
    Bytes out;
    out.reserve(4 + m.userData.size());
    put16(out, m.source);
    put16(out, m.target);
    out.insert(out.end(), m.userData.begin(), m.userData.end());
    return out;
}
std::array<uint8_t, kDiagnosticHeadSize> encodeDiagnosticHead(Version version, uint16_t source, uint16_t target,
                                                              size_t userDataSize) {
    const auto v = static_cast<uint8_t>(version);
    const auto length = static_cast<uint32_t>(4 + userDataSize);
    const auto type = static_cast<uint16_t>(PayloadType::DiagnosticMessage);
    return {v,
            static_cast<uint8_t>(~v),
            static_cast<uint8_t>(type >> 8),
            static_cast<uint8_t>(type),
            static_cast<uint8_t>(length >> 24),
            static_cast<uint8_t>(length >> 16),
            static_cast<uint8_t>(length >> 8),
            static_cast<uint8_t>(length),
            static_cast<uint8_t>(source >> 8),
            static_cast<uint8_t>(source),
            static_cast<uint8_t>(target >> 8),
            static_cast<uint8_t>(target)};
}
std::optional<DiagnosticMessage> decodeDiagnostic(std::span<const uint8_t> p, std::string &error) {
    if (!lengthAtLeast(p, 5, "diagnostic message", error)) return std::nullopt;
    return DiagnosticMessage{get16(&p[0]), get16(&p[2]), Bytes(p.begin() + 4, p.end())};
}

Bytes encodeDiagnosticAck(const DiagnosticAck &a) {
    Bytes out;
    put16(out, a.source);
    put16(out, a.target);
    out.push_back(a.code);
    out.insert(out.end(), a.previous.begin(), a.previous.end());
    return out;
}
std::optional<DiagnosticAck> decodeDiagnosticAck(std::span<const uint8_t> p, std::string &error) {
    if (!lengthAtLeast(p, 5, "diagnostic message acknowledgement", error)) return std::nullopt;
    return DiagnosticAck{get16(&p[0]), get16(&p[2]), p[4], Bytes(p.begin() + 5, p.end())};
}

Bytes encodeGenericNack(GenericNackCode code) { return Bytes{static_cast<uint8_t>(code)}; }
std::optional<uint8_t> decodeGenericNack(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {1}, "generic NACK", error)) return std::nullopt;
    return p[0];
}

Bytes encodeIdentificationRequestByEid(const std::array<uint8_t, 6> &eid) { return Bytes(eid.begin(), eid.end()); }
std::optional<std::array<uint8_t, 6>> decodeIdentificationRequestByEid(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {6}, "vehicle identification request with EID", error)) return std::nullopt;
    std::array<uint8_t, 6> eid{};
    std::copy_n(p.begin(), 6, eid.begin());
    return eid;
}
Bytes encodeIdentificationRequestByVin(const std::string &vin) {
    Bytes out(17, 0);
    std::copy_n(vin.begin(), std::min<size_t>(vin.size(), 17), out.begin());
    return out;
}
std::optional<std::string> decodeIdentificationRequestByVin(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {17}, "vehicle identification request with VIN", error)) return std::nullopt;
    return std::string(p.begin(), p.end());
}
std::optional<uint8_t> decodePowerModeResponse(std::span<const uint8_t> p, std::string &error) {
    if (!lengthIs(p, {1}, "diagnostic power mode response", error)) return std::nullopt;
    return p[0];
}
bool checkEmpty(std::span<const uint8_t> p, PayloadType type, std::string &error) {
    if (p.empty()) return true;
    error = payloadTypeName(static_cast<uint16_t>(type)) + ": " + std::to_string(p.size()) + " bytes, expected 0";
    return false;
}

// ---- stream

StreamParser::StreamParser(uint32_t maxPayload) : maxPayload_(maxPayload) {}

void StreamParser::feed(std::span<const uint8_t> bytes) {
    if (fatal_) return;
    if (skipping_ > 0) { // invariant: nothing is buffered while a payload is dropped
        const size_t drop = static_cast<size_t>(std::min<uint64_t>(skipping_, bytes.size()));
        skipping_ -= drop;
        bytes = bytes.subspan(drop);
    }
    if (bytes.empty()) return;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    } else if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

StreamParser::Status StreamParser::next(Message &out, GenericNackCode &nack) {
    if (fatal_) {
        nack = GenericNackCode::IncorrectPattern;
        return Status::Fatal;
    }
    if (skipping_ > 0 || buffered() < kHeaderSize) return Status::NeedMore;
    const uint8_t *head = buffer_.data() + start_;
    auto header = decodeHeader(std::span<const uint8_t, kHeaderSize>(head, kHeaderSize), nack);
    if (!header) {
        fatal_ = true;
        buffer_.clear();
        start_ = 0;
        return Status::Fatal;
    }
    if (header->length > maxPayload_) {
        start_ += kHeaderSize;
        const size_t drop = static_cast<size_t>(std::min<uint64_t>(header->length, buffered()));
        start_ += drop;
        skipping_ = header->length - drop;
        nack = GenericNackCode::MessageTooLarge;
        return Status::Skipped;
    }
    if (buffered() < kHeaderSize + header->length) return Status::NeedMore;
    out.version = header->version;
    out.type = header->type;
    out.payload.assign(head + kHeaderSize, head + kHeaderSize + header->length);
    start_ += kHeaderSize + header->length;
    return Status::Message;
}

} // namespace conduit::bootloader::doip
