// The campaigns of one vehicle at work (docs/data-gathering.md,
// "Campaigns"): documents accepted into the book, armed in the trigger
// engine, their signals kept in rings, and on every trigger an incident
// bundle (or, for a periodic campaign collecting only signals, a signal
// window) put into the store through an ItemSink.
//
// Wiring (by the gathering service): the MQTT connector hands document bytes
// to accept(); the remote-diagnostics command calls stop(); the vehicle-state
// provider's changes go to onSignal(); a timer calls tick() at
// nextDeadlineMs() (and at least every second while incidents are open).
// Single-threaded: everything on the service's thread (the LogRing alone
// takes lines from any thread).
#pragma once

#include "book.h"
#include "capture.h"
#include "incidentbundle.h"
#include "signalring.h"
#include "triggerengine.h"

#include "gathering/seams.h"

#include <functional>
#include <limits>

namespace conduit::gathering::campaign {

class CampaignCollection {
public:
    struct Config {
        QString stateDir; // the book lives here
        VehicleIdentity vehicle;
        CampaignKeys keys;
        CampaignLimits limits;
        int maxSamplesPerCampaign = 20000; // the ring's count bound
        qint64 maxCaptureBytes = 32 << 20; // per stream and bundle
        std::function<qint64()> clock;     // wall clock, ms; tests set their own
        // How long an incident waits for its clips after its window ended;
        // then it is stored without them (listed as missing).
        qint64 clipWaitMs = 30'000;
    };
    struct Dependencies {
        ItemSink *sink = nullptr;
        LogRing *logs = nullptr;            // may be null: no log windows
        CaptureArchive *captures = nullptr; // may be null: streams reported missing
        // The driver's consent per data class (null: everything allowed). A
        // part of a refused class is never collected (listed as missing), an
        // item of a refused class never put.
        std::function<bool(DataClass)> consent;
        // Streams with "capture": "window" are asked here at each trigger
        // (null: listed as missing).
        ClipSource *clips = nullptr;
    };

    // Opens the book and arms every active campaign in it.
    static Result<std::unique_ptr<CampaignCollection>> open(Config config, Dependencies deps);

    struct Accepted {
        Offer offer = Offer::Accepted;
        QString id;
        qint64 version = 0;
    };
    // A campaign document from the fleet (the envelope's bytes). Refusals
    // carry the kind and a message for the report upstream.
    Result<Accepted> accept(QByteArrayView document);
    // Stops a campaign: its open incidents are finished with what they hold.
    Status stop(const QString &id);

    void onSignal(const QString &name, double value, qint64 timeMs);
    // Periods, expiries, post-trigger windows that ended.
    void tick();
    qint64 nextDeadlineMs() const;

    struct Counters {
        qint64 triggers = 0;
        qint64 bundles = 0;       // incident bundles stored
        qint64 signalWindows = 0; // periodic signal windows stored
        qint64 failures = 0;      // items the sink refused, book writes that failed
        qint64 refused = 0;       // items not put: the driver refused their data class
    };
    const Counters &counters() const { return counters_; }
    QString lastFailure() const { return lastFailure_; }
    const CampaignBook &book() const { return book_; }

private:
    struct Running {
        Campaign campaign;
        SignalRing ring;
        Running(const Campaign &c, int maxSamples);
    };
    // A "window" stream's object for one incident.
    struct ClipOutcome {
        StreamRequest stream;
        bool pending = false;
        std::optional<Clip> clip;
        QString withheld; // why it was not asked (privacy)
        QString missing;  // why it did not come
    };
    struct Open { // an incident waiting for its post-trigger window (and its clips)
        Firing firing;
        qint64 endMs = 0; // trigger + post
        qint64 droppedAtStart = 0;
        qint64 incident = 0;
        std::vector<ClipOutcome> clips;
        int pendingClips() const;
    };

    CampaignCollection(Config config, Dependencies deps, CampaignBook book);
    void arm(const Campaign &c, qint64 lastTriggerMs);
    void disarm(const QString &id); // finishes its open incidents first
    void fired(const Firing &f);
    void askClips(Open &open, const Campaign &c);
    void clipArrived(qint64 incident, size_t index, error::Result<Clip, CaptureErrorKind> result);
    // The window ended at t and no clip is still awaited (or waited long enough).
    bool settled(const Open &o, qint64 t) const;
    void addClips(const Open &open, IncidentBundle &b, bool cut);
    // Removes the open incidents `done` selects and stores each, its window
    // cut at cutMs when that comes before its end (a stop, an expiry).
    void finishOpen(const std::function<bool(const Open &)> &done, qint64 cutMs = std::numeric_limits<qint64>::max());
    // cut: a stop or an expiry ends it (not its window).
    void finish(const Open &open, qint64 toMs, bool cut);
    void periodEnded(const Firing &f);
    IncidentBundle collect(const Running &r, const Firing &f, qint64 fromMs, qint64 toMs, bool includeEnd);
    // itemClass: the item's class when not the campaign's (a bundle with a camera part).
    void store(const Running &r, ItemKind kind, qint64 createdMs, QByteArray bytes,
               std::optional<DataClass> itemClass = std::nullopt);
    // True (and the part listed as missing) when the driver refused `c`.
    bool refusedPart(DataClass c, const QString &name, IncidentBundle *b) const;
    void failed(const QString &what);
    qint64 now() const { return config_.clock(); }

    Config config_;
    Dependencies deps_;
    CampaignBook book_;
    TriggerEngine engine_;
    std::map<QString, std::unique_ptr<Running>> running_;
    QHash<QString, std::vector<std::pair<Running *, quint32>>> collected_; // signal -> (campaign, index)
    std::vector<Open> open_;
    qint64 nextIncident_ = 1;
    bool asking_ = false; // inside askClips: an answer given at once does not finish the incident
    Counters counters_;
    QString lastFailure_;
};

} // namespace conduit::gathering::campaign
