// conduit-repo subcommands: keygen, init.
#include "cli.h"

#include "trust/metadata.h"

namespace conduit::repo {

using namespace trust;

namespace {

// ---- keygen ---------------------------------------------------------------

void declareKeygen(QCommandLineParser &p) { p.addOptions({typeOption, seedOption, outOption}); }

int runKeygen(const QCommandLineParser &p) {
    if (!p.isSet(outOption)) return usage(QStringLiteral("--out is required"));
    const auto seed = seedFrom(p);
    if (!seed) return usage(QStringLiteral("--seed must be hex"));
    // A 32-byte seed is used as is; any other length is hashed to 32 bytes.
    const QByteArray keySeed =
        seed->isEmpty() || seed->size() == 32 ? *seed : QByteArray::fromHex(sha256Hex(*seed).toLatin1());
    auto key = makeKey(p.value(typeOption), keySeed);
    if (!key) return fail(key.error().message);
    if (auto written = writeKeyFile(p.value(outOption), *key); !written) return fail(written.error().message);
    say(QStringLiteral("keyid %1").arg(key->keyId()));
    say(QString::fromUtf8(canonicalJson(key->publicKey().json())));
    return 0;
}

// ---- init -----------------------------------------------------------------

const QCommandLineOption
    keyOption(QStringLiteral("key"),
              QStringLiteral("Use the private key FILE for REPO.ROLE (e.g. director.root=root.pem); "
                             "repeatable. Roles without --key get a new key."),
              QStringLiteral("REPO.ROLE=FILE"));

void declareInit(QCommandLineParser &p) { p.addOptions({repoOption, typeOption, seedOption, keyOption, nowOption}); }

int runInit(const QCommandLineParser &p) {
    if (!p.isSet(repoOption)) return usage(QStringLiteral("--repo is required"));
    const auto seed = seedFrom(p);
    const auto now = nowFrom(p);
    if (!seed || !now) return usage(QStringLiteral("--seed must be hex and --now YYYY-MM-DDTHH:MM:SSZ"));
    std::map<QString, SigningKey> keys;
    for (const QString &spec : p.values(keyOption)) {
        const qsizetype eq = spec.indexOf(u'=');
        const QString label = spec.left(eq);
        const QStringList parts = label.split(u'.');
        if (eq < 0 || parts.size() != 2 || !kRepositories.contains(parts[0]) || !kRoles.contains(parts[1]))
            return usage(QStringLiteral(
                "--key expects REPO.ROLE=FILE with REPO director|image and ROLE root|timestamp|snapshot|targets"));
        auto key = readKeyFile(spec.mid(eq + 1));
        if (!key) return fail(key.error().message);
        keys.emplace(label, *key);
    }
    auto ws = Workspace::create(p.value(repoOption), p.value(typeOption), *seed, keys, *now);
    if (!ws) return fail(ws.error().message);
    say(QStringLiteral("initialised director and image repositories in %1").arg(ws->dir()));
    return 0;
}

} // namespace

const Command keygenCommand{"keygen",
                            "--out KEYFILE [--type ed25519|ecdsa] [--seed HEX]",
                            "Generate a signing key (PKCS#8 PEM, mode 0600).",
                            "Writes a private key and prints its TUF key id and public key object.",
                            declareKeygen,
                            runKeygen};

const Command initCommand{"init",
                          "--repo DIR [--type T] [--seed HEX] [--key REPO.ROLE=FILE ...]",
                          "Create Director and Image repositories with keys and version 1 metadata.",
                          "Creates DIR (see docs/bundle.md, \"conduit-repo layout\"): keys for the four roles of both\n"
                          "repositories (given with --key, derived from --seed, or new), 1.root.json and an empty\n"
                          "signed release.",
                          declareInit,
                          runInit};

} // namespace conduit::repo
