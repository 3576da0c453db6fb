// Kinds of slot (file, block device, UBI volume): detection, capacity, and
// the table of what each kind does differently when written and read back.
#pragma once

#include <cstdint>
#include <string>

namespace conduit::flash {

// What a slot is, and so how it is sized, written and read back. A slot's
// config may name its kind ("kind": "file" | "block" | "ubi"); otherwise it
// is detected from the path (Auto).
enum class SlotKind { Auto, File, Block, Ubi };

// The behaviour of one kind of slot, looked up rather than branched on.
struct SlotHandler {
    SlotKind kind;
    const char *name;
    bool fixedCapacity;    // never resized: must already hold the image
    bool pageCacheWindows; // writes land in the page cache: windowed writeback and drop
    bool directReadBack;   // read back with O_DIRECT where allowed
    bool mappable;         // can be mapped (delta apply)
    bool overlapReadBack;  // readable while being written ("verify": "overlapped")
};
const SlotHandler &slotHandler(SlotKind kind);

// "" → Auto; throws CONDUIT_E_INVALID_ARGUMENT for an unknown name.
SlotKind parseSlotKind(const std::string &name);

// The kind of the slot at `path`: a block device, a UBI volume (a character
// device whose /sys/dev/char/MAJ:MIN has usable_eb_size), else a file
// (also when absent: a file slot is created). A configured kind must match
// what is there — a missing /dev/ubi0_1 is refused, not created as a file.
// Throws CONDUIT_E_INVALID_ARGUMENT (mismatch), CONDUIT_E_UNSUPPORTED
// (another kind of device node).
SlotKind resolveSlotKind(const std::string &path, SlotKind configured = SlotKind::Auto);

// Size of a regular file or block device at `path`; throws when absent.
uint64_t slotCapacity(const std::string &path, bool *isBlockDevice = nullptr);
// Size of the slot as its kind counts it: file size, block device size, or
// a UBI volume's reserved eraseblocks times their usable size.
uint64_t slotCapacity(const std::string &path, SlotKind kind);

} // namespace conduit::flash
