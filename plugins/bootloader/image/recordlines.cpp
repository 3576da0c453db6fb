#include "recordlines.h"

#include <cstdio>
#include <cstring>

namespace conduit::bootloader::image {

std::string linePrefix(size_t line) { return "line " + std::to_string(line) + ": "; }

std::string hexByte(unsigned value) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", value & 0xffu);
    return buf;
}

std::optional<ImageError> LineSplitter::emit() {
    ++number_;
    std::string_view line(pending_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto e = onLine_(line, number_);
    pending_.clear();
    return e;
}

std::optional<ImageError> LineSplitter::feed(std::span<const uint8_t> chunk) {
    const char *p = reinterpret_cast<const char *>(chunk.data());
    const char *end = p + chunk.size();
    while (p < end) {
        const void *nl = std::memchr(p, '\n', size_t(end - p));
        const char *stop = nl ? static_cast<const char *>(nl) : end;
        // +1 leaves room for the CR of a CRLF line of maximal length.
        if (pending_.size() + size_t(stop - p) > maxLine_ + 1)
            return ImageError{ImageErrorKind::Syntax, number_ + 1,
                              linePrefix(number_ + 1) + "longer than " + std::to_string(maxLine_) +
                                  " characters (no record of this format is)"};
        pending_.append(p, stop);
        if (!nl) break;
        if (auto e = emit()) return e;
        p = stop + 1;
    }
    return std::nullopt;
}

std::optional<ImageError> LineSplitter::finish() {
    if (pending_.empty()) return std::nullopt;
    return emit();
}

namespace {
int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}
std::string shown(char c) {
    if (c >= 0x21 && c < 0x7f) return std::string("'") + c + "'";
    return "byte " + hexByte(uint8_t(c));
}
} // namespace

std::optional<ImageError> decodeHex(std::string_view text, size_t line, size_t firstColumn, Bytes &out) {
    out.clear();
    for (size_t i = 0; i < text.size(); ++i)
        if (nibble(text[i]) < 0)
            return ImageError{ImageErrorKind::Syntax, line,
                              linePrefix(line) + "not a hex digit: " + shown(text[i]) + " at column " +
                                  std::to_string(firstColumn + i)};
    if (text.size() % 2) return ImageError{ImageErrorKind::Syntax, line, linePrefix(line) + "odd number of hex digits"};
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) out.push_back(uint8_t(nibble(text[i]) << 4 | nibble(text[i + 1])));
    return std::nullopt;
}

RecordParser::RecordParser(const ImageLimits &limits, size_t maxLine, ImageFormat format, std::string endRecord)
    : segments_(limits), lines_(maxLine, [this](std::string_view l, size_t n) { return line(l, n); }), format_(format),
      endRecord_(std::move(endRecord)) {}

std::optional<ImageError> RecordParser::line(std::string_view text, size_t n) {
    if (text.empty()) return std::nullopt;
    if (endLine_)
        return ImageError{ImageErrorKind::Structure, n,
                          linePrefix(n) + "data after the " + endRecord_.substr(0, endRecord_.find(" (")) +
                              " of line " + std::to_string(endLine_)};
    return record(text, n);
}

std::optional<ImageError> RecordParser::feed(std::span<const uint8_t> chunk) {
    if (!failed_) failed_ = lines_.feed(chunk);
    return failed_;
}

std::optional<ImageError> RecordParser::finish(Image &out) {
    if (!failed_) failed_ = lines_.finish();
    if (!failed_ && !endLine_)
        failed_ = ImageError{ImageErrorKind::Structure, 0,
                             "no " + endRecord_ + " after " + std::to_string(lines_.lines()) +
                                 " lines: the file is truncated"};
    if (!failed_) {
        out = Image{};
        out.format = format_;
        out.start = start_;
        out.header = header_;
        failed_ = segments_.finish(out.segments);
    }
    return failed_;
}

} // namespace conduit::bootloader::image
