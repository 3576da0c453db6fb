// Where an incident bundle gets the agents' captured data for its window:
// the gathering service implements it over the data-capture extension's
// frames it keeps (a camera clip, a diagnostic stream); tests use a fake.
#pragma once

#include "campaign.h"

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

} // namespace conduit::gathering::campaign
