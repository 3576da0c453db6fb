// The logging categories of downloads ("conduit.transfer").
#pragma once

#include <QLoggingCategory>

namespace conduit::transfer {
Q_DECLARE_LOGGING_CATEGORY(lcTransfer)
}
