// The agent runner: loads one agent plugin and serves the host over the IPC
// socket `fd` (see ipc/wire.h). Runs as its own process (conduit-agent-runner)
// or, for debugging a plugin under gdb, on a thread inside conduitd.
#pragma once

#include <cstdint>
#include <string>

namespace conduit::runner {

struct Options {
    int fd = -1;
    std::string library;
    // Running inside conduitd: never exit() or touch process-wide limits.
    bool inProcess = false;
};

// Serves until the host sends Shutdown or closes the socket. Returns the
// process exit code: 0 after a clean shutdown, 2 if the agent failed to load.
int serve(const Options &options);

} // namespace conduit::runner
