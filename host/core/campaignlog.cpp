#include "campaignlog.h"

namespace conduit::core {
Q_LOGGING_CATEGORY(lcCampaign, "conduit.campaign")
}
