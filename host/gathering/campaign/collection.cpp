#include "collection.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcCampaign, "conduit.gathering.campaign")

namespace conduit::gathering::campaign {

namespace {

// The ring must hold a whole window: pre + post for a condition; for a
// periodic campaign the periods a late tick may still collect
// (TriggerEngine::tick: two, then one for the rest).
qint64 ringSpanMs(const Campaign &c) {
    return c.trigger == TriggerKind::Condition ? c.preMs + c.postMs : 3 * c.periodMs;
}

} // namespace

CampaignCollection::Running::Running(const Campaign &c, int maxSamples)
    : campaign(c), ring(ringSpanMs(c), maxSamples) {}

CampaignCollection::CampaignCollection(Config config, Dependencies deps, CampaignBook book)
    : config_(std::move(config)), deps_(deps), book_(std::move(book)) {
    if (!config_.clock) config_.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
}

Result<std::unique_ptr<CampaignCollection>> CampaignCollection::open(Config config, Dependencies deps) {
    auto book = CampaignBook::open(config.stateDir, config.limits);
    if (!book) return book.error();
    std::unique_ptr<CampaignCollection> c(new CampaignCollection(std::move(config), deps, std::move(*book)));
    for (const BookEntry *e : c->book_.active()) c->arm(e->campaign, e->lastTriggerMs);
    c->tick(); // campaigns that expired while the host was down end now
    return c;
}

void CampaignCollection::arm(const Campaign &c, qint64 lastTriggerMs) {
    disarm(c.id);
    engine_.add(c, lastTriggerMs, now());
    auto r = std::make_unique<Running>(c, config_.maxSamplesPerCampaign);
    for (int i = 0; i < c.signalNames.size(); ++i) collected_[c.signalNames[i]].push_back({r.get(), quint32(i)});
    running_[c.id] = std::move(r);
}

void CampaignCollection::disarm(const QString &id) {
    const auto it = running_.find(id);
    if (it == running_.end()) return;
    const qint64 t = now();
    finishOpen([&](const Open &o) { return o.firing.campaignId == id; }, t);
    engine_.remove(id);
    for (auto &users : collected_) std::erase_if(users, [&](const auto &u) { return u.first == it->second.get(); });
    running_.erase(it);
}

Result<CampaignCollection::Accepted> CampaignCollection::accept(QByteArrayView document) {
    auto verified = verifyCampaign(document, config_.keys, config_.vehicle, now(), config_.limits);
    if (!verified) {
        qCWarning(lcCampaign).noquote() << "campaign refused:" << nameOf(verified.error().kind)
                                        << verified.error().message;
        return verified.error();
    }
    auto offer = book_.offer(*verified);
    if (!offer) {
        qCWarning(lcCampaign).noquote() << "campaign refused:" << nameOf(offer.error().kind) << offer.error().message;
        return offer.error();
    }
    const Campaign &c = verified->campaign;
    if (*offer == Offer::Accepted) {
        arm(c, -1);
        qCInfo(lcCampaign).noquote() << "campaign" << c.id << "version" << c.version << "accepted";
    }
    return Accepted{*offer, c.id, c.version};
}

Status CampaignCollection::stop(const QString &id) {
    if (auto stopped = book_.stop(id); !stopped) return stopped;
    disarm(id);
    qCInfo(lcCampaign).noquote() << "campaign" << id << "stopped";
    return error::Ok{};
}

void CampaignCollection::onSignal(const QString &name, double value, qint64 timeMs) {
    // Incidents whose post window ended before this sample are complete.
    if (!open_.empty()) finishOpen([&](const Open &o) { return timeMs > o.endMs && settled(o, timeMs); });

    const auto users = collected_.constFind(name);
    if (users != collected_.constEnd())
        for (const auto &[r, index] : *users)
            if (timeMs >= r->campaign.startMs && timeMs < r->campaign.expiresMs)
                r->ring.add(SignalSample{index, timeMs * 1000, value});
    for (const Firing &f : engine_.onSignal(name, value, timeMs)) fired(f);
}

void CampaignCollection::fired(const Firing &f) {
    ++counters_.triggers;
    const auto r = running_.find(f.campaignId);
    if (r == running_.end()) return;
    if (auto saved = book_.setLastTrigger(f.campaignId, f.timeMs); !saved) failed(saved.error().message);
    qCInfo(lcCampaign).noquote() << "campaign" << f.campaignId << "triggered at" << f.timeMs;
    open_.push_back(
        Open{f, f.timeMs + r->second->campaign.postMs, r->second->ring.droppedForCount(), nextIncident_++, {}});
    askClips(open_.back(), r->second->campaign);
}

int CampaignCollection::Open::pendingClips() const {
    return int(std::count_if(clips.begin(), clips.end(), [](const ClipOutcome &c) { return c.pending; }));
}

bool CampaignCollection::settled(const Open &o, qint64 t) const {
    return t >= o.endMs && (o.pendingClips() == 0 || t >= o.endMs + config_.clipWaitMs);
}

// Every "window" stream of the campaign is asked for its clip of this
// incident, unless the driver refused its class: then it is not asked at all.
void CampaignCollection::askClips(Open &open, const Campaign &c) {
    const qint64 incident = open.incident;
    for (const StreamRequest &s : c.streams) {
        if (s.capture != StreamCapture::Window) continue;
        ClipOutcome out{s, false, std::nullopt, {}, {}};
        if (deps_.consent && !deps_.consent(s.dataClass))
            out.withheld = QStringLiteral("the driver refused data class %1").arg(nameOf(s.dataClass));
        else if (!deps_.clips)
            out.missing = QStringLiteral("no clip source on this host");
        else
            out.pending = true;
        open.clips.push_back(std::move(out));
    }
    // Answers given at once (a refusal) are kept; the incident is not
    // finished under our feet, and open_ does not change meanwhile.
    asking_ = true;
    for (size_t i = 0; i < open.clips.size(); ++i) {
        if (!open.clips[i].pending) continue;
        const ClipRequest req{c.id,    incident, open.clips[i].stream,   open.firing.timeMs,
                              c.preMs, c.postMs, config_.maxCaptureBytes};
        deps_.clips->clip(req, [this, incident, i](error::Result<Clip, CaptureErrorKind> result) {
            clipArrived(incident, i, std::move(result));
        });
    }
    asking_ = false;
}

void CampaignCollection::clipArrived(qint64 incident, size_t index, error::Result<Clip, CaptureErrorKind> result) {
    const auto it = std::find_if(open_.begin(), open_.end(), [&](const Open &o) { return o.incident == incident; });
    if (it == open_.end() || index >= it->clips.size() || !it->clips[index].pending) return; // it went without
    ClipOutcome &out = it->clips[index];
    out.pending = false;
    if (result)
        out.clip = std::move(*result);
    else
        out.missing = result.error().message;
    qCInfo(lcCampaign).noquote() << "campaign" << it->firing.campaignId << "clip" << out.stream.device
                                 << out.stream.stream
                                 << (result ? QStringLiteral("arrived") : QStringLiteral("not had: ") + out.missing);
    if (asking_) return;
    const qint64 t = now();
    finishOpen([&](const Open &o) { return o.incident == incident && settled(o, t); });
}

void CampaignCollection::tick() {
    const qint64 t = now();
    finishOpen([&](const Open &o) { return settled(o, t); });

    TriggerEngine::Due due = engine_.tick(t);
    for (const Firing &f : due.firings) periodEnded(f);
    for (const QString &id : due.expired) {
        disarm(id);
        if (auto ended = book_.end(id); !ended) failed(ended.error().message);
        qCInfo(lcCampaign).noquote() << "campaign" << id << "expired";
    }
}

qint64 CampaignCollection::nextDeadlineMs() const {
    qint64 next = engine_.nextDeadlineMs();
    const qint64 t = now();
    for (const Open &o : open_)
        next = std::min(next, o.pendingClips() > 0 && t >= o.endMs ? o.endMs + config_.clipWaitMs : o.endMs);
    return next;
}

IncidentBundle CampaignCollection::collect(const Running &r, const Firing &f, qint64 fromMs, qint64 toMs,
                                           bool includeEnd) {
    const Campaign &c = r.campaign;
    IncidentBundle b;
    b.campaignId = c.id;
    b.campaignVersion = c.version;
    b.trigger = f.kind;
    b.triggerMs = f.timeMs;
    b.condition = c.conditionText;
    b.fromMs = fromMs;
    b.toMs = toMs;
    b.preMs = c.preMs;
    b.postMs = c.postMs;
    b.signalNames = c.signalNames;
    if (!c.signalNames.isEmpty() && !refusedPart(c.dataClass, QStringLiteral("signals.csb"), &b)) {
        const auto samples = r.ring.between(fromMs * 1000, toMs * 1000, includeEnd);
        BundlePart part{QStringLiteral("signals.csb"), c.dataClass, SampleBatch::encode(samples), {}, {},
                        qint64(samples.size()),        {}};
        if (!samples.empty()) {
            part.firstMs = samples.front().timeUs / 1000;
            part.lastMs = samples.back().timeUs / 1000;
        }
        b.parts.push_back(std::move(part));
    }
    if (!c.logCategories.isEmpty() && !refusedPart(DataClass::Logs, QStringLiteral("logs.jsonl"), &b)) {
        if (!deps_.logs) {
            b.missing.push_back({QStringLiteral("logs.jsonl"), QStringLiteral("no log source on this host")});
        } else {
            auto lines = deps_.logs->between(fromMs, includeEnd ? toMs : toMs - 1, c.logCategories);
            BundlePart part{
                QStringLiteral("logs.jsonl"), DataClass::Logs, encodeLogLines(lines), {}, {}, qint64(lines.size()), {}};
            if (!lines.empty()) {
                part.firstMs = lines.front().timeMs;
                part.lastMs = lines.back().timeMs;
            }
            b.parts.push_back(std::move(part));
        }
    }
    for (const StreamRequest &s : c.streams) {
        if (s.capture == StreamCapture::Window) continue; // asked at the trigger: addClips()
        const QString name = QStringLiteral("streams/%1/%2.bin").arg(s.device, s.stream);
        if (refusedPart(s.dataClass, name, &b)) continue;
        if (!deps_.captures) {
            b.missing.push_back({name, QStringLiteral("no capture source on this host")});
            continue;
        }
        auto slice = deps_.captures->capture(s, fromMs, includeEnd ? toMs : toMs - 1, config_.maxCaptureBytes);
        if (!slice) {
            b.missing.push_back({name, slice.error().message});
            continue;
        }
        b.parts.push_back(BundlePart{name, s.dataClass, slice->bytes, slice->firstMs, slice->lastMs, 0, {}});
    }
    return b;
}

void CampaignCollection::finishOpen(const std::function<bool(const Open &)> &done, qint64 cutMs) {
    std::vector<Open> finishing;
    std::erase_if(open_, [&](const Open &o) {
        if (!done(o)) return false;
        finishing.push_back(o);
        return true;
    });
    const bool cut = cutMs != std::numeric_limits<qint64>::max();
    for (const Open &o : finishing) finish(o, std::min(cutMs, o.endMs), cut);
}

void CampaignCollection::finish(const Open &open, qint64 toMs, bool cut) {
    const auto r = running_.find(open.firing.campaignId);
    if (r == running_.end()) return;
    const Campaign &c = r->second->campaign;
    IncidentBundle b = collect(*r->second, open.firing, open.firing.timeMs - c.preMs, toMs, true);
    b.samplesDropped = r->second->ring.droppedForCount() - open.droppedAtStart;
    addClips(open, b, cut);
    // A bundle that holds camera data is camera data: consent withdrawal
    // and "delete my data" for the class take it.
    const bool camera = std::any_of(b.parts.begin(), b.parts.end(),
                                    [](const BundlePart &p) { return p.dataClass == DataClass::Camera; });
    store(*r->second, ItemKind::Blob, open.firing.timeMs, b.encode(), camera ? DataClass::Camera : c.dataClass);
    ++counters_.bundles;
}

void CampaignCollection::periodEnded(const Firing &f) {
    ++counters_.triggers;
    const auto r = running_.find(f.campaignId);
    if (r == running_.end()) return;
    const Campaign &c = r->second->campaign;
    if (c.streams.empty() && c.logCategories.isEmpty()) {
        const auto samples = r->second->ring.between(f.fromMs * 1000, f.timeMs * 1000, false);
        if (samples.empty()) return; // nothing changed in this period: no empty item
        store(*r->second, ItemKind::SignalWindow, f.timeMs, SampleBatch::encode(samples));
        ++counters_.signalWindows;
        return;
    }
    store(*r->second, ItemKind::Blob, f.timeMs, collect(*r->second, f, f.fromMs, f.timeMs, false).encode());
    ++counters_.bundles;
}

// The clips into the bundle: each arrived one as a part (unless its class
// was refused meanwhile), the others as missing or withheld with why.
void CampaignCollection::addClips(const Open &open, IncidentBundle &b, bool cut) {
    for (const ClipOutcome &out : open.clips) {
        const StreamRequest &s = out.stream;
        const bool matroska = out.clip && !out.clip->bytes.left(64).contains("webm");
        const QString name = QStringLiteral("streams/%1/%2.%3")
                                 .arg(s.device, s.stream, matroska ? QStringLiteral("mkv") : QStringLiteral("webm"));
        if (out.pending) {
            if (deps_.clips) deps_.clips->cancel(open.firing.campaignId, open.incident);
            b.missing.push_back({name, cut ? QStringLiteral("the campaign ended before the clip arrived")
                                           : QStringLiteral("the clip did not arrive within %1 s after the window")
                                                 .arg(config_.clipWaitMs / 1000.0)});
        } else if (!out.withheld.isEmpty()) {
            b.withheld.push_back({name, out.withheld});
        } else if (!out.clip) {
            if (!refusedPart(s.dataClass, name, &b))
                b.missing.push_back({name, out.missing}); // refused meanwhile: withheld
        } else if (!refusedPart(s.dataClass, name, &b)) {
            BundlePart part{name,         s.dataClass, out.clip->bytes,  out.clip->firstNs / 1'000'000,
                            std::nullopt, 0,           out.clip->firstNs};
            b.parts.push_back(std::move(part));
        }
    }
}

bool CampaignCollection::refusedPart(DataClass c, const QString &name, IncidentBundle *b) const {
    if (!deps_.consent || deps_.consent(c)) return false;
    b->withheld.push_back({name, QStringLiteral("the driver refused data class %1").arg(nameOf(c))});
    return true;
}

void CampaignCollection::store(const Running &r, ItemKind kind, qint64 createdMs, QByteArray bytes,
                               std::optional<DataClass> itemClass) {
    const Campaign &c = r.campaign;
    const DataClass dataClass = itemClass.value_or(c.dataClass);
    if (deps_.consent && (!deps_.consent(c.dataClass) || !deps_.consent(dataClass))) {
        ++counters_.refused;
        return;
    }
    Item item;
    item.kind = kind;
    item.campaignId = c.id;
    item.dataClass = dataClass;
    item.priority = c.priority;
    item.createdMs = createdMs;
    item.expiresMs = c.retentionMs > 0 ? createdMs + c.retentionMs : 0;
    item.bytes = std::move(bytes);
    QList<qint64> ids;
    StoreFailure f;
    if (!deps_.sink || !deps_.sink->put({item}, &ids, &f))
        failed(QStringLiteral("campaign %1: the store refused its %2: %3").arg(c.id, nameOf(kind), f.message));
}

void CampaignCollection::failed(const QString &what) {
    ++counters_.failures;
    lastFailure_ = what;
    qCWarning(lcCampaign).noquote() << what;
}

} // namespace conduit::gathering::campaign
