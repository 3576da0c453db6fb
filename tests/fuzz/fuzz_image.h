// What fuzz_ihex and fuzz_srec check of the bootloader agent's text image
// parsers (images come from the update server, and a parser bug must not
// become a wrong flash write): the input fed in input-chosen chunks;
// whatever parses must be sorted, disjoint, merged, within the limits, and
// survive a write and a second parse unchanged.
#pragma once

#include "image/imageparser.h"
#include "image/imagewriter.h"

#include <cstddef>
#include <cstdint>

inline int fuzzTextImage(conduit::bootloader::image::ImageFormat format, const uint8_t *data, size_t size) {
    using namespace conduit::bootloader::image;
    if (size < 1) return 0;
    const size_t step = 1 + data[0] % 97;
    ImageLimits limits;
    limits.maxBytes = 1 << 20;
    limits.maxSegments = 64;
    auto parser = makeImageParser(format, limits);
    for (size_t pos = 1; pos < size; pos += step)
        if (parser->feed(std::span<const uint8_t>(data + pos, std::min(step, size - pos)))) return 0;
    Image image;
    if (parser->finish(image)) return 0;
    if (image.segments.empty() || image.segments.size() > limits.maxSegments || image.totalBytes() > limits.maxBytes)
        __builtin_trap();
    for (size_t i = 0; i < image.segments.size(); ++i) {
        const Segment &s = image.segments[i];
        if (s.data.empty() || s.end() > limits.addressSpaceEnd) __builtin_trap();
        if (i > 0 && image.segments[i - 1].end() >= s.address) __builtin_trap(); // sorted, apart, merged
    }
    const std::string text = format == ImageFormat::IntelHex ? writeIntelHex(image) : writeSRecord(image);
    Image again;
    if (parseImage(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(text.data()), text.size()), format,
                   limits, 0, again))
        __builtin_trap();
    if (again.segments.size() != image.segments.size()) __builtin_trap();
    for (size_t i = 0; i < image.segments.size(); ++i)
        if (again.segments[i].address != image.segments[i].address || again.segments[i].data != image.segments[i].data)
            __builtin_trap();
    if (bool(again.start) != bool(image.start) ||
        (image.start && (again.start->value != image.start->value || again.start->kind != image.start->kind)))
        __builtin_trap();
    return 0;
}
