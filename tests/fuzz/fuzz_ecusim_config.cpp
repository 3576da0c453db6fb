// The ECU simulator's configuration reader and fault specs
// (tools/conduit-ecusim/ecuconfig.cpp) on arbitrary text: no crash, and an
// accepted configuration always passes its own validation.
#include "ecuconfig.h"

#include <string_view>

using namespace conduit::ecusim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    std::string error;
    Config config;
    if (parseConfig(text, config, error) && !validateConfig(config, error)) __builtin_trap();
    Faults faults;
    const size_t line = text.find('\n');
    (void)parseFault(text.substr(0, line), faults, error);
    return 0;
}
