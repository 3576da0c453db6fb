// libFuzzer target for the offline bundle reader (ustar headers, layout
// rules, bundle.json index). Whatever the input, open() either refuses it or
// returns entries that all lie inside the input; reading every entry and
// every metadata file through the public API must stay within those bounds.
#include "trust/bundle.h"

#include <QBuffer>
#include <QLoggingCategory>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::trust;
    static const bool quiet = [] {
        QLoggingCategory::setFilterRules(QStringLiteral("conduit.*=false"));
        return true;
    }();
    (void)quiet;
    auto buffer = std::make_shared<QBuffer>();
    buffer->setData(reinterpret_cast<const char *>(data), qsizetype(size));
    buffer->open(QIODevice::ReadOnly);
    BundleLimits limits;
    limits.maxEntries = 64;
    limits.maxMetadataBytes = 64 * 1024;
    auto reader = BundleReader::open(std::shared_ptr<QIODevice>(buffer), limits);
    if (!reader) return 0;
    for (const BundleEntry &entry : reader->entries()) {
        if (entry.size < 0 || entry.dataOffset < 0 || entry.dataOffset + entry.size > qint64(size)) std::abort();
        if (entry.directory) continue;
        auto device = reader->openEntry(entry);
        if (device->readAll().size() != entry.size) std::abort();
    }
    auto director = reader->metadataSource(QStringLiteral("director"));
    auto image = reader->metadataSource(QStringLiteral("image"));
    for (const char *name : {"1.root.json", "timestamp.json", "snapshot.json", "targets.json"}) {
        for (MetadataSource *source : {director.get(), image.get()}) {
            const auto bytes = source->fetch(QLatin1String(name), 100);
            if (bytes && bytes->size() > 101) std::abort();
        }
    }
    return 0;
}
