// Fuzz target: the captured-frames payload decoder
// (gathering/service/captureframes.h). Its input is an item read back from
// the store's disk (damaged by a power cut or failing flash) or handed to an
// uploader. Whatever decodes must encode back to exactly the same bytes.
#include "captureframes.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto frames = conduit::gathering::decodeCaptureFrames(bytes, &error);
    if (!frames) {
        if (error.isEmpty()) __builtin_trap();
        return 0;
    }
    if (conduit::gathering::encodeCaptureFrames(*frames) != bytes) __builtin_trap();
    return 0;
}
