// flash-bootsim: plays the bootloader for tests and the demo. Each run is
// one boot: it picks the slot exactly as the U-Boot/GRUB scripts in
// docs/flash-agent.md do (trial slot while tries last, else fall back to
// the primary slot) and prints the booted slot.
//
//   flash-bootsim file|grub ENV_PATH
#include "bootbackend.h"
#include "flasherror.h"
#include "json.h"

#include <cstdio>
#include <string>

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s file|grub ENV_PATH\n", argv[0]);
        return 2;
    }
    try {
        conduit::plugin::Json config;
        std::string error;
        const std::string text = std::string("{\"backend\":\"") + argv[1] + "\",\"path\":\"" + argv[2] + "\"}";
        if (!conduit::plugin::Json::parse(text, config, error)) {
            std::fprintf(stderr, "flash-bootsim: bad arguments\n");
            return 2;
        }
        auto backend = conduit::flash::makeBootBackend(config);
        std::printf("%s\n", conduit::flash::bootOnce(*backend).c_str());
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "flash-bootsim: %s\n", e.what());
        return 1;
    }
}
