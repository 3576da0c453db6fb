#include "triggerengine.h"

#include <algorithm>
#include <limits>

namespace conduit::gathering::campaign {

void TriggerEngine::add(const Campaign &campaign, qint64 lastTriggerMs, qint64 nowMs) {
    remove(campaign.id);
    auto a = std::make_unique<Armed>();
    a->campaign = campaign;
    a->lastTriggerMs = lastTriggerMs;
    a->periodStartMs = std::max(nowMs, campaign.startMs);
    if (campaign.condition) a->values.resize(size_t(campaign.condition->signalNames().size()));
    armed_.push_back(std::move(a));
    reindex();
}

void TriggerEngine::remove(const QString &id) {
    const auto before = armed_.size();
    std::erase_if(armed_, [&](const std::unique_ptr<Armed> &a) { return a->campaign.id == id; });
    if (armed_.size() != before) reindex();
}

bool TriggerEngine::contains(const QString &id) const {
    return std::any_of(armed_.begin(), armed_.end(), [&](const auto &a) { return a->campaign.id == id; });
}

void TriggerEngine::reindex() {
    bySignal_.clear();
    for (const auto &a : armed_) {
        if (!a->campaign.condition) continue;
        const QStringList &names = a->campaign.condition->signalNames();
        for (int slot = 0; slot < names.size(); ++slot) bySignal_[names[slot]].push_back({a.get(), slot});
    }
}

std::vector<Firing> TriggerEngine::onSignal(const QString &name, double value, qint64 timeMs) {
    std::vector<Firing> out;
    const auto it = bySignal_.constFind(name);
    if (it == bySignal_.constEnd()) return out;
    for (const auto &[a, slot] : *it) {
        a->values[size_t(slot)] = value;
        const Truth now = a->campaign.condition->evaluate(a->values);
        const bool rising = now == Truth::True && a->last != Truth::True;
        a->last = now;
        if (!rising) continue;
        const Campaign &c = a->campaign;
        if (timeMs < c.startMs || timeMs >= c.expiresMs) continue;
        if (a->lastTriggerMs >= 0 && timeMs - a->lastTriggerMs < c.minIntervalMs) continue;
        a->lastTriggerMs = timeMs;
        out.push_back(Firing{c.id, TriggerKind::Condition, timeMs, timeMs});
    }
    return out;
}

TriggerEngine::Due TriggerEngine::tick(qint64 nowMs) {
    Due due;
    for (const auto &a : armed_) {
        const Campaign &c = a->campaign;
        if (c.trigger != TriggerKind::Periodic) continue;
        const qint64 cap = std::min(nowMs, c.expiresMs);
        // One firing per period ended, for up to two (a late tick); a host
        // that slept longer gets one firing for the rest (nothing was
        // sampled meanwhile).
        for (int n = 0; n < 2 && a->periodStartMs + c.periodMs <= cap; ++n) {
            due.firings.push_back(Firing{c.id, TriggerKind::Periodic, a->periodStartMs + c.periodMs, a->periodStartMs});
            a->periodStartMs += c.periodMs;
        }
        if (a->periodStartMs + c.periodMs <= cap) {
            due.firings.push_back(Firing{c.id, TriggerKind::Periodic, cap, a->periodStartMs});
            a->periodStartMs = cap;
        }
    }
    for (const auto &a : armed_)
        if (a->campaign.expiresMs <= nowMs) due.expired.append(a->campaign.id);
    for (const QString &id : due.expired) remove(id);
    return due;
}

qint64 TriggerEngine::nextDeadlineMs() const {
    qint64 next = std::numeric_limits<qint64>::max();
    for (const auto &a : armed_) {
        next = std::min(next, a->campaign.expiresMs);
        if (a->campaign.trigger == TriggerKind::Periodic)
            next = std::min(next, a->periodStartMs + a->campaign.periodMs);
    }
    return next;
}

} // namespace conduit::gathering::campaign
