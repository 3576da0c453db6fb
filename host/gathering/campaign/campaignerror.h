// Error domain of collection campaigns (docs/data-gathering.md, "Campaigns"):
// why a campaign document was refused, or why the campaign book could not be
// read or written. Every refusal is reported upstream as its kind's name
// (nameOf) plus the message, which names the field or the check that failed.
#pragma once

#include "error/result.h"

#include <QString>

namespace conduit::gathering::campaign {

enum class CampaignErrorKind {
    Malformed,  // not JSON, or against the schema: unknown field, wrong type, out of range
    TooLarge,   // the document is over the byte limit
    Unsigned,   // fewer valid signatures by trusted campaign keys than the threshold
    Expired,    // its expiry is at or before now
    OutOfScope, // not meant for this vehicle (vehicle id or devices)
    Rollback,   // a lower version than the highest accepted for its id
    NotFound,   // stop/remove: no campaign with that id
    Storage,    // the campaign book or the trust file could not be read or written
};

using CampaignError = error::DomainError<CampaignErrorKind>;

template <typename T>
using Result = error::Result<T, CampaignErrorKind>;
using Status = Result<error::Ok>;

inline CampaignError campaignError(CampaignErrorKind kind, QString message) {
    return CampaignError{kind, std::move(message)};
}

// "malformed", "too-large", "unsigned", "expired", "out-of-scope", "rollback",
// "not-found", "storage": the names in reports upstream.
QString nameOf(CampaignErrorKind kind);

} // namespace conduit::gathering::campaign
