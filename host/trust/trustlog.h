// The logging category of the trust module ("conduit.trust").
#pragma once

#include <QLoggingCategory>

namespace conduit::trust {
Q_DECLARE_LOGGING_CATEGORY(lcTrust)
}
