#include "slotkind.h"

#include "flasherror.h"

#include <fcntl.h>
#include <fstream>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace conduit::flash {

namespace {

// kind, name, fixedCapacity, pageCacheWindows, directReadBack, mappable, overlapReadBack
constexpr SlotHandler kHandlers[] = {
    {SlotKind::File, "file", false, true, true, true, true},
    {SlotKind::Block, "block", true, true, true, true, true},
    // UBI: no page cache (writes go to the eraseblocks), no O_DIRECT, no
    // mmap, and the volume cannot be read while an update is in progress.
    {SlotKind::Ubi, "ubi", true, false, false, false, false},
};

// sysfs directory of a UBI volume's character device, or "" when `st` is not one.
std::string ubiSysfsDir(const struct stat &st) {
    if (!S_ISCHR(st.st_mode)) return {};
    const std::string dir =
        "/sys/dev/char/" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    return ::access((dir + "/usable_eb_size").c_str(), R_OK) == 0 ? dir : std::string();
}

uint64_t readSysfsNumber(const std::string &file) {
    std::ifstream in(file);
    uint64_t value = 0;
    if (!(in >> value)) throw Error(CONDUIT_E_IO, "cannot read " + file);
    return value;
}

} // namespace

const SlotHandler &slotHandler(SlotKind kind) {
    for (const SlotHandler &h : kHandlers)
        if (h.kind == kind) return h;
    throw Error(CONDUIT_E_INVALID_ARGUMENT, "slot kind not resolved");
}

SlotKind parseSlotKind(const std::string &name) {
    if (name.empty()) return SlotKind::Auto;
    for (const SlotHandler &h : kHandlers)
        if (name == h.name) return h.kind;
    throw Error(CONDUIT_E_INVALID_ARGUMENT, "unknown slot kind \"" + name + "\" (file, block or ubi)");
}

SlotKind resolveSlotKind(const std::string &path, SlotKind configured) {
    struct stat st;
    SlotKind found = SlotKind::File; // absent: a file slot, created by the writer
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISBLK(st.st_mode))
            found = SlotKind::Block;
        else if (!ubiSysfsDir(st).empty())
            found = SlotKind::Ubi;
        else if (!S_ISREG(st.st_mode))
            throw Error(CONDUIT_E_UNSUPPORTED, "slot " + path + " is neither a file, a block device nor a UBI volume");
    } else if (configured == SlotKind::Block || configured == SlotKind::Ubi) {
        throwErrno("slot " + path + " (" + slotHandler(configured).name + ") is missing");
    }
    if (configured != SlotKind::Auto && configured != found)
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "slot " + path + " is configured as " + slotHandler(configured).name +
                                                    " but is a " + slotHandler(found).name);
    return found;
}

uint64_t slotCapacity(const std::string &path, SlotKind kind) {
    if (resolveSlotKind(path, kind) != SlotKind::Ubi) return slotCapacity(path);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throwErrno("cannot stat slot " + path);
    const std::string dir = ubiSysfsDir(st);
    return readSysfsNumber(dir + "/reserved_ebs") * readSysfsNumber(dir + "/usable_eb_size");
}

uint64_t slotCapacity(const std::string &path, bool *isBlockDevice) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throwErrno("cannot stat slot " + path);
    if (isBlockDevice) *isBlockDevice = S_ISBLK(st.st_mode);
    if (!S_ISBLK(st.st_mode)) return uint64_t(st.st_size);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throwErrno("cannot open slot " + path);
    uint64_t size = 0;
    const int rc = ::ioctl(fd, BLKGETSIZE64, &size);
    ::close(fd);
    if (rc != 0) throwErrno("cannot size block device " + path);
    return size;
}

} // namespace conduit::flash
