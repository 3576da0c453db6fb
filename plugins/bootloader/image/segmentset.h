// Collects the data records of an image into sorted, merged segments.
// Records arrive in file order, any order. Each one lands in the run it
// touches (appended, or prepended into reserved front space) or starts a new
// run; when a record joins two runs the smaller is copied into the larger.
// So every byte is copied O(log N) times at worst and once for the usual
// ascending file: no quadratic copying whatever the record order. Overlaps
// and the limits are found at the record that causes them.
#pragma once

#include "image.h"

#include <map>
#include <span>

namespace conduit::bootloader::image {

class SegmentSet {
public:
    explicit SegmentSet(const ImageLimits &limits) : limits_(limits) {}

    // Adds `data` at `address`, from record line `line` (0: no lines, raw).
    // Fails for bytes beyond the address space, past the byte or segment
    // limit, or over bytes already added.
    std::optional<ImageError> add(uint64_t address, std::span<const uint8_t> data, size_t line);

    // Hands over the segments in address order; fails when there are none.
    // Leaves the set empty.
    std::optional<ImageError> finish(std::vector<Segment> &out);

    uint64_t totalBytes() const { return total_; }

private:
    // A run's bytes live in buf[offset..): the front space makes prepending cheap.
    struct Run {
        Bytes buf;
        size_t offset = 0;
        size_t line = 0; // its first record
        size_t size() const { return buf.size() - offset; }
        void append(std::span<const uint8_t> data) { buf.insert(buf.end(), data.begin(), data.end()); }
        void prepend(std::span<const uint8_t> data);
    };
    using Runs = std::map<uint64_t, Run>; // by start address
    void rekey(Runs::iterator it, uint64_t start);

    ImageLimits limits_;
    Runs runs_;
    uint64_t total_ = 0;
};

} // namespace conduit::bootloader::image
