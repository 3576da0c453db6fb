// The flash modules' error: a stable conduit_result code and a message.
// The agent turns it into the call's result; the tools print it.
#pragma once

#include <conduit/agent.h>

#include <exception>
#include <string>

namespace conduit::flash {

class Error : public std::exception {
public:
    Error(conduit_result code, std::string message) : code_(code), message_(std::move(message)) {}
    conduit_result code() const noexcept { return code_; }
    const char *what() const noexcept override { return message_.c_str(); }

private:
    conduit_result code_;
    std::string message_;
};

// Throws CONDUIT_E_IO with "<what>: <strerror(errno)>".
[[noreturn]] void throwErrno(const std::string &what);

} // namespace conduit::flash
