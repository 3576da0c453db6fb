#include "wire.h"

#include <conduit/agent.h>

#include <cstring>

namespace conduit::ipc {

namespace {

void putLe(unsigned char *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

uint64_t getLe(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

} // namespace

bool isHostToRunner(FrameType t) {
    auto v = static_cast<uint16_t>(t);
    return v >= 1 && v <= 6;
}

bool isRunnerToHost(FrameType t) {
    auto v = static_cast<uint16_t>(t);
    return v >= 100 && v <= 109;
}

const char *opName(Op op) {
    switch (op) {
    case Op::Inventory: return "inventory";
    case Op::DownloadConsent: return "download_consent";
    case Op::Transfer: return "transfer";
    case Op::PrepareInstall: return "prepare_install";
    case Op::Install: return "install";
    case Op::PostInstall: return "post_install";
    case Op::Activate: return "activate";
    case Op::Commit: return "commit";
    case Op::Rollback: return "rollback";
    case Op::Query: return "query";
    case Op::CaptureStart: return "capture_start";
    case Op::CaptureStop: return "capture_stop";
    case Op::ProbeExtension: return "probe_extension";
    }
    return "unknown";
}

namespace {

struct ResultName {
    int code;
    const char *name, *meaning;
};
// The vocabulary of conduit_result in conduit/agent.h.
constexpr ResultName kResultNames[] = {
    {CONDUIT_OK, "CONDUIT_OK", "success"},
    {CONDUIT_E_FAILED, "CONDUIT_E_FAILED", "unspecified failure"},
    {CONDUIT_E_INVALID_ARGUMENT, "CONDUIT_E_INVALID_ARGUMENT", "malformed argument"},
    {CONDUIT_E_UNSUPPORTED, "CONDUIT_E_UNSUPPORTED", "operation not offered by this agent"},
    {CONDUIT_E_NO_DEVICE, "CONDUIT_E_NO_DEVICE", "device unknown to this agent"},
    {CONDUIT_E_BUSY, "CONDUIT_E_BUSY", "another operation is in progress"},
    {CONDUIT_E_CANCELLED, "CONDUIT_E_CANCELLED", "cancelled"},
    {CONDUIT_E_IO, "CONDUIT_E_IO", "read/write failure on the device"},
    {CONDUIT_E_NO_SPACE, "CONDUIT_E_NO_SPACE", "staging area too small"},
    {CONDUIT_E_VERIFY, "CONDUIT_E_VERIFY", "written data does not verify"},
    {CONDUIT_E_STATE, "CONDUIT_E_STATE", "call not valid in the device's state"},
    {CONDUIT_E_NO_MEMORY, "CONDUIT_E_NO_MEMORY", "out of memory"},
    {CONDUIT_E_TIMEOUT, "CONDUIT_E_TIMEOUT", "device did not answer in time"},
    {CONDUIT_E_PAYLOAD, "CONDUIT_E_PAYLOAD", "payload stream ended early or failed"},
    {CONDUIT_E_ROLLBACK_FAILED, "CONDUIT_E_ROLLBACK_FAILED", "rollback attempted and failed"},
    {CONDUIT_E_ABI, "CONDUIT_E_ABI", "version negotiation failed"},
};

const ResultName *findResult(int code) {
    for (const ResultName &n : kResultNames)
        if (n.code == code) return &n;
    return nullptr;
}

std::string unnamedResult(int code) {
    if (code <= CONDUIT_E_VENDOR_FIRST && code >= CONDUIT_E_VENDOR_LAST) return "vendor code " + std::to_string(code);
    return "unknown code " + std::to_string(code);
}

} // namespace

std::string resultText(int code) {
    const ResultName *n = findResult(code);
    return n ? std::string(n->name) + " (" + n->meaning + ")" : unnamedResult(code);
}

std::string resultName(int code) {
    const ResultName *n = findResult(code);
    return n ? std::string(n->name) : unnamedResult(code);
}

void encodeHeader(const FrameHeader &h, unsigned char out[kHeaderSize]) {
    putLe(out, kMagic, 4);
    putLe(out + 4, static_cast<uint16_t>(h.type), 2);
    putLe(out + 6, h.flags, 2);
    putLe(out + 8, h.request, 4);
    putLe(out + 12, h.length, 4);
}

HeaderError decodeHeader(const unsigned char in[kHeaderSize], FrameHeader &out) {
    if (getLe(in, 4) != kMagic) return HeaderError::BadMagic;
    out.type = static_cast<FrameType>(getLe(in + 4, 2));
    out.flags = static_cast<uint16_t>(getLe(in + 6, 2));
    out.request = static_cast<uint32_t>(getLe(in + 8, 4));
    out.length = static_cast<uint32_t>(getLe(in + 12, 4));
    if (out.flags != 0) return HeaderError::BadFlags;
    if (!isHostToRunner(out.type) && !isRunnerToHost(out.type)) return HeaderError::UnknownType;
    if (out.length > kMaxPayload) return HeaderError::TooLarge;
    return HeaderError::None;
}

const char *headerErrorText(HeaderError e) {
    switch (e) {
    case HeaderError::None: return "ok";
    case HeaderError::BadMagic: return "bad frame magic";
    case HeaderError::BadFlags: return "reserved frame flags set";
    case HeaderError::UnknownType: return "unknown frame type";
    case HeaderError::TooLarge: return "frame larger than 1 MiB";
    }
    return "unknown header error";
}

Fields &Fields::put(Tag tag, std::string_view value) {
    values_[static_cast<uint16_t>(tag)] = std::string(value);
    return *this;
}

Fields &Fields::putU64(Tag tag, uint64_t value) {
    std::string s(8, '\0');
    putLe(reinterpret_cast<unsigned char *>(s.data()), value, 8);
    values_[static_cast<uint16_t>(tag)] = std::move(s);
    return *this;
}

Fields &Fields::putI64(Tag tag, int64_t value) { return putU64(tag, static_cast<uint64_t>(value)); }

std::optional<std::string_view> Fields::str(Tag tag) const {
    auto it = values_.find(static_cast<uint16_t>(tag));
    if (it == values_.end()) return std::nullopt;
    return std::string_view(it->second);
}

std::optional<uint64_t> Fields::u64(Tag tag) const {
    auto it = values_.find(static_cast<uint16_t>(tag));
    if (it == values_.end() || it->second.size() != 8) return std::nullopt;
    return getLe(reinterpret_cast<const unsigned char *>(it->second.data()), 8);
}

std::optional<int64_t> Fields::i64(Tag tag) const {
    auto v = u64(tag);
    if (!v) return std::nullopt;
    return static_cast<int64_t>(*v);
}

std::string Fields::strOr(Tag tag, std::string_view fallback) const {
    auto v = str(tag);
    return std::string(v ? *v : fallback);
}

std::string Fields::encode() const {
    std::string out;
    for (const auto &[tag, value] : values_) {
        unsigned char h[6];
        putLe(h, tag, 2);
        putLe(h + 2, value.size(), 4);
        out.append(reinterpret_cast<const char *>(h), 6);
        out.append(value);
    }
    return out;
}

std::optional<Fields> Fields::decode(std::string_view bytes, std::string *error) {
    Fields f;
    size_t pos = 0;
    auto fail = [&](const std::string &why) -> std::optional<Fields> {
        if (error) *error = why + " at offset " + std::to_string(pos);
        return std::nullopt;
    };
    while (pos < bytes.size()) {
        if (bytes.size() - pos < 6) return fail("truncated field header");
        auto *p = reinterpret_cast<const unsigned char *>(bytes.data() + pos);
        auto tag = static_cast<uint16_t>(getLe(p, 2));
        auto len = static_cast<size_t>(getLe(p + 2, 4));
        if (len > bytes.size() - pos - 6) return fail("field length beyond frame");
        if (f.values_.count(tag)) return fail("duplicate field tag " + std::to_string(tag));
        f.values_.emplace(tag, std::string(bytes.substr(pos + 6, len)));
        pos += 6 + len;
    }
    // Integer tags must be exactly 8 bytes so that a reader never sees a
    // half-parsed number.
    static constexpr Tag intTags[] = {Tag::Code,
                                      Tag::Op,
                                      Tag::Length,
                                      Tag::AbiMajor,
                                      Tag::AbiMinor,
                                      Tag::AbiPatch,
                                      Tag::NegotiatedMinor,
                                      Tag::Capabilities,
                                      Tag::Level,
                                      Tag::Done,
                                      Tag::Total,
                                      Tag::Consent,
                                      Tag::Bytes,
                                      Tag::Timestamp,
                                      Tag::Pid,
                                      Tag::ProtocolVersion,
                                      Tag::Found,
                                      Tag::HostMinor};
    for (Tag t : intTags) {
        auto it = f.values_.find(static_cast<uint16_t>(t));
        if (it != f.values_.end() && it->second.size() != 8) {
            if (error) *error = "integer field " + std::to_string(static_cast<int>(t)) + " is not 8 bytes";
            return std::nullopt;
        }
    }
    return f;
}

std::string makeFrame(FrameType type, uint32_t request, std::string_view payload) {
    std::string out(kHeaderSize, '\0');
    FrameHeader h{type, 0, request, static_cast<uint32_t>(payload.size())};
    encodeHeader(h, reinterpret_cast<unsigned char *>(out.data()));
    out.append(payload);
    return out;
}

void FrameReader::append(const char *data, size_t size) {
    if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
        buffer_.erase(0, offset_);
        offset_ = 0;
    }
    buffer_.append(data, size);
}

std::optional<FrameReader::Frame> FrameReader::next() {
    if (!error_.empty()) return std::nullopt;
    if (buffer_.size() - offset_ < kHeaderSize) return std::nullopt;
    Frame f;
    auto e = decodeHeader(reinterpret_cast<const unsigned char *>(buffer_.data() + offset_), f.header);
    if (e != HeaderError::None) {
        error_ = headerErrorText(e);
        return std::nullopt;
    }
    if (buffer_.size() - offset_ - kHeaderSize < f.header.length) return std::nullopt;
    f.payload.assign(buffer_, offset_ + kHeaderSize, f.header.length);
    offset_ += kHeaderSize + f.header.length;
    if (offset_ == buffer_.size()) {
        buffer_.clear();
        offset_ = 0;
    }
    return f;
}

} // namespace conduit::ipc
