#include "backoff.h"

#include <QRandomGenerator>

#include <algorithm>

namespace conduit::gathering::mqtt {

Backoff::Backoff(int minMs, int maxMs, std::function<double()> random)
    : min_(std::max(1, minMs)), max_(std::max(min_, maxMs)), random_(std::move(random)) {
    if (!random_) random_ = [] { return QRandomGenerator::global()->generateDouble(); };
}

int Backoff::next() {
    qint64 d = min_;
    for (int i = 0; i < attempt_ && d < max_; ++i) d *= 2;
    d = std::min<qint64>(d, max_);
    if (attempt_ < 64) ++attempt_;
    const double jitter = 0.25 * std::clamp(random_(), 0.0, 1.0);
    return std::max(1, int(double(d) * (1.0 - jitter)));
}

} // namespace conduit::gathering::mqtt
