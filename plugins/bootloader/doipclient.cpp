#include "doipclient.h"

#include <cstdio>

namespace conduit::bootloader {

using namespace doip;

namespace {

std::string hex4(uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    return buf;
}

bool knownType(uint16_t t) {
    switch (static_cast<PayloadType>(t)) {
    case PayloadType::GenericNack:
    case PayloadType::VehicleIdentificationRequest:
    case PayloadType::VehicleIdentificationRequestByEid:
    case PayloadType::VehicleIdentificationRequestByVin:
    case PayloadType::VehicleAnnouncement:
    case PayloadType::RoutingActivationRequest:
    case PayloadType::RoutingActivationResponse:
    case PayloadType::AliveCheckRequest:
    case PayloadType::AliveCheckResponse:
    case PayloadType::EntityStatusRequest:
    case PayloadType::EntityStatusResponse:
    case PayloadType::PowerModeRequest:
    case PayloadType::PowerModeResponse:
    case PayloadType::DiagnosticMessage:
    case PayloadType::DiagnosticAck:
    case PayloadType::DiagnosticNack: return true;
    }
    return false;
}

TransportError protocolError(const std::string &peer, const std::string &what) {
    return {TransportErrorKind::Protocol, "DoIP entity " + peer + " " + what};
}

} // namespace

DoipConnection::DoipConnection(DoipConfig config, std::unique_ptr<DoipStream> stream)
    : config_(std::move(config)), stream_(std::move(stream)), parser_(config_.maxReceivePayload) {}

std::shared_ptr<DoipConnection> DoipConnection::open(const DoipConfig &config, std::optional<TransportError> &error) {
    if (config.version != Version::Iso2012 && config.version != Version::Iso2019) {
        error = TransportError{TransportErrorKind::Configuration, "DoIP protocol version must be 2 (2012) or 3 (2019)"};
        return nullptr;
    }
    const uint16_t port = config.port ? config.port : config.tls ? kTlsDataPort : kTcpDataPort;
    auto stream = DoipStream::connect(config.host, port, config.tls, Clock::now() + config.connectTimeout, error);
    if (!stream) return nullptr;
    std::shared_ptr<DoipConnection> c(new DoipConnection(config, std::move(stream)));
    if ((error = c->activateRouting())) return nullptr;
    c->reader_ = std::thread([raw = c.get()] { raw->background(); });
    return c;
}

DoipConnection::~DoipConnection() { close(); }

void DoipConnection::close() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        backgroundCv_.notify_all();
        if (!failure_)
            failure_ = TransportError{TransportErrorKind::ConnectionLost,
                                      "DoIP connection to " + peer() + " closed by the tester"};
        changed_.notify_all();
    }
    stream_->shutdown(); // every read, the background's included, returns now
    stream_->wake();
    if (reader_.joinable() && reader_.get_id() != std::this_thread::get_id()) reader_.join();
}

// The first failure is the connection's: the stream is shut (after a bad
// header or a partial write nothing on it can be trusted) and every waiter told.
void DoipConnection::fail(TransportError error) {
    {
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = std::move(error);
        changed_.notify_all();
    }
    stream_->shutdown();
}

std::optional<TransportError> DoipConnection::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

DoipConnection::Counters DoipConnection::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

std::optional<TransportError> DoipConnection::writeMessage(PayloadType type, const Bytes &payload,
                                                           Clock::time_point deadline) {
    return stream_->write(encode(config_.version, type, payload), deadline);
}

void DoipConnection::sendNack(GenericNackCode code) {
    (void)writeMessage(PayloadType::GenericNack, encodeGenericNack(code), Clock::now() + config_.ackTimeout);
    std::lock_guard lock(mutex_);
    ++counters_.nacksSent;
}

// Synchronous, before the reader starts: the activation decides whether there is a connection at all.
std::optional<TransportError> DoipConnection::activateRouting() {
    const RoutingActivationRequest request{config_.testerAddress, config_.activationType, config_.activationOem};
    auto deadline = Clock::now() + config_.routingTimeout;
    if (auto e = writeMessage(PayloadType::RoutingActivationRequest, encodeRoutingRequest(request), deadline)) return e;
    bool confirming = false;
    Bytes chunk;
    for (;;) {
        Message m;
        GenericNackCode nack{};
        const auto status = parser_.next(m, nack);
        if (status == StreamParser::Status::Fatal) {
            sendNack(nack);
            return protocolError(peer(), "sent a bad DoIP header during routing activation");
        }
        if (status == StreamParser::Status::Skipped) {
            sendNack(nack);
            continue;
        }
        if (status == StreamParser::Status::NeedMore) {
            chunk.clear();
            std::string why;
            const auto r = stream_->read(chunk, deadline, why);
            if (r == DoipStream::Read::Closed) return TransportError{TransportErrorKind::ConnectionLost, why};
            if (r != DoipStream::Read::Data)
                return TransportError{TransportErrorKind::Timeout,
                                      confirming ? "no final routing activation response from " + peer() + " within " +
                                                       std::to_string(config_.confirmationTimeout.count()) +
                                                       " ms after \"confirmation required (0x11)\""
                                                 : "no routing activation response from " + peer() + " within " +
                                                       std::to_string(config_.routingTimeout.count()) + " ms"};
            parser_.feed(chunk);
            continue;
        }
        std::string error;
        if (m.type == static_cast<uint16_t>(PayloadType::AliveCheckRequest)) {
            (void)writeMessage(PayloadType::AliveCheckResponse, encodeAliveCheckResponse(config_.testerAddress),
                               Clock::now() + config_.ackTimeout);
            std::lock_guard lock(mutex_);
            ++counters_.aliveChecksAnswered;
        } else if (m.type == static_cast<uint16_t>(PayloadType::GenericNack)) {
            auto code = decodeGenericNack(m.payload, error);
            return TransportError{TransportErrorKind::Refused, "routing activation request NACKed by " + peer() + ": " +
                                                                   (code ? describeGenericNack(*code) : error)};
        } else if (m.type == static_cast<uint16_t>(PayloadType::RoutingActivationResponse)) {
            auto r = decodeRoutingResponse(m.payload, error);
            if (!r) {
                sendNack(GenericNackCode::InvalidPayloadLength);
                return protocolError(peer(), "sent a malformed " + error);
            }
            if (r->testerAddress != config_.testerAddress)
                return protocolError(peer(), "answered routing activation for tester " + hex4(r->testerAddress) +
                                                 ", not " + hex4(config_.testerAddress));
            if (r->code == static_cast<uint8_t>(RoutingCode::Success)) {
                entityAddress_ = r->entityAddress;
                return std::nullopt;
            }
            if (r->code == static_cast<uint8_t>(RoutingCode::ConfirmationRequired) && !confirming) {
                confirming = true;
                deadline = Clock::now() + config_.confirmationTimeout;
                continue;
            }
            return TransportError{TransportErrorKind::Refused,
                                  "routing activation refused by " + peer() + ": " + describeRoutingCode(r->code)};
        } else if (!knownType(m.type)) {
            sendNack(GenericNackCode::UnknownPayloadType);
        }
        // Anything else before routing is active is not for us: ignored.
    }
}

// The background reader waits this long after the last waiter left before it
// takes the role, so back-to-back requests keep reading in their own thread.
constexpr auto kIdleGrace = std::chrono::milliseconds(20);

void DoipConnection::background() {
    std::unique_lock lock(mutex_);
    while (!stopping_ && !failure_) {
        // Not woken by waiters coming and going (that would cost a context
        // switch per request): it looks again after each grace period.
        if (waiters_ > 0 || reading_ || Clock::now() < idleSince_ + kIdleGrace) {
            backgroundCv_.wait_for(lock, kIdleGrace);
        } else {
            backgroundReading_ = true;
            pump(lock, std::nullopt);
            backgroundReading_ = false;
        }
    }
}

void DoipConnection::pump(std::unique_lock<std::mutex> &lock, std::optional<Clock::time_point> deadline) {
    reading_ = true;
    lock.unlock();
    Bytes chunk;
    bool delivered = false;
    for (;;) {
        Message m;
        GenericNackCode nack{};
        const auto status = parser_.next(m, nack);
        if (status == StreamParser::Status::Message) {
            if (!dispatch(m)) break;
            delivered = true;
            continue;
        }
        if (status == StreamParser::Status::Skipped) {
            sendNack(nack);
            continue;
        }
        if (status == StreamParser::Status::Fatal) {
            sendNack(nack);
            fail(protocolError(peer(), "sent a bad DoIP header (pattern or version); connection closed"));
            break;
        }
        if (delivered) break; // let the waiters look before reading on
        chunk.clear();
        std::string why;
        const auto r = stream_->read(chunk, deadline, why);
        if (r == DoipStream::Read::Closed) {
            fail({TransportErrorKind::ConnectionLost, why});
            break;
        }
        if (r != DoipStream::Read::Data) break; // deadline, or woken to give the role up
        parser_.feed(chunk);
    }
    lock.lock();
    reading_ = false;
    changed_.notify_all();
}

template <typename Done>
void DoipConnection::await(std::unique_lock<std::mutex> &lock, Clock::time_point deadline, Done done) {
    ++waiters_;
    while (!done() && !failure_ && Clock::now() < deadline) {
        if (!reading_) {
            pump(lock, deadline);
            continue;
        }
        if (backgroundReading_) stream_->wake(); // it gives the role up for us
        changed_.wait_until(lock, deadline);
    }
    if (--waiters_ == 0) idleSince_ = Clock::now();
    changed_.notify_all();
}

bool DoipConnection::dispatch(const Message &m) {
    std::string error;
    const auto type = static_cast<PayloadType>(m.type);
    auto malformed = [&] {
        sendNack(GenericNackCode::InvalidPayloadLength);
        fail(protocolError(peer(), "sent a malformed " + error + "; connection closed"));
        return false;
    };
    switch (type) {
    case PayloadType::DiagnosticMessage: {
        auto d = decodeDiagnostic(m.payload, error);
        if (!d) return malformed();
        std::lock_guard lock(mutex_);
        auto it = replies_.find(d->source);
        if (d->target != config_.testerAddress || it == replies_.end()) {
            ++counters_.droppedReplies; // for another tester, or from an ECU nobody has a Link to
            return true;
        }
        if (it->second.size() >= config_.queueLimit) {
            it->second.pop_front();
            ++counters_.droppedReplies;
        }
        it->second.push_back(std::move(d->userData));
        changed_.notify_all();
        return true;
    }
    case PayloadType::DiagnosticAck:
    case PayloadType::DiagnosticNack: {
        auto a = decodeDiagnosticAck(m.payload, error);
        if (!a) return malformed();
        std::lock_guard lock(mutex_);
        if (auto it = acks_.find(a->source); it != acks_.end() && it->second.size() < config_.queueLimit) {
            it->second.push_back({type == PayloadType::DiagnosticAck, a->code});
            changed_.notify_all();
        }
        return true;
    }
    case PayloadType::AliveCheckRequest: {
        if (!checkEmpty(m.payload, type, error)) return malformed();
        (void)writeMessage(PayloadType::AliveCheckResponse, encodeAliveCheckResponse(config_.testerAddress),
                           Clock::now() + config_.ackTimeout);
        std::lock_guard lock(mutex_);
        ++counters_.aliveChecksAnswered;
        return true;
    }
    case PayloadType::GenericNack: {
        auto code = decodeGenericNack(m.payload, error);
        if (!code) return malformed();
        std::lock_guard lock(mutex_);
        ++genericNacks_;
        ++counters_.genericNacksReceived;
        lastGenericNack_ = *code;
        changed_.notify_all();
        return true;
    }
    default:
        if (!knownType(m.type)) sendNack(GenericNackCode::UnknownPayloadType);
        return true; // a known type that has no business here (a late routing response, an announcement)
    }
}

std::optional<TransportError> DoipConnection::sendDiagnostic(uint16_t target, const Bytes &uds) {
    // Built only for an error: the transfer path sends thousands of these.
    auto to = [target] { return "diagnostic message to " + hex4(target); };
    if (uds.empty() || uds.size() > config_.maxDataSize)
        return TransportError{TransportErrorKind::Configuration, to() + ": " + std::to_string(uds.size()) +
                                                                     " bytes, the entity " + peer() + " takes 1 to " +
                                                                     std::to_string(config_.maxDataSize)};
    uint64_t nacksBefore;
    {
        std::lock_guard lock(mutex_);
        if (failure_) return failure_;
        acks_[target].clear(); // a late ACK of an earlier, timed-out message must not count for this one
        nacksBefore = genericNacks_;
    }
    const auto deadline = Clock::now() + config_.ackTimeout;
    // The UDS bytes go out from the caller's buffer, after a 12-byte head.
    const auto head = encodeDiagnosticHead(config_.version, config_.testerAddress, target, uds.size());
    if (auto e = stream_->write(head, uds, deadline)) {
        fail(*e);
        return e;
    }
    std::unique_lock lock(mutex_);
    auto &queue = acks_[target];
    await(lock, deadline, [&] { return !queue.empty() || genericNacks_ != nacksBefore; });
    if (!queue.empty()) {
        const Ack ack = queue.front();
        queue.pop_front();
        if (ack.positive) return std::nullopt;
        return TransportError{TransportErrorKind::Refused,
                              to() + " refused by " + peer() + ": " + describeDiagnosticNack(ack.code)};
    }
    if (genericNacks_ != nacksBefore)
        return TransportError{TransportErrorKind::Refused, to() + " refused by " + peer() + " with a generic NACK: " +
                                                               describeGenericNack(lastGenericNack_)};
    if (failure_) return failure_;
    return TransportError{TransportErrorKind::Timeout, to() + ": no acknowledgement from " + peer() + " within " +
                                                           std::to_string(config_.ackTimeout.count()) + " ms"};
}

std::optional<TransportError> DoipConnection::sendFunctionalDiagnostic(const Bytes &uds) {
    std::lock_guard one(functionalMutex_); // the ACK of the functional address is one slot
    return sendDiagnostic(config_.functionalAddress, uds);
}

std::optional<TransportError> DoipConnection::receiveFrom(uint16_t source, Bytes &message, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    auto it = replies_.find(source);
    if (it == replies_.end())
        return TransportError{TransportErrorKind::Configuration, "no link to " + hex4(source) + " on " + peer()};
    auto &queue = it->second;
    await(lock, deadline, [&] { return !queue.empty(); });
    if (!queue.empty()) { // what arrived before a failure is still delivered
        message = std::move(queue.front());
        queue.pop_front();
        return std::nullopt;
    }
    if (failure_) return failure_;
    return TransportError{TransportErrorKind::Timeout,
                          "no message from " + hex4(source) + " via " + peer() + " before the deadline"};
}

std::unique_ptr<Link> DoipConnection::link(uint16_t target, std::string &error) {
    std::lock_guard lock(mutex_);
    if (target == config_.functionalAddress || !replies_.emplace(target, std::deque<Bytes>{}).second) {
        error = "a link to " + hex4(target) + " on " + peer() + " already exists or is the functional address";
        return nullptr;
    }
    return std::make_unique<DoipLink>(shared_from_this(), target);
}

void DoipConnection::release(uint16_t target) {
    std::lock_guard lock(mutex_);
    replies_.erase(target);
    acks_.erase(target);
}

// ---- DoipLink

DoipLink::DoipLink(std::shared_ptr<DoipConnection> connection, uint16_t target)
    : connection_(std::move(connection)), target_(target) {}

DoipLink::~DoipLink() { connection_->release(target_); }

std::optional<TransportError> DoipLink::send(const Bytes &request) {
    return connection_->sendDiagnostic(target_, request);
}

std::optional<TransportError> DoipLink::sendFunctional(const Bytes &request) {
    return connection_->sendFunctionalDiagnostic(request);
}

std::optional<TransportError> DoipLink::receive(Bytes &message, Clock::time_point deadline) {
    return connection_->receiveFrom(target_, message, deadline);
}

size_t DoipLink::maxMessageSize() const { return connection_->config().maxDataSize; }

std::string DoipLink::describe() const {
    return std::string(connection_->config().tls ? "doip+tls " : "doip ") + connection_->peer() + " " +
           hex4(connection_->config().testerAddress) + "->" + hex4(target_);
}

} // namespace conduit::bootloader
