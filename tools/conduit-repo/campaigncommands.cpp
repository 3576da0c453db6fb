// conduit-repo subcommand: campaign (sign a collection campaign document,
// write a vehicle's campaign trust file); docs/data-gathering.md, "Signing".
#include "cli.h"

#include "gathering/campaign/admission.h"

namespace conduit::repo {

using namespace trust;
namespace campaign = gathering::campaign;

namespace {

const QCommandLineOption campaignKeyOption(QStringLiteral("key"),
                                           QStringLiteral("A campaign signing key (PKCS#8 PEM, from `conduit-repo "
                                                          "keygen`); repeatable."),
                                           QStringLiteral("KEYFILE"));
const QCommandLineOption inOption({QStringLiteral("i"), QStringLiteral("in")},
                                  QStringLiteral("sign: the campaign document (its \"signed\" object, or an envelope "
                                                 "whose signatures are replaced)."),
                                  QStringLiteral("FILE"));
const QCommandLineOption thresholdOption(QStringLiteral("threshold"),
                                         QStringLiteral("keys: signatures a document needs (default 1)."),
                                         QStringLiteral("N"), QStringLiteral("1"));

void declareCampaign(QCommandLineParser &p) {
    p.addPositionalArgument(QStringLiteral("action"), QStringLiteral("sign or keys"));
    p.addOptions({campaignKeyOption, inOption, thresholdOption, outOption});
}

Result<std::vector<SigningKey>> keysFrom(const QCommandLineParser &p) {
    std::vector<SigningKey> keys;
    for (const QString &file : p.values(campaignKeyOption)) {
        auto key = readKeyFile(file);
        if (!key) return key.error();
        keys.push_back(*key);
    }
    return keys;
}

int runSign(const QCommandLineParser &p, const std::vector<SigningKey> &keys) {
    if (!p.isSet(inOption)) return usage(QStringLiteral("campaign sign needs --in"));
    auto document = readFile(p.value(inOption), 1 << 20);
    if (!document) return fail(document.error().message);
    auto envelope = campaign::signCampaign(*document, keys);
    if (!envelope)
        return fail(QStringLiteral("%1: %2 (%3)")
                        .arg(p.value(inOption), envelope.error().message, campaign::nameOf(envelope.error().kind)));
    if (auto written = writeFile(p.value(outOption), *envelope + '\n'); !written) return fail(written.error().message);
    say(QStringLiteral("signed %1 with %2 key(s): %3").arg(p.value(inOption)).arg(keys.size()).arg(p.value(outOption)));
    return 0;
}

int runKeys(const QCommandLineParser &p, const std::vector<SigningKey> &keys) {
    const auto threshold = integerOption(p, thresholdOption, 1, qint64(keys.size()));
    if (!threshold)
        return usage(QStringLiteral("--threshold must be from 1 to the number of keys (%1)").arg(keys.size()));
    std::vector<PublicKey> publicKeys;
    for (const SigningKey &k : keys) publicKeys.push_back(k.publicKey());
    const QByteArray trustFile = campaign::CampaignKeys::serialize(publicKeys, *threshold);
    if (auto parsed = campaign::CampaignKeys::parse(trustFile); !parsed)
        return fail(parsed.error().message); // e.g. one key given twice
    if (auto written = writeFile(p.value(outOption), trustFile); !written) return fail(written.error().message);
    say(QStringLiteral("wrote %1: %2 key(s), threshold %3").arg(p.value(outOption)).arg(keys.size()).arg(*threshold));
    return 0;
}

int runCampaign(const QCommandLineParser &p) {
    const QStringList args = p.positionalArguments();
    if (args.size() != 1 || (args[0] != QLatin1String("sign") && args[0] != QLatin1String("keys")))
        return usage(QStringLiteral("campaign expects one action: sign or keys"));
    if (!p.isSet(outOption)) return usage(QStringLiteral("--out is required"));
    if (!p.isSet(campaignKeyOption)) return usage(QStringLiteral("at least one --key is required"));
    auto keys = keysFrom(p);
    if (!keys) return fail(keys.error().message);
    return args[0] == QLatin1String("sign") ? runSign(p, *keys) : runKeys(p, *keys);
}

} // namespace

const Command campaignCommand{
    "campaign",
    "sign --in DOC --key KEYFILE... --out SIGNED | keys --key KEYFILE... [--threshold N] --out TRUSTFILE",
    "Sign a data collection campaign, or write a vehicle's campaign trust file.",
    "sign: checks DOC against the campaign schema (docs/data-gathering.md, \"Campaigns\") and writes\n"
    "the envelope {\"signed\", \"signatures\"} signed by every --key over its canonical JSON.\n"
    "keys: writes campaign-keys.json (the public keys of --key and the threshold) for the vehicle.",
    declareCampaign,
    runCampaign};

} // namespace conduit::repo
