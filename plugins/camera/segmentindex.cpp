#include "segmentindex.h"

#include <algorithm>

namespace conduit::camera {

uint64_t SegmentIndex::closedBytesLimit() const {
    const uint64_t reserve = std::max(bounds_.minReserveBytes, 2 * largest_);
    return bounds_.maxBytes > reserve ? bounds_.maxBytes - reserve : 0;
}

std::vector<std::string> SegmentIndex::add(Segment s) {
    largest_ = std::max(largest_, s.bytes);
    bytes_ += s.bytes;
    durationNs_ += s.durationNs();
    segments_.push_back(std::move(s));
    std::vector<std::string> evicted;
    while (segments_.size() > 1 && (bytes_ > closedBytesLimit() || durationNs_ > bounds_.maxDurationNs)) {
        const Segment &old = segments_.front();
        bytes_ -= old.bytes;
        durationNs_ -= old.durationNs();
        evicted.push_back(old.path);
        segments_.pop_front();
        ++evicted_;
    }
    return evicted;
}

std::vector<Segment> SegmentIndex::covering(uint64_t fromNs, uint64_t toNs) const {
    std::vector<Segment> out;
    for (const Segment &s : segments_) {
        if (s.endNs > fromNs && s.startNs <= toNs) out.push_back(s);
    }
    return out;
}

} // namespace conduit::camera
