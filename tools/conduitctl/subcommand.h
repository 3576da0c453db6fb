// conduitctl subcommands. Each lives in its own file and exposes one
// Subcommand; subcommands.cpp lists them. To add one (status, consent,
// install over D-Bus, ...): write <name>.cpp with a `const Subcommand
// &<name>Subcommand()` function, declare it below and add it to the table.
#pragma once

#include <QCommandLineParser>
#include <QString>

#include <vector>

namespace conduit::ctl {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1; // the operation ran and said no (e.g. an attack was detected)
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitError = 3;    // could not run (unreadable state, I/O, D-Bus unavailable)

struct Subcommand {
    const char *name;
    const char *synopsis; // arguments after the subcommand name
    const char *summary;  // one line for `conduitctl --help`
    const char *details;  // for `conduitctl <name> --help`
    void (*declare)(QCommandLineParser &parser);
    int (*run)(const QCommandLineParser &parser);
};

const std::vector<const Subcommand *> &subcommands();

const Subcommand &verifySubcommand();
const Subcommand &provisionSubcommand();
const Subcommand &statusSubcommand();
const Subcommand &agentsSubcommand();
const Subcommand &historySubcommand();
const Subcommand &consentSubcommand();
const Subcommand &autoConsentSubcommand();
const Subcommand &cancelSubcommand();
const Subcommand &installSubcommand();
const Subcommand &watchSubcommand();
const Subcommand &vehicleSubcommand();
const Subcommand &tufSubcommand();
const Subcommand &gatheringSubcommand();

// Output helpers: results on stdout, diagnostics on stderr.
void printLine(const QString &line);
int printError(const char *subcommand, int exitCode, const QString &message);

} // namespace conduit::ctl
