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
// How a campaign that `install` or `watch` followed ended (docs/dbus-api.md,
// "conduitctl exit status"); success is kExitOk.
inline constexpr int kExitRolledBack = 4; // every touched device is back on its last good software
inline constexpr int kExitFailed = 5;     // failed (also a rollback that failed), or an outcome not known here
inline constexpr int kExitCancelled = 6;  // the driver or the server cancelled
inline constexpr int kExitDeclined = 7;   // the driver declined the download or the installation
// The exit status for a result's `outcome`.
int exitForOutcome(const QString &outcome);

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

// Output helpers: results on stdout, diagnostics on stderr. With --json
// (setJsonOutput) an error is a JSON object on stdout instead:
// {"command": "install", "error": "...", "exit_code": 1}, so that a
// caller that parses the output always gets JSON.
void setJsonOutput(bool on);
bool jsonOutput();
void printLine(const QString &line);
int printError(const char *subcommand, int exitCode, const QString &message);

} // namespace conduit::ctl
