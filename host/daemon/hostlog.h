// The logging categories of conduitd and its Host ("conduit.host"), and
// the tap of conduitd's log into data gathering's LogRing.
#pragma once

#include <QLoggingCategory>

#include <memory>

namespace conduit::gathering::campaign {
class LogRing;
}

namespace conduit::daemon {
Q_DECLARE_LOGGING_CATEGORY(lcHost)

// Every line conduitd logs goes into `ring` too (null: into none), for the
// campaigns' log windows. [thread-safe]
void setLogRing(std::shared_ptr<gathering::campaign::LogRing> ring);
// Called by conduitd's message handler for every line. [thread-safe]
void tapLogLine(const QMessageLogContext &context, const QString &message);
} // namespace conduit::daemon
