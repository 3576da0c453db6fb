// Motorola S-record (srec(5)): S0 header, S1/S2/S3 data with 16/24/32-bit
// addresses, S5/S6 record counts, S7/S8/S9 start address and end.
// Strict: every checksum and byte count is checked, S0 only as the first
// record, S4 (reserved) refused, an S5/S6 count must equal the data records
// before it, a termination record (S7/S8/S9) is required and only empty lines
// may follow it. LF or CRLF.
#pragma once

#include "imageparser.h"
#include "recordlines.h"
#include "segmentset.h"

namespace conduit::bootloader::image {

class SRecordParser : public ImageParser {
public:
    explicit SRecordParser(const ImageLimits &limits);
    std::optional<ImageError> feed(std::span<const uint8_t> chunk) override;
    std::optional<ImageError> finish(Image &out) override;

    static constexpr size_t kMaxLine = 2 + 2 * (1 + 255); // "Sn", count and 255 bytes in hex

private:
    std::optional<ImageError> record(std::string_view line, size_t number);

    SegmentSet segments_;
    LineSplitter lines_;
    std::optional<ImageError> failed_;
    Bytes bytes_;
    size_t records_ = 0;     // records seen (S0 must be the first)
    uint64_t dataRecords_ = 0;
    size_t endLine_ = 0;
    std::string header_;
    std::optional<StartAddress> start_;
};

} // namespace conduit::bootloader::image
