#include "hostlog.h"

#include "gathering/campaign/logring.h"

#include <QDateTime>
#include <QMutex>

namespace conduit::daemon {
Q_LOGGING_CATEGORY(lcHost, "conduit.host")

namespace {
QMutex ringMutex;
std::shared_ptr<gathering::campaign::LogRing> ring; // under ringMutex
} // namespace

void setLogRing(std::shared_ptr<gathering::campaign::LogRing> r) {
    QMutexLocker lock(&ringMutex);
    ring = std::move(r);
}

void tapLogLine(const QMessageLogContext &context, const QString &message) {
    std::shared_ptr<gathering::campaign::LogRing> r;
    {
        QMutexLocker lock(&ringMutex);
        r = ring;
    }
    if (!r) return;
    r->append({QDateTime::currentMSecsSinceEpoch(),
               context.category ? QString::fromUtf8(context.category) : QStringLiteral("default"), message});
}

} // namespace conduit::daemon
