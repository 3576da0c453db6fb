// Shared by the engine's sources (campaignengine.cpp, campaigncommit.cpp,
// campaignrecovery.cpp, campaignrollback.cpp): the failure of a journal
// that cannot be written. (Journal records: journalrecord.h.)
#pragma once

#include "failure.h"

namespace conduit::core {

inline Failure journalFailure() {
    return {Failure::Step::Journal, Failure::Kind::HostError, {}, QStringLiteral("journal not writable")};
}

} // namespace conduit::core
