// Motorola S-record (srec(5)): S0 header, S1/S2/S3 data with 16/24/32-bit
// addresses, S5/S6 record counts, S7/S8/S9 start address and end.
// Strict: every checksum and byte count is checked, S0 only as the first
// record, S4 (reserved) refused, an S5/S6 count must equal the data records
// before it, a termination record (S7/S8/S9) is required and only empty lines
// may follow it. LF or CRLF.
#pragma once

#include "recordlines.h"

namespace conduit::bootloader::image {

class SRecordParser : public RecordParser {
public:
    explicit SRecordParser(const ImageLimits &limits);

    static constexpr size_t kMaxLine = 2 + 2 * (1 + 255); // "Sn", count and 255 bytes in hex

private:
    std::optional<ImageError> record(std::string_view line, size_t number) override;

    size_t records_ = 0; // records seen (S0 must be the first)
    uint64_t dataRecords_ = 0;
};

} // namespace conduit::bootloader::image
