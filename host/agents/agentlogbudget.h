// What one agent may put into the host's log: a line is capped in length
// and the lines are rate-limited (lines and bytes per second, with a burst),
// so that a flooding plugin costs the vehicle a bounded amount of log and
// says how much it lost. Pure bookkeeping: the caller gives the time.
#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace conduit::agents {

struct LogBudgetLimits {
    int maxLineChars = 2048;
    double linesPerSecond = 50, burstLines = 200;
    double bytesPerSecond = 32 * 1024, burstBytes = 128 * 1024;
};

class AgentLogBudget {
public:
    explicit AgentLogBudget(LogBudgetLimits limits = {});

    // `line` cut to maxLineChars (saying how much was cut), or nothing
    // when the budget is spent: then it counts as dropped.
    std::optional<QString> admit(const QString &line, qint64 nowMs);
    // Lines dropped since the last call (the caller logs "N lines dropped").
    quint64 takeDropped();
    quint64 dropped() const { return dropped_; }

private:
    void refill(qint64 nowMs);

    LogBudgetLimits limits_;
    double lines_, bytes_;
    qint64 lastMs_ = -1;
    quint64 dropped_ = 0;
};

} // namespace conduit::agents
