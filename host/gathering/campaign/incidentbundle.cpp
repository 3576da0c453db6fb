#include "incidentbundle.h"

#include "trust/keys.h"
#include "trust/metadata.h"
#include "trust/ustar_p.h"

namespace conduit::gathering::campaign {

using trust::JsonValue;

namespace {

JsonValue timeOrNull(const std::optional<qint64> &t) { return t ? JsonValue(*t) : JsonValue(); }

CampaignError malformed(const QString &what) {
    return campaignError(CampaignErrorKind::Malformed, QStringLiteral("incident bundle: %1").arg(what));
}

} // namespace

QByteArray IncidentBundle::manifest() const {
    JsonValue::Array partList;
    for (const BundlePart &p : parts) {
        JsonValue::Object part{{"name", JsonValue(p.name)},
                               {"data_class", JsonValue(nameOf(p.dataClass))},
                               {"size", JsonValue(qint64(p.bytes.size()))},
                               {"sha256", JsonValue(trust::sha256Hex(p.bytes))},
                               {"first_ms", timeOrNull(p.firstMs)},
                               {"last_ms", timeOrNull(p.lastMs)},
                               {"records", JsonValue(p.records)}};
        if (p.firstFrameNs) part.emplace("first_frame_ns", JsonValue(*p.firstFrameNs));
        partList.push_back(JsonValue(std::move(part)));
    }
    auto listOf = [](const std::vector<MissingPart> &list) {
        JsonValue::Array out;
        for (const MissingPart &m : list)
            out.push_back(JsonValue(JsonValue::Object{{"name", JsonValue(m.name)}, {"reason", JsonValue(m.reason)}}));
        return out;
    };
    JsonValue::Object triggerJson{{"kind", JsonValue(trigger == TriggerKind::Condition ? "condition" : "periodic")},
                                  {"time_ms", JsonValue(triggerMs)}};
    if (trigger == TriggerKind::Condition) triggerJson.emplace("condition", JsonValue(condition));
    return trust::compactJson(JsonValue(JsonValue::Object{
               {"format", JsonValue(1)},
               {"campaign",
                JsonValue(JsonValue::Object{{"id", JsonValue(campaignId)}, {"version", JsonValue(campaignVersion)}})},
               {"trigger", JsonValue(std::move(triggerJson))},
               {"window", JsonValue(JsonValue::Object{{"from_ms", JsonValue(fromMs)},
                                                      {"to_ms", JsonValue(toMs)},
                                                      {"pre_ms", JsonValue(preMs)},
                                                      {"post_ms", JsonValue(postMs)}})},
               {"signals", JsonValue::array(signalNames)},
               {"samples_dropped", JsonValue(samplesDropped)},
               {"parts", JsonValue(std::move(partList))},
               {"missing", JsonValue(listOf(missing))},
               {"withheld", JsonValue(listOf(withheld))},
           })) +
           '\n';
}

QByteArray IncidentBundle::encode() const {
    QByteArray out;
    const qint64 mtime = triggerMs / 1000;
    auto add = [&](const QString &name, const QByteArray &bytes) {
        // Names are built from safe ids (campaign.h), so they always fit.
        auto header = trust::ustar::encodeHeader(name.toUtf8(), false, bytes.size(), mtime);
        if (!header) return;
        out += *header;
        out += bytes;
        out += QByteArray(trust::ustar::paddedSize(bytes.size()) - bytes.size(), '\0');
    };
    add(QStringLiteral("manifest.json"), manifest());
    for (const BundlePart &p : parts) add(p.name, p.bytes);
    out += QByteArray(2 * trust::ustar::kBlockSize, '\0');
    return out;
}

QByteArray encodeLogLines(const std::vector<LogLine> &lines) {
    QByteArray out;
    for (const LogLine &l : lines)
        out += trust::compactJson(JsonValue(JsonValue::Object{
                   {"t", JsonValue(l.timeMs)}, {"category", JsonValue(l.category)}, {"text", JsonValue(l.text)}})) +
               '\n';
    return out;
}

Result<std::vector<BundleEntry>> readBundle(QByteArrayView archive) {
    using namespace trust::ustar;
    std::vector<BundleEntry> entries;
    qint64 at = 0;
    while (true) {
        if (at + kBlockSize > archive.size()) return malformed(QStringLiteral("ends inside a header"));
        const char *block = archive.data() + at;
        if (isZeroBlock(block)) {
            if (at + 2 * kBlockSize > archive.size() || !isZeroBlock(block + kBlockSize))
                return malformed(QStringLiteral("no second zero block at the end"));
            return entries;
        }
        auto header = decodeHeader(block);
        if (!header) return malformed(header.error().message);
        const QString name = QString::fromUtf8(header->path);
        if (header->type != EntryType::File) return malformed(QStringLiteral("%1 is not a regular file").arg(name));
        if (!trust::isSafeTargetName(name)) return malformed(QStringLiteral("unsafe name %1").arg(name));
        at += kBlockSize;
        if (header->size > archive.size() - at) return malformed(QStringLiteral("%1 is cut short").arg(name));
        entries.push_back(BundleEntry{name, QByteArray(archive.data() + at, header->size)});
        at += paddedSize(header->size);
    }
}

} // namespace conduit::gathering::campaign
