// The flash modules throw the SDK's error (conduit::Error in
// conduit/agent.hpp): a stable conduit_result code and a message. The agent
// helper turns it into the call's result; the tools print it.
#pragma once

#include <conduit/agent.hpp>

#include <string>

namespace conduit::flash {

using conduit::Error;

// Throws CONDUIT_E_IO with "<what>: <strerror(errno)>".
[[noreturn]] void throwErrno(const std::string &what);

} // namespace conduit::flash
