#include "subcommand.h"

#include "text/untrustedtext.h"

#include <cstdio>

namespace conduit::ctl {

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
    std::fprintf(stderr, "conduitctl %s: %s\n", subcommand,
                 text::printableLocal8Bit(message, text::Newlines::Keep).constData());
    return exitCode;
}

} // namespace conduit::ctl
