#include "cli.h"

namespace conduit::repo {

// Each Command is defined beside its implementation (setupcommands.cpp,
// targetcommands.cpp, releasecommands.cpp); this table fixes the order of
// `conduit-repo --help`. A new subcommand: a declare/run pair, a Command
// object declared in cli.h, and a line here.
const std::vector<Command> &commands() {
    static const std::vector<Command> table{keygenCommand,  initCommand,    addTargetCommand, delegateCommand,
                                            assignCommand,  signCommand,    rotateCommand,    bundleCommand,
                                            publishCommand, campaignCommand};
    return table;
}

} // namespace conduit::repo
