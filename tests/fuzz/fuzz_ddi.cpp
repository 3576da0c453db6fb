// Fuzz target: the DDI documents a (possibly hostile) server sends.
#include "upstream/ddimodel.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::upstream::ddi;
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    const QUrl server(QStringLiteral("https://server.example/DEFAULT/controller/v1/dev"));
    if (auto b = parseBase(json, server))
        (void)actionIdFromLink(b->deploymentBase);
    else if (b.error().message.isEmpty())
        __builtin_trap(); // every refusal says why
    if (auto d = parseDeployment(json, server)) {
        for (const Chunk &c : d->chunks)
            for (const Artifact &a : c.artifacts)
                if (a.size < 0 || a.filename.contains(QLatin1Char('/'))) __builtin_trap();
    }
    if (auto c = parseCancel(json); !c && c.error().message.isEmpty()) __builtin_trap();
    return 0;
}
