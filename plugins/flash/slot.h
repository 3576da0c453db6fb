// Slot I/O: streaming writes into an inactive slot with bounded page cache,
// and read-back hashing of what actually reached the medium.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <openssl/evp.h>

namespace conduit::flash {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;
    void update(const void *data, size_t size);
    std::string hex(); // finishes; lowercase hex

private:
    EVP_MD_CTX *ctx_;
};

// Size of a regular file or block device at `path`; throws when absent.
uint64_t slotCapacity(const std::string &path, bool *isBlockDevice = nullptr);

// Sequential writer into one slot. Regular files are resized to the image
// length; block devices must be at least that large. Every `syncInterval`
// bytes, writeback of the last window starts and the window before it is
// waited for and dropped from the page cache, so dirty memory stays within
// two windows whatever the image size.
class SlotWriter {
public:
    // `readWrite` opens O_RDWR, as a shared writable mapping needs.
    SlotWriter(const std::string &path, uint64_t length, uint64_t syncInterval, bool readWrite = false);
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
    std::string path_;
    int fd_ = -1;
    uint64_t length_, interval_, offset_ = 0, windowStart_ = 0, prevStart_ = 0;
};

// Reads back and hashes a slot while it is being written: a thread trails
// the writer, reading (O_DIRECT where possible) only bytes that the writer
// reported as written back, so the verification overlaps the transfer and
// costs little extra wall time. Every byte is still read from the device
// after it was written.
class ReadBackVerifier {
public:
    ReadBackVerifier(const std::string &path, uint64_t length);
    ~ReadBackVerifier(); // stops and joins the thread
    ReadBackVerifier(const ReadBackVerifier &) = delete;
    ReadBackVerifier &operator=(const ReadBackVerifier &) = delete;
    void durableUpTo(uint64_t offset);
    // Waits for the whole length to be read; returns the hex SHA-256.
    // Throws what the reading thread hit (CONDUIT_E_IO, ...).
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
