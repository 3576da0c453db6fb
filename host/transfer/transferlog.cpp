#include "transferlog.h"

namespace conduit::transfer {
Q_LOGGING_CATEGORY(lcTransfer, "conduit.transfer")
}
