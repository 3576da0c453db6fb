// conduitctl verify: full Uptane verification of an offline bundle against
// the vehicle's trusted state, including every target image (streamed),
// without installing anything or saving the state. What a workshop runs on
// a USB stick before plugging it into a car.
#include "subcommand.h"
#include "trustverdict.h"

#include "trust/bundle.h"
#include "trust/metadata.h"
#include "upstream/releaseinfo.h"

#include <QFile>

namespace conduit::ctl {

namespace {

using namespace trust;

const QCommandLineOption stateOption(QStringLiteral("state"), QStringLiteral("The vehicle's trusted state file."),
                                     QStringLiteral("FILE"));
const QCommandLineOption ecuOption(QStringLiteral("ecu"), QStringLiteral("An ECU of the vehicle (repeatable)."),
                                   QStringLiteral("SERIAL=HWID"));
const QCommandLineOption
    vehicleOption(QStringLiteral("vehicle"),
                  QStringLiteral("Vehicle description: {\"vin\": ..., \"ecus\": [{\"serial\": ..., "
                                 "\"hardware_id\": ...}]}."),
                  QStringLiteral("FILE.json"));
const QCommandLineOption timeOption(QStringLiteral("time"),
                                    QStringLiteral("Reference time (YYYY-MM-DDTHH:MM:SSZ, default: now)."),
                                    QStringLiteral("ISO"));

void declare(QCommandLineParser &p) {
    p.addOptions({stateOption, ecuOption, vehicleOption, timeOption});
    p.addPositionalArgument(QStringLiteral("BUNDLE"), QStringLiteral("The bundle file."));
}

int rejected(const TrustError &error) { return printError("verify", kExitRejected, describeRefusal(error)); }

std::optional<Vehicle> vehicleFrom(const QCommandLineParser &p, QString &why) {
    Vehicle vehicle;
    if (p.isSet(vehicleOption)) {
        QFile file(p.value(vehicleOption));
        if (!file.open(QIODevice::ReadOnly) || file.size() > 1024 * 1024) {
            why = QStringLiteral("cannot read %1").arg(file.fileName());
            return std::nullopt;
        }
        auto json = parseJson(file.readAll());
        if (!json || !(*json)["ecus"].isArray()) {
            why = QStringLiteral("%1: expected {\"vin\": ..., \"ecus\": [...]}").arg(file.fileName());
            return std::nullopt;
        }
        vehicle.vin = (*json)["vin"].toString();
        for (const JsonValue &ecu : (*json)["ecus"].toArray()) {
            if (!ecu["serial"].isString() || !ecu["hardware_id"].isString()) {
                why = QStringLiteral("%1: every ECU needs \"serial\" and \"hardware_id\"").arg(file.fileName());
                return std::nullopt;
            }
            vehicle.ecus.push_back(Ecu{ecu["serial"].toString(), ecu["hardware_id"].toString()});
        }
    }
    for (const QString &spec : p.values(ecuOption)) {
        const qsizetype eq = spec.indexOf(u'=');
        if (eq <= 0 || eq == spec.size() - 1) {
            why = QStringLiteral("--ecu expects SERIAL=HWID, got \"%1\"").arg(spec);
            return std::nullopt;
        }
        vehicle.ecus.push_back(Ecu{spec.left(eq), spec.mid(eq + 1)});
    }
    if (vehicle.ecus.empty()) {
        why = QStringLiteral("the vehicle has no ECUs: give --ecu SERIAL=HWID or --vehicle FILE.json");
        return std::nullopt;
    }
    return vehicle;
}

QString policyText(const InstallPolicy &policy) {
    QStringList parts{QString::number(policy.phase)};
    if (!policy.dependencies.isEmpty()) parts << QStringLiteral("after:") + policy.dependencies.join(u',');
    if (policy.requiresParked) parts << QStringLiteral("parked");
    if (policy.minBatterySoc) parts << QStringLiteral("battery>=%1%").arg(*policy.minBatterySoc);
    return parts.join(u' ');
}

int run(const QCommandLineParser &p) {
    if (p.positionalArguments().size() != 1 || !p.isSet(stateOption))
        return printError("verify", kExitUsage,
                          QStringLiteral("usage: conduitctl verify BUNDLE --state FILE --ecu SERIAL=HWID ..."));
    QString why;
    const auto vehicle = vehicleFrom(p, why);
    if (!vehicle) return printError("verify", kExitUsage, why);
    QDateTime now = QDateTime::currentDateTimeUtc();
    if (p.isSet(timeOption)) {
        const auto time = parseExpiry(p.value(timeOption));
        if (!time) return printError("verify", kExitUsage, QStringLiteral("--time must be YYYY-MM-DDTHH:MM:SSZ"));
        now = *time;
    }

    const TrustStore store(p.value(stateOption));
    auto trusted = store.load();
    if (!trusted)
        return printError("verify", kExitError, QStringLiteral("trusted state: %1").arg(trusted.error().message));

    auto bundle = BundleReader::open(p.positionalArguments().first());
    if (!bundle) return rejected(bundle.error());
    auto director = bundle->metadataSource(QStringLiteral("director"));
    auto image = bundle->metadataSource(QStringLiteral("image"));
    auto update = verifyUptane(*trusted, *director, *image, *vehicle, now);
    if (!update) return rejected(update.error());
    for (const VerifiedTarget &target : update->targets) {
        if (auto checked = verifyBundledTarget(*bundle, target); !checked) return rejected(checked.error());
        // What the host shows the driver: a bundle it would refuse for
        // malformed notes or times is not VERIFIED here either.
        if (QString error; !upstream::releaseInfoOf(target, &error))
            return rejected(trustError(TrustErrorKind::Malformed, error));
    }

    printLine(
        QStringLiteral("VERIFIED: %1 target(s); metadata and images match (nothing installed, trusted state unchanged)")
            .arg(update->targets.size()));
    printLine(QStringLiteral("ECU\tHARDWARE\tTARGET\tLENGTH\tSHA256\tCOUNTER\tPHASE"));
    for (const VerifiedTarget &t : update->targets) {
        printLine(QStringList{t.ecuSerial, t.hardwareId, t.name, QString::number(t.length),
                              t.hashes.count(QStringLiteral("sha256")) ? t.hashes.at(QStringLiteral("sha256"))
                                                                       : QStringLiteral("-"),
                              QString::number(t.releaseCounter), policyText(t.policy)}
                      .join(u'\t'));
    }
    return kExitOk;
}

} // namespace

const Subcommand &verifySubcommand() {
    static const Subcommand command{
        "verify",
        "BUNDLE --state FILE (--ecu SERIAL=HWID ... | --vehicle FILE.json) [--time ISO]",
        "Verify an offline bundle (metadata and images) without installing.",
        "Runs Uptane full verification of the bundle's Director and Image metadata against the\n"
        "trusted state, then streams every assigned image through its signed length and hashes.\n"
        "Prints the verified targets (ECU, hardware id, name, length, sha256, release counter,\n"
        "phase and conditions), or the attack detected. Nothing is installed or saved.\n"
        "Exit status: 0 verified, 1 rejected, 2 usage error, 3 trusted state unreadable.",
        declare,
        run};
    return command;
}

} // namespace conduit::ctl
