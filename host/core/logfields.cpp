#include "logfields.h"

#include <QMutex>

namespace conduit::core {

namespace {
QMutex campaignMutex;
QString runningCampaign; // under campaignMutex
thread_local const LogScope *innermost = nullptr;
} // namespace

void setLogCampaign(const QString &campaignId) {
    QMutexLocker lock(&campaignMutex);
    runningCampaign = campaignId;
}

LogFields currentLogFields() {
    LogFields f;
    {
        QMutexLocker lock(&campaignMutex);
        f.campaign = runningCampaign;
    }
    if (innermost) {
        f.device = innermost->device_;
        f.step = innermost->step_;
    }
    return f;
}

LogScope::LogScope(const QString &device, const QString &step) : outer_(innermost), device_(device), step_(step) {
    innermost = this;
}

LogScope::~LogScope() { innermost = outer_; }

} // namespace conduit::core
