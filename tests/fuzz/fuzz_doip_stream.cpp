// Fuzz target: the DoIP stream parser on what a TCP peer sends (the entity
// to the agent, the tester to the simulator), and every payload decoder on
// each message it yields. The first byte picks the read size and the
// parser's payload limit; whatever decodes must re-encode to the same fields.
#include "proto/doip.h"

#include <cstddef>
#include <cstdint>

using namespace conduit::bootloader::doip;

namespace {

template <typename T, typename Decode, typename Encode>
void roundTrip(std::span<const uint8_t> payload, Decode decode, Encode encode) {
    std::string error;
    auto first = decode(payload, error);
    if (!first) {
        if (error.empty()) __builtin_trap(); // every refusal says why
        return;
    }
    const Bytes again = encode(*first);
    auto second = decode(again, error);
    if (!second || encode(*second) != again) __builtin_trap();
}

void decodeAll(const Message &m) {
    const std::span<const uint8_t> p = m.payload;
    roundTrip<VehicleAnnouncement>(p, decodeAnnouncement, encodeAnnouncement);
    roundTrip<RoutingActivationRequest>(p, decodeRoutingRequest, encodeRoutingRequest);
    roundTrip<RoutingActivationResponse>(p, decodeRoutingResponse, encodeRoutingResponse);
    roundTrip<uint16_t>(p, decodeAliveCheckResponse, encodeAliveCheckResponse);
    roundTrip<EntityStatus>(p, decodeEntityStatus, encodeEntityStatus);
    roundTrip<DiagnosticMessage>(p, decodeDiagnostic, encodeDiagnostic);
    roundTrip<DiagnosticAck>(p, decodeDiagnosticAck, encodeDiagnosticAck);
    roundTrip<uint8_t>(p, decodeGenericNack, [](uint8_t c) { return Bytes{c}; });
    roundTrip<std::array<uint8_t, 6>>(p, decodeIdentificationRequestByEid, encodeIdentificationRequestByEid);
    roundTrip<std::string>(p, decodeIdentificationRequestByVin, encodeIdentificationRequestByVin);
    roundTrip<uint8_t>(p, decodePowerModeResponse, [](uint8_t c) { return Bytes{c}; });
    std::string error;
    (void)checkEmpty(p, static_cast<PayloadType>(m.type), error);
    (void)payloadTypeName(m.type);
    if (!p.empty()) {
        (void)routingCodeName(p[0]);
        (void)describeDiagnosticNack(p[0]);
        (void)describeGenericNack(p[0]);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const size_t step = 1 + data[0] % 64;
    StreamParser parser(data[0] & 0x80 ? 64 : 4096);
    size_t fed = 0, taken = 0;
    for (size_t pos = 1; pos < size; pos += step) {
        const size_t n = std::min(step, size - pos);
        parser.feed(std::span(data + pos, n));
        fed += n;
        Message m;
        GenericNackCode nack{};
        for (;;) {
            const auto status = parser.next(m, nack);
            if (status == StreamParser::Status::NeedMore) break;
            if (status == StreamParser::Status::Fatal) {
                if (nack != GenericNackCode::IncorrectPattern) __builtin_trap();
                return 0;
            }
            if (status == StreamParser::Status::Skipped) {
                if (nack != GenericNackCode::MessageTooLarge) __builtin_trap();
                continue;
            }
            taken += kHeaderSize + m.payload.size();
            decodeAll(m);
        }
        // What is buffered is never more than what came in and was not taken out.
        if (parser.buffered() > fed - taken) __builtin_trap();
    }
    return 0;
}
