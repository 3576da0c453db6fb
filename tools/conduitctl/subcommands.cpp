#include "subcommand.h"

#include <cstdio>

namespace conduit::ctl {

const std::vector<const Subcommand *> &subcommands()
{
    static const std::vector<const Subcommand *> table{
        &statusSubcommand(),
        &agentsSubcommand(),
        &historySubcommand(),
        &consentSubcommand(),
        &autoConsentSubcommand(),
        &installSubcommand(),
        &watchSubcommand(),
        &cancelSubcommand(),
        &vehicleSubcommand(),
        &verifySubcommand(),
        &provisionSubcommand(),
        &tufSubcommand(),
    };
    return table;
}

void printLine(const QString &line)
{
    std::fputs(qPrintable(line + u'\n'), stdout);
}

int printError(const char *subcommand, int exitCode, const QString &message)
{
    std::fprintf(stderr, "conduitctl %s: %s\n", subcommand, qPrintable(message));
    return exitCode;
}

} // namespace conduit::ctl
