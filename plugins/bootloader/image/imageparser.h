// Reading an image: one streaming parser per format behind one interface,
// the format chosen from the signed custom metadata or the content, and a
// file reader on top. Memory: the image's bytes plus one line (or one read
// buffer); nothing is copied twice for an image in ascending order.
#pragma once

#include "image.h"

#include <memory>
#include <span>

namespace conduit::plugin {
class Json;
}

namespace conduit::bootloader::image {

// Feed the file chunk by chunk (any split), then finish. The first error is
// kept: later calls return it again.
class ImageParser {
public:
    virtual ~ImageParser() = default;
    virtual std::optional<ImageError> feed(std::span<const uint8_t> chunk) = 0;
    virtual std::optional<ImageError> finish(Image &out) = 0;
};

// A raw binary has no addresses of its own: `rawAddress` (from the signed
// custom metadata) is where its first byte goes. Ignored for the other formats.
std::unique_ptr<ImageParser> makeImageParser(ImageFormat format, const ImageLimits &limits, uint64_t rawAddress = 0);

// The image's format: the custom metadata's "format" ("raw", "ihex",
// "srec") when present, else the content's first line (`head`: the first
// bytes of the file, a few hundred are enough). A "format" that is not a
// string or not one of those names is an error, never a guess.
std::optional<ImageFormat> detectImageFormat(const plugin::Json &customMetadata, std::span<const uint8_t> head,
                                             ImageError &error);
// The content rule alone: a first non-empty line that is a well-formed
// record start (":" + hex digits, or "S" + digit + hex digits), else raw.
ImageFormat detectImageFormatFromContent(std::span<const uint8_t> head);

// Reads and parses the file at `path` in bounded chunks.
std::optional<ImageError> readImageFile(const std::string &path, ImageFormat format, const ImageLimits &limits,
                                        uint64_t rawAddress, Image &out);
// Parses an image held in memory (tests, small images).
std::optional<ImageError> parseImage(std::span<const uint8_t> content, ImageFormat format, const ImageLimits &limits,
                                     uint64_t rawAddress, Image &out);

} // namespace conduit::bootloader::image
