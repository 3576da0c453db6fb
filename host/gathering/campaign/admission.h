// Which campaign documents a vehicle accepts (docs/data-gathering.md,
// "Signing and admission"): a TUF-style envelope
//   {"signed": {"_type": "campaign", ...}, "signatures": [{"keyid", "sig"}]}
// whose signatures over the canonical JSON of "signed" (trust/canonicaljson.h)
// come from at least `threshold` of the vehicle's campaign keys
// (campaign-keys.json), not expired, and in scope for this vehicle. The
// version check against what was accepted before is the book's (book.h).
#pragma once

#include "campaign.h"
#include "trust/keys.h"
#include "trust/metadata.h"

namespace conduit::gathering::campaign {

// The vehicle's campaign trust file:
//   {"_type": "campaign-keys", "threshold": N, "keys": {"<keyid>": <TUF key object>}}
// Each key id must be the key's TUF key id; 1 <= N <= number of keys.
struct CampaignKeys {
    trust::KeyRing keys;
    qint64 threshold = 1;

    static Result<CampaignKeys> parse(QByteArrayView json);
    static Result<CampaignKeys> load(const QString &path); // Storage when unreadable
    static QByteArray serialize(const std::vector<trust::PublicKey> &keys, qint64 threshold);
};

// A document that passed every check but the version.
struct VerifiedCampaign {
    Campaign campaign;
    trust::JsonValue envelope; // as received (kept in the book)
};

// Checks in this order, each failure its own kind: size (TooLarge), envelope
// (Malformed), signatures (Unsigned), schema (Malformed), expiry (Expired),
// scope (OutOfScope).
Result<VerifiedCampaign> verifyCampaign(QByteArrayView bytes, const CampaignKeys &keys, const VehicleIdentity &vehicle,
                                        qint64 nowMs, const CampaignLimits &limits = {});

// Checks the campaign's schema, then signs its canonical JSON with each key.
// `document` is the "signed" object alone or a whole envelope (its old
// signatures are replaced). Returns the envelope as compact JSON.
Result<QByteArray> signCampaign(QByteArrayView document, const std::vector<trust::SigningKey> &keys,
                                const CampaignLimits &limits = {});

} // namespace conduit::gathering::campaign
