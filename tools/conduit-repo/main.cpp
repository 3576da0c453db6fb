// conduit-repo: the release engineer's tool for Conduit's Director and Image
// repositories (keys, targets, signing, rotation, bundles, publishing).
#include "commands.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

using namespace conduit::repo;

namespace {

QString overview(const QString &program) {
    QString text = QStringLiteral("Usage: %1 <command> [options]\n\n"
                                  "Manages the Director and Image TUF/Uptane repositories of a vehicle and writes\n"
                                  "offline bundles. `%1 <command> --help` documents each command.\n\nCommands:\n")
                       .arg(program);
    for (const Command &command : commands())
        text += QStringLiteral("  %1 %2\n").arg(QLatin1String(command.name), -11).arg(QLatin1String(command.summary));
    text += QStringLiteral("\nExit status: 0 success, 1 failure, 2 usage error.\n");
    return text;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    // Results go to stdout and failures to stderr; the library's progress
    // logging stays quiet unless QT_LOGGING_RULES turns it on.
    QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=false\nconduit.*.info=false"));
    QCoreApplication::setApplicationName(QStringLiteral("conduit-repo"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONDUIT_VERSION));

    QStringList args = QCoreApplication::arguments();
    const QString program = QStringLiteral("conduit-repo");
    if (args.size() < 2 || args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h") ||
        args[1] == QLatin1String("help")) {
        if (args.size() >= 3 && args[1] == QLatin1String("help"))
            args = {args[0], args[2], QStringLiteral("--help")};
        else {
            std::printf("%s", qPrintable(overview(program)));
            return args.size() < 2 ? kExitUsage : 0;
        }
    }
    if (args[1] == QLatin1String("--version")) {
        std::printf("conduit-repo %s\n", CONDUIT_VERSION);
        return 0;
    }
    for (const Command &command : commands()) {
        if (args[1] != QLatin1String(command.name)) continue;
        QCommandLineParser parser;
        parser.setApplicationDescription(QStringLiteral("%1 %2 %3\n\n%4")
                                             .arg(program, QLatin1String(command.name), QLatin1String(command.synopsis),
                                                  QLatin1String(command.details)));
        parser.addHelpOption();
        command.declare(parser);
        QStringList rest = args.mid(1);
        rest[0] = program + u' ' + QLatin1String(command.name);
        if (!parser.parse(rest)) {
            std::fprintf(stderr, "conduit-repo %s: %s\n", command.name, qPrintable(parser.errorText()));
            return kExitUsage;
        }
        if (parser.isSet(QStringLiteral("help"))) {
            // Qt names the binary by its full path; show the command instead.
            std::printf("%s",
                        qPrintable(parser.helpText().replace(QCoreApplication::arguments().constFirst(), rest[0])));
            return 0;
        }
        return command.run(parser);
    }
    std::fprintf(stderr, "conduit-repo: unknown command \"%s\"\n\n%s", qPrintable(args[1]),
                 qPrintable(overview(program)));
    return kExitUsage;
}
