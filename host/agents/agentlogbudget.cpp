#include "agentlogbudget.h"

#include <algorithm>
#include <utility>

namespace conduit::agents {

AgentLogBudget::AgentLogBudget(LogBudgetLimits limits)
    : limits_(limits), lines_(limits.burstLines), bytes_(limits.burstBytes) {}

void AgentLogBudget::refill(qint64 nowMs) {
    if (lastMs_ >= 0 && nowMs > lastMs_) {
        const double s = double(nowMs - lastMs_) / 1000.0;
        lines_ = std::min(limits_.burstLines, lines_ + s * limits_.linesPerSecond);
        bytes_ = std::min(limits_.burstBytes, bytes_ + s * limits_.bytesPerSecond);
    }
    if (lastMs_ < 0 || nowMs > lastMs_) lastMs_ = nowMs;
}

std::optional<QString> AgentLogBudget::admit(const QString &line, qint64 nowMs) {
    refill(nowMs);
    QString out = line;
    if (out.size() > limits_.maxLineChars) {
        const qsizetype cut = out.size() - limits_.maxLineChars;
        out.truncate(limits_.maxLineChars);
        out += QStringLiteral(" [%1 more characters cut]").arg(cut);
    }
    const double size = double(out.size());
    if (lines_ < 1 || bytes_ < size) {
        ++dropped_;
        return std::nullopt;
    }
    lines_ -= 1;
    bytes_ -= size;
    return out;
}

quint64 AgentLogBudget::takeDropped() { return std::exchange(dropped_, 0); }

} // namespace conduit::agents
