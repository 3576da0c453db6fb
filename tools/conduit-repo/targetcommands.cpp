// conduit-repo subcommands: add-target, delegate, assign (staged until `sign`).
#include "cli.h"

#include "trust/metadata.h"
#include "upstream/releaseinfo.h"

#include <QFile>
#include <QFileInfo>

namespace conduit::repo {

using namespace trust;

namespace {

// ---- add-target -----------------------------------------------------------

const QCommandLineOption nameOption(QStringLiteral("name"), QStringLiteral("Target name (default: the file's name)."),
                                    QStringLiteral("NAME"));
const QCommandLineOption hardwareOption(QStringLiteral("hardware-id"),
                                        QStringLiteral("Hardware id the image is built for (repeatable)."),
                                        QStringLiteral("ID"));
const QCommandLineOption counterOption(QStringLiteral("release-counter"),
                                       QStringLiteral("Anti-rollback counter (integer >= 0)."), QStringLiteral("N"));
const QCommandLineOption phaseOption(QStringLiteral("phase"),
                                     QStringLiteral("Install phase, lower first (integer >= 0)."), QStringLiteral("N"));
const QCommandLineOption dependsOption(QStringLiteral("depends"),
                                       QStringLiteral("Target that must be installed first (repeatable)."),
                                       QStringLiteral("NAME"));
const QCommandLineOption parkedOption(QStringLiteral("require-parked"), QStringLiteral("Install only while parked."));
const QCommandLineOption batteryOption(QStringLiteral("min-battery"),
                                       QStringLiteral("Minimum battery state of charge to install, percent."),
                                       QStringLiteral("PCT"));

const QCommandLineOption
    versionOption(QStringLiteral("version"),
                  QStringLiteral("Software version the image carries, as devices report it and drivers see it "
                                 "(signed as custom.conduit.version; default: the target name)."),
                  QStringLiteral("V"));

const QCommandLineOption
    deferralsOption(QStringLiteral("max-deferrals"),
                    QStringLiteral("How often the driver may postpone this update (integer >= 0)."),
                    QStringLiteral("N"));

const QCommandLineOption
    conditionBreakOption(QStringLiteral("on-condition-break"),
                         QStringLiteral("When a condition breaks mid-installation: pause, continue or rollback."),
                         QStringLiteral("RULE"));

const QCommandLineOption
    notesOption(QStringLiteral("release-notes"),
                QStringLiteral("Release notes for the driver in LOCALE (en, de, de-DE, ...) from FILE, "
                               "plain UTF-8 text (repeatable; signed as custom.conduit.release_notes)."),
                QStringLiteral("LOCALE=FILE"));

const QCommandLineOption installSecondsOption(QStringLiteral("install-seconds"),
                                              QStringLiteral("How long installing this image takes, seconds (0..86400; "
                                                             "shown to the driver before consent)."),
                                              QStringLiteral("N"));

const QCommandLineOption unusableSecondsOption(QStringLiteral("unusable-seconds"),
                                               QStringLiteral("How long the vehicle cannot be driven for this image, "
                                                              "seconds (0..86400)."),
                                               QStringLiteral("N"));

const QCommandLineOption
    inRoleOption(QStringLiteral("role"),
                 QStringLiteral("List the target in this delegated role (see `delegate`) instead of "
                                "top-level targets."),
                 QStringLiteral("ROLE"));

void declareAddTarget(QCommandLineParser &p) {
    p.addOptions({repoOption, nameOption, hardwareOption, counterOption, phaseOption, dependsOption, parkedOption,
                  batteryOption, versionOption, deferralsOption, conditionBreakOption, notesOption,
                  installSecondsOption, unusableSecondsOption, inRoleOption});
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The image file."));
}

// --release-notes LOCALE=FILE, each into notes[LOCALE]; "" or the problem.
QString readReleaseNotes(const QStringList &specs, JsonValue *notes) {
    for (const QString &spec : specs) {
        const qsizetype eq = spec.indexOf(QLatin1Char('='));
        if (eq <= 0) return QStringLiteral("--release-notes takes LOCALE=FILE, not \"%1\"").arg(spec);
        const QString locale = spec.left(eq), path = spec.mid(eq + 1);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        // The host's cap (8 KiB) is far below this: no need to read on.
        if (file.size() > (1 << 20))
            return QStringLiteral("%1 is %2 bytes, far over the limit for release notes").arg(path).arg(file.size());
        QByteArray bytes = file.readAll();
        if (firstInvalidUtf8(bytes) >= 0) return QStringLiteral("%1 is not UTF-8 text").arg(path);
        // Files from other editors: CRLF line ends, a final newline.
        bytes.replace("\r\n", "\n");
        if (notes->contains(locale.toStdString())) return QStringLiteral("--release-notes gives %1 twice").arg(locale);
        notes->insert(locale.toStdString(), JsonValue(QString::fromUtf8(bytes).trimmed()));
    }
    return {};
}

int runAddTarget(const QCommandLineParser &p) {
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("add-target takes exactly one FILE"));
    const QString file = p.positionalArguments().first();
    const QString name = p.isSet(nameOption) ? p.value(nameOption) : QFileInfo(file).fileName();
    if (!isSafeTargetName(name))
        return usage(QStringLiteral("target name \"%1\" is not a safe relative path").arg(name));
    if (p.values(hardwareOption).isEmpty() || !p.isSet(counterOption))
        return usage(QStringLiteral("--hardware-id and --release-counter are required"));
    const auto counter = integerOption(p, counterOption, 0, std::numeric_limits<qint64>::max());
    if (!counter) return usage(QStringLiteral("--release-counter must be an integer >= 0"));

    JsonValue policy(JsonValue::Object{});
    if (p.isSet(phaseOption)) {
        const auto phase = integerOption(p, phaseOption, 0, std::numeric_limits<qint64>::max());
        if (!phase) return usage(QStringLiteral("--phase must be an integer >= 0"));
        policy.insert("phase", JsonValue(*phase));
    }
    if (p.isSet(dependsOption)) policy.insert("dependencies", JsonValue::array(p.values(dependsOption)));
    if (p.isSet(deferralsOption)) {
        const auto n = integerOption(p, deferralsOption, 0, 1000);
        if (!n) return usage(QStringLiteral("--max-deferrals must be an integer 0..1000"));
        policy.insert("max_deferrals", JsonValue(*n));
    }
    if (p.isSet(conditionBreakOption)) {
        const QString rule = p.value(conditionBreakOption);
        if (rule != QLatin1String("pause") && rule != QLatin1String("continue") && rule != QLatin1String("rollback"))
            return usage(QStringLiteral("--on-condition-break must be pause, continue or rollback"));
        policy.insert("on_condition_break", JsonValue(rule));
    }
    if (p.isSet(versionOption)) {
        if (p.value(versionOption).isEmpty()) return usage(QStringLiteral("--version must not be empty"));
        policy.insert("version", JsonValue(p.value(versionOption)));
    }
    for (const QCommandLineOption *option : {&installSecondsOption, &unusableSecondsOption}) {
        if (!p.isSet(*option)) continue;
        const auto n = integerOption(p, *option, 0, upstream::ReleaseInfoLimits{}.maxSeconds);
        if (!n)
            return usage(QStringLiteral("--%1 must be an integer 0..%2")
                             .arg(option->names().first())
                             .arg(upstream::ReleaseInfoLimits{}.maxSeconds));
        policy.insert(option == &installSecondsOption ? "install_seconds" : "unusable_seconds", JsonValue(*n));
    }
    if (p.isSet(notesOption)) {
        JsonValue notes(JsonValue::Object{});
        if (const QString problem = readReleaseNotes(p.values(notesOption), &notes); !problem.isEmpty())
            return usage(problem);
        policy.insert("release_notes", notes);
    }
    JsonValue conditions(JsonValue::Object{});
    if (p.isSet(parkedOption)) conditions.insert("parked", true);
    if (p.isSet(batteryOption)) {
        const auto soc = integerOption(p, batteryOption, 0, 100);
        if (!soc) return usage(QStringLiteral("--min-battery must be 0..100"));
        conditions.insert("min_battery_soc", JsonValue(*soc));
    }
    if (!conditions.toObject().empty()) policy.insert("conditions", conditions);
    // The host's own check: a release it would refuse is refused here.
    if (QString error; !upstream::releaseInfoOf(policy, name, &error)) return usage(error);

    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    auto entry = fileEntry(file);
    if (!entry) return fail(entry.error().message);
    JsonValue custom(JsonValue::Object{{"hardware_ids", JsonValue::array(p.values(hardwareOption))},
                                       {"release_counter", JsonValue(*counter)}});
    if (!policy.toObject().empty()) custom.insert("conduit", policy);
    entry->insert("custom", custom);
    RepositoryState &image = ws->repository(QStringLiteral("image"));
    std::map<QString, JsonValue> *listing = &image.targets;
    if (p.isSet(inRoleOption)) {
        auto role = image.delegations.find(p.value(inRoleOption));
        if (role == image.delegations.end())
            return fail(QStringLiteral("no delegated role %1 (create it with `delegate`)").arg(p.value(inRoleOption)));
        DelegatedRole pattern;
        pattern.paths = role->second.paths;
        if (!pattern.matches(name))
            return fail(QStringLiteral("target %1 is outside the paths of role %2 (%3)")
                            .arg(name, role->first, role->second.paths.join(QStringLiteral(", "))));
        listing = &role->second.targets;
    }
    // A target is listed in exactly one role.
    image.targets.erase(name);
    for (auto &[role, d] : image.delegations) d.targets.erase(name);
    if (!copyFile(file, ws->targetFile(name)))
        return fail(QStringLiteral("cannot copy %1 into the repository").arg(file));
    (*listing)[name] = *entry;
    if (auto saved = ws->save(); !saved) return fail(saved.error().message);
    say(QStringLiteral("staged target %1 (%2 bytes, sha256 %3); run `conduit-repo sign` to release it")
            .arg(name)
            .arg((*entry)["length"].toInteger())
            .arg((*entry)["hashes"]["sha256"].toString()));
    return 0;
}

// ---- assign ---------------------------------------------------------------

const QCommandLineOption ecuOption(QStringLiteral("ecu"), QStringLiteral("ECU serial."), QStringLiteral("SERIAL"));
const QCommandLineOption targetOption(QStringLiteral("target"), QStringLiteral("Target name (added with add-target)."),
                                      QStringLiteral("NAME"));
const QCommandLineOption ecuHardwareOption(QStringLiteral("hardware-id"),
                                           QStringLiteral("The ECU's hardware id (default: the target's first)."),
                                           QStringLiteral("ID"));

void declareAssign(QCommandLineParser &p) { p.addOptions({repoOption, ecuOption, targetOption, ecuHardwareOption}); }

int runAssign(const QCommandLineParser &p) {
    if (!p.isSet(ecuOption) || !p.isSet(targetOption)) return usage(QStringLiteral("--ecu and --target are required"));
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    const QString serial = p.value(ecuOption);
    const QString name = p.value(targetOption);
    const JsonValue *imageEntry = ws->repository(QStringLiteral("image")).findTarget(name);
    if (!imageEntry) return fail(QStringLiteral("no target %1 in the image repository (add-target first)").arg(name));
    const JsonValue imageCustom = (*imageEntry)["custom"];
    const JsonValue::Array &imageHardware = imageCustom["hardware_ids"].toArray();
    if (!p.isSet(ecuHardwareOption) && (imageHardware.empty() || !imageHardware.front().isString()))
        return usage(QStringLiteral("target %1 lists no hardware id: give --hardware-id").arg(name));
    const QString hardwareId =
        p.isSet(ecuHardwareOption) ? p.value(ecuHardwareOption) : imageHardware.front().toString();

    // An ECU installs one target: drop it from any other Director target.
    auto &director = ws->repository(QStringLiteral("director")).targets;
    for (auto it = director.begin(); it != director.end();) {
        JsonValue custom = it->second["custom"];
        JsonValue ecus = custom["ecu_identifiers"];
        ecus.remove(serial.toStdString());
        custom.insert("ecu_identifiers", ecus);
        it->second.insert("custom", custom);
        it = ecus.toObject().empty() ? director.erase(it) : std::next(it);
    }
    JsonValue entry = director.count(name) ? director[name] : *imageEntry;
    JsonValue custom = entry["custom"];
    JsonValue ecus = custom["ecu_identifiers"].isObject() ? custom["ecu_identifiers"] : JsonValue(JsonValue::Object{});
    ecus.insert(serial.toStdString(), JsonValue(JsonValue::Object{{"hardware_id", JsonValue(hardwareId)}}));
    JsonValue directorCustom(
        JsonValue::Object{{"ecu_identifiers", ecus}, {"release_counter", imageCustom["release_counter"]}});
    entry.insert("custom", directorCustom);
    director[name] = entry;
    if (auto saved = ws->save(); !saved) return fail(saved.error().message);
    say(QStringLiteral("ECU %1 (%2) -> %3; run `conduit-repo sign` to release it").arg(serial, hardwareId, name));
    return 0;
}

// ---- delegate -------------------------------------------------------------

const QCommandLineOption delegateRoleOption(QStringLiteral("role"), QStringLiteral("Name of the new delegated role."),
                                            QStringLiteral("NAME"));
const QCommandLineOption pathsOption(QStringLiteral("paths"),
                                     QStringLiteral("Target names the role may sign, TUF pattern ('*' stays within one "
                                                    "path segment), repeatable."),
                                     QStringLiteral("PATTERN"));

void declareDelegate(QCommandLineParser &p) {
    p.addOptions({repoOption, delegateRoleOption, pathsOption, typeOption, seedOption, nowOption});
}

int runDelegate(const QCommandLineParser &p) {
    if (!p.isSet(delegateRoleOption) || p.values(pathsOption).isEmpty())
        return usage(QStringLiteral("--role and at least one --paths are required"));
    const auto seed = seedFrom(p);
    const auto now = nowFrom(p);
    if (!seed || !now) return usage(QStringLiteral("--seed must be hex and --now YYYY-MM-DDTHH:MM:SSZ"));
    auto ws = openRepo(p);
    if (!ws) return fail(ws.error().message);
    const QString role = p.value(delegateRoleOption);
    auto key = makeKey(p.value(typeOption),
                       seed->isEmpty()
                           ? QByteArray()
                           : QByteArray::fromHex(sha256Hex(*seed + "/image/delegation/" + role.toUtf8()).toLatin1()));
    if (!key) return fail(key.error().message);
    if (auto added = ws->addDelegation(role, p.values(pathsOption), *key, *now); !added)
        return fail(added.error().message);
    say(QStringLiteral("image targets delegates %1 to role %2 (key %3); run `conduit-repo sign` to release it")
            .arg(p.values(pathsOption).join(QStringLiteral(", ")), role, key->keyId()));
    return 0;
}

} // namespace

const Command addTargetCommand{
    "add-target",
    "--repo DIR FILE --name N --hardware-id H --release-counter C [policy options] [--role R]",
    "Stage an image in the Image repository with its signed install policy.",
    "Copies FILE into DIR/image/targets/N and stages its targets entry (length, sha256, sha512,\n"
    "custom: hardware_ids, release_counter, conduit policy). Takes effect at the next `sign`.\n"
    "What the driver is shown before consent: --release-notes en=notes-en.txt --release-notes\n"
    "de=notes-de.txt (plain UTF-8, at most 8 KiB per locale), --install-seconds and\n"
    "--unusable-seconds (this device's figures; the host sums phases, taking each phase's longest).",
    declareAddTarget,
    runAddTarget};

const Command delegateCommand{
    "delegate",
    "--repo DIR --role NAME --paths PATTERN [--paths ...] [--type T] [--seed HEX]",
    "Delegate target paths of the Image repository to a new role with its own key.",
    "Adds a terminating delegated role (one level) to the Image repository's top-level targets,\n"
    "with a new key in DIR/keys. `add-target --role NAME` then lists targets in it. Takes\n"
    "effect at the next `sign`.",
    declareDelegate,
    runDelegate};

const Command assignCommand{"assign",
                            "--repo DIR --ecu SERIAL --target NAME [--hardware-id H]",
                            "Assign a target to an ECU of the vehicle (Director targets).",
                            "Stages a Director targets entry naming the ECU in custom.ecu_identifiers. An ECU is\n"
                            "assigned at most one target; assigning again moves it. Takes effect at the next `sign`.",
                            declareAssign,
                            runAssign};

} // namespace conduit::repo
