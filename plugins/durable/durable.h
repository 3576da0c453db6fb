// Durable small files for agents and the tools around them: a write
// replaces the file atomically (temp file, fsync, rename, directory fsync),
// so after a power cut a reader sees either the old or the new content,
// never a mix. Failures throw DurableError with errno and a message naming
// the file.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace conduit::plugin {

class DurableError : public std::runtime_error {
public:
    DurableError(const std::string &message, int error) : std::runtime_error(message), errno_(error) {}
    int error() const noexcept { return errno_; }

private:
    int errno_;
};

// Reads the whole file (at most `limit` bytes); nullopt when it does not exist.
std::optional<std::string> readSmallFile(const std::string &path, size_t limit = 1u << 20);

// Optional hooks around the rename, for power-cut fault injection: called
// when the new content is durable in the temp file, and after the rename
// before the directory is synced.
struct DurableHooks {
    std::function<void()> beforeRename, afterRename;
};
void writeFileAtomically(const std::string &path, const std::string &content, const DurableHooks &hooks = {});

// fsync of the directory holding `path` (after a rename or unlink there).
void syncParentDirectory(const std::string &path);

// "key=value" lines; '#' comments and blank lines ignored.
using KeyValues = std::map<std::string, std::string>;
KeyValues parseKeyValues(const std::string &text);
std::string formatKeyValues(const KeyValues &values);

} // namespace conduit::plugin
