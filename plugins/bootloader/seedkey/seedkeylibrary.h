// The OEM's seed/key library (conduit/seedkey.h), loaded by path from the
// ECU profile with dlopen(RTLD_NOW | RTLD_LOCAL). GenerateKeyExOpt is used
// when exported, else GenerateKeyEx. generateKey() may be called from
// several threads (ECUs programmed in parallel): the library is called one
// call at a time, as conduit/seedkey.h promises it. The library stays loaded
// until the object is destroyed.
#pragma once

#include <conduit/seedkey.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace conduit::bootloader {

// The library's answer, typed (CONDUIT_SEEDKEY_* and anything else it returns).
enum class SeedKeyResult { Ok, BufferTooSmall, SecurityLevelInvalid, VariantInvalid, UnspecifiedError, Unknown };
SeedKeyResult seedKeyResultFromCode(int code);
const char *seedKeyResultName(SeedKeyResult result); // "securityLevelInvalid"

struct SeedKeyError {
    enum class Kind {
        Load,    // no such file, not a shared library, missing dependency
        Symbol,  // exports neither GenerateKeyExOpt nor GenerateKeyEx
        Version, // conduit_seedkey_version() says 0 or a version we do not know
        Options, // the profile gives options but the library has no GenerateKeyExOpt
        Result,  // the library returned an error code
        KeySize, // it said OK with a key of 0 bytes or more than the buffer
    } kind;
    SeedKeyResult result = SeedKeyResult::Ok; // for Kind::Result
    std::string message;
};

class SeedKeyLibrary {
public:
    static std::unique_ptr<SeedKeyLibrary> open(const std::string &path, SeedKeyError &error);
    ~SeedKeyLibrary();
    SeedKeyLibrary(const SeedKeyLibrary &) = delete;
    SeedKeyLibrary &operator=(const SeedKeyLibrary &) = delete;

    // The key for `seed` at requestSeed sub-function `level`. `maxKeySize`
    // is the buffer offered to the library.
    std::optional<SeedKeyError> generateKey(std::span<const uint8_t> seed, uint8_t level, const std::string &variant,
                                            const std::string &options, std::vector<uint8_t> &key,
                                            unsigned maxKeySize = 256) const;

    const std::string &path() const { return path_; }
    bool hasOptions() const { return withOptions_ != nullptr; }
    // conduit_seedkey_version() when the library exports it.
    std::optional<unsigned> conduitVersion() const { return version_; }
    std::string describe() const; // "libfoo.so (GenerateKeyExOpt, seed/key interface 1)"

private:
    SeedKeyLibrary() = default;
    std::string path_;
    void *handle_ = nullptr;
    conduit_generate_key_ex_fn plain_ = nullptr;
    conduit_generate_key_ex_opt_fn withOptions_ = nullptr;
    std::optional<unsigned> version_;
    mutable std::mutex callMutex_;
};

} // namespace conduit::bootloader
