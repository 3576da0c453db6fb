// An incident bundle: what one trigger yields, as one store item
// (ItemKind::Blob). The container is POSIX ustar (trust/ustar_p.h, the same
// strict encoder the update bundles use): any tar reads it, and it streams.
//
//   manifest.json                     first entry (schema: docs/data-gathering.md)
//   signals.csb                       the signal window, SampleBatch encoding (samplebatch.h)
//   logs.jsonl                        the log window: {"category","t","text"} per line
//   streams/<device>/<stream>.bin     each agent stream's capture for the window
//   streams/<device>/<stream>.webm    a "window" stream's clip (.mkv: Matroska)
//
// The manifest lists every part with its data class, size, SHA-256 and
// first/last timestamp, every part that could not be had with the reason,
// and every part withheld because the driver refused its data class.
#pragma once

#include "campaign.h"
#include "logring.h"

#include <optional>

namespace conduit::gathering::campaign {

struct BundlePart {
    QString name;
    DataClass dataClass = DataClass::Telemetry;
    QByteArray bytes;
    std::optional<qint64> firstMs, lastMs; // none when the part holds no data
    qint64 records = 0;                    // samples, lines; 0 for a capture
    std::optional<qint64> firstFrameNs;    // a clip: its first frame's wall-clock time
};

struct MissingPart {
    QString name;
    QString reason;
};

struct IncidentBundle {
    QString campaignId;
    qint64 campaignVersion = 0;
    TriggerKind trigger = TriggerKind::Condition;
    qint64 triggerMs = 0;
    QString condition; // as written in the campaign (empty for a period)
    qint64 fromMs = 0; // the window: trigger - pre ...
    qint64 toMs = 0;   // ... trigger + post (earlier when the campaign ended first)
    qint64 preMs = 0, postMs = 0;
    QStringList signalNames;   // a sample's signal index is its position here
    qint64 samplesDropped = 0; // by the ring's count bound while this window was open
    std::vector<BundlePart> parts;
    std::vector<MissingPart> missing;  // could not be had
    std::vector<MissingPart> withheld; // not collected: the driver refused its class

    QByteArray manifest() const;
    QByteArray encode() const; // the ustar archive
};

// The log window as logs.jsonl.
QByteArray encodeLogLines(const std::vector<LogLine> &lines);

struct BundleEntry {
    QString name;
    QByteArray bytes;
};
// Reads an archive written by encode(), strictly (regular files only, safe
// names, whole blocks, two zero blocks at the end). Errors are Malformed.
Result<std::vector<BundleEntry>> readBundle(QByteArrayView archive);

} // namespace conduit::gathering::campaign
