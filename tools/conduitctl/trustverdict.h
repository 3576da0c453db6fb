// What an operator reads first when the trust core says no: an attack, or
// broken or unsupported input. Shared by `verify` and `tuf`.
#pragma once

#include "trust/trusterror.h"

#include <QString>

namespace conduit::ctl {

QString verdict(trust::TrustErrorKind kind);
// "<verdict>: <message>", the line a refusal prints.
QString describeRefusal(const trust::TrustError &error);

} // namespace conduit::ctl
