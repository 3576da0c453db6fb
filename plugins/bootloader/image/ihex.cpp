#include "ihex.h"

namespace conduit::bootloader::image {

namespace {
enum RecordType : uint8_t {
    Data = 0x00,
    EndOfFile = 0x01,
    ExtendedSegmentAddress = 0x02,
    StartSegmentAddress = 0x03,
    ExtendedLinearAddress = 0x04,
    StartLinearAddress = 0x05,
};

ImageError syntax(size_t line, const std::string &what) {
    return ImageError{ImageErrorKind::Syntax, line, linePrefix(line) + what};
}
} // namespace

IntelHexParser::IntelHexParser(const ImageLimits &limits)
    : RecordParser(limits, kMaxLine, ImageFormat::IntelHex, "end-of-file record (:00000001FF)") {}

std::optional<ImageError> IntelHexParser::record(std::string_view line, size_t n) {
    if (line[0] != ':') return syntax(n, "a record starts with ':'");
    if (auto e = decodeHex(line.substr(1), n, 2, bytes_)) return e;
    if (bytes_.size() < 5)
        return syntax(n, "record too short (" + std::to_string(bytes_.size()) + " bytes, at least 5)");
    const size_t count = bytes_[0];
    if (bytes_.size() != count + 5)
        return syntax(n, "byte count " + hexByte(unsigned(count)) + " needs a record of " + std::to_string(count + 5) +
                             " bytes, this one has " + std::to_string(bytes_.size()));
    unsigned sum = 0;
    for (size_t i = 0; i + 1 < bytes_.size(); ++i) sum += bytes_[i];
    const unsigned computed = (0x100u - (sum & 0xffu)) & 0xffu;
    if (bytes_.back() != computed)
        return ImageError{ImageErrorKind::Checksum, n,
                          linePrefix(n) + "checksum " + hexByte(bytes_.back()) + ", computed " + hexByte(computed)};

    const uint16_t offset = uint16_t(bytes_[1] << 8 | bytes_[2]);
    const uint8_t type = bytes_[3];
    const std::span<const uint8_t> data(bytes_.data() + 4, count);
    auto needCount = [&](size_t want, const char *what) -> std::optional<ImageError> {
        if (count != want)
            return syntax(n, std::string(what) + " record with " + std::to_string(count) + " data bytes, not " +
                                 std::to_string(want));
        return std::nullopt;
    };
    switch (type) {
    case Data:
        if (size_t(offset) + count > 0x10000)
            return ImageError{ImageErrorKind::Address, n,
                              linePrefix(n) + "data record at offset " + std::to_string(offset) + " with " +
                                  std::to_string(count) + " bytes wraps past the 64 KiB " +
                                  (segmentBase_ ? "segment" : "linear block")};
        return segments_.add(uint64_t(base_) + offset, data, n);
    case EndOfFile:
        if (auto e = needCount(0, "end-of-file")) return e;
        endLine_ = n;
        return std::nullopt;
    case ExtendedSegmentAddress:
    case ExtendedLinearAddress: {
        const char *what = type == ExtendedSegmentAddress ? "extended segment address" : "extended linear address";
        if (auto e = needCount(2, what)) return e;
        if (offset != 0)
            return syntax(n, std::string(what) + " record with address field " + std::to_string(offset) + ", not 0");
        const uint32_t value = uint32_t(data[0] << 8 | data[1]);
        segmentBase_ = type == ExtendedSegmentAddress;
        base_ = segmentBase_ ? value << 4 : value << 16;
        return std::nullopt;
    }
    case StartSegmentAddress:
    case StartLinearAddress: {
        if (auto e = needCount(4, type == StartSegmentAddress ? "start segment address" : "start linear address"))
            return e;
        if (start_)
            return ImageError{ImageErrorKind::Structure, n,
                              linePrefix(n) + "a second start address record (the first is on line " +
                                  std::to_string(startLine_) + ")"};
        start_ =
            StartAddress{type == StartSegmentAddress ? StartAddress::Kind::SegmentCsIp : StartAddress::Kind::Linear,
                         uint32_t(data[0]) << 24 | uint32_t(data[1]) << 16 | uint32_t(data[2]) << 8 | data[3]};
        startLine_ = n;
        return std::nullopt;
    }
    default:
        return ImageError{ImageErrorKind::UnknownRecord, n,
                          linePrefix(n) + "record type " + hexByte(type) + " is not an Intel HEX record type (00-05)"};
    }
}

} // namespace conduit::bootloader::image
