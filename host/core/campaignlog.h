// The logging categories of the campaign engine ("conduit.campaign").
#pragma once

#include <QLoggingCategory>

namespace conduit::core {
Q_DECLARE_LOGGING_CATEGORY(lcCampaign)
}
