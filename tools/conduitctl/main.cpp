// conduitctl: the command-line client of a Conduit host. Subcommands that
// work on local files (verify, provision) run here; those that talk to the
// running host go over its D-Bus API.
#include "subcommand.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

using namespace conduit::ctl;

namespace {

QString overview() {
    QString text = QStringLiteral("Usage: conduitctl <command> [options]\n\n"
                                  "`conduitctl <command> --help` documents each command.\n\nCommands:\n");
    for (const Subcommand *command : subcommands())
        text += QStringLiteral("  %1 %2\n").arg(QLatin1String(command->name), -11).arg(QLatin1String(command->summary));
    text += QStringLiteral(
        "\nExit status: 0 success, 1 rejected (e.g. attack detected), 2 usage error, 3 could not run;\n"
        "install and watch, by how the campaign ended: 4 rolled back, 5 failed, 6 cancelled, 7 declined.\n"
        "With --json every answer, errors included, is JSON on stdout.\n");
    return text;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    // Results go to stdout and failures to stderr; the library's progress
    // logging stays quiet unless QT_LOGGING_RULES turns it on.
    QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false\nconduit.*.info=false"));
    QCoreApplication::setApplicationName(QStringLiteral("conduitctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONDUIT_VERSION));

    QStringList args = QCoreApplication::arguments();
    if (args.size() >= 3 && args[1] == QLatin1String("help")) args = {args[0], args[2], QStringLiteral("--help")};
    if (args.size() < 2 || args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h") ||
        args[1] == QLatin1String("help")) {
        std::printf("%s", qPrintable(overview()));
        return args.size() < 2 ? kExitUsage : kExitOk;
    }
    if (args[1] == QLatin1String("--version")) {
        std::printf("conduitctl %s\n", CONDUIT_VERSION);
        return kExitOk;
    }
    for (const Subcommand *command : subcommands()) {
        if (args[1] != QLatin1String(command->name)) continue;
        QCommandLineParser parser;
        parser.setApplicationDescription(
            QStringLiteral("conduitctl %1 %2\n\n%3")
                .arg(QLatin1String(command->name), QLatin1String(command->synopsis), QLatin1String(command->details)));
        parser.addHelpOption();
        command->declare(parser);
        QStringList rest = args.mid(1);
        rest[0] = QStringLiteral("conduitctl ") + QLatin1String(command->name);
        // Known before parsing, so that a usage error is JSON too (also
        // "unknown option --json" from a command without JSON output).
        setJsonOutput(rest.contains(QLatin1String("--json")));
        if (!parser.parse(rest)) return printError(command->name, kExitUsage, parser.errorText());
        if (parser.isSet(QStringLiteral("help"))) {
            // Qt names the binary by its full path; show the command instead.
            std::printf("%s",
                        qPrintable(parser.helpText().replace(QCoreApplication::arguments().constFirst(), rest[0])));
            return kExitOk;
        }
        return command->run(parser);
    }
    std::fprintf(stderr, "conduitctl: unknown command \"%s\"\n\n%s", qPrintable(args[1]), qPrintable(overview()));
    return kExitUsage;
}
