#include "hostlog.h"

namespace conduit::daemon {
Q_LOGGING_CATEGORY(lcHost, "conduit.host")
}
