#include "ddilog.h"

namespace conduit::upstream {
Q_LOGGING_CATEGORY(lcDdi, "conduit.ddi")
}
