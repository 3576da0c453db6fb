#include "messages.h"

#include <conduit/agent.h>

namespace conduit::ipc::msg {

namespace {

std::string str(const Fields &f, Tag t, std::string_view fallback = {}) { return f.strOr(t, fallback); }
uint64_t u64(const Fields &f, Tag t, uint64_t fallback = 0) { return f.u64(t).value_or(fallback); }
int64_t i64(const Fields &f, Tag t, int64_t fallback = 0) { return f.i64(t).value_or(fallback); }

// Device types cross as one '\n'-separated string; empty names are dropped.
std::string joinLines(const std::vector<std::string> &lines) {
    std::string out;
    for (const std::string &l : lines) {
        if (!out.empty()) out += '\n';
        out += l;
    }
    return out;
}

std::vector<std::string> splitLines(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const size_t end = s.find('\n');
        const std::string_view line = s.substr(0, end);
        if (!line.empty()) out.emplace_back(line);
        if (end == std::string_view::npos) break;
        s.remove_prefix(end + 1);
    }
    return out;
}

} // namespace

Fields Init::fields() const {
    Fields f;
    f.put(Tag::ConfigJson, configJson).put(Tag::StateDir, stateDir);
    return f;
}

Init Init::read(const Fields &f) { return Init{str(f, Tag::ConfigJson, "{}"), str(f, Tag::StateDir)}; }

Fields Call::fields() const {
    Fields f;
    f.putU64(Tag::Op, static_cast<uint64_t>(op))
        .put(Tag::DeviceId, update.deviceId)
        .put(Tag::TargetName, update.targetName)
        .put(Tag::Version, update.version)
        .putU64(Tag::Length, update.length)
        .put(Tag::Sha256, update.sha256)
        .put(Tag::CustomJson, update.customJson)
        .put(Tag::StagingDir, update.stagingDir);
    if (!name.empty()) f.put(Tag::Name, name);
    if (!params.empty()) f.put(Tag::Params, params);
    return f;
}

std::optional<Call> Call::read(const Fields &f, std::string *error) {
    const uint64_t op = u64(f, Tag::Op);
    if (op == 0 || op > kMaxOp) {
        if (error) *error = "unknown operation " + std::to_string(op);
        return std::nullopt;
    }
    Call c;
    c.op = static_cast<Op>(op);
    c.update = {str(f, Tag::DeviceId),         str(f, Tag::TargetName), str(f, Tag::Version), str(f, Tag::Sha256),
                str(f, Tag::CustomJson, "{}"), str(f, Tag::StagingDir), u64(f, Tag::Length)};
    c.name = str(f, Tag::Name);
    c.params = str(f, Tag::Params);
    return c;
}

Fields DataEnd::fields() const {
    Fields f;
    f.putI64(Tag::Code, code);
    return f;
}

DataEnd DataEnd::read(const Fields &f) { return DataEnd{i64(f, Tag::Code)}; }

Fields Hello::fields() const {
    Fields f;
    f.putU64(Tag::ProtocolVersion, protocolVersion)
        .put(Tag::AgentId, agentId)
        .put(Tag::AgentVersion, agentVersion)
        .putU64(Tag::AbiMajor, abiMajor)
        .putU64(Tag::AbiMinor, abiMinor)
        .putU64(Tag::AbiPatch, abiPatch)
        .putU64(Tag::NegotiatedMinor, negotiatedMinor)
        .put(Tag::DeviceTypes, joinLines(deviceTypes))
        .putU64(Tag::Pid, pid);
    if (hostMinor) f.putU64(Tag::HostMinor, *hostMinor);
    return f;
}

Hello Hello::read(const Fields &f) {
    Hello h;
    h.protocolVersion = u64(f, Tag::ProtocolVersion);
    h.agentId = str(f, Tag::AgentId);
    h.agentVersion = str(f, Tag::AgentVersion);
    h.abiMajor = u64(f, Tag::AbiMajor);
    h.abiMinor = u64(f, Tag::AbiMinor);
    h.abiPatch = u64(f, Tag::AbiPatch);
    h.negotiatedMinor = u64(f, Tag::NegotiatedMinor);
    h.hostMinor = f.u64(Tag::HostMinor);
    h.deviceTypes = splitLines(f.str(Tag::DeviceTypes).value_or(std::string_view{}));
    h.pid = u64(f, Tag::Pid);
    return h;
}

Fields Fail::fields() const {
    Fields f;
    f.putI64(Tag::Code, code).put(Tag::Message, message);
    return f;
}

Fail Fail::read(const Fields &f) { return Fail{i64(f, Tag::Code), str(f, Tag::Message)}; }

Fields Result::fields() const {
    Fields f;
    f.putI64(Tag::Code, code)
        .put(Tag::Message, message)
        .putU64(Tag::Consent, consent)
        .putU64(Tag::Capabilities, capabilities)
        .putU64(Tag::Found, found ? 1 : 0);
    return f;
}

Result Result::read(const Fields &f) {
    return Result{i64(f, Tag::Code, CONDUIT_E_FAILED), str(f, Tag::Message), u64(f, Tag::Consent),
                  u64(f, Tag::Capabilities), u64(f, Tag::Found) != 0};
}

Fields Device::fields() const {
    Fields f;
    f.put(Tag::DeviceId, deviceId)
        .put(Tag::DeviceType, deviceType)
        .put(Tag::HardwareId, hardwareId)
        .put(Tag::CurrentVersion, currentVersion)
        .put(Tag::PreviousVersion, previousVersion)
        .putU64(Tag::Capabilities, capabilities)
        .put(Tag::UpdateState, updateState);
    return f;
}

Device Device::read(const Fields &f) {
    return Device{str(f, Tag::DeviceId),       str(f, Tag::DeviceType),      str(f, Tag::HardwareId),
                  str(f, Tag::CurrentVersion), str(f, Tag::PreviousVersion), str(f, Tag::UpdateState),
                  u64(f, Tag::Capabilities)};
}

Fields Credit::fields() const {
    Fields f;
    f.putU64(Tag::Bytes, bytes);
    return f;
}

Credit Credit::read(const Fields &f) { return Credit{u64(f, Tag::Bytes)}; }

Fields Log::fields() const {
    Fields f;
    if (level) f.putU64(Tag::Level, *level);
    f.put(Tag::Message, message);
    return f;
}

Log Log::read(const Fields &f) { return Log{f.u64(Tag::Level), str(f, Tag::Message)}; }

Fields Progress::fields() const {
    Fields f;
    f.put(Tag::DeviceId, deviceId).putU64(Tag::Done, done).putU64(Tag::Total, total);
    return f;
}

Progress Progress::read(const Fields &f) {
    return Progress{str(f, Tag::DeviceId), u64(f, Tag::Done), u64(f, Tag::Total)};
}

Fields Status::fields() const {
    Fields f;
    f.put(Tag::DeviceId, deviceId).put(Tag::Message, message);
    return f;
}

Status Status::read(const Fields &f) { return Status{str(f, Tag::DeviceId), str(f, Tag::Message)}; }

Fields CaptureData::fields() const {
    Fields f;
    f.put(Tag::Name, stream).put(Tag::Data, data).putU64(Tag::Timestamp, timestampNs);
    return f;
}

CaptureData CaptureData::read(const Fields &f) {
    return CaptureData{str(f, Tag::Name), str(f, Tag::Data), u64(f, Tag::Timestamp)};
}

Fields CaptureEnd::fields() const {
    Fields f;
    f.put(Tag::Name, stream).putI64(Tag::Code, code);
    return f;
}

CaptureEnd CaptureEnd::read(const Fields &f) { return CaptureEnd{str(f, Tag::Name), i64(f, Tag::Code)}; }

} // namespace conduit::ipc::msg
