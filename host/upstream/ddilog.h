// The logging categories of the DDI client, its feedback outbox and the connector ("conduit.ddi").
#pragma once

#include <QLoggingCategory>

namespace conduit::upstream {
Q_DECLARE_LOGGING_CATEGORY(lcDdi)
}
