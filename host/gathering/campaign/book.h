// The campaign book: what this vehicle has accepted, so that campaigns
// survive restarts and a replayed document is recognised
// (docs/data-gathering.md, "The campaign book").
//
//   <dir>/campaigns.json  {"format": 1, "campaigns": {"<id>": {
//       "highest_version": N, "state": "active"|"stopped"|"ended",
//       "last_trigger_ms": T,            (optional)
//       "document": <envelope>           (only while active)}}}
//
// Replaced whole on every change (core/durablefile.h: temporary file, fsync,
// rename, directory fsync), so a power cut leaves the old book or the new
// one. Read back strictly: a damaged book is an error, not an empty one
// (an empty book would accept replays). The highest version of an id stays
// after the campaign is stopped or ended, so an old document stays refused.
#pragma once

#include "admission.h"

#include <map>

namespace conduit::gathering::campaign {

enum class CampaignState : quint8 { Active = 1, Stopped = 2, Ended = 3 };
QString nameOf(CampaignState v);

// What happened to an offered document.
enum class Offer : quint8 {
    Accepted = 1,    // new, or a higher version replacing the old one
    AlreadyHave = 2, // the same version as the highest accepted: nothing changed
};
QString nameOf(Offer v); // "accepted", "already-have": reported upstream

struct BookEntry {
    QString id;
    qint64 highestVersion = 0;
    CampaignState state = CampaignState::Active;
    qint64 lastTriggerMs = -1; // -1: never triggered
    trust::JsonValue envelope; // null unless active
    Campaign campaign;         // valid while active
};

class CampaignBook {
public:
    static constexpr int kMaxActive = 64;

    // Opens (or starts) the book in `dir`; Storage when it cannot be read
    // or is damaged.
    static Result<CampaignBook> open(const QString &dir, const CampaignLimits &limits = {});

    // A higher version replaces the old one (its trigger state is reset);
    // the same version is AlreadyHave; a lower one is Rollback.
    Result<Offer> offer(const VerifiedCampaign &verified);
    // Stops an active campaign (NotFound when no campaign has that id, or
    // it is not active). Its highest version stays.
    Status stop(const QString &id);
    // The campaign ran out (expiry): like stop, state Ended.
    Status end(const QString &id);
    Status setLastTrigger(const QString &id, qint64 timeMs);

    const BookEntry *find(const QString &id) const;
    std::vector<const BookEntry *> active() const;
    QString path() const;

private:
    Status setState(const QString &id, CampaignState state);
    Status save();

    QString dir_;
    std::map<QString, BookEntry> entries_;
};

} // namespace conduit::gathering::campaign
