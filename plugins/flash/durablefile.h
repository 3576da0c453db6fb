// Durable small files for the agent's state and the file/GRUB boot
// backends: plugins/durable with the flash agent's error type (CONDUIT_E_IO)
// and its power-cut fault points around the rename.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace conduit::flash {

using KeyValues = std::map<std::string, std::string>; // as plugin::KeyValues

// Reads the whole file; nullopt when it does not exist. Throws on I/O errors.
std::optional<std::string> readSmallFile(const std::string &path);
void writeFileAtomically(const std::string &path, const std::string &content);

// "key=value" lines; '#' comments and blank lines ignored.
KeyValues parseKeyValues(const std::string &text);
std::string formatKeyValues(const KeyValues &values);

// Fault injection for the power-cut tests: CONDUIT_FLASH_FAULT="write=N"
// and/or "switch=N" (comma-separated) makes the process _exit(70) at the
// N-th (1-based) slot write or durable-switch step. Unset: no effect.
void faultPoint(const char *kind);
// "corrupt=OFFSET" (same variable): when a slot writer has made the whole
// image durable, it flips the slot's byte at OFFSET through a second
// descriptor (and syncs it) before anything reads it back: a medium that
// returns other data than it was given. Returns OFFSET, or -1 when unset.
int64_t faultCorruptOffset();

} // namespace conduit::flash
