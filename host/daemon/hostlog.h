// The logging categories of conduitd and its Host ("conduit.host").
#pragma once

#include <QLoggingCategory>

namespace conduit::daemon {
Q_DECLARE_LOGGING_CATEGORY(lcHost)
}
