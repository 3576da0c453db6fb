// Where an incident bundle gets the agents' captured data for its window:
// the gathering service implements it over the data-capture extension's
// frames it keeps (a camera clip, a diagnostic stream); tests use a fake.
#pragma once

#include "campaign.h"

#include <functional>

namespace conduit::gathering::campaign {

enum class CaptureErrorKind {
    Unavailable, // the device or stream gave nothing for the window (not running, not supported)
    TooLarge,    // more than the bundle may hold
};

struct CaptureSlice {
    QByteArray bytes;   // the stream's own format, as the agent produced it
    qint64 firstMs = 0; // time of the first and last data in `bytes`
    qint64 lastMs = 0;
};

class CaptureArchive {
public:
    virtual ~CaptureArchive() = default;
    // The capture data of request.device / request.stream between t0 and t1
    // (wall clock ms, inclusive), at most maxBytes. [the campaign's thread]
    virtual error::Result<CaptureSlice, CaptureErrorKind> capture(const StreamRequest &request, qint64 t0Ms,
                                                                  qint64 t1Ms, qint64 maxBytes) = 0;
};

// One object a stream with "capture": "window" yields for one trigger: a
// camera clip of [trigger - pre, trigger + post].
struct ClipRequest {
    QString campaignId;
    qint64 incident = 0; // unique per collection: names the agent's stream id
    StreamRequest stream;
    qint64 triggerMs = 0, preMs = 0, postMs = 0; // wall clock
    qint64 maxBytes = 0;
};

struct Clip {
    QByteArray bytes;   // the agent's container (WebM, Matroska), whole
    qint64 firstNs = 0; // wall-clock time of its first frame (the records' stamp)
};

// Where an incident asks its agents for their clips: the gathering service
// implements it over the data-capture extension (a one-shot stream whose
// records are the object's bytes, kept only after the stream ended with
// CONDUIT_OK); tests use a fake.
class ClipSource {
public:
    using Done = std::function<void(error::Result<Clip, CaptureErrorKind>)>;
    virtual ~ClipSource() = default;
    // Asks for the clip; `done` is called exactly once, on the campaign's
    // thread, possibly before clip() returns (a refusal), possibly never
    // when the collection is destroyed first (cancel() is called then).
    // [the campaign's thread]
    virtual void clip(const ClipRequest &request, Done done) = 0;
    // The incident went without it: stop asking, drop what arrived.
    virtual void cancel(const QString &campaignId, qint64 incident) = 0;
};

} // namespace conduit::gathering::campaign
