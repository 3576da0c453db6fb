// The ring's bookkeeping: which encoded segments are on disk, what they
// cover in wall-clock time, and which to delete so the ring stays within its
// bounds in bytes and seconds. Pure logic (no GStreamer, no files), so the
// bounds and the clip window selection are tested on their own.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace conduit::camera {

// One closed segment: it starts with a keyframe (splitmuxsink splits there).
struct Segment {
    std::string path;
    uint64_t startNs = 0; // wall clock, ns since the Unix epoch
    uint64_t endNs = 0;
    uint64_t bytes = 0;
    uint64_t durationNs() const { return endNs > startNs ? endNs - startNs : 0; }
};

struct RingBounds {
    uint64_t maxBytes = 0;      // closed segments and the one being written, at most
    uint64_t maxDurationNs = 0; // closed segments together, at most
    // Room kept for the segment being written: at least this, and at least
    // twice the largest segment seen (a segment ends at a keyframe, so it
    // may outgrow splitmuxsink's max-size-bytes).
    uint64_t minReserveBytes = 0;
};

class SegmentIndex {
public:
    explicit SegmentIndex(RingBounds bounds) : bounds_(bounds) {}

    // Records a closed segment (newest last) and returns the oldest ones that
    // must go (their paths) so the ring is back within its bounds. A single
    // segment larger than a bound is kept alone: the newest always stays.
    std::vector<std::string> add(Segment s);

    // The consecutive segments that overlap [fromNs, toNs], oldest first.
    // Empty when none does.
    std::vector<Segment> covering(uint64_t fromNs, uint64_t toNs) const;

    uint64_t bytes() const { return bytes_; }
    uint64_t durationNs() const { return durationNs_; }
    size_t count() const { return segments_.size(); }
    uint64_t evicted() const { return evicted_; }
    // What the closed segments may hold: maxBytes less the reserve.
    uint64_t closedBytesLimit() const;
    // End of the newest closed segment, 0 if none.
    uint64_t newestEndNs() const { return segments_.empty() ? 0 : segments_.back().endNs; }
    uint64_t oldestStartNs() const { return segments_.empty() ? 0 : segments_.front().startNs; }
    const RingBounds &bounds() const { return bounds_; }

private:
    RingBounds bounds_;
    std::deque<Segment> segments_;
    uint64_t bytes_ = 0, durationNs_ = 0, evicted_ = 0, largest_ = 0;
};

} // namespace conduit::camera
