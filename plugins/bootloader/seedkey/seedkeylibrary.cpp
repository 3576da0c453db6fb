#include "seedkeylibrary.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <sys/stat.h>

namespace conduit::bootloader {

SeedKeyResult seedKeyResultFromCode(int code) {
    switch (code) {
    case CONDUIT_SEEDKEY_OK: return SeedKeyResult::Ok;
    case CONDUIT_SEEDKEY_BUFFER_TOO_SMALL: return SeedKeyResult::BufferTooSmall;
    case CONDUIT_SEEDKEY_SECURITY_LEVEL_INVALID: return SeedKeyResult::SecurityLevelInvalid;
    case CONDUIT_SEEDKEY_VARIANT_INVALID: return SeedKeyResult::VariantInvalid;
    case CONDUIT_SEEDKEY_UNSPECIFIED_ERROR: return SeedKeyResult::UnspecifiedError;
    default: return SeedKeyResult::Unknown;
    }
}

const char *seedKeyResultName(SeedKeyResult result) {
    switch (result) {
    case SeedKeyResult::Ok: return "ok";
    case SeedKeyResult::BufferTooSmall: return "bufferTooSmall";
    case SeedKeyResult::SecurityLevelInvalid: return "securityLevelInvalid";
    case SeedKeyResult::VariantInvalid: return "variantInvalid";
    case SeedKeyResult::UnspecifiedError: return "unspecifiedError";
    case SeedKeyResult::Unknown: return "unknown result";
    }
    return "?";
}

std::unique_ptr<SeedKeyLibrary> SeedKeyLibrary::open(const std::string &path, SeedKeyError &error) {
    const std::string what = "seed/key library " + path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        error = {SeedKeyError::Kind::Load, SeedKeyResult::Ok, what + ": " + std::strerror(errno)};
        return nullptr;
    }
    if (!S_ISREG(st.st_mode)) {
        error = {SeedKeyError::Kind::Load, SeedKeyResult::Ok, what + ": not a regular file"};
        return nullptr;
    }
    // A path without '/' would be searched in the library path: make it explicit.
    const std::string explicitPath = path.find('/') == std::string::npos ? "./" + path : path;
    void *handle = ::dlopen(explicitPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = ::dlerror();
        error = {SeedKeyError::Kind::Load, SeedKeyResult::Ok,
                 what + " does not load: " + (why ? why : "unknown error")};
        return nullptr;
    }
    std::unique_ptr<SeedKeyLibrary> lib(new SeedKeyLibrary);
    lib->path_ = path;
    lib->handle_ = handle;
    // dlsym returns void*; POSIX guarantees it converts to a function pointer.
    lib->withOptions_ =
        reinterpret_cast<conduit_generate_key_ex_opt_fn>(::dlsym(handle, CONDUIT_SEEDKEY_SYMBOL_GENERATE_KEY_EX_OPT));
    lib->plain_ = reinterpret_cast<conduit_generate_key_ex_fn>(::dlsym(handle, CONDUIT_SEEDKEY_SYMBOL_GENERATE_KEY_EX));
    if (!lib->withOptions_ && !lib->plain_) {
        error = {SeedKeyError::Kind::Symbol, SeedKeyResult::Ok,
                 what + " exports neither GenerateKeyExOpt nor GenerateKeyEx (with C linkage: extern \"C\")"};
        return nullptr;
    }
    if (auto version = reinterpret_cast<conduit_seedkey_version_fn>(::dlsym(handle, CONDUIT_SEEDKEY_SYMBOL_VERSION))) {
        const unsigned v = version();
        if (v == 0) {
            error = {SeedKeyError::Kind::Version, SeedKeyResult::Ok,
                     what + ": conduit_seedkey_version() returns 0, not a seed/key interface version"};
            return nullptr;
        }
        // Later versions only add functions: GenerateKeyEx(Opt) keep their meaning.
        lib->version_ = v;
    }
    return lib;
}

SeedKeyLibrary::~SeedKeyLibrary() {
    if (handle_) ::dlclose(handle_);
}

std::string SeedKeyLibrary::describe() const {
    std::string s = path_ + " (" + (withOptions_ ? "GenerateKeyExOpt" : "GenerateKeyEx");
    if (version_) s += ", seed/key interface " + std::to_string(*version_);
    return s + ")";
}

std::optional<SeedKeyError> SeedKeyLibrary::generateKey(std::span<const uint8_t> seed, uint8_t level,
                                                        const std::string &variant, const std::string &options,
                                                        std::vector<uint8_t> &key, unsigned maxKeySize) const {
    if (!withOptions_ && !options.empty())
        return SeedKeyError{SeedKeyError::Kind::Options, SeedKeyResult::Ok,
                            path_ + " has no GenerateKeyExOpt, so the profile's seed/key options \"" + options +
                                "\" cannot be given to it"};
    key.assign(maxKeySize, 0);
    unsigned size = 0;
    // conduit/seedkey.h promises a library one call at a time; ECUs may be
    // programmed in parallel.
    const std::lock_guard<std::mutex> lock(callMutex_);
    const int code = withOptions_ ? withOptions_(seed.data(), unsigned(seed.size()), level, variant.c_str(),
                                                 options.c_str(), key.data(), maxKeySize, &size)
                                  : plain_(seed.data(), unsigned(seed.size()), level, variant.c_str(), key.data(),
                                           maxKeySize, &size);
    const SeedKeyResult result = seedKeyResultFromCode(code);
    if (result != SeedKeyResult::Ok) {
        key.clear();
        return SeedKeyError{SeedKeyError::Kind::Result, result,
                            path_ + ": " + (withOptions_ ? "GenerateKeyExOpt" : "GenerateKeyEx") + " returned " +
                                seedKeyResultName(result) + " (" + std::to_string(code) + ") for level " +
                                std::to_string(level) + ", variant \"" + variant + "\", a " +
                                std::to_string(seed.size()) + "-byte seed"};
    }
    if (size == 0 || size > maxKeySize) {
        key.clear();
        return SeedKeyError{SeedKeyError::Kind::KeySize, result,
                            path_ + " returned ok with a key of " + std::to_string(size) + " bytes (buffer " +
                                std::to_string(maxKeySize) + ")"};
    }
    key.resize(size);
    return std::nullopt;
}

} // namespace conduit::bootloader
