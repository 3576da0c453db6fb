#include "srec.h"

namespace conduit::bootloader::image {

namespace {
ImageError syntax(size_t line, const std::string &what) {
    return ImageError{ImageErrorKind::Syntax, line, linePrefix(line) + what};
}
// Address bytes of S0..S9; 0 marks the reserved S4.
constexpr size_t kAddressBytes[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
} // namespace

SRecordParser::SRecordParser(const ImageLimits &limits)
    : RecordParser(limits, kMaxLine, ImageFormat::SRecord, "termination record (S7, S8 or S9)") {}

std::optional<ImageError> SRecordParser::record(std::string_view line, size_t n) {
    if (line.size() < 2 || line[0] != 'S' || line[1] < '0' || line[1] > '9')
        return syntax(n, "a record starts with 'S' and a type digit");
    const int type = line[1] - '0';
    if (type == 4) return ImageError{ImageErrorKind::UnknownRecord, n, linePrefix(n) + "record type S4 is reserved"};
    if (auto e = decodeHex(line.substr(2), n, 3, bytes_)) return e;
    const size_t addressBytes = kAddressBytes[type];
    if (bytes_.size() < 2 + addressBytes)
        return syntax(n, "S" + std::to_string(type) + " record too short for its count, " +
                             std::to_string(addressBytes) + " address bytes and checksum");
    const size_t count = bytes_[0];
    if (bytes_.size() != count + 1)
        return syntax(n, "byte count " + hexByte(unsigned(count)) + " needs " + std::to_string(count) +
                             " bytes after it, the record has " + std::to_string(bytes_.size() - 1));
    unsigned sum = 0;
    for (size_t i = 0; i + 1 < bytes_.size(); ++i) sum += bytes_[i];
    const unsigned computed = ~sum & 0xffu;
    if (bytes_.back() != computed)
        return ImageError{ImageErrorKind::Checksum, n,
                          linePrefix(n) + "checksum " + hexByte(bytes_.back()) + ", computed " + hexByte(computed)};

    uint32_t address = 0;
    for (size_t i = 0; i < addressBytes; ++i) address = address << 8 | bytes_[1 + i];
    const std::span<const uint8_t> data(bytes_.data() + 1 + addressBytes, count - 1 - addressBytes);
    const bool first = records_++ == 0;
    auto noData = [&]() -> std::optional<ImageError> {
        if (!data.empty())
            return syntax(n, "S" + std::to_string(type) + " record with " + std::to_string(data.size()) +
                                 " data bytes, it has none");
        return std::nullopt;
    };
    switch (type) {
    case 0:
        if (!first)
            return ImageError{ImageErrorKind::Structure, n, linePrefix(n) + "S0 header record after the first record"};
        if (address != 0) return syntax(n, "S0 header record with address " + std::to_string(address) + ", not 0");
        header_.assign(data.begin(), data.end());
        return std::nullopt;
    case 1:
    case 2:
    case 3: ++dataRecords_; return segments_.add(address, data, n);
    case 5:
    case 6:
        if (auto e = noData()) return e;
        if (address != dataRecords_)
            return ImageError{ImageErrorKind::Count, n,
                              linePrefix(n) + "S" + std::to_string(type) + " count " + std::to_string(address) +
                                  ", the file has " + std::to_string(dataRecords_) + " data records before it"};
        return std::nullopt;
    default: // 7, 8, 9
        if (auto e = noData()) return e;
        start_ = StartAddress{StartAddress::Kind::Linear, address};
        endLine_ = n;
        return std::nullopt;
    }
}

} // namespace conduit::bootloader::image
