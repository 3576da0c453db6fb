// Delta images: a standard zstd frame compressed with the old image as
// reference prefix (like `zstd --patch-from`), long-distance matching and a
// window covering the whole image. What the patch applies to is stated in
// the update's signed custom metadata (docs/flash-agent.md):
//
//   {"conduit":{"delta":{"format":"zstd-patch/1",
//     "base_sha256":"…","base_length":N,"target_sha256":"…","target_length":M}}}
#pragma once

#include "json.h"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct ZSTD_DCtx_s;

namespace conduit::flash {

using plugin::Json;

struct DeltaSpec {
    std::string baseSha256, targetSha256;
    uint64_t baseLength = 0, targetLength = 0;
};

inline constexpr const char *kDeltaFormat = "zstd-patch/1";

// nullopt when the metadata does not describe a delta; throws
// CONDUIT_E_INVALID_ARGUMENT when it does but is malformed.
std::optional<DeltaSpec> parseDeltaSpec(const Json &customJson);
std::string deltaSpecJson(const DeltaSpec &spec);

// Window log that covers `size` bytes (at least zstd's minimum, at most 31).
unsigned deltaWindowLog(uint64_t size);

// Builds the patch in memory (a tool-side operation). `level` 1..22.
std::vector<uint8_t> makeDelta(const void *base, size_t baseLength, const void *target, size_t targetLength,
                               int level = 19);

// Streaming reconstruction straight into `out` (typically a shared mapping
// of the inactive slot): zstd writes output in place and keeps no window
// buffer of its own, so its memory stays a few hundred KiB for any image.
class DeltaApplier {
public:
    DeltaApplier(const void *base, size_t baseLength, void *out, size_t outLength);
    ~DeltaApplier();
    DeltaApplier(const DeltaApplier &) = delete;
    DeltaApplier &operator=(const DeltaApplier &) = delete;

    // Consumes all of `data`; returns the number of output bytes produced
    // so far. Throws CONDUIT_E_PAYLOAD on a corrupt patch or overflow.
    size_t feed(const void *data, size_t size);
    // True once the frame is complete.
    bool finished() const { return finished_; }
    size_t produced() const { return pos_; }

private:
    ZSTD_DCtx_s *dctx_;
    void *out_;
    size_t outLength_, pos_ = 0;
    bool finished_ = false;
};

} // namespace conduit::flash
