// A collection campaign as the fleet signs it (docs/data-gathering.md,
// "Campaigns"): which vehicles, what to collect, when, with which windows,
// and how the result is kept and uploaded. Typed here; names exist only in
// the JSON, which is parsed strictly in one place (parseCampaign), fuzzed by
// tests/fuzz/fuzz_campaign.cpp.
#pragma once

#include "campaignerror.h"
#include "expression.h"
#include "gathering/item.h"
#include "trust/canonicaljson.h"

#include <map>
#include <memory>
#include <vector>

namespace conduit::gathering::campaign {

// When the campaign's data may leave the vehicle (the bulk scheduler reads it).
enum class UploadPolicy : quint8 {
    Any = 1,             // any link, any time
    Unmetered = 2,       // only over an unmetered link
    ParkedUnmetered = 3, // only parked and over an unmetered link
};
QString nameOf(UploadPolicy v);
std::optional<UploadPolicy> uploadPolicyFromName(QStringView name);

enum class TriggerKind : quint8 { Periodic = 1, Condition = 2 };

// Who the campaign is for. A vehicle is in scope when its id matches one
// pattern of `vehicles` ('*' matches any run of characters: "*" is the whole
// fleet, "WVW*" a prefix) and, when `devices` is given, it has at least one
// of them.
struct Scope {
    QStringList vehicles;
    QStringList devices;
};

// The vehicle a campaign is checked against.
struct VehicleIdentity {
    QString vehicleId;
    QStringList devices; // device ids (ECU serials, agent device ids) present
};
bool inScope(const Scope &scope, const VehicleIdentity &vehicle);

// An agent stream through the data-capture extension.
// How a stream is collected ("capture" in the document).
enum class StreamCapture : quint8 {
    Continuous, // "stream": started with the campaign; a bundle takes its recent frames
    Window,     // "window": asked of the agent at each trigger as one object (a camera clip)
};

struct StreamRequest {
    QString device;
    QString stream;
    std::map<QString, QString> params; // passed to the agent as given
    DataClass dataClass = DataClass::Telemetry;
    StreamCapture capture = StreamCapture::Continuous;
};

struct Campaign {
    QString id;
    qint64 version = 0;
    qint64 startMs = 0;   // wall clock, ms since the epoch
    qint64 expiresMs = 0; // ends by itself at this time
    Scope scope;
    QStringList signalNames; // collected; a sample's signal index is its position here
    std::vector<StreamRequest> streams;
    QStringList logCategories; // QLoggingCategory names; "*" at the end matches a prefix
    TriggerKind trigger = TriggerKind::Periodic;
    qint64 periodMs = 0;                         // Periodic
    QString conditionText;                       // Condition, as written
    std::shared_ptr<const Expression> condition; // Condition, parsed
    qint64 minIntervalMs = 0;                    // Condition: no second trigger before this
    qint64 preMs = 0, postMs = 0;                // Condition: window around the trigger
    Priority priority = Priority::Normal;
    DataClass dataClass = DataClass::Telemetry;
    qint64 retentionMs = 0;
    UploadPolicy upload = UploadPolicy::Any;
};

struct CampaignLimits {
    qint64 maxDocumentBytes = 64 * 1024;
    int maxSignals = 64;
    int maxStreams = 8;
    int maxParams = 16;
    int maxLogCategories = 16;
    qint64 maxWindowMs = 5 * 60 * 1000; // pre and post each
    qint64 minPeriodMs = 100;
    qint64 maxPeriodMs = 24 * 3600 * 1000;
    qint64 maxIntervalMs = 24 * 3600 * 1000;
    qint64 maxRetentionMs = qint64(90) * 24 * 3600 * 1000;
    ExpressionLimits expression;
};

// Parses the "signed" member of a campaign envelope. Every error is
// Malformed and names the field: "collect.signals[3]: not a string".
Result<Campaign> parseCampaign(const trust::JsonValue &signedPart, const CampaignLimits &limits = {});

// ids, device and stream ids: [A-Za-z0-9._-]{1,64}, not starting with '.'
// (they become file names inside a bundle).
bool isSafeId(const QString &id);

} // namespace conduit::gathering::campaign
