// When campaigns fire (docs/data-gathering.md, "Triggers"): a condition
// campaign fires on the rising edge of its condition (not true -> true),
// then not again before its minimum interval has passed since the last
// firing (an edge inside the interval is dropped, not delayed); a periodic
// campaign fires at the end of every period. Neither fires outside
// [start, expiry), and a campaign ends by itself at its expiry.
//
// Time is given by the caller (signal times, tick(now)), so a test drives
// it. Single-threaded: one owner (the gathering service's thread).
#pragma once

#include "campaign.h"

#include <QHash>

#include <memory>

namespace conduit::gathering::campaign {

struct Firing {
    QString campaignId;
    TriggerKind kind = TriggerKind::Condition;
    qint64 timeMs = 0; // condition: the signal change that made it true; periodic: the end of the period
    qint64 fromMs = 0; // periodic: the start of the period (== timeMs for a condition)
};

class TriggerEngine {
public:
    // Arms a campaign (replacing one with the same id). lastTriggerMs (-1:
    // never) keeps the minimum interval across a restart; a periodic
    // campaign's first period starts at max(now, start).
    void add(const Campaign &campaign, qint64 lastTriggerMs, qint64 nowMs);
    void remove(const QString &id);
    bool contains(const QString &id) const;

    // A signal changed; returns the campaigns that fire. Cost: one
    // evaluation per campaign whose condition uses the signal.
    std::vector<Firing> onSignal(const QString &name, double value, qint64 timeMs);

    struct Due {
        std::vector<Firing> firings; // periods that ended at or before now
        QStringList expired;         // campaigns whose expiry is at or before now (disarmed)
    };
    Due tick(qint64 nowMs);
    // The earliest period end or expiry (max qint64 when none): when to tick next.
    qint64 nextDeadlineMs() const;

private:
    struct Armed {
        Campaign campaign;
        std::vector<std::optional<double>> values; // by the condition's slots
        Truth last = Truth::Unknown;
        qint64 lastTriggerMs = -1;
        qint64 periodStartMs = 0;
    };
    void reindex();

    std::vector<std::unique_ptr<Armed>> armed_;
    QHash<QString, std::vector<std::pair<Armed *, int>>> bySignal_; // signal -> (campaign, slot)
};

} // namespace conduit::gathering::campaign
