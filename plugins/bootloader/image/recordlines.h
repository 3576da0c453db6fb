// What Intel HEX and S-record readers share: cutting a byte stream into
// bounded lines (LF or CRLF) and decoding a record's hex digits.
#pragma once

#include "imageparser.h"
#include "segmentset.h"

#include <functional>
#include <span>
#include <string_view>

namespace conduit::bootloader::image {

// Feeds a stream chunk by chunk and calls `onLine` for each complete line
// (without its LF or CRLF) with its 1-based number. Only the current line is
// buffered, and no line may be longer than `maxLine` characters.
class LineSplitter {
public:
    using OnLine = std::function<std::optional<ImageError>(std::string_view line, size_t number)>;
    LineSplitter(size_t maxLine, OnLine onLine) : maxLine_(maxLine), onLine_(std::move(onLine)) {}

    std::optional<ImageError> feed(std::span<const uint8_t> chunk);
    // The last line when the input does not end with a newline.
    std::optional<ImageError> finish();
    size_t lines() const { return number_; }

private:
    std::optional<ImageError> emit();
    size_t maxLine_;
    OnLine onLine_;
    std::string pending_;
    size_t number_ = 0;
};

// Decodes the hex digits of `text` (even count) into `out`; on a bad digit
// or an odd count returns an error naming the line and the column
// (`firstColumn` is the 1-based column of text[0] in the line).
std::optional<ImageError> decodeHex(std::string_view text, size_t line, size_t firstColumn, Bytes &out);

// What Intel HEX and S-record parsing share: lines in, one record per
// non-empty line, the first error kept, nothing but empty lines after the end
// record, and the end record required. A format implements record().
class RecordParser : public ImageParser {
public:
    std::optional<ImageError> feed(std::span<const uint8_t> chunk) final;
    std::optional<ImageError> finish(Image &out) final;

protected:
    // `endRecord` names the format's end record in errors ("end-of-file
    // record (:00000001FF)").
    RecordParser(const ImageLimits &limits, size_t maxLine, ImageFormat format, std::string endRecord);
    // One non-empty line before the end record.
    virtual std::optional<ImageError> record(std::string_view line, size_t number) = 0;

    SegmentSet segments_;
    Bytes bytes_;        // the current record, decoded
    size_t endLine_ = 0; // the line of the end record, 0 before it
    std::optional<StartAddress> start_;
    std::string header_;

private:
    std::optional<ImageError> line(std::string_view text, size_t number);
    LineSplitter lines_;
    ImageFormat format_;
    std::string endRecord_;
    std::optional<ImageError> failed_;
};

std::string linePrefix(size_t line); // "line 12: "
std::string hexByte(unsigned value); // "0x3c"

} // namespace conduit::bootloader::image
