// conduit-repo subcommands: sign, rotate, bundle, publish.
#include "cli.h"

#include "trust/bundle.h"
#include "trust/metadata.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>

namespace conduit::repo {

using namespace trust;

namespace {

// ---- sign -----------------------------------------------------------------

void declareSign(QCommandLineParser &p) { p.addOptions({repoOption, expiresOption, nowOption}); }

int signAndReport(Workspace &ws, const QCommandLineParser &p) {
    bool ok = false;
    const int days = p.value(expiresOption).toInt(&ok);
    const auto now = nowFrom(p);
    if (!ok || !now) return usage(QStringLiteral("--expires must be a number of days and --now YYYY-MM-DDTHH:MM:SSZ"));
    if (auto signedOk = ws.sign(*now, days); !signedOk) return fail(signedOk.error().message);
    for (const QString &repository : kRepositories) {
        const RepositoryState &state = ws.repository(repository);
        say(QStringLiteral("%1: root v%2, targets v%3 (%4 targets), expires %5")
                .arg(repository)
                .arg(state.roles.at(QStringLiteral("root")).version)
                .arg(state.roles.at(QStringLiteral("targets")).version)
                .arg(state.targets.size())
                .arg(formatExpiry(state.roles.at(QStringLiteral("timestamp")).expires)));
    }
    return 0;
}

int runSign(const QCommandLineParser &p) {
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    return signAndReport(*ws, p);
}

// ---- rotate ---------------------------------------------------------------

const QCommandLineOption
    roleOption(QStringLiteral("role"),
               QStringLiteral("Role to give a new key: [director.|image.]root|timestamp|snapshot|targets "
                              "(without a repository prefix: both)."),
               QStringLiteral("ROLE"));
const QCommandLineOption newKeyOption(QStringLiteral("key"),
                                      QStringLiteral("Use this private key FILE instead of a new one."),
                                      QStringLiteral("FILE"));

void declareRotate(QCommandLineParser &p) {
    p.addOptions({repoOption, roleOption, typeOption, seedOption, newKeyOption, expiresOption, nowOption});
}

int runRotate(const QCommandLineParser &p) {
    const QStringList parts = p.value(roleOption).split(u'.');
    const QString role = parts.last();
    const QStringList repositories = parts.size() == 2 ? QStringList{parts.first()} : kRepositories;
    if (!p.isSet(roleOption) || parts.size() > 2 || !kRoles.contains(role) ||
        (parts.size() == 2 && !kRepositories.contains(parts.first())))
        return usage(QStringLiteral("--role expects [director.|image.]root|timestamp|snapshot|targets"));
    const auto seed = seedFrom(p);
    const auto now = nowFrom(p);
    if (!seed || !now) return usage(QStringLiteral("--seed must be hex and --now YYYY-MM-DDTHH:MM:SSZ"));
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    for (const QString &repository : repositories) {
        // A seeded rotation key differs from the init key and from earlier
        // rotations: the derivation includes the root version it creates.
        const qint64 nextRoot = ws->repository(repository).roles.at(QStringLiteral("root")).version + 1;
        const QByteArray label =
            '/' + repository.toUtf8() + '/' + role.toUtf8() + "/rotate/" + QByteArray::number(nextRoot);
        Result<SigningKey> key =
            p.isSet(newKeyOption)
                ? readKeyFile(p.value(newKeyOption))
                : makeKey(p.value(typeOption),
                          seed->isEmpty() ? QByteArray() : QByteArray::fromHex(sha256Hex(*seed + label).toLatin1()));
        if (!key) return fail(key.error().message);
        if (auto rotated = ws->rotate(repository, role, *key, *now); !rotated) return fail(rotated.error().message);
        say(QStringLiteral("%1 %2: new key %3").arg(repository, role, key->keyId()));
    }
    return signAndReport(*ws, p);
}

// ---- bundle / publish -----------------------------------------------------

const QCommandLineOption
    allTargetsOption(QStringLiteral("all-targets"),
                     QStringLiteral("Carry every Image target, not only those the Director assigns."));

void declareBundle(QCommandLineParser &p) { p.addOptions({repoOption, outOption, allTargetsOption, nowOption}); }

int runBundle(const QCommandLineParser &p) {
    if (!p.isSet(outOption)) return usage(QStringLiteral("--out is required"));
    const auto now = nowFrom(p);
    if (!now) return usage(QStringLiteral("--now must be YYYY-MM-DDTHH:MM:SSZ"));
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    BundleWriter writer;
    for (const QString &repository : kRepositories) {
        auto files = ws->currentMetadata(repository);
        if (!files) return fail(files.error().message);
        for (const auto &[name, bytes] : *files) {
            if (auto added = writer.addMetadata(repository, name, bytes); !added) return fail(added.error().message);
        }
    }
    const QStringList targets =
        ws->repository(p.isSet(allTargetsOption) ? QStringLiteral("image") : QStringLiteral("director")).targetNames();
    for (const QString &name : targets) {
        if (auto added = writer.addTargetFile(name, ws->targetFile(name)); !added) return fail(added.error().message);
    }
    const QString generator = QStringLiteral("conduit-repo %1").arg(QCoreApplication::applicationVersion());
    if (auto written = writer.write(p.value(outOption), *now, generator); !written)
        return fail(written.error().message);
    say(QStringLiteral("wrote %1 (%2 targets)").arg(p.value(outOption)).arg(targets.size()));
    return 0;
}

void declarePublish(QCommandLineParser &p) { p.addOptions({repoOption, outOption}); }

int runPublish(const QCommandLineParser &p) {
    if (!p.isSet(outOption)) return usage(QStringLiteral("--out is required"));
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    const QString out = QDir(p.value(outOption)).absolutePath();
    for (const QString &repository : kRepositories) {
        auto files = ws->currentMetadata(repository);
        if (!files) return fail(files.error().message);
        QDir().mkpath(out + u'/' + repository);
        for (const auto &[name, bytes] : *files) {
            QFile file(out + u'/' + repository + u'/' + name);
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
                return fail(QStringLiteral("cannot write %1").arg(file.fileName()));
        }
    }
    // Image targets under their consistent-snapshot names: <dir>/<sha256>.<base>.
    const RepositoryState &image = ws->repository(QStringLiteral("image"));
    for (const QString &name : image.targetNames()) {
        const qsizetype slash = name.lastIndexOf(u'/');
        const QString sha256 = (*image.findTarget(name))["hashes"]["sha256"].toString();
        const QString published = name.left(slash + 1) + sha256 + u'.' + name.mid(slash + 1);
        if (!copyFile(ws->targetFile(name), out + QStringLiteral("/image/targets/") + published))
            return fail(QStringLiteral("cannot copy target %1").arg(name));
    }
    say(QStringLiteral("published to %1 (serve %1/director and %1/image)").arg(out));
    return 0;
}

} // namespace

const Command signCommand{"sign",
                          "--repo DIR [--expires DAYS]",
                          "Release: new timestamp, snapshot and targets versions, signed.",
                          "Bumps the timestamp, snapshot and targets versions of both repositories (and of delegated\n"
                          "roles), sets their expiry to DAYS from now and signs them. Use it also to re-sign with a\n"
                          "new expiry.",
                          declareSign,
                          runSign};

const Command rotateCommand{"rotate",
                            "--repo DIR --role [REPO.]ROLE [--key FILE | --type T [--seed HEX]]",
                            "Give a role a new key: root N+1 signed by the old and the new root keys.",
                            "Replaces the role's key, publishes root version N+1 signed by the previous root keys and\n"
                            "the current ones, then signs a new release. Old key files stay in DIR/keys.",
                            declareRotate,
                            runRotate};

const Command bundleCommand{"bundle",
                            "--repo DIR --out FILE.bundle [--all-targets]",
                            "Write an offline bundle (ustar, docs/bundle.md).",
                            "Writes both repositories' current metadata and the images of the Director's targets\n"
                            "into one bundle that `conduitctl verify` and the host accept. `tar tvf` lists it.",
                            declareBundle,
                            runBundle};

const Command publishCommand{
    "publish",
    "--repo DIR --out OUTDIR",
    "Write a plain TUF directory layout for an HTTP server.",
    "Writes OUTDIR/director/ and OUTDIR/image/ with N.root.json, timestamp.json, V.snapshot.json,\n"
    "V.targets.json, and OUTDIR/image/targets/ with consistent-snapshot names (<sha256>.<name>).",
    declarePublish,
    runPublish};

} // namespace conduit::repo
