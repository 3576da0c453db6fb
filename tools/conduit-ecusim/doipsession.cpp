// The TCP side of the DoIP entity: what one connection's messages do.
#include "doipentity.h"

namespace conduit::ecusim {

namespace {
std::string hex16(uint16_t v) {
    static const char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[v >> 12] + digits[(v >> 8) & 0xF] + digits[(v >> 4) & 0xF] + digits[v & 0xF];
}
} // namespace

void DoipEntity::send(Connection &c, doip::PayloadType type, const Bytes &payload) {
    const Bytes m = doip::encode(c.version, type, payload);
    c.lastActivity = Clock::now();
    c.out.insert(c.out.end(), m.begin(), m.end());
}

void DoipEntity::nack(Connection &c, doip::GenericNackCode code, bool closeAfter) {
    log("tcp#" + std::to_string(c.id) + ": generic NACK " + doip::genericNackName(uint8_t(code)) +
        (closeAfter ? ", closing" : ""));
    send(c, doip::PayloadType::GenericNack, doip::encodeGenericNack(code));
    c.closing = c.closing || closeAfter;
}

DoipEntity::Ecu *DoipEntity::ecuAt(uint16_t address) {
    for (Ecu &e : ecus_)
        if (e.config.logicalAddress == address) return &e;
    return nullptr;
}

void DoipEntity::onMessage(Connection &c, const doip::Message &m) {
    if (m.version != doip::Version::Iso2012 && m.version != doip::Version::Iso2019 &&
        m.version != doip::Version::Iso2010)
        return nack(c, doip::GenericNackCode::IncorrectPattern, true);
    c.version = m.version;
    c.lastActivity = Clock::now();
    switch (doip::PayloadType(m.type)) {
    case doip::PayloadType::RoutingActivationRequest: return onRoutingActivation(c, m);
    case doip::PayloadType::DiagnosticMessage: return onDiagnostic(c, m);
    case doip::PayloadType::AliveCheckRequest:
        if (!m.payload.empty()) return nack(c, doip::GenericNackCode::InvalidPayloadLength, true);
        log("tcp#" + std::to_string(c.id) + ": alive check");
        return send(c, doip::PayloadType::AliveCheckResponse, doip::encodeAliveCheckResponse(c.tester.value_or(0)));
    case doip::PayloadType::AliveCheckResponse: return; // the entity sends no alive checks: nothing to match
    case doip::PayloadType::EntityStatusRequest: {
        if (!m.payload.empty()) return nack(c, doip::GenericNackCode::InvalidPayloadLength, true);
        const Bytes status = entityStatus(c.version);
        c.out.insert(c.out.end(), status.begin(), status.end());
        return;
    }
    case doip::PayloadType::PowerModeRequest:
        if (!m.payload.empty()) return nack(c, doip::GenericNackCode::InvalidPayloadLength, true);
        return send(c, doip::PayloadType::PowerModeResponse, Bytes{0x01});
    default:
        log("tcp#" + std::to_string(c.id) + ": unexpected " + doip::payloadTypeName(m.type));
        return nack(c, doip::GenericNackCode::UnknownPayloadType, false);
    }
}

void DoipEntity::onRoutingActivation(Connection &c, const doip::Message &m) {
    std::string error;
    const auto request = doip::decodeRoutingRequest(m.payload, error);
    if (!request) return nack(c, doip::GenericNackCode::InvalidPayloadLength, true);
    const uint16_t sa = request->sourceAddress;
    doip::RoutingCode code = doip::RoutingCode::Success;
    bool close = false;
    size_t routed = 0;
    bool activeElsewhere = false;
    for (const auto &[id, other] : connections_) {
        routed += other->tester.has_value();
        activeElsewhere = activeElsewhere || (id != c.id && other->tester == sa);
    }
    const RoutingPolicy policy = c.tls ? RoutingPolicy::Accept : config_.entity.routing;
    if (sa < config_.entity.testerMin || sa > config_.entity.testerMax) {
        code = doip::RoutingCode::UnknownSourceAddress, close = true;
    } else if (request->activationType != 0x00 && request->activationType != 0x01 && request->activationType != 0xE0) {
        code = doip::RoutingCode::UnsupportedActivationType, close = true;
    } else if (c.tester && *c.tester != sa) {
        code = doip::RoutingCode::SourceAddressMismatch, close = true;
    } else if (activeElsewhere) {
        code = doip::RoutingCode::SourceAddressAlreadyActive, close = true;
    } else if (!c.tester && routed >= config_.entity.maxSockets) {
        code = doip::RoutingCode::AllSocketsRegistered, close = true;
    } else if (policy == RoutingPolicy::TlsRequired) {
        code = doip::RoutingCode::TlsRequired, close = true;
    } else if (policy == RoutingPolicy::MissingAuthentication) {
        code = doip::RoutingCode::MissingAuthentication;
    } else if (policy == RoutingPolicy::ConfirmationRequired) {
        code = doip::RoutingCode::ConfirmationRequired;
    } else {
        c.tester = sa;
    }
    log("tcp#" + std::to_string(c.id) + ": routing activation from " + hex16(sa) + " -> " +
        doip::routingCodeName(uint8_t(code)) + (close ? ", closing" : ""));
    send(c, doip::PayloadType::RoutingActivationResponse,
         doip::encodeRoutingResponse({sa, config_.entity.logicalAddress, uint8_t(code), std::nullopt}));
    c.closing = c.closing || close;
}

void DoipEntity::onDiagnostic(Connection &c, const doip::Message &m) {
    std::string error;
    const auto d = doip::decodeDiagnostic(m.payload, error);
    if (!d) return nack(c, doip::GenericNackCode::InvalidPayloadLength, true);
    auto ack = [&](doip::PayloadType type, uint8_t code) {
        send(c, type, doip::encodeDiagnosticAck({d->target, d->source, code, {}}));
    };
    if (!c.tester || *c.tester != d->source) {
        log("tcp#" + std::to_string(c.id) + ": diagnostic message from " + hex16(d->source) +
            ", not the routed source address: NACK, closing");
        ack(doip::PayloadType::DiagnosticNack, uint8_t(doip::DiagnosticNackCode::InvalidSourceAddress));
        c.closing = true;
        return;
    }
    const bool functional = d->target == config_.entity.functionalAddress;
    Ecu *ecu = functional ? nullptr : ecuAt(d->target);
    if (!functional && !ecu) {
        log("tcp#" + std::to_string(c.id) + ": diagnostic message for unknown target " + hex16(d->target) + ": NACK");
        return ack(doip::PayloadType::DiagnosticNack, uint8_t(doip::DiagnosticNackCode::UnknownTargetAddress));
    }
    if (d->userData.empty()) {
        return ack(doip::PayloadType::DiagnosticNack, uint8_t(doip::DiagnosticNackCode::TransportProtocolError));
    }
    if (ecu && Clock::now() < ecu->bootedAt) {
        log("tcp#" + std::to_string(c.id) + ": " + ecu->config.name +
            " is booting after its reset: NACK target unreachable");
        return ack(doip::PayloadType::DiagnosticNack, uint8_t(doip::DiagnosticNackCode::TargetUnreachable));
    }
    for (const Ecu &e : ecus_)
        if ((functional || &e == ecu) && e.work.full())
            return ack(doip::PayloadType::DiagnosticNack, uint8_t(doip::DiagnosticNackCode::OutOfMemory));
    ack(doip::PayloadType::DiagnosticAck, 0x00);
    const Job job{c.id, d->source, d->userData, functional};
    if (functional) {
        const TimePoint now = Clock::now();
        for (Ecu &e : ecus_)
            if (now >= e.bootedAt) e.work.push(job); // a booting ECU does not hear it
    } else {
        ecu->work.push(job);
    }
}

} // namespace conduit::ecusim
