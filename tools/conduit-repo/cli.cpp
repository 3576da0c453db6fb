// Shared pieces of the conduit-repo subcommands: output, common options,
// parsing helpers.
#include "cli.h"

#include "trust/metadata.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <botan/hash.h>

#include <cstdio>

namespace conduit::repo {

using namespace trust;

int fail(const QString &message) {
    std::fprintf(stderr, "conduit-repo: error: %s\n", qPrintable(message));
    return kExitFailed;
}

int usage(const QString &message) {
    std::fprintf(stderr, "conduit-repo: %s (see --help)\n", qPrintable(message));
    return kExitUsage;
}

void say(const QString &message) { std::printf("%s\n", qPrintable(message)); }

const QCommandLineOption repoOption({QStringLiteral("r"), QStringLiteral("repo")},
                                    QStringLiteral("Repository directory."), QStringLiteral("DIR"));
const QCommandLineOption typeOption(QStringLiteral("type"),
                                    QStringLiteral("Key type: ed25519 (default) or ecdsa (P-256)."),
                                    QStringLiteral("TYPE"), QStringLiteral("ed25519"));
const QCommandLineOption seedOption(QStringLiteral("seed"),
                                    QStringLiteral("Derive keys deterministically from HEX (for tests only: anyone "
                                                   "with the seed has the keys)."),
                                    QStringLiteral("HEX"));
const QCommandLineOption
    expiresOption(QStringLiteral("expires"),
                  QStringLiteral("Timestamp, snapshot and targets expire DAYS from now (default 30)."),
                  QStringLiteral("DAYS"), QStringLiteral("30"));
const QCommandLineOption
    nowOption(QStringLiteral("now"),
              QStringLiteral("Sign as if the time were ISO (YYYY-MM-DDTHH:MM:SSZ); for reproducible tests."),
              QStringLiteral("ISO"));
const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Output path."),
                                   QStringLiteral("PATH"));

std::optional<QDateTime> nowFrom(const QCommandLineParser &parser) {
    if (!parser.isSet(nowOption)) return QDateTime::currentDateTimeUtc();
    return parseExpiry(parser.value(nowOption));
}

std::optional<QByteArray> seedFrom(const QCommandLineParser &parser) {
    if (!parser.isSet(seedOption)) return QByteArray();
    const auto bytes = fromHex(parser.value(seedOption));
    if (!bytes || bytes->isEmpty()) return std::nullopt;
    return *bytes;
}

// Opens --repo or reports why not; `ok` is false on failure.
Result<Workspace> openRepo(const QCommandLineParser &parser) {
    if (!parser.isSet(repoOption)) return toolError(QStringLiteral("--repo is required"));
    return Workspace::open(parser.value(repoOption));
}

// Length, sha256 and sha512 of a file, streamed.
Result<JsonValue> fileEntry(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return toolError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    auto sha256 = Botan::HashFunction::create_or_throw("SHA-256");
    auto sha512 = Botan::HashFunction::create_or_throw("SHA-512");
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    qint64 length = 0;
    for (qint64 n; (n = file.read(chunk.data(), chunk.size())) > 0; length += n) {
        sha256->update(reinterpret_cast<const uint8_t *>(chunk.constData()), size_t(n));
        sha512->update(reinterpret_cast<const uint8_t *>(chunk.constData()), size_t(n));
    }
    auto hex = [](Botan::HashFunction &h) {
        const auto digest = h.final();
        return toHex(QByteArrayView(reinterpret_cast<const char *>(digest.data()), qsizetype(digest.size())));
    };
    return JsonValue(JsonValue::Object{{"length", JsonValue(length)},
                                       {"hashes", JsonValue(JsonValue::Object{{"sha256", JsonValue(hex(*sha256))},
                                                                              {"sha512", JsonValue(hex(*sha512))}})}});
}

bool copyFile(const QString &from, const QString &to) {
    QDir().mkpath(QFileInfo(to).absolutePath());
    QFile::remove(to);
    return QFile::copy(from, to);
}

std::optional<qint64> integerOption(const QCommandLineParser &p, const QCommandLineOption &option, qint64 min,
                                    qint64 max) {
    bool ok = false;
    const qint64 value = p.value(option).toLongLong(&ok);
    if (!ok || value < min || value > max) return std::nullopt;
    return value;
}

} // namespace conduit::repo
