// The flash of one simulated ECU: its memory map (regions), one or two
// banks of it, which bank is active and which is valid, and the security
// attempt counter. Kept under a state dir so that a killed simulator (a
// power loss) comes back with exactly what it had acknowledged:
//   <dir>/bank<N>.bin  the bank's content, regions back to back; created
//                      whole with fsync+rename, then written in place
//                      (pwrite + fdatasync) before a write is acknowledged;
//   <dir>/state.json   active/next bank, validity, attempts (fsync+rename).
#pragma once

#include "ecuconfig.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace conduit::ecusim {

class Flash {
public:
    Flash() = default;
    Flash(const Flash &) = delete;
    Flash &operator=(const Flash &) = delete;
    ~Flash();

    // Opens the flash kept in `dir` (created, with `initialVersion` in bank 0, when absent).
    bool open(const std::string &dir, const EcuConfig &config, std::string &error);

    // false: block writes and erases skip fdatasync (benchmarks). A killed process
    // still keeps them (they are in the kernel's page cache); only a host crash may not.
    void setSyncWrites(bool sync) { syncWrites_ = sync; }

    uint8_t banks() const { return static_cast<uint8_t>(content_.size()); }
    uint8_t activeBank() const { return active_; }
    uint8_t nextBank() const { return next_; }
    // Where programming goes: the inactive bank of a dual-bank ECU, the only bank otherwise.
    uint8_t targetBank() const { return banks() == 2 ? uint8_t(1 - active_) : 0; }
    bool valid(uint8_t bank) const { return valid_[bank]; }
    uint8_t attempts() const { return attempts_; }

    // Offset in a bank of [address, address+size) when it lies inside one region.
    std::optional<uint64_t> locate(uint64_t address, uint64_t size) const;
    uint64_t bankSize() const { return bankSize_; }

    // Each change is durable when it returns true.
    bool erase(uint8_t bank, uint64_t offset, uint64_t size, std::string &error); // invalidates the bank first
    bool write(uint8_t bank, uint64_t offset, std::span<const uint8_t> data, std::string &error);
    bool setValid(uint8_t bank, bool valid, std::string &error);
    bool setNextBank(uint8_t bank, std::string &error);
    bool setAttempts(uint8_t attempts, std::string &error);
    // A reset: the next bank becomes the active one.
    bool boot(std::string &error);

    bool isErased(uint8_t bank, uint64_t offset, uint64_t size) const;
    uint32_t crc32(uint8_t bank, uint64_t offset, uint64_t size) const;
    // The text after the first "CNDT-SWV:" in the bank, up to NUL (or any byte that is not
    // printable ASCII, such as erased 0xFF) or 32 characters; "unknown" without a marker.
    std::string version(uint8_t bank) const;

private:
    bool saveState(std::string &error);
    bool sync(uint8_t bank, uint64_t offset, uint64_t size, std::string &error);

    std::string dir_;
    std::vector<Region> regions_;
    uint64_t bankSize_ = 0;
    std::vector<std::vector<uint8_t>> content_;
    std::vector<int> fds_;
    uint8_t active_ = 0, next_ = 0, attempts_ = 0;
    bool valid_[2] = {false, false};
    bool syncWrites_ = true;
};

// CRC-32 (IEEE 802.3): zlib's crc32(), continued from `crc`.
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);
// Writes `path` whole: temporary file, fsync, rename, fsync of the directory.
bool writeFileDurably(const std::string &path, std::span<const uint8_t> data, std::string &error);

} // namespace conduit::ecusim
