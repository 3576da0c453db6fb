// Fuzz target: the DDI documents a (possibly hostile) server sends.
#include "upstream/ddimodel.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::upstream::ddi;
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    const QUrl server(QStringLiteral("https://server.example/DEFAULT/controller/v1/dev"));
    QString error;
    if (auto b = parseBase(json, server, &error)) (void)actionIdFromLink(b->deploymentBase);
    if (auto d = parseDeployment(json, server, &error)) {
        for (const Chunk &c : d->chunks)
            for (const Artifact &a : c.artifacts)
                if (a.size < 0 || a.filename.contains(QLatin1Char('/'))) __builtin_trap();
    }
    (void)parseCancel(json, &error);
    return 0;
}
