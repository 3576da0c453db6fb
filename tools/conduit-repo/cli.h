// Shared pieces of the conduit-repo subcommands (cli.cpp) and the Command
// objects each subcommand file defines (listed in commands.cpp).
#pragma once

#include "commands.h"
#include "workspace.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <optional>

namespace conduit::repo {

// Output: results on stdout, errors on stderr with the exit code to return.
int fail(const QString &message);  // kExitFailed
int usage(const QString &message); // kExitUsage
void say(const QString &message);

// Options several subcommands share.
extern const QCommandLineOption repoOption, typeOption, seedOption, expiresOption, nowOption, outOption;

// --now, or the current UTC time; nullopt if --now is malformed.
std::optional<QDateTime> nowFrom(const QCommandLineParser &parser);
// --seed as bytes (empty when absent); nullopt if it is not hex.
std::optional<QByteArray> seedFrom(const QCommandLineParser &parser);
std::optional<qint64> integerOption(const QCommandLineParser &parser, const QCommandLineOption &option, qint64 min,
                                    qint64 max);
Result<Workspace> openRepo(const QCommandLineParser &parser);

// A TUF targets entry (length, sha256, sha512) of a file, hashed while streaming.
Result<JsonValue> fileEntry(const QString &path);
// Copies a file, creating parent directories and replacing the destination.
bool copyFile(const QString &from, const QString &to);

extern const Command keygenCommand, initCommand, addTargetCommand, delegateCommand, assignCommand, signCommand,
    rotateCommand, bundleCommand, publishCommand, campaignCommand;

} // namespace conduit::repo
