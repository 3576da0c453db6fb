// The host <-> runner IPC wire format (no Qt: the runner links it too).
//
// A connection is a stream of frames. Every frame is a fixed 16-byte header
// followed by `length` payload bytes:
//
//   u32 magic 'CDI1' | u16 type | u16 flags (0) | u32 request | u32 length
//
// all little-endian. Control frames carry a field list (see Fields); DATA
// frames carry raw payload bytes. The runner is untrusted: the host checks
// every header and every field before acting on it (see docs/ipc.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conduit::ipc {

constexpr uint32_t kMagic = 0x31494443; // "CDI1"
constexpr uint16_t kProtocolVersion = 1;
constexpr size_t kHeaderSize = 16;
// Largest payload either side may send in one frame.
constexpr uint32_t kMaxPayload = 1u << 20;
// Payload bytes per DATA frame the host sends.
constexpr uint32_t kDataChunk = 256u << 10;

enum class FrameType : uint16_t {
    // host -> runner
    Init = 1,     // config for the agent; answered by Hello or Fail
    Call = 2,     // a lifecycle call; answered by Result
    Data = 3,     // payload bytes for the Transfer call `request`
    DataEnd = 4,  // end of payload; field Code != 0 if the source failed
    Cancel = 5,   // cancel call `request`
    Shutdown = 6, // deinit and exit
    // runner -> host
    Hello = 100,  // agent loaded and negotiated
    Fail = 101,   // agent could not be loaded; the runner exits
    Result = 102, // the call `request` finished
    Log = 103,
    Progress = 104,
    Status = 105,
    Device = 106, // one inventory entry for call `request`
    Credit = 107, // the agent consumed Bytes of payload of call `request`
    CaptureData = 108,
    CaptureEnd = 109,
};

bool isHostToRunner(FrameType t);
bool isRunnerToHost(FrameType t);

enum class Op : uint32_t {
    Inventory = 1,
    DownloadConsent = 2,
    Transfer = 3,
    PrepareInstall = 4,
    Install = 5,
    PostInstall = 6,
    Activate = 7,
    Commit = 8,
    Rollback = 9,
    Query = 10,
    CaptureStart = 11,
    CaptureStop = 12,
    ProbeExtension = 13, // does the agent offer extension Name?
};
constexpr uint32_t kMaxOp = 13;
const char *opName(Op op);

// A conduit_result as an operator reads it: "CONDUIT_E_IO (read/write
// failure on the device)", "vendor code -1003", "unknown code 7". For
// failures that come without a message of their own.
std::string resultText(int code);
// The same code as its name alone: "CONDUIT_E_IO", "vendor code -1003",
// "unknown code 7" (reports that list many results).
std::string resultName(int code);

// Field tags. A tag appears at most once per frame.
enum class Tag : uint16_t {
    Code = 1,    // i64
    Message = 2, // string
    Op = 3,      // u64
    DeviceId = 4,
    TargetName = 5,
    Version = 6,
    Length = 7, // u64
    Sha256 = 8,
    CustomJson = 9,
    StagingDir = 10,
    ConfigJson = 11,
    StateDir = 12,
    AgentId = 13,
    AgentVersion = 14,
    AbiMajor = 15, // u64
    AbiMinor = 16,
    AbiPatch = 17,
    NegotiatedMinor = 18,
    DeviceTypes = 19, // '\n'-separated strings
    DeviceType = 20,
    HardwareId = 21,
    CurrentVersion = 22,
    PreviousVersion = 23,
    Capabilities = 24, // u64
    UpdateState = 25,
    Level = 26,     // u64
    Done = 27,      // u64
    Total = 28,     // u64
    Consent = 29,   // u64
    Bytes = 30,     // u64
    Name = 31,      // string (extension id, stream id)
    Params = 32,    // string (JSON)
    Data = 33,      // bytes
    Timestamp = 34, // u64
    Pid = 35,       // u64
    ProtocolVersion = 36,
    Found = 37,     // u64 0/1
    HostMinor = 38, // u64: the runner's (host's) ABI minor
};

struct FrameHeader {
    FrameType type{};
    uint16_t flags = 0;
    uint32_t request = 0;
    uint32_t length = 0;
};

void encodeHeader(const FrameHeader &h, unsigned char out[kHeaderSize]);

enum class HeaderError { None, BadMagic, BadFlags, UnknownType, TooLarge };
// Decodes and validates a header (magic, flags, known type, length cap).
HeaderError decodeHeader(const unsigned char in[kHeaderSize], FrameHeader &out);
const char *headerErrorText(HeaderError e);

// Tag-length-value field list: u16 tag | u32 length | bytes, repeated.
class Fields {
public:
    Fields &put(Tag tag, std::string_view value);
    Fields &putU64(Tag tag, uint64_t value);
    Fields &putI64(Tag tag, int64_t value);

    bool has(Tag tag) const { return values_.count(static_cast<uint16_t>(tag)) != 0; }
    std::optional<std::string_view> str(Tag tag) const;
    std::optional<uint64_t> u64(Tag tag) const;
    std::optional<int64_t> i64(Tag tag) const;
    std::string strOr(Tag tag, std::string_view fallback = {}) const;

    std::string encode() const;
    // Strict: rejects truncated fields, duplicate tags, trailing bytes, and
    // integer fields whose length is not 8. Sets *error on failure.
    static std::optional<Fields> decode(std::string_view bytes, std::string *error);

private:
    std::map<uint16_t, std::string> values_;
};

// Builds a complete frame (header + payload).
std::string makeFrame(FrameType type, uint32_t request, std::string_view payload);
inline std::string makeFrame(FrameType type, uint32_t request, const Fields &f) {
    return makeFrame(type, request, f.encode());
}

// Incremental frame splitter for a byte stream (used by the host, and by the
// fuzz target). Feed it bytes; take complete frames out.
class FrameReader {
public:
    struct Frame {
        FrameHeader header;
        std::string payload;
    };
    void append(const char *data, size_t size);
    // Next complete frame, or nullopt when more bytes are needed or the
    // stream is broken (then error() is set and stays set).
    std::optional<Frame> next();
    const std::string &error() const { return error_; }
    size_t buffered() const { return buffer_.size() - offset_; }

private:
    std::string buffer_;
    size_t offset_ = 0;
    std::string error_;
};

} // namespace conduit::ipc
