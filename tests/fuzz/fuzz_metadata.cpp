// libFuzzer target for TUF metadata parsing: the signed envelope and each
// role's structure (root keys and roles, timestamp/snapshot meta, targets and
// delegations), including public key objects. The first input byte picks the
// role so one corpus covers all four; the rest is the metadata file.
// Targets also go through what the host reads of each target's `conduit`
// block for the driver (release notes, durations: upstream/releaseinfo.h).
#include "trust/metadata.h"
#include "upstream/releaseinfo.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::trust;
    if (size < 1) return 0;
    static const char *const kTypes[] = {"root", "timestamp", "snapshot", "targets"};
    const QString type = QLatin1String(kTypes[data[0] % 4]);
    const QByteArrayView raw(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    auto metadata = parseSignedMetadata(raw, type, 1 << 20);
    if (!metadata) return 0;
    if (metadata->type != type || metadata->version < 0) std::abort();
    switch (data[0] % 4) {
    case 0:
        if (auto root = parseRoot(*metadata); root) {
            for (const auto &[keyId, key] : root->keys) {
                (void)key.verify(metadata->canonicalSigned, QByteArray(64, '\0'));
                if (keyId.isEmpty()) std::abort();
            }
        }
        break;
    case 1: (void)parseTimestamp(*metadata); break;
    case 2: (void)parseSnapshot(*metadata); break;
    case 3:
        if (auto targets = parseTargets(*metadata); targets) {
            for (const auto &[name, target] : targets->targets) {
                // parseTargets promises that every accepted name is safe.
                if (!isSafeTargetName(name) || target.length < 0) std::abort();
                // Whatever the input: a clear error, or figures and notes
                // within the limits (they reach the bus and the screen).
                const conduit::upstream::ReleaseInfoLimits limits;
                QString error;
                const auto info = conduit::upstream::releaseInfoOf(target.custom["conduit"], name, &error, limits);
                if (!info) {
                    if (error.isEmpty()) std::abort();
                    continue;
                }
                for (const auto &s : {info->installSeconds, info->unusableSeconds})
                    if (s && (*s < 0 || *s > limits.maxSeconds)) std::abort();
                if (info->releaseNotes.size() > limits.maxLocales) std::abort();
                for (auto it = info->releaseNotes.cbegin(); it != info->releaseNotes.cend(); ++it)
                    if (!conduit::upstream::isValidLocale(it.key()) ||
                        !conduit::upstream::noteTextProblem(it.value(), limits.maxNoteBytes).isEmpty())
                        std::abort();
            }
        }
        break;
    }
    return 0;
}
