// libFuzzer target for the strict JSON parser and the canonical encoder.
// Invariants checked on every accepted input:
//   - the canonical encoding parses again, and
//   - re-encoding that result gives the same bytes (canonical form is a fixed point).
#include "trust/canonicaljson.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::trust;
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    auto parsed = parseJson(input, JsonLimits{1 << 20, 64});
    if (!parsed) return 0;
    const QByteArray canonical = canonicalJson(*parsed);
    const QByteArray compact = compactJson(*parsed);
    auto reparsed = parseJson(compact, JsonLimits{1 << 22, 64});
    if (!reparsed || canonicalJson(*reparsed) != canonical) std::abort();
    return 0;
}
