// Slot I/O: streaming writes into an inactive slot with bounded page cache,
// and the read-back of what actually reached the medium.
#pragma once

#include "imagedigest.h"
#include "slotkind.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace conduit::flash {

// Sequential writer into one slot. Regular files are resized to the image
// length; block devices must be at least that large. Every `syncInterval`
// bytes, writeback of the last window starts and the window before it is
// waited for and dropped from the page cache, so dirty memory stays within
// two windows whatever the image size.
// UBI volumes must be at least as large as the image; the writer starts a
// volume update (UBI_IOCVOLUP, the exact image length) and streams the image
// sequentially: UBI writes each eraseblock as it fills (no page cache), and
// keeps the volume marked corrupt (update marker) until the last byte.
class SlotWriter {
public:
    // `readWrite` opens O_RDWR, as a shared writable mapping needs.
    SlotWriter(const std::string &path, uint64_t length, uint64_t syncInterval, bool readWrite = false,
               SlotKind kind = SlotKind::Auto);
    ~SlotWriter();
    SlotWriter(const SlotWriter &) = delete;
    SlotWriter &operator=(const SlotWriter &) = delete;

    void write(const void *data, size_t size);
    uint64_t written() const { return offset_; }
    // Makes everything durable and drops it from the page cache.
    void finish();
    int fd() const { return fd_; }
    // For writers that fill the slot through a mapping: account for bytes
    // written up to `offset` (starts writeback / drops windows as above).
    void advanceTo(uint64_t offset);
    // Called before a written window is dropped from the page cache, e.g.
    // to unmap it (madvise) so that the drop can take effect.
    std::function<void(uint64_t offset, uint64_t length)> beforeDrop;
    // Called when every byte before `offset` has been written back to the
    // device (after each waited window, and by finish()).
    std::function<void(uint64_t offset)> onDurable;

private:
    void windowDone();
    void injectCorruption(); // fault injection (durablefile.h)
    std::string path_;
    const SlotHandler *handler_;
    int fd_ = -1;
    uint64_t length_, interval_, offset_ = 0, windowStart_ = 0, prevStart_ = 0;
};

// Reads a slot back on its own thread (O_DIRECT where possible, plain reads
// on UBI volumes) while or
// after it is written, and checks it in one of two ways:
// - against `written`, the block checksums recorded from the stream: every
//   1 MiB block's XXH3-128 must match (full images; the stream's SHA-256 is
//   checked by the writer);
// - or by hashing it: finish() returns the SHA-256 of what the device holds
//   (delta images, whose output is not hashed while zstd produces it).
// It reads only bytes that the writer reported as written back
// (durableUpTo()): as they come (a trailing read-back that overlaps the
// transfer), or all at once from finish(). The slot is opened only once the
// first bytes are durable (a UBI volume is exclusive while it is updated).
class ReadBackVerifier {
public:
    // `written` must outlive the verifier.
    ReadBackVerifier(const std::string &path, const ImageDigest &written);
    ReadBackVerifier(const std::string &path, uint64_t length);
    ~ReadBackVerifier(); // stops and joins the thread
    ReadBackVerifier(const ReadBackVerifier &) = delete;
    ReadBackVerifier &operator=(const ReadBackVerifier &) = delete;
    // Bytes before `offset` are on the device (and their checksums recorded).
    void durableUpTo(uint64_t offset);
    // Waits until the whole image was read back. Checking against block
    // checksums: throws CONDUIT_E_VERIFY naming the offset of the first block
    // that differs, returns "". Hashing: returns the hex SHA-256. Throws what
    // reading hit (CONDUIT_E_IO, ...).
    std::string finish();

private:
    struct State;
    std::unique_ptr<State> d_;
};

using ProgressFn = std::function<void(uint64_t done)>;
using CancelFn = std::function<bool()>;

// Hash of the first `length` bytes of the slot, read back from the medium
// (O_DIRECT where the file system allows it, else buffered with the page
// cache dropped first). Throws CONDUIT_E_IO / CONDUIT_E_CANCELLED.
std::string readBackSha256(const std::string &path, uint64_t length, const ProgressFn &progress = {},
                           const CancelFn &cancelled = {});

} // namespace conduit::flash
