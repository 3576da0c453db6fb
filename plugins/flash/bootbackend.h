// Boot slot selection behind a small interface. Every backend stores the
// same few variables; the bootloader side (U-Boot script, GRUB script, or
// flash-bootsim for tests) implements bootOnce() below:
//
//   conduit_primary  slot that is known good ("A"/"B"); always bootable
//   conduit_trial    slot to try instead of primary, "" when none
//   conduit_tries    boots left for the trial slot
//   conduit_booted   slot the bootloader booted last (written by the
//                    bootloader or bootsim; a kernel command line
//                    "conduit.slot=X" takes precedence when configured)
//
// A store() changes all given variables in one atomic step (file rename,
// or libubootenv's fw_setenv -s on a redundant U-Boot environment), so the primary slot
// is never unset: power-cut safety rests on that.
#pragma once

#include "durablefile.h"
#include "json.h"

#include <memory>
#include <string>
#include <vector>

namespace conduit::flash {

using plugin::Json;

struct BootState {
    std::string primary, trial, booted;
    int tries = 0;
};

class BootBackend {
public:
    virtual ~BootBackend() = default;
    virtual const char *name() const = 0;
    virtual KeyValues load() = 0;
    // Sets every variable in `changes` in one atomic step; "" deletes.
    virtual void store(const KeyValues &changes) = 0;

    BootState state();
    void setState(const BootState &s); // writes primary, trial, tries

    std::string cmdlinePath; // when set, "conduit.slot=" in it names the booted slot
};

// Creates the backend described by a device's "boot" object:
//   {"backend":"file","path":...}
//   {"backend":"grub","path":".../grubenv"}
//   {"backend":"uboot","printenv":"fw_printenv","setenv":"fw_setenv",
//    "config":"/etc/fw_env.config","default_env":"/etc/u-boot-initial-env","script_dir":"/run"}
// plus optional "cmdline": "/proc/cmdline". Throws CONDUIT_E_INVALID_ARGUMENT.
std::unique_ptr<BootBackend> makeBootBackend(const Json &config);

// The 1024-byte GRUB environment block, as grub-editenv writes it.
std::string formatGrubEnv(const KeyValues &values);
KeyValues parseGrubEnv(const std::string &block);

// One boot as the bootloader performs it: picks the slot, updates the
// counter / falls back, records conduit_booted. Returns the booted slot.
std::string bootOnce(BootBackend &backend);

} // namespace conduit::flash
