/* Seed/key libraries that misbehave, for tst_seedkey: built once per
 * SEEDKEY_FIXTURE_* definition. */
#define CONDUIT_SEEDKEY_DECLARE_EXPORTS
#include <conduit/seedkey.h>

#if defined(SEEDKEY_FIXTURE_WRONG_NAME)
/* A key function under a name the interface does not know. */
CONDUIT_SEEDKEY_EXPORT int GenerateKey(void) { return 0; }
#else
/* GenerateKeyEx only: seed[0] picks the misbehaviour. */
conduit_seedkey_result GenerateKeyEx(const unsigned char *seed, unsigned int seed_size, unsigned int security_level,
                                     const char *variant, unsigned char *key, unsigned int max_key_size,
                                     unsigned int *key_size) {
    (void)security_level;
    (void)variant;
    if (seed_size < 1) return CONDUIT_SEEDKEY_UNSPECIFIED_ERROR;
    if (seed[0] == 0xEE) return (conduit_seedkey_result)7; /* not a code of the interface */
    if (seed[0] == 0xFF) {
        *key_size = max_key_size + 1;
        return CONDUIT_SEEDKEY_OK;
    }
    if (seed[0] == 0x00) {
        *key_size = 0;
        return CONDUIT_SEEDKEY_OK;
    }
    key[0] = (unsigned char)~seed[0];
    *key_size = 1;
    return CONDUIT_SEEDKEY_OK;
}
#if defined(SEEDKEY_FIXTURE_VERSION_ZERO)
unsigned int conduit_seedkey_version(void) { return 0; }
#endif
#endif
