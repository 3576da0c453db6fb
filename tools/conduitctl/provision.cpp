// conduitctl provision: create a vehicle's trusted state from the two roots
// it ships with (trust on first use of these files, so they must come from
// the factory image, not from the network).
#include "subcommand.h"

#include "trust/trustedstate.h"

#include <QFile>

namespace conduit::ctl {

namespace {

using namespace trust;

const QCommandLineOption stateOption(QStringLiteral("state"), QStringLiteral("Trusted state file to create."),
                                     QStringLiteral("FILE"));
const QCommandLineOption directorRootOption(QStringLiteral("director-root"),
                                            QStringLiteral("Director repository root (N.root.json)."),
                                            QStringLiteral("FILE"));
const QCommandLineOption imageRootOption(QStringLiteral("image-root"),
                                         QStringLiteral("Image repository root (N.root.json)."),
                                         QStringLiteral("FILE"));

void declare(QCommandLineParser &p) { p.addOptions({stateOption, directorRootOption, imageRootOption}); }

std::optional<QByteArray> readSmallFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > RoleLimits{}.root) return std::nullopt;
    return file.readAll();
}

int run(const QCommandLineParser &p) {
    if (!p.isSet(stateOption) || !p.isSet(directorRootOption) || !p.isSet(imageRootOption))
        return printError("provision", kExitUsage,
                          QStringLiteral("--state, --director-root and --image-root are required"));
    TrustStore store(p.value(stateOption));
    if (store.exists())
        return printError("provision", kExitRejected,
                          QStringLiteral("%1 already exists: a provisioned vehicle is never re-provisioned in place")
                              .arg(store.path()));
    const auto director = readSmallFile(p.value(directorRootOption));
    const auto image = readSmallFile(p.value(imageRootOption));
    if (!director || !image)
        return printError("provision", kExitError,
                          QStringLiteral("cannot read the root files (or one is over 512 KiB)"));
    auto state = provisionTrustedState(*director, *image);
    if (!state) return printError("provision", kExitRejected, state.error().message);
    if (auto saved = store.save(*state); !saved) return printError("provision", kExitError, saved.error().message);
    printLine(QStringLiteral("provisioned %1: director root v%2, image root v%3")
                  .arg(store.path())
                  .arg(state->director.rootVersion())
                  .arg(state->image.rootVersion()));
    return kExitOk;
}

} // namespace

const Subcommand &provisionSubcommand() {
    static const Subcommand command{
        "provision",
        "--state FILE --director-root ROOT.json --image-root ROOT.json",
        "Create the trusted state of a vehicle from its two initial roots.",
        "Checks that each root is signed by its own threshold and writes the trusted state\n"
        "(docs/metadata.md, section 8). Refuses to overwrite an existing state.",
        declare,
        run};
    return command;
}

} // namespace conduit::ctl
