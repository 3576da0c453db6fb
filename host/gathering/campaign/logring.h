// The recent log lines of the host, from which a campaign's log window is
// cut (docs/data-gathering.md, "Incident bundles"). The daemon feeds every
// line in (e.g. from its Qt message handler, on any thread) with its time
// and QLoggingCategory; bounded by count, bytes and age, oldest out first.
#pragma once

#include <QMutex>
#include <QString>
#include <QStringList>

#include <deque>
#include <vector>

namespace conduit::gathering::campaign {

struct LogLine {
    qint64 timeMs = 0; // wall clock
    QString category;  // "conduit.trust"
    QString text;
};

class LogRing {
public:
    struct Bounds {
        int maxLines = 20000;
        qint64 maxBytes = 4 << 20; // of text (UTF-16 code units x 2)
        qint64 maxAgeMs = 10 * 60 * 1000;
    };
    LogRing() : LogRing(Bounds{}) {}
    explicit LogRing(Bounds bounds) : bounds_(bounds) {}

    // [thread-safe]
    void append(LogLine line);
    // Lines with t0 <= time <= t1 whose category matches one of `categories`
    // ("conduit.trust", a prefix "conduit.*", or "*"), in time order. [thread-safe]
    std::vector<LogLine> between(qint64 t0Ms, qint64 t1Ms, const QStringList &categories) const;

    static bool categoryMatches(const QString &category, const QStringList &patterns);

private:
    Bounds bounds_;
    mutable QMutex mutex_;
    std::deque<LogLine> lines_;
    qint64 bytes_ = 0;
};

} // namespace conduit::gathering::campaign
