// The recent samples of one campaign's signals, bounded by time (the
// campaign's pre + post window, or its period) and by count, from which the
// windows around a trigger are cut. Samples arrive in time order (the
// caller stamps them); an older sample than the newest is kept in order.
#pragma once

#include "gathering/samplebatch.h"

#include <deque>

namespace conduit::gathering::campaign {

class SignalRing {
public:
    SignalRing(qint64 spanMs, int maxSamples) : spanUs_(spanMs * 1000), maxSamples_(maxSamples) {}

    void add(const SignalSample &s);
    // Samples with t0 <= time <= t1 (or < t1 when !includeEnd), in time order.
    std::vector<SignalSample> between(qint64 t0Us, qint64 t1Us, bool includeEnd = true) const;
    int size() const { return int(samples_.size()); }
    // Samples pushed out by the count bound before they aged out (reported
    // in the bundle manifest: a window that lost samples says so).
    qint64 droppedForCount() const { return droppedForCount_; }

private:
    std::deque<SignalSample> samples_;
    qint64 spanUs_;
    int maxSamples_;
    qint64 droppedForCount_ = 0;
};

} // namespace conduit::gathering::campaign
