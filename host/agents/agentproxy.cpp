#include "agentproxy.h"

#include "agentchannel.h"
#include "agentlog.h"
#include "text/untrustedtext.h"
#include "updatestate.h"

#include <conduit/agent.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QIODevice>
#include <QLoggingCategory>
#include <QStringDecoder>

namespace conduit::agents {

using ipc::Fields;
using ipc::FrameType;
using ipc::Op;
namespace msg = ipc::msg;

namespace {

constexpr int kMaxDevicesPerAgent = 4096;

// Runner strings must be valid UTF-8; anything else is a protocol violation.
bool utf8(std::string_view s, QString *out) {
    QStringDecoder dec(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    *out = dec.decode(QByteArrayView(s.data(), static_cast<qsizetype>(s.size())));
    return !dec.hasError();
}

bool isLongOp(Op op) {
    switch (op) {
    case Op::PrepareInstall:
    case Op::Install:
    case Op::PostInstall:
    case Op::Activate:
    case Op::Commit:
    case Op::Rollback: return true;
    default: return false;
    }
}

} // namespace

AgentProxy::AgentProxy(AgentManifest manifest, RunnerProcess::Spec spec, RunnerLimits limits, QString configJson,
                       QString stateDir, QObject *parent)
    : QObject(parent), manifest_(std::move(manifest)), spec_(std::move(spec)), limits_(limits),
      configJson_(std::move(configJson)), stateDir_(std::move(stateDir)) {
    spec_.library = manifest_.library;
    // The manifest may ask for less memory than the host allows, not more.
    if (const quint64 declared = manifest_.needs.memoryBytes;
        declared && (!limits_.memoryLimit || declared < limits_.memoryLimit))
        limits_.memoryLimit = declared;
    spec_.memoryLimit = limits_.memoryLimit;
    deadline_.setSingleShot(true);
    connect(&deadline_, &QTimer::timeout, this, [this] {
        killedForTime_ = killCause_ == KillCause::None && active_ != nullptr;
        if (state_ == State::Starting) {
            killWith(KillCause::Hung,
                     QStringLiteral("hung during init: no answer within %1 ms").arg(limits_.initTimeoutMs));
        } else if (active_ && active_->op() == Op::Transfer) {
            killWith(KillCause::Hung,
                     QStringLiteral("hung: transfer made no progress for %1 ms").arg(limits_.stallTimeoutMs));
        } else if (active_) {
            killWith(KillCause::Hung, QStringLiteral("hung: %1 did not finish within %2 ms")
                                          .arg(QLatin1String(ipc::opName(active_->op())))
                                          .arg(deadline_.interval()));
        }
    });
    connect(&memoryTimer_, &QTimer::timeout, this, &AgentProxy::pollMemory);
    killTimer_.setSingleShot(true);
    connect(&killTimer_, &QTimer::timeout, this, [this] {
        if (process_) process_->kill();
    });
    // A flood that stops is still summed up, within a second.
    logDropTimer_.setSingleShot(true);
    logDropTimer_.setInterval(1000);
    connect(&logDropTimer_, &QTimer::timeout, this, &AgentProxy::reportDroppedLog);
}

AgentProxy::~AgentProxy() {
    failAll(QStringLiteral("host shutting down"));
    // The socket first: an in-process runner thread ends when it closes.
    delete channel_;
    channel_ = nullptr;
    delete process_;
    process_ = nullptr;
}

void AgentProxy::start() {
    if (state_ == State::Starting || state_ == State::Ready) return;
    delete channel_;
    channel_ = nullptr;
    delete process_;
    process_ = new RunnerProcess(this);
    killCause_ = KillCause::None;
    killReason_.clear();
    killedForTime_ = false;
    permanent_ = false;
    info_ = {};
    startClock_.start();
    QString error;
    // A sandboxed runner cannot make it (the state dir is its uid's, the
    // path to it may not be): the host makes it first, the runner chowns it.
    if (!spec_.sandboxArgs.isEmpty()) stagingDir();
    if (!process_->start(spec_, &error)) {
        state_ = State::Failed;
        lastFailure_ = error;
        permanent_ = true;
        emit failed(error);
        return;
    }
    state_ = State::Starting;
    connect(process_, &RunnerProcess::exited, this, &AgentProxy::onExited);
    connect(process_, &RunnerProcess::output, this, [this](const QByteArray &line) {
        agentLog(CONDUIT_LOG_INFO, QStringLiteral("[output] ") + QString::fromUtf8(line));
    });
    channel_ = new AgentChannel(process_->socketFd(), this);
    connect(channel_, &AgentChannel::frameReceived, this, &AgentProxy::onFrame);
    connect(channel_, &AgentChannel::broken, this, [this](const QString &reason, bool violation) {
        // EOF is normal when the runner exits; the exit status says why.
        if (violation) killWith(KillCause::ProtocolViolation, reason);
    });
    connect(channel_, &AgentChannel::writable, this, &AgentProxy::pumpPayload);
    channel_->send(msg::frame(0, msg::Init{configJson_.toStdString(), stateDir_.toStdString()}));
    deadline_.start(limits_.initTimeoutMs);
    memoryTimer_.start(limits_.memoryPollBusyMs);
}

void AgentProxy::stop(int graceMs) {
    if (!process_ || !process_->running()) return;
    killCause_ = KillCause::Stopped;
    killReason_ = QStringLiteral("stopped by host");
    if (channel_ && channel_->isOpen()) channel_->send(ipc::makeFrame(FrameType::Shutdown, 0, std::string_view{}));
    killTimer_.start(graceMs);
}

// conduit_update.staging_dir: "<state_dir>/staging", made on first use and
// kept (the agent owns what is in it). Empty without a state dir.
QString AgentProxy::stagingDir() {
    if (stagingDir_.isEmpty() && !stateDir_.isEmpty()) {
        const QString dir = stateDir_ + QStringLiteral("/staging");
        if (QDir().mkpath(dir)) {
            QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
            stagingDir_ = dir;
        } else {
            qCWarning(lcAgent).noquote() << "agent" << manifest_.id << "cannot create its staging directory" << dir;
        }
    }
    return stagingDir_;
}

AgentCall *AgentProxy::call(Op op, const UpdateSpec &u, QIODevice *payload, const QString &name,
                            const QString &params) {
    auto *c = new AgentCall(op, this);
    c->request_ = nextRequest_++;
    c->payload_ = payload;
    c->call_.op = op;
    c->call_.update = {u.deviceId.toStdString(),
                       u.targetName.toStdString(),
                       u.version.toStdString(),
                       u.sha256.toStdString(),
                       u.customJson.toStdString(),
                       (u.stagingDir.isEmpty() ? stagingDir() : u.stagingDir).toStdString(),
                       u.length};
    c->call_.name = name.toStdString();
    c->call_.params = params.toStdString();
    queue_.push_back(c);
    if (state_ == State::Failed || state_ == State::Stopped) {
        // Report asynchronously, like every other outcome.
        QTimer::singleShot(0, this, [this] { failAll(QStringLiteral("agent not running: %1").arg(lastFailure_)); });
    } else {
        QTimer::singleShot(0, this, &AgentProxy::dispatchNext);
    }
    return c;
}

void AgentProxy::cancel(AgentCall *c) {
    if (!c) return;
    auto it = std::find(queue_.begin(), queue_.end(), c);
    if (it != queue_.end()) {
        queue_.erase(it);
        c->result_.code = CONDUIT_E_CANCELLED;
        c->result_.message = QStringLiteral("cancelled before it started");
        finishCall(c);
        return;
    }
    if (c == active_ && channel_) channel_->send(ipc::makeFrame(FrameType::Cancel, c->request_, std::string_view{}));
}

void AgentProxy::dispatchNext() {
    if (state_ != State::Ready || active_ || queue_.empty()) return;
    active_ = queue_.front();
    queue_.pop_front();
    devicesInCall_ = 0;
    channel_->send(msg::frame(active_->request_, active_->call_));
    armDeadline();
    memoryTimer_.start(limits_.memoryPollBusyMs);
    if (active_->op() == Op::Transfer) {
        if (active_->payload_) {
            connect(active_->payload_, &QIODevice::readyRead, this, &AgentProxy::pumpPayload);
            connect(active_->payload_, &QIODevice::readChannelFinished, this, &AgentProxy::pumpPayload);
        }
        pumpPayload();
    }
}

void AgentProxy::armDeadline() {
    if (!active_) return;
    if (active_->op() == Op::Transfer) return updateStallDeadline(false);
    deadline_.start(isLongOp(active_->op()) ? limits_.installTimeoutMs : limits_.callTimeoutMs);
}

// A transfer is only "stalled" when the agent holds bytes it does not
// consume (or does not answer after the end): a slow source is the
// download's business, not a sign of a hung agent.
void AgentProxy::updateStallDeadline(bool progressed) {
    AgentCall *c = active_;
    if (!c || c->op() != Op::Transfer) return;
    if (c->sent_ == c->credited_ && !c->payloadEnded_) {
        deadline_.stop();
    } else if (progressed || !deadline_.isActive()) {
        deadline_.start(limits_.stallTimeoutMs);
    }
}

void AgentProxy::pumpPayload() {
    pumpPayloadData();
    updateStallDeadline(false);
}

void AgentProxy::pumpPayloadData() {
    AgentCall *c = active_;
    if (!c || c->op() != Op::Transfer || c->payloadEnded_ || !channel_ || !channel_->isOpen()) return;
    const quint64 length = c->call_.update.length;
    QIODevice *src = c->payload_;
    while (c->sent_ - c->credited_ < limits_.creditWindow && channel_->pendingBytes() < (2u << 20)) {
        if (c->sent_ == length || !src) {
            const bool short_ = c->sent_ != length;
            channel_->send(msg::frame(c->request_, msg::DataEnd{short_ ? CONDUIT_E_PAYLOAD : 0}));
            c->payloadEnded_ = true;
            return;
        }
        quint64 want = std::min<quint64>(ipc::kDataChunk, length - c->sent_);
        // A frame only as large as what the source has (when it says): a
        // small read must not pin a whole chunk's buffer while it queues.
        if (const qint64 ready = src->bytesAvailable(); ready > 0) want = std::min<quint64>(want, quint64(ready));
        std::string frame(ipc::kHeaderSize + want, '\0');
        const qint64 n = src->read(frame.data() + ipc::kHeaderSize, static_cast<qint64>(want));
        if (n < 0 || (n == 0 && (src->atEnd() && !src->isSequential()))) {
            // The source failed or ended short of the verified length.
            channel_->send(msg::frame(c->request_, msg::DataEnd{CONDUIT_E_PAYLOAD}));
            c->payloadEnded_ = true;
            c->result_.message = QStringLiteral("payload source ended after %1 of %2 bytes: %3")
                                     .arg(c->sent_)
                                     .arg(length)
                                     .arg(src->errorString());
            return;
        }
        if (n == 0) return; // wait for readyRead
        frame.resize(ipc::kHeaderSize + static_cast<size_t>(n));
        ipc::encodeHeader({FrameType::Data, 0, c->request_, static_cast<uint32_t>(n)},
                          reinterpret_cast<unsigned char *>(frame.data()));
        channel_->send(std::move(frame));
        c->sent_ += static_cast<quint64>(n);
    }
}

void AgentProxy::onFrame(const ipc::FrameReader::Frame &frame) {
    std::string error;
    const FrameType type = frame.header.type;
    auto f = Fields::decode(frame.payload, &error);
    if (!f)
        return violation(QStringLiteral("malformed fields in frame %1: %2")
                             .arg(static_cast<int>(type))
                             .arg(QString::fromStdString(error)));
    if (state_ == State::Starting) {
        if (type == FrameType::Hello) return onHello(msg::Hello::read(*f));
        if (type == FrameType::Fail) {
            QString why;
            utf8(msg::Fail::read(*f).message, &why);
            permanent_ = true;
            return killWith(KillCause::LoadFailed, QStringLiteral("failed to load: %1").arg(why));
        }
        if (type == FrameType::Log) {
            // Before Hello the plugin's init() is logging: shown as it comes.
            const msg::Log m = msg::Log::read(*f);
            QString text;
            utf8(m.message, &text);
            agentLog(static_cast<int>(m.level.value_or(0)), text);
            return;
        }
        return violation(QStringLiteral("frame %1 before hello").arg(static_cast<int>(type)));
    }
    if (state_ != State::Ready) return;
    switch (type) {
    case FrameType::Log: {
        const msg::Log m = msg::Log::read(*f);
        QString text;
        const uint64_t level = m.level.value_or(99);
        if (level > CONDUIT_LOG_ERROR || !utf8(m.message, &text)) return violation(QStringLiteral("bad log frame"));
        agentLog(static_cast<int>(level), text);
        return;
    }
    case FrameType::CaptureData:
    case FrameType::CaptureEnd: {
        const bool data = type == FrameType::CaptureData;
        const msg::CaptureData d = data ? msg::CaptureData::read(*f) : msg::CaptureData{};
        const msg::CaptureEnd e = data ? msg::CaptureEnd{} : msg::CaptureEnd::read(*f);
        QString stream;
        if (!utf8(data ? d.stream : e.stream, &stream) || stream.isEmpty())
            return violation(QStringLiteral("capture frame without a valid stream name"));
        if (data)
            emit captureData(stream, QByteArray(d.data.data(), static_cast<qsizetype>(d.data.size())), d.timestampNs);
        else
            emit captureEnded(stream, static_cast<int>(e.code));
        return;
    }
    case FrameType::Hello:
    case FrameType::Fail: return violation(QStringLiteral("second hello/fail frame"));
    default: break;
    }
    // Everything else belongs to the active call.
    AgentCall *c = active_;
    if (type == FrameType::Progress || type == FrameType::Status) {
        if (frame.header.request == 0) return; // outside a call: nothing to attribute it to
        // From a thread of the agent's own (the ABI allows it) a report may
        // race the result of the call it was made in: late, not wrong.
        if ((!c || frame.header.request != c->request_) && frame.header.request < nextRequest_) return;
    }
    if (!c || frame.header.request != c->request_)
        return violation(QStringLiteral("frame %1 for request %2, which is not in flight")
                             .arg(static_cast<int>(type))
                             .arg(frame.header.request));
    switch (type) {
    case FrameType::Result: return onResult(c, msg::Result::read(*f));
    case FrameType::Device: return onDevice(c, msg::Device::read(*f));
    case FrameType::Credit: {
        const uint64_t bytes = msg::Credit::read(*f).bytes;
        if (c->op() != Op::Transfer || bytes == 0 || bytes > c->sent_ - c->credited_)
            return violation(QStringLiteral("credit for %1 bytes, but only %2 are in flight")
                                 .arg(bytes)
                                 .arg(c->sent_ - c->credited_));
        c->credited_ += bytes;
        updateStallDeadline(true);
        pumpPayload();
        return;
    }
    case FrameType::Progress: {
        const msg::Progress m = msg::Progress::read(*f);
        QString dev;
        if (!utf8(m.deviceId, &dev)) return violation(QStringLiteral("bad progress frame"));
        emit c->progress(dev, m.done, m.total);
        return;
    }
    case FrameType::Status: {
        const msg::Status m = msg::Status::read(*f);
        QString dev, text;
        if (!utf8(m.deviceId, &dev) || !utf8(m.message, &text)) return violation(QStringLiteral("bad status frame"));
        if (c->op() == Op::Inventory) keepStatus(c, dev, text);
        emit c->status(dev, text);
        return;
    }
    default: return violation(QStringLiteral("unexpected frame type %1").arg(static_cast<int>(type)));
    }
}

void AgentProxy::onDevice(AgentCall *c, const msg::Device &m) {
    if (c->op() != Op::Inventory || ++devicesInCall_ > kMaxDevicesPerAgent)
        return violation(QStringLiteral("unexpected device frame"));
    DeviceInfo d;
    QString updateState;
    const bool ok = utf8(m.deviceId, &d.id) && utf8(m.deviceType, &d.type) && utf8(m.hardwareId, &d.hardwareId) &&
                    utf8(m.currentVersion, &d.currentVersion) && utf8(m.previousVersion, &d.previousVersion) &&
                    utf8(m.updateState, &updateState);
    if (!ok || d.id.isEmpty()) return violation(QStringLiteral("device frame with invalid or empty strings"));
    d.capabilities = static_cast<quint32>(m.capabilities);
    const std::optional<UpdateState> state = parseUpdateState(updateState);
    if (!state) {
        const QString why =
            QStringLiteral(
                "device %1 refused: update_state \"%2\" is not one of %3 (CONDUIT_UPDATE_STATE_* in conduit/agent.h)")
                .arg(d.id, updateState, updateStateVocabulary());
        qCWarning(lcAgent).noquote() << "agent" << manifest_.id << why;
        c->result_.refusedDevices << why;
        return;
    }
    d.updateState = *state;
    d.status = c->inventoryStatus_.value(d.id);
    c->result_.devices << d;
}

// An agent says a device's status before or after reporting the device
// (the camera: before); either way it ends up on the device.
void AgentProxy::keepStatus(AgentCall *c, const QString &deviceId, const QString &text) {
    if (!c->inventoryStatus_.contains(deviceId) && c->inventoryStatus_.size() >= kMaxDevicesPerAgent) return;
    const QString kept = text.left(kMaxDeviceStatus);
    c->inventoryStatus_.insert(deviceId, kept);
    for (DeviceInfo &d : c->result_.devices)
        if (d.id == deviceId) d.status = kept;
}

void AgentProxy::agentLog(int level, const QString &text) {
    // Escaped here, so that no consumer of log() can be handed a newline or
    // an escape sequence that forges a host line; budgeted per agent.
    const std::optional<QString> line = logBudget_.admit(text::printable(text), QDateTime::currentMSecsSinceEpoch());
    if (!line) {
        if (!logDropTimer_.isActive()) logDropTimer_.start();
        return;
    }
    reportDroppedLog();
    emit log(level, *line);
}

void AgentProxy::reportDroppedLog() {
    if (const quint64 n = logBudget_.takeDropped())
        emit log(CONDUIT_LOG_WARNING,
                 QStringLiteral("[host] %1 lines of this agent's log dropped (over its rate limit)").arg(n));
}

void AgentProxy::onHello(const msg::Hello &h) {
    AgentInfo i;
    bool ok = utf8(h.agentId, &i.agentId) && utf8(h.agentVersion, &i.agentVersion);
    for (const std::string &t : h.deviceTypes) {
        QString type;
        ok = ok && utf8(t, &type);
        i.deviceTypes << type;
    }
    if (!ok) return violation(QStringLiteral("hello with invalid UTF-8"));
    if (h.protocolVersion != ipc::kProtocolVersion)
        return violation(QStringLiteral("runner speaks another IPC protocol version"));
    i.abiMajor = static_cast<int>(h.abiMajor);
    i.abiMinor = static_cast<int>(h.abiMinor & 0xffff);
    i.abiPatch = static_cast<int>(h.abiPatch & 0xffff);
    i.negotiatedMinor = static_cast<int>(h.negotiatedMinor & 0xffff);
    i.hostMinor = static_cast<int>(h.hostMinor.value_or(0) & 0xffff);
    i.pid = static_cast<qint64>(h.pid);
    if (i.abiMajor != CONDUIT_ABI_VERSION_MAJOR ||
        i.negotiatedMinor != std::min(i.abiMinor, int(h.hostMinor.value_or(0xffff))))
        return violation(QStringLiteral("hello with an inconsistent ABI negotiation"));
    if (!manifest_.id.isEmpty() && i.agentId != manifest_.id) {
        permanent_ = true;
        return killWith(KillCause::LoadFailed,
                        QStringLiteral("failed to load: library says agent id \"%1\", manifest says \"%2\"")
                            .arg(i.agentId, manifest_.id));
    }
    info_ = i;
    state_ = State::Ready;
    deadline_.stop();
    startLatencyMs_ = startClock_.elapsed();
    memoryTimer_.start(limits_.memoryPollIdleMs);
    qCInfo(lcAgent).noquote() << QStringLiteral("agent %1 %2 ready (ABI 1.%3, pid %4) in %5 ms")
                                     .arg(i.agentId, i.agentVersion)
                                     .arg(i.negotiatedMinor)
                                     .arg(i.pid)
                                     .arg(startLatencyMs_);
    emit ready();
    dispatchNext();
}

void AgentProxy::onResult(AgentCall *c, const msg::Result &m) {
    CallResult &r = c->result_;
    r.code = static_cast<int>(m.code);
    QString text;
    if (!utf8(m.message, &text)) return violation(QStringLiteral("result with invalid UTF-8"));
    // A host-side cause (e.g. the payload source failed) comes first; the
    // agent's own words follow.
    if (r.message.isEmpty())
        r.message = text;
    else if (!text.isEmpty())
        r.message += QStringLiteral(" (agent: %1)").arg(text);
    r.consent = static_cast<int>(m.consent);
    if (r.consent > CONDUIT_CONSENT_POSTPONE) return violation(QStringLiteral("result with an unknown consent value"));
    r.capabilities = static_cast<quint32>(m.capabilities);
    r.found = m.found;
    r.payloadBytes = c->sent_;
    deadline_.stop();
    memoryTimer_.start(limits_.memoryPollIdleMs);
    active_ = nullptr;
    finishCall(c);
    dispatchNext();
}

void AgentProxy::finishCall(AgentCall *c) {
    if (c->payload_) disconnect(c->payload_, nullptr, this, nullptr);
    emit c->finished(c->result_);
    c->deleteLater();
}

void AgentProxy::violation(const QString &what) {
    killWith(KillCause::ProtocolViolation, QStringLiteral("protocol violation: %1").arg(what));
}

void AgentProxy::killWith(KillCause cause, const QString &reason) {
    if (killCause_ != KillCause::None) return;
    killCause_ = cause;
    killReason_ = reason;
    qCWarning(lcAgent).noquote() << "agent" << manifest_.id << "runner killed:" << reason;
    if (channel_) channel_->close();
    if (process_) process_->kill();
}

void AgentProxy::pollMemory() {
    if (!process_ || !process_->running()) return;
    const quint64 rss = process_->rssBytes();
    peakRss_ = std::max(peakRss_, rss);
    if (limits_.memoryLimit && rss > limits_.memoryLimit)
        killWith(KillCause::MemoryLimit, QStringLiteral("memory limit exceeded: resident %1 MiB > limit %2 MiB")
                                             .arg(rss >> 20)
                                             .arg(limits_.memoryLimit >> 20));
}

void AgentProxy::onExited(const QString &description, bool crashed) {
    // Hear the runner's last frames (e.g. Fail with the load error) first.
    if (channel_ && channel_->isOpen()) channel_->drain();
    deadline_.stop();
    memoryTimer_.stop();
    killTimer_.stop();
    if (channel_) channel_->close();
    QString reason = killReason_;
    if (killCause_ == KillCause::Stopped) {
        // Killed at the grace (crashed) or gone by itself: stopped either way.
        state_ = State::Stopped;
        lastFailure_ = crashed ? QStringLiteral("stopped by host: killed after the grace period") : reason;
        failAll(reason);
        emit stopped();
        return;
    }
    if (reason.isEmpty()) {
        reason = crashed ? QStringLiteral("crashed: %1").arg(description)
                         : QStringLiteral("runner %1 unexpectedly").arg(description);
        if (state_ == State::Starting) reason = QStringLiteral("crashed during init: %1").arg(description);
    }
    state_ = State::Failed;
    lastFailure_ = reason;
    qCWarning(lcAgent).noquote() << "agent" << manifest_.id << reason;
    failAll(reason);
    emit failed(reason);
}

void AgentProxy::failAll(const QString &reason) {
    std::deque<AgentCall *> calls;
    if (active_) calls.push_back(active_);
    // The call the deadline caught is reported as a timeout (a campaign
    // tells the driver the device did not answer); the ones queued behind
    // it just failed.
    AgentCall *const hung = killedForTime_ ? active_ : nullptr;
    killedForTime_ = false;
    active_ = nullptr;
    for (AgentCall *c : queue_) calls.push_back(c);
    queue_.clear();
    for (AgentCall *c : calls) {
        c->result_.code = c == hung ? CONDUIT_E_TIMEOUT : CONDUIT_E_FAILED;
        c->result_.runnerFailed = true;
        c->result_.message = reason;
        c->result_.payloadBytes = c->sent_;
        finishCall(c);
    }
}

} // namespace conduit::agents
