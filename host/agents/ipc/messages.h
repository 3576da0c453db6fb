// Every structured message of the host <-> runner IPC, as one typed struct
// each, with its one encoder and decoder (no Qt: the runner links it too).
//
// A message is the payload of one control frame (see wire.h and
// docs/ipc.md): `frame(request, m)` builds the frame, `decode<M>(payload)`
// (or `M::read(fields)` when the field list is already parsed) reads it
// back. The decoders check the structure: the field list is strict
// (Fields::decode), integers are 8 bytes, a call names a known operation.
// They apply the defaults of an absent field, so that every reader sees the
// same values. They do not judge content: the host, which treats the runner
// as untrusted, checks what it acts on (UTF-8, empty ids, value ranges, the
// update_state vocabulary) at its edge, in AgentProxy.
//
// Round trip: for every payload a decoder accepts, decoding the encoding of
// the result gives the same message again (the fuzz target checks it).
#pragma once

#include "wire.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conduit::ipc::msg {

// host -> runner: the agent's configuration; answered by Hello or Fail.
struct Init {
    static constexpr FrameType kType = FrameType::Init;
    std::string configJson = "{}"; // absent: "{}"
    std::string stateDir;
    bool operator==(const Init &) const = default;
    Fields fields() const;
    static Init read(const Fields &f);
};

// The update a lifecycle call is about: the wire shape of conduit_update.
struct Update {
    std::string deviceId, targetName, version, sha256;
    std::string customJson = "{}"; // absent: "{}"
    std::string stagingDir;
    uint64_t length = 0;
    bool operator==(const Update &) const = default;
};

// host -> runner: one lifecycle call, answered by Result.
struct Call {
    static constexpr FrameType kType = FrameType::Call;
    Op op = Op::Inventory;
    Update update;
    std::string name;   // extension or stream id; empty: not sent
    std::string params; // capture parameters (JSON); empty: not sent, the agent sees "{}"
    bool operator==(const Call &) const = default;
    Fields fields() const;
    // Fails (with "unknown operation N") for an operation outside Op.
    static std::optional<Call> read(const Fields &f, std::string *error);
};

// host -> runner: the payload of the Transfer call `request` ended.
struct DataEnd {
    static constexpr FrameType kType = FrameType::DataEnd;
    int64_t code = 0; // 0, or CONDUIT_E_PAYLOAD when the source failed
    bool operator==(const DataEnd &) const = default;
    Fields fields() const;
    static DataEnd read(const Fields &f);
};

// runner -> host: the agent is loaded and negotiated.
struct Hello {
    static constexpr FrameType kType = FrameType::Hello;
    uint64_t protocolVersion = 0;
    std::string agentId, agentVersion;
    uint64_t abiMajor = 0, abiMinor = 0, abiPatch = 0, negotiatedMinor = 0;
    std::optional<uint64_t> hostMinor;    // the runner's ABI minor
    std::vector<std::string> deviceTypes; // none empty, none containing '\n'
    uint64_t pid = 0;
    bool operator==(const Hello &) const = default;
    Fields fields() const;
    static Hello read(const Fields &f);
};

// runner -> host: the agent could not be loaded; the runner exits.
struct Fail {
    static constexpr FrameType kType = FrameType::Fail;
    int64_t code = 0;
    std::string message;
    bool operator==(const Fail &) const = default;
    Fields fields() const;
    static Fail read(const Fields &f);
};

// runner -> host: the call `request` finished.
struct Result {
    static constexpr FrameType kType = FrameType::Result;
    int64_t code = 0; // absent: CONDUIT_E_FAILED
    std::string message;
    uint64_t consent = 0;      // DownloadConsent
    uint64_t capabilities = 0; // Query
    bool found = false;        // ProbeExtension
    bool operator==(const Result &) const = default;
    Fields fields() const;
    static Result read(const Fields &f);
};

// runner -> host: one inventory entry of the Inventory call `request`.
struct Device {
    static constexpr FrameType kType = FrameType::Device;
    std::string deviceId, deviceType, hardwareId, currentVersion, previousVersion, updateState;
    uint64_t capabilities = 0;
    bool operator==(const Device &) const = default;
    Fields fields() const;
    static Device read(const Fields &f);
};

// runner -> host: the agent consumed `bytes` of the payload of `request`.
struct Credit {
    static constexpr FrameType kType = FrameType::Credit;
    uint64_t bytes = 0;
    bool operator==(const Credit &) const = default;
    Fields fields() const;
    static Credit read(const Fields &f);
};

// runner -> host: conduit_host.log.
struct Log {
    static constexpr FrameType kType = FrameType::Log;
    std::optional<uint64_t> level; // conduit_log_level; the host decides about an absent one
    std::string message;
    bool operator==(const Log &) const = default;
    Fields fields() const;
    static Log read(const Fields &f);
};

// runner -> host: conduit_host.progress during the call `request`.
struct Progress {
    static constexpr FrameType kType = FrameType::Progress;
    std::string deviceId;
    uint64_t done = 0, total = 0;
    bool operator==(const Progress &) const = default;
    Fields fields() const;
    static Progress read(const Fields &f);
};

// runner -> host: conduit_host.status during the call `request`.
struct Status {
    static constexpr FrameType kType = FrameType::Status;
    std::string deviceId, message;
    bool operator==(const Status &) const = default;
    Fields fields() const;
    static Status read(const Fields &f);
};

// runner -> host: one record of the data-capture stream `stream`.
struct CaptureData {
    static constexpr FrameType kType = FrameType::CaptureData;
    std::string stream;
    std::string data;
    uint64_t timestampNs = 0;
    bool operator==(const CaptureData &) const = default;
    Fields fields() const;
    static CaptureData read(const Fields &f);
};

// runner -> host: the capture stream `stream` ended (code: conduit_result).
struct CaptureEnd {
    static constexpr FrameType kType = FrameType::CaptureEnd;
    std::string stream;
    int64_t code = 0;
    bool operator==(const CaptureEnd &) const = default;
    Fields fields() const;
    static CaptureEnd read(const Fields &f);
};

// The frame (header + encoded fields) carrying `m`.
template <class M>
std::string frame(uint32_t request, const M &m) {
    return makeFrame(M::kType, request, m.fields());
}

// Decodes a frame payload as message M; nullopt (and *error, when given)
// for a malformed field list or a message M refuses (only Call refuses
// anything beyond the field list: an unknown operation).
template <class M>
std::optional<M> decode(std::string_view payload, std::string *error) {
    auto f = Fields::decode(payload, error);
    if (!f) return std::nullopt;
    if constexpr (requires { M::read(*f, error); })
        return M::read(*f, error);
    else
        return M::read(*f);
}

} // namespace conduit::ipc::msg
