// The subcommands of conduit-repo: each declares its options and runs on
// the parsed command line. main.cpp holds the table and the dispatch.
#pragma once

#include <QCommandLineParser>

namespace conduit::repo {

struct Command {
    const char *name;
    const char *synopsis; // arguments after the subcommand name
    const char *summary;  // one line for `conduit-repo --help`
    const char *details;  // shown by `conduit-repo <command> --help`
    void (*declare)(QCommandLineParser &parser);
    int (*run)(const QCommandLineParser &parser); // exit code
};

const std::vector<Command> &commands();

// Exit codes: 0 success, 1 the operation failed, 2 bad usage.
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

} // namespace conduit::repo
