// Fuzz target: the consent book's file (gathering/service/consentbook.h),
// read at every start; a damaged one must be refused, never half read.
// What decodes names every class and encodes to a file that decodes the same.
#include "consentbook.h"

#include <cstddef>
#include <cstdint>

using conduit::gathering::ConsentBook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto m = ConsentBook::decode(bytes, &error);
    if (!m) {
        if (error.isEmpty()) __builtin_trap();
        return 0;
    }
    if (m->size() != std::size(conduit::gathering::kDataClasses)) __builtin_trap();
    const auto again = ConsentBook::decode(ConsentBook::encode(*m), &error);
    if (!again || *again != *m) __builtin_trap();
    return 0;
}
