#include "trust/trustlog.h"

namespace conduit::trust {
Q_LOGGING_CATEGORY(lcTrust, "conduit.trust")
}
