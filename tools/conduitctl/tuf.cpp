// conduitctl tuf: a plain TUF 1.0 client for one repository, on the host's
// trust core, speaking the client-under-test command line of the TUF
// conformance suite (tuf-conformance, CLIENT-CLI.md):
//   tuf --metadata-dir DIR init ROOT.json
//   tuf --metadata-dir DIR --metadata-url URL refresh
//   tuf --metadata-dir DIR --metadata-url URL --target-name PATH ...
//       --target-base-url URL --target-dir DIR download
// so that anyone can run the official suite against Conduit, and an operator
// can check a third-party repository with a public command.
#include "subcommand.h"
#include "trustverdict.h"
#include "tufmetadatadir.h"
#include "tuftargets.h"

#include "text/untrustedtext.h"
#include "trust/httpsource.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

#include <cstdio>

namespace conduit::ctl {

namespace {

using namespace trust;

// CLIENT-CLI.md: 0 when the command succeeded fully, 1 for any failure
// (an attack as well as a repository that cannot be reached).
constexpr int kExitFailed = 1;

const QCommandLineOption metadataDirOption(QStringLiteral("metadata-dir"),
                                           QStringLiteral("Where the client keeps the metadata it trusts."),
                                           QStringLiteral("DIR"));
const QCommandLineOption metadataUrlOption(QStringLiteral("metadata-url"),
                                           QStringLiteral("The repository's metadata URL (http or https)."),
                                           QStringLiteral("URL"));
const QCommandLineOption
    targetNameOption(QStringLiteral("target-name"),
                     QStringLiteral("TUF target path to download (repeatable: in order, stop at the "
                                    "first failure)."),
                     QStringLiteral("PATH"));
const QCommandLineOption targetBaseUrlOption(QStringLiteral("target-base-url"),
                                             QStringLiteral("The repository's targets URL."), QStringLiteral("URL"));
const QCommandLineOption targetDirOption(QStringLiteral("target-dir"),
                                         QStringLiteral("Where verified targets are stored."), QStringLiteral("DIR"));
const QCommandLineOption timeOption(QStringLiteral("time"),
                                    QStringLiteral("Reference time for expiry (YYYY-MM-DDTHH:MM:SSZ, default: now)."),
                                    QStringLiteral("ISO"));
const QCommandLineOption daysInFutureOption(QStringLiteral("days-in-future"),
                                            QStringLiteral("Check expiry N days after the reference time."),
                                            QStringLiteral("N"));
const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                       QStringLiteral("Log every metadata and target request (stderr, conduit.tuf)."));

void declare(QCommandLineParser &p) {
    p.addOptions({metadataDirOption, metadataUrlOption, targetNameOption, targetBaseUrlOption, targetDirOption,
                  timeOption, daysInFutureOption, verboseOption});
    p.addPositionalArgument(QStringLiteral("COMMAND"), QStringLiteral("init ROOT.json | refresh | download"));
}

int usage(const QString &message) { return printError("tuf", kExitUsage, message); }

int failed(const char *verb, const QString &message) {
    return printError("tuf", kExitFailed, QStringLiteral("%1: %2").arg(QLatin1String(verb), message));
}

std::optional<QDateTime> referenceTime(const QCommandLineParser &p, QString *why) {
    QDateTime now = QDateTime::currentDateTimeUtc();
    if (p.isSet(timeOption)) {
        const auto time = parseExpiry(p.value(timeOption));
        if (!time) {
            *why = QStringLiteral("--time must be YYYY-MM-DDTHH:MM:SSZ");
            return std::nullopt;
        }
        now = *time;
    }
    if (p.isSet(daysInFutureOption)) {
        bool ok = false;
        const int days = p.value(daysInFutureOption).toInt(&ok);
        if (!ok) {
            *why = QStringLiteral("--days-in-future must be a whole number of days");
            return std::nullopt;
        }
        now = now.addDays(days);
    }
    return now;
}

std::optional<QUrl> urlOption(const QCommandLineParser &p, const QCommandLineOption &option, QString *why) {
    const QUrl url(p.value(option), QUrl::StrictMode);
    if (!p.isSet(option) || !url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty()) {
        *why = QStringLiteral("--%1 must be an http or https URL").arg(option.names().constFirst());
        return std::nullopt;
    }
    return url;
}

QString summary(const VerifiedRepository &repository) {
    QStringList delegated;
    for (const auto &[name, metadata] : repository.delegated)
        delegated << QStringLiteral("%1 v%2").arg(name).arg(metadata.metadata.version);
    return QStringLiteral("root v%1, timestamp v%2, snapshot v%3, targets v%4%5")
        .arg(repository.root.metadata.version)
        .arg(repository.timestamp.metadata.version)
        .arg(repository.snapshot.metadata.version)
        .arg(repository.targets.metadata.version)
        .arg(delegated.isEmpty() ? QString() : QStringLiteral(", delegated: ") + delegated.join(QStringLiteral(", ")));
}

// The repository's metadata over HTTP, each request logged (lcTuf).
class LoggedHttpSource : public MetadataSource {
public:
    explicit LoggedHttpSource(const QUrl &url) : m_http(HttpSourceConfig{url, std::nullopt}) {}
    std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) override {
        auto bytes = m_http.fetch(name, maxBytes);
        qCInfo(lcTuf).noquote() << "metadata" << name << "->"
                                << (bytes ? QStringLiteral("%1 bytes").arg(bytes->size()) : m_http.lastError());
        return bytes;
    }
    QString lastError() const { return m_http.lastError(); }

private:
    HttpMetadataSource m_http;
};

// The TUF client workflow from the trusted metadata in the directory; what
// was verified is persisted even when a later step fails (TUF 5.3.8 ff.).
// Prints the reason and returns nullopt on failure.
std::optional<VerifiedRepository> refreshFrom(const char *verb, const TufMetadataDir &dir, const QUrl &metadataUrl,
                                              const QDateTime &now) {
    QStringList notes;
    auto trusted = dir.load(&notes);
    for (const QString &note : notes) std::fprintf(stderr, "conduitctl tuf: note: %s\n", conduit_printable(note));
    if (!trusted) {
        failed(verb, describeRefusal(trusted.error()));
        return std::nullopt;
    }
    LoggedHttpSource source(metadataUrl);
    RefreshProgress progress;
    auto verified = refreshRepository(QStringLiteral("TUF"), *trusted, source, now, RoleLimits{}, &progress);
    const Status persisted = dir.persist(*trusted, progress);
    if (!persisted && !verified) // both matter: say the first here, the refusal below
        std::fprintf(stderr, "conduitctl tuf: %s: %s\n", verb, conduit_printable(describeRefusal(persisted.error())));
    if (!verified) {
        TrustError error = verified.error();
        if (error.kind == TrustErrorKind::Missing && !source.lastError().isEmpty())
            error.message += QStringLiteral(" (%1)").arg(source.lastError());
        failed(verb, describeRefusal(error));
        return std::nullopt;
    }
    if (!persisted) {
        failed(verb, describeRefusal(persisted.error()));
        return std::nullopt;
    }
    return std::move(*verified);
}

int runInit(const QCommandLineParser &p, const TufMetadataDir &dir) {
    const QStringList args = p.positionalArguments();
    if (args.size() != 2) return usage(QStringLiteral("usage: conduitctl tuf --metadata-dir DIR init ROOT.json"));
    QFile file(args[1]);
    if (!file.open(QIODevice::ReadOnly))
        return failed("init", QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
    const QByteArray root = file.read(RoleLimits{}.root + 1);
    if (auto initialised = dir.init(root); !initialised) return failed("init", describeRefusal(initialised.error()));
    printLine(QStringLiteral("initialised %1 with the trusted root in %2").arg(dir.path(), file.fileName()));
    return kExitOk;
}

int runRefresh(const QCommandLineParser &p, const TufMetadataDir &dir, const QDateTime &now) {
    QString why;
    const auto metadataUrl = urlOption(p, metadataUrlOption, &why);
    if (!metadataUrl) return usage(why);
    const auto verified = refreshFrom("refresh", dir, *metadataUrl, now);
    if (!verified) return kExitFailed;
    printLine(QStringLiteral("refreshed %1: %2").arg(dir.path(), summary(*verified)));
    return kExitOk;
}

int runDownload(const QCommandLineParser &p, const TufMetadataDir &dir, const QDateTime &now) {
    QString why;
    const auto metadataUrl = urlOption(p, metadataUrlOption, &why);
    const auto targetBaseUrl = metadataUrl ? urlOption(p, targetBaseUrlOption, &why) : std::nullopt;
    if (!metadataUrl || !targetBaseUrl) return usage(why);
    if (!p.isSet(targetNameOption) || !p.isSet(targetDirOption))
        return usage(QStringLiteral("download needs --target-name, --target-base-url and --target-dir"));
    // CLIENT-CLI.md: the metadata is brought up to date before any target.
    const auto verified = refreshFrom("download", dir, *metadataUrl, now);
    if (!verified) return kExitFailed;
    const QString targetDir = p.value(targetDirOption);
    for (const QString &name : p.values(targetNameOption)) {
        const auto target = verified->findTarget(name);
        if (!target) {
            return failed("download", describeRefusal(trustError(
                                          TrustErrorKind::Missing,
                                          QStringLiteral("target %1 is not in the trusted targets metadata (%2)")
                                              .arg(name, summary(*verified)))));
        }
        auto fetched = fetchTarget(*verified, *target, *targetBaseUrl, targetDir);
        if (!fetched) return failed("download", describeRefusal(fetched.error()));
        const QString path = QDir(targetDir).filePath(targetFileName(name));
        printLine(
            *fetched == TargetFetch::Downloaded
                ? QStringLiteral("downloaded %1 (%2 bytes, verified) to %3").arg(name).arg(target->length).arg(path)
                : QStringLiteral("%1 is already verified in %2 (not downloaded again)").arg(name, path));
    }
    return kExitOk;
}

int run(const QCommandLineParser &p) {
    const QStringList args = p.positionalArguments();
    if (args.isEmpty() || !p.isSet(metadataDirOption))
        return usage(
            QStringLiteral("usage: conduitctl tuf --metadata-dir DIR (init ROOT.json | refresh | download) [options]"));
    if (p.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.debug=true\nconduit.*.info=true"));
    const TufMetadataDir dir(p.value(metadataDirOption));
    const QString &verb = args.constFirst();
    if (verb == u"init") return runInit(p, dir);
    QString why;
    const auto now = referenceTime(p, &why);
    if (!now) return usage(why);
    if (verb == u"refresh" && args.size() == 1) return runRefresh(p, dir, *now);
    if (verb == u"download" && args.size() == 1) return runDownload(p, dir, *now);
    return usage(
        QStringLiteral("unknown command \"%1\": expected init ROOT.json, refresh or download").arg(args.join(u' ')));
}

} // namespace

const Subcommand &tufSubcommand() {
    static const Subcommand command{
        "tuf",
        "--metadata-dir DIR (init ROOT.json | refresh | download) [options]",
        "A TUF client for one repository (the conformance suite's client-under-test CLI).",
        "A plain TUF 1.0 client on the host's trust core, with the command line of the TUF\n"
        "conformance suite (tuf-conformance, CLIENT-CLI.md); see docs/metadata.md, section 12.\n"
        "  init ROOT.json   trust ROOT.json (signed by its own threshold) as DIR/root.json\n"
        "  refresh          update the trusted metadata from --metadata-url\n"
        "  download         refresh, then fetch each --target-name from --target-base-url into\n"
        "                   --target-dir, verified against its signed length and hashes\n"
        "DIR holds exactly the metadata trusted, one file per role (root.json, timestamp.json,\n"
        "snapshot.json, targets.json, <delegated role>.json), each as it was verified.\n"
        "Exit status: 0 success, 1 failed (refused, unreachable, not initialised), 2 usage error.",
        declare,
        run};
    return command;
}

} // namespace conduit::ctl
