/*
 * Conduit seed/key interface, version 1.
 *
 * The OEM's security access algorithm (UDS SecurityAccess 0x27) lives in a
 * separate shared library that the bootloader agent loads by path from its
 * ECU profile. The interface is the one the industry's diagnostic testers
 * use for their seed/key libraries (GenerateKeyEx / GenerateKeyExOpt), as
 * plain C with pointers, so that an existing Linux build of an OEM key
 * library that exports these functions with C linkage loads unchanged.
 * (A C++ `unsigned int &` out-parameter, as some tester headers write it,
 * is passed exactly like the pointer declared here.)
 *
 * A library exports GenerateKeyExOpt, GenerateKeyEx, or both; the agent
 * prefers GenerateKeyExOpt. A library written for Conduit may also export
 * conduit_seedkey_version(), which the agent logs and checks.
 *
 * Threads: the agent never calls a loaded library concurrently: one call at
 * a time, from the thread of the ECU being reprogrammed (ECUs programmed in
 * parallel take turns), so a library written for one tester thread works.
 * The library must not keep any pointer it is given beyond the call.
 * It is loaded with RTLD_LOCAL: its symbols do not leak into the agent.
 */
#ifndef CONDUIT_SEEDKEY_H
#define CONDUIT_SEEDKEY_H

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface. A new version only ever adds functions. */
#define CONDUIT_SEEDKEY_VERSION 1

/* Stable result codes (the values the industry's testers use). */
typedef enum conduit_seedkey_result {
    CONDUIT_SEEDKEY_OK = 0,                     /* key written, *key_size set        */
    CONDUIT_SEEDKEY_BUFFER_TOO_SMALL = 1,       /* the key needs more than max_key_size */
    CONDUIT_SEEDKEY_SECURITY_LEVEL_INVALID = 2, /* the library has no algorithm for this level */
    CONDUIT_SEEDKEY_VARIANT_INVALID = 3,        /* the variant string names no ECU it knows */
    CONDUIT_SEEDKEY_UNSPECIFIED_ERROR = 4       /* anything else (bad seed length, ...) */
} conduit_seedkey_result;

/*
 * Computes the key for `seed`.
 *  seed, seed_size:   the seed bytes of the ECU's requestSeed reply (borrowed
 *                     for the call; seed_size >= 1).
 *  security_level:    the requestSeed sub-function (odd: 0x01, 0x03, ...).
 *  variant:           NUL-terminated UTF-8 from the ECU profile, naming the ECU
 *                     or algorithm variant (e.g. "conduit-example"); never NULL.
 *  options:           (GenerateKeyExOpt only) NUL-terminated options string
 *                     from the profile, "" when it gives none; never NULL.
 *  key, max_key_size: the buffer the library writes the key into.
 *  key_size:          out: the key's length in bytes (<= max_key_size).
 * Returns CONDUIT_SEEDKEY_OK or one of the errors above.
 */
typedef conduit_seedkey_result (*conduit_generate_key_ex_fn)(const unsigned char *seed, unsigned int seed_size,
                                                             unsigned int security_level, const char *variant,
                                                             unsigned char *key, unsigned int max_key_size,
                                                             unsigned int *key_size);
typedef conduit_seedkey_result (*conduit_generate_key_ex_opt_fn)(const unsigned char *seed, unsigned int seed_size,
                                                                 unsigned int security_level, const char *variant,
                                                                 const char *options, unsigned char *key,
                                                                 unsigned int max_key_size, unsigned int *key_size);
/* Optional: returns the CONDUIT_SEEDKEY_VERSION the library was built against. */
typedef unsigned int (*conduit_seedkey_version_fn)(void);

/* The exported names the agent looks up. */
#define CONDUIT_SEEDKEY_SYMBOL_GENERATE_KEY_EX "GenerateKeyEx"
#define CONDUIT_SEEDKEY_SYMBOL_GENERATE_KEY_EX_OPT "GenerateKeyExOpt"
#define CONDUIT_SEEDKEY_SYMBOL_VERSION "conduit_seedkey_version"

/* For libraries: declare the exports with these prototypes. */
#if defined(__GNUC__)
#define CONDUIT_SEEDKEY_EXPORT __attribute__((visibility("default")))
#else
#define CONDUIT_SEEDKEY_EXPORT
#endif

#ifdef CONDUIT_SEEDKEY_DECLARE_EXPORTS
CONDUIT_SEEDKEY_EXPORT conduit_seedkey_result GenerateKeyEx(const unsigned char *seed, unsigned int seed_size,
                                                            unsigned int security_level, const char *variant,
                                                            unsigned char *key, unsigned int max_key_size,
                                                            unsigned int *key_size);
CONDUIT_SEEDKEY_EXPORT conduit_seedkey_result GenerateKeyExOpt(const unsigned char *seed, unsigned int seed_size,
                                                               unsigned int security_level, const char *variant,
                                                               const char *options, unsigned char *key,
                                                               unsigned int max_key_size, unsigned int *key_size);
CONDUIT_SEEDKEY_EXPORT unsigned int conduit_seedkey_version(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* CONDUIT_SEEDKEY_H */
