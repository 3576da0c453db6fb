#include "segmentset.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace conduit::bootloader::image {

namespace {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08" PRIx64, v);
    return buf;
}

std::string prefix(size_t line) { return line ? "line " + std::to_string(line) + ": " : std::string(); }

} // namespace

void SegmentSet::Run::prepend(std::span<const uint8_t> data) {
    if (offset < data.size()) {
        // Grow the front space to at least the run's size: amortised O(1) per byte.
        const size_t front = std::max(data.size(), size());
        Bytes grown;
        grown.reserve(front + size());
        grown.resize(front);
        grown.insert(grown.end(), buf.begin() + long(offset), buf.end());
        buf.swap(grown);
        offset = front;
    }
    offset -= data.size();
    std::memcpy(buf.data() + offset, data.data(), data.size());
}

void SegmentSet::rekey(Runs::iterator it, uint64_t start) {
    auto node = runs_.extract(it);
    node.key() = start;
    runs_.insert(std::move(node));
}

std::optional<ImageError> SegmentSet::add(uint64_t address, std::span<const uint8_t> data, size_t line) {
    if (data.empty()) return std::nullopt;
    if (address >= limits_.addressSpaceEnd || data.size() > limits_.addressSpaceEnd - address)
        return ImageError{ImageErrorKind::Address, line,
                          prefix(line) + std::to_string(data.size()) + " bytes at " + hex(address) +
                              " reach beyond the address space end " + hex(limits_.addressSpaceEnd)};
    if (data.size() > limits_.maxBytes - total_)
        return ImageError{ImageErrorKind::TooLarge, line,
                          prefix(line) + "the image exceeds the limit of " + std::to_string(limits_.maxBytes) +
                              " bytes"};
    const uint64_t end = address + data.size();
    auto next = runs_.upper_bound(address);
    auto prev = next == runs_.begin() ? runs_.end() : std::prev(next);
    auto overlap = [&](Runs::iterator other) {
        return ImageError{
            ImageErrorKind::Overlap, line,
            prefix(line) + "data at " + hex(address) + ".." + hex(end - 1) + " overlaps data at " + hex(other->first) +
                ".." + hex(other->first + other->second.size() - 1) +
                (other->second.line ? " from line " + std::to_string(other->second.line) : std::string())};
    };
    if (prev != runs_.end() && prev->first + prev->second.size() > address) return overlap(prev);
    if (next != runs_.end() && next->first < end) return overlap(next);
    const bool joinsPrev = prev != runs_.end() && prev->first + prev->second.size() == address;
    const bool joinsNext = next != runs_.end() && next->first == end;
    total_ += data.size();

    if (joinsPrev && joinsNext) {
        Run &p = prev->second, &n = next->second;
        p.append(data);
        if (p.size() >= n.size()) {
            p.append(std::span<const uint8_t>(n.buf).subspan(n.offset));
            p.line = std::min(p.line, n.line);
            runs_.erase(next);
        } else {
            n.prepend(std::span<const uint8_t>(p.buf).subspan(p.offset));
            n.line = std::min(p.line, n.line);
            const uint64_t start = prev->first;
            runs_.erase(prev);
            rekey(next, start);
        }
    } else if (joinsPrev) {
        prev->second.append(data);
    } else if (joinsNext) {
        next->second.prepend(data);
        next->second.line = std::min(next->second.line, line);
        rekey(next, address);
    } else {
        if (runs_.size() >= limits_.maxSegments)
            return ImageError{ImageErrorKind::TooLarge, line,
                              prefix(line) + "the image has more than " + std::to_string(limits_.maxSegments) +
                                  " separate segments"};
        runs_.emplace(address, Run{Bytes(data.begin(), data.end()), 0, line});
    }
    return std::nullopt;
}

std::optional<ImageError> SegmentSet::finish(std::vector<Segment> &out) {
    out.clear();
    if (runs_.empty()) return ImageError{ImageErrorKind::Empty, 0, "the image holds no data"};
    out.reserve(runs_.size());
    for (auto &[start, run] : runs_) {
        if (run.offset) run.buf.erase(run.buf.begin(), run.buf.begin() + long(run.offset));
        out.push_back(Segment{start, std::move(run.buf)});
    }
    runs_.clear();
    total_ = 0;
    return std::nullopt;
}

} // namespace conduit::bootloader::image
