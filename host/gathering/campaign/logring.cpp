#include "logring.h"

#include <QMutexLocker>

namespace conduit::gathering::campaign {

namespace {
qint64 weight(const LogLine &l) { return 2 * (l.category.size() + l.text.size()) + 16; }
} // namespace

void LogRing::append(LogLine line) {
    QMutexLocker lock(&mutex_);
    bytes_ += weight(line);
    const qint64 horizon = line.timeMs - bounds_.maxAgeMs;
    lines_.push_back(std::move(line));
    while (!lines_.empty() &&
           (int(lines_.size()) > bounds_.maxLines || bytes_ > bounds_.maxBytes || lines_.front().timeMs < horizon)) {
        bytes_ -= weight(lines_.front());
        lines_.pop_front();
    }
}

bool LogRing::categoryMatches(const QString &category, const QStringList &patterns) {
    for (const QString &p : patterns) {
        if (p == QLatin1String("*")) return true;
        if (p.endsWith(QLatin1String(".*")) ? category.startsWith(p.chopped(1)) : category == p) return true;
    }
    return false;
}

std::vector<LogLine> LogRing::between(qint64 t0Ms, qint64 t1Ms, const QStringList &categories) const {
    QMutexLocker lock(&mutex_);
    std::vector<LogLine> out;
    for (const LogLine &l : lines_)
        if (l.timeMs >= t0Ms && l.timeMs <= t1Ms && categoryMatches(l.category, categories)) out.push_back(l);
    return out;
}

} // namespace conduit::gathering::campaign
