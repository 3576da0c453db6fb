// What Intel HEX and S-record readers share: cutting a byte stream into
// bounded lines (LF or CRLF) and decoding a record's hex digits.
#pragma once

#include "image.h"

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

std::string linePrefix(size_t line); // "line 12: "
std::string hexByte(unsigned value);  // "0x3c"

} // namespace conduit::bootloader::image
