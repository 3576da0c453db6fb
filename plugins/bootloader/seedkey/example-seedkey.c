/*
 * The example OEM seed/key library: the "conduit-example" algorithm that the
 * ECU simulator implements independently (docs/bootloader-seedkey.md):
 *   key[i] = seed[n-1-i] XOR (0xC3 + level) XOR secret[i % 4]
 * with secret = {0x13, 0x37, 0xC0, 0xDE}, level the requestSeed sub-function
 * and n the seed length; the key is as long as the seed.
 * Built against plugin-api/include/conduit/seedkey.h only, like an OEM's.
 */
#define CONDUIT_SEEDKEY_DECLARE_EXPORTS
#include <conduit/seedkey.h>

#include <string.h>

static const unsigned char kSecret[4] = {0x13, 0x37, 0xC0, 0xDE};

conduit_seedkey_result GenerateKeyExOpt(const unsigned char *seed, unsigned int seed_size, unsigned int security_level,
                                        const char *variant, const char *options, unsigned char *key,
                                        unsigned int max_key_size, unsigned int *key_size) {
    unsigned int i;
    (void)options; /* the example algorithm has none */
    if (!variant || strcmp(variant, "conduit-example") != 0) return CONDUIT_SEEDKEY_VARIANT_INVALID;
    /* requestSeed levels are odd, 0x01..0x7D (ISO 14229-1 Table 42). */
    if (security_level % 2 == 0 || security_level > 0x7D) return CONDUIT_SEEDKEY_SECURITY_LEVEL_INVALID;
    if (!seed || seed_size == 0 || !key || !key_size) return CONDUIT_SEEDKEY_UNSPECIFIED_ERROR;
    if (max_key_size < seed_size) return CONDUIT_SEEDKEY_BUFFER_TOO_SMALL;
    for (i = 0; i < seed_size; ++i)
        key[i] = (unsigned char)(seed[seed_size - 1 - i] ^ (unsigned char)(0xC3 + security_level) ^ kSecret[i % 4]);
    *key_size = seed_size;
    return CONDUIT_SEEDKEY_OK;
}

conduit_seedkey_result GenerateKeyEx(const unsigned char *seed, unsigned int seed_size, unsigned int security_level,
                                     const char *variant, unsigned char *key, unsigned int max_key_size,
                                     unsigned int *key_size) {
    return GenerateKeyExOpt(seed, seed_size, security_level, variant, "", key, max_key_size, key_size);
}

unsigned int conduit_seedkey_version(void) { return CONDUIT_SEEDKEY_VERSION; }
