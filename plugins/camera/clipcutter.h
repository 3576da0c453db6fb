// Cuts a clip out of pinned ring segments without re-encoding: splitmuxsrc
// plays the segments as one stream, the encoded frames go unchanged into a
// new WebM/Matroska file. The clip starts at the first segment's keyframe
// and ends at the last frame before the window's end.
#pragma once

#include "segmentindex.h"

#include <cstdint>
#include <string>
#include <vector>

namespace conduit::camera {

struct ClipInfo {
    uint64_t startNs = 0;    // wall clock of the first frame
    uint64_t durationNs = 0; // first frame to the end of the last
    uint64_t frames = 0;
    uint64_t bytes = 0;
};

// Writes `outPath` from `parts` (consecutive, oldest first), keeping frames
// that start before `endNs` (wall clock). `muxer` is the segments' own
// (webmmux, matroskamux). False with `error` on failure; no partial file is
// left behind.
bool cutClip(const std::vector<Segment> &parts, uint64_t endNs, const std::string &muxer, const std::string &outPath,
             ClipInfo &info, std::string &error);

} // namespace conduit::camera
