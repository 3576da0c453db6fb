// The store's error domain: every fallible call returns false and fills a
// StoreFailure (a stable code and a message naming what failed and why).
#pragma once

#include <QString>

namespace conduit::gathering {

enum class StoreError {
    None = 0,
    Io,      // the file system refused (the message names the file and errno; ENOSPC: "disk full")
    Full,    // the item does not fit within the configured bounds, even after eviction
    Invalid, // the item itself is wrong (no payload, both payloads, unreadable source file)
    Corrupt, // the database cannot be read as a store
};

struct StoreFailure {
    StoreError code = StoreError::None;
    QString message;
};

// Fills *f (when given) and returns false, so a caller writes `return fail(...)`.
inline bool fail(StoreFailure *f, StoreError code, QString message) {
    if (f) *f = {code, std::move(message)};
    return false;
}

} // namespace conduit::gathering
