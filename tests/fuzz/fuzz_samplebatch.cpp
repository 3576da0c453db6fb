// Fuzz target: the signal sample batch decoder (gathering/samplebatch.h).
// Its input is a payload read back from the store's disk, which a power
// cut or a failing flash may have damaged. Whatever decodes must encode
// back to exactly the same bytes.
#include "gathering/samplebatch.h"

#include <cstddef>
#include <cstdint>

using conduit::gathering::SampleBatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto samples = SampleBatch::decode(bytes);
    if (!samples) return 0;
    if (samples->size() > SampleBatch::kMaxSamples) __builtin_trap();
    if (SampleBatch::encode(*samples) != bytes) __builtin_trap();
    return 0;
}
