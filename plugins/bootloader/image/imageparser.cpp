#include "imageparser.h"

#include "ihex.h"
#include "json.h"
#include "srec.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::bootloader::image {

namespace {

// A raw binary: one run of bytes at the address the metadata gives.
class RawParser : public ImageParser {
public:
    RawParser(const ImageLimits &limits, uint64_t address) : segments_(limits), next_(address) {}
    std::optional<ImageError> feed(std::span<const uint8_t> chunk) override {
        if (!failed_) {
            failed_ = segments_.add(next_, chunk, 0);
            next_ += chunk.size();
        }
        return failed_;
    }
    std::optional<ImageError> finish(Image &out) override {
        if (!failed_) {
            out = Image{};
            out.format = ImageFormat::Raw;
            failed_ = segments_.finish(out.segments);
        }
        return failed_;
    }

private:
    SegmentSet segments_;
    uint64_t next_;
    std::optional<ImageError> failed_;
};

bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

} // namespace

const char *imageFormatName(ImageFormat format) {
    switch (format) {
    case ImageFormat::Raw: return "raw";
    case ImageFormat::IntelHex: return "ihex";
    case ImageFormat::SRecord: return "srec";
    }
    return "?";
}

std::optional<ImageFormat> parseImageFormatName(std::string_view name) {
    for (ImageFormat f : {ImageFormat::Raw, ImageFormat::IntelHex, ImageFormat::SRecord})
        if (name == imageFormatName(f)) return f;
    return std::nullopt;
}

const char *imageErrorKindName(ImageErrorKind kind) {
    switch (kind) {
    case ImageErrorKind::Syntax: return "syntax";
    case ImageErrorKind::Checksum: return "checksum";
    case ImageErrorKind::UnknownRecord: return "unknown-record";
    case ImageErrorKind::Structure: return "structure";
    case ImageErrorKind::Count: return "count";
    case ImageErrorKind::Address: return "address";
    case ImageErrorKind::Overlap: return "overlap";
    case ImageErrorKind::TooLarge: return "too-large";
    case ImageErrorKind::Empty: return "empty";
    case ImageErrorKind::Metadata: return "metadata";
    case ImageErrorKind::Io: return "io";
    }
    return "?";
}

uint64_t Image::totalBytes() const {
    uint64_t total = 0;
    for (const Segment &s : segments) total += s.data.size();
    return total;
}

std::unique_ptr<ImageParser> makeImageParser(ImageFormat format, const ImageLimits &limits, uint64_t rawAddress) {
    switch (format) {
    case ImageFormat::IntelHex: return std::make_unique<IntelHexParser>(limits);
    case ImageFormat::SRecord: return std::make_unique<SRecordParser>(limits);
    case ImageFormat::Raw: break;
    }
    return std::make_unique<RawParser>(limits, rawAddress);
}

ImageFormat detectImageFormatFromContent(std::span<const uint8_t> head) {
    std::string_view text(reinterpret_cast<const char *>(head.data()), head.size());
    const size_t begin = text.find_first_not_of("\r\n");
    if (begin == std::string_view::npos) return ImageFormat::Raw;
    text.remove_prefix(begin);
    text = text.substr(0, text.find_first_of("\r\n"));
    auto hexFrom = [&](size_t from, size_t atLeast) {
        if (text.size() < from + atLeast) return false;
        for (size_t i = from; i < text.size(); ++i)
            if (!isHex(text[i])) return false;
        return true;
    };
    // The shortest records: ":00000001FF" and "S9030000FC".
    if (text[0] == ':' && hexFrom(1, 10)) return ImageFormat::IntelHex;
    if (text.size() >= 2 && text[0] == 'S' && text[1] >= '0' && text[1] <= '9' && hexFrom(2, 8))
        return ImageFormat::SRecord;
    return ImageFormat::Raw;
}

std::optional<ImageFormat> detectImageFormat(const plugin::Json &customMetadata, std::span<const uint8_t> head,
                                             ImageError &error) {
    const plugin::Json &declared = customMetadata["format"];
    if (declared.kind() == plugin::Json::Kind::Null) return detectImageFormatFromContent(head);
    if (!declared.isString()) {
        error = ImageError{ImageErrorKind::Metadata, 0, "the custom metadata's \"format\" is not a string"};
        return std::nullopt;
    }
    if (auto f = parseImageFormatName(declared.string())) return f;
    error = ImageError{ImageErrorKind::Metadata, 0,
                       "the custom metadata's \"format\" is \"" + declared.string() +
                           "\", not one of \"raw\", \"ihex\", \"srec\""};
    return std::nullopt;
}

std::optional<ImageError> parseImage(std::span<const uint8_t> content, ImageFormat format, const ImageLimits &limits,
                                     uint64_t rawAddress, Image &out) {
    auto parser = makeImageParser(format, limits, rawAddress);
    if (auto e = parser->feed(content)) return e;
    return parser->finish(out);
}

std::optional<ImageError> readImageFile(const std::string &path, ImageFormat format, const ImageLimits &limits,
                                        uint64_t rawAddress, Image &out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ImageError{ImageErrorKind::Io, 0, "cannot open " + path + ": " + std::strerror(errno)};
    auto parser = makeImageParser(format, limits, rawAddress);
    std::vector<uint8_t> buffer(256 * 1024);
    std::optional<ImageError> failed;
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            failed = ImageError{ImageErrorKind::Io, 0, "cannot read " + path + ": " + std::strerror(errno)};
            break;
        }
        if (got == 0) break;
        if ((failed = parser->feed(std::span<const uint8_t>(buffer.data(), size_t(got))))) break;
    }
    ::close(fd);
    if (!failed) failed = parser->finish(out);
    if (failed && failed->kind != ImageErrorKind::Io) failed->message = path + ": " + failed->message;
    return failed;
}

} // namespace conduit::bootloader::image
