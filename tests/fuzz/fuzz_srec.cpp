// Fuzz target: the bootloader agent's S-record parser (see fuzz_image.h).
#include "fuzz_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzzTextImage(conduit::bootloader::image::ImageFormat::SRecord, data, size);
}
