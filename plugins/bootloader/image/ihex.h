// Intel HEX (Intel's "Hexadecimal Object File Format Specification" rev. A):
// records 00 data, 01 end of file, 02 extended segment address, 03 start
// segment address, 04 extended linear address, 05 start linear address.
// Strict: every checksum and byte count is checked, the end-of-file record is
// required and nothing but empty lines may follow it, a record may not wrap
// past its 64 KiB offset, a start address is given at most once. LF or CRLF.
#pragma once

#include "imageparser.h"
#include "recordlines.h"
#include "segmentset.h"

namespace conduit::bootloader::image {

class IntelHexParser : public ImageParser {
public:
    explicit IntelHexParser(const ImageLimits &limits);
    std::optional<ImageError> feed(std::span<const uint8_t> chunk) override;
    std::optional<ImageError> finish(Image &out) override;

    static constexpr size_t kMaxLine = 1 + 2 * (5 + 255); // ':' and 260 bytes in hex

private:
    std::optional<ImageError> record(std::string_view line, size_t number);

    SegmentSet segments_;
    LineSplitter lines_;
    std::optional<ImageError> failed_;
    Bytes bytes_;            // the current record, decoded
    uint32_t base_ = 0;      // from type 02 (segment << 4) or 04 (upper << 16)
    bool segmentBase_ = false;
    size_t eofLine_ = 0;     // the line of the end-of-file record, 0 before it
    size_t startLine_ = 0;
    std::optional<StartAddress> start_;
};

} // namespace conduit::bootloader::image
