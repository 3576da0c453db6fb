// The images the bootloader agent flashes, as memory segments: what an
// image file (raw binary, Intel HEX, Motorola S-record) says to write where.
// The reprogramming sequence erases, downloads and checks each segment in turn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conduit::bootloader::image {

using Bytes = std::vector<uint8_t>;

enum class ImageFormat { Raw, IntelHex, SRecord };

// The names used in the signed custom metadata ("format"): "raw", "ihex", "srec".
const char *imageFormatName(ImageFormat format);
std::optional<ImageFormat> parseImageFormatName(std::string_view name);

// One run of bytes to write at `address`. Segments of an Image are sorted,
// never overlap and never touch (adjacent runs are merged into one).
struct Segment {
    uint64_t address = 0;
    Bytes data;
    uint64_t end() const { return address + data.size(); }
};

// Where execution starts, as the image states it (information only: the
// ECU's bootloader decides). Intel HEX type 03 gives CS:IP (value = CS << 16 | IP),
// type 05 and S7/S8/S9 a linear address.
struct StartAddress {
    enum class Kind { Linear, SegmentCsIp } kind = Kind::Linear;
    uint32_t value = 0;
};

struct Image {
    ImageFormat format = ImageFormat::Raw;
    std::vector<Segment> segments;
    std::optional<StartAddress> start;
    std::string header; // S-record S0 content, as given (may be empty)
    uint64_t totalBytes() const;
};

// Bounds a parser keeps to: an image is refused rather than grown past them.
struct ImageLimits {
    uint64_t maxBytes = 64ull << 20;       // payload bytes, all segments together
    size_t maxSegments = 1024;             // after merging
    uint64_t addressSpaceEnd = 1ull << 32; // no byte at or beyond (4-byte ALFID addresses)
};

enum class ImageErrorKind {
    Syntax,        // not a record of the format: bad start character, hex digit, length
    Checksum,      // a record's checksum does not match its bytes
    UnknownRecord, // a record type the format does not define (or reserves)
    Structure,     // records in the wrong place: no end record, data after it, a second header
    Count,         // an S5/S6 count that does not match the data records
    Address,       // data beyond the address space or across a 64 KiB offset wrap
    Overlap,       // two records write the same address
    TooLarge,      // past ImageLimits
    Empty,         // no data at all
    Metadata,      // the metadata's "format" is not one we know
    Io,            // the file could not be read
};
const char *imageErrorKindName(ImageErrorKind kind);

struct ImageError {
    ImageErrorKind kind;
    size_t line = 0;     // 1-based line of the offending record; 0 when not tied to one
    std::string message; // complete, starts with "line N: " when `line` is set
};

} // namespace conduit::bootloader::image
