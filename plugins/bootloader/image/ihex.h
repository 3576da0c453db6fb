// Intel HEX (Intel's "Hexadecimal Object File Format Specification" rev. A):
// records 00 data, 01 end of file, 02 extended segment address, 03 start
// segment address, 04 extended linear address, 05 start linear address.
// Strict: every checksum and byte count is checked, the end-of-file record is
// required and nothing but empty lines may follow it, a record may not wrap
// past its 64 KiB offset, a start address is given at most once. LF or CRLF.
#pragma once

#include "recordlines.h"

namespace conduit::bootloader::image {

class IntelHexParser : public RecordParser {
public:
    explicit IntelHexParser(const ImageLimits &limits);

    static constexpr size_t kMaxLine = 1 + 2 * (5 + 255); // ':' and 260 bytes in hex

private:
    std::optional<ImageError> record(std::string_view line, size_t number) override;

    uint32_t base_ = 0; // from type 02 (segment << 4) or 04 (upper << 16)
    bool segmentBase_ = false;
    size_t startLine_ = 0;
};

} // namespace conduit::bootloader::image
