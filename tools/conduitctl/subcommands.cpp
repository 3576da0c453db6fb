#include "subcommand.h"

#include "text/untrustedtext.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace conduit::ctl {

namespace {
bool jsonOutput_ = false;
} // namespace

void setJsonOutput(bool on) { jsonOutput_ = on; }
bool jsonOutput() { return jsonOutput_; }

int exitForOutcome(const QString &outcome) {
    static const QHash<QString, int> codes{{QStringLiteral("success"), kExitOk},
                                           {QStringLiteral("rolled-back"), kExitRolledBack},
                                           {QStringLiteral("failed"), kExitFailed},
                                           {QStringLiteral("cancelled"), kExitCancelled},
                                           {QStringLiteral("declined"), kExitDeclined}};
    return codes.value(outcome, kExitFailed);
}

const std::vector<const Subcommand *> &subcommands() {
    static const std::vector<const Subcommand *> table{
        &statusSubcommand(),      &agentsSubcommand(),  &historySubcommand(),   &consentSubcommand(),
        &autoConsentSubcommand(), &installSubcommand(), &watchSubcommand(),     &cancelSubcommand(),
        &vehicleSubcommand(),     &verifySubcommand(),  &provisionSubcommand(), &tufSubcommand(),
        &gatheringSubcommand(),
    };
    return table;
}

void printLine(const QString &line) {
    // Output carries names and messages from bundles, servers and agents.
    std::fputs(text::printableLocal8Bit(line, text::Newlines::Keep).constData(), stdout);
    std::fputc('\n', stdout);
}

int printError(const char *subcommand, int exitCode, const QString &message) {
    if (jsonOutput_) {
        // JSON escapes control characters itself.
        const QJsonObject error{{QStringLiteral("command"), QLatin1String(subcommand)},
                                {QStringLiteral("error"), message},
                                {QStringLiteral("exit_code"), exitCode}};
        std::printf("%s\n", QJsonDocument(error).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        return exitCode;
    }
    std::fprintf(stderr, "conduitctl %s: %s\n", subcommand,
                 text::printableLocal8Bit(message, text::Newlines::Keep).constData());
    return exitCode;
}

} // namespace conduit::ctl
