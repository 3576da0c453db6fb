// Vehicle-state simulation: vehicle show | vehicle set KEY=VALUE...
// (COVESA VSS names, e.g. Vehicle.Speed=0).
#include "hostbus.h"
#include "subcommand.h"

#include <QJsonObject>

#include <cstdio>

namespace conduit::ctl {

namespace {

void declare(QCommandLineParser &p) {
    declareBusOptions(p, true);
    p.addPositionalArgument(QStringLiteral("action"), QStringLiteral("show or set"));
    p.addPositionalArgument(QStringLiteral("signals"), QStringLiteral("KEY=VALUE pairs for set"),
                            QStringLiteral("[KEY=VALUE...]"));
}

int run(const QCommandLineParser &p) {
    const QStringList args = p.positionalArguments();
    const QString action = args.value(0);
    if (action != QLatin1String("show") && action != QLatin1String("set"))
        return printError("vehicle", kExitUsage, QStringLiteral("say show or set"));
    if (action == QLatin1String("set") && args.size() < 2)
        return printError("vehicle", kExitUsage, QStringLiteral("set needs KEY=VALUE"));
    auto host = connectHost(p, "vehicle");
    if (!host) return kExitError;
    for (const QString &kv : args.mid(1)) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0) return printError("vehicle", kExitUsage, QStringLiteral("\"%1\" is not KEY=VALUE").arg(kv));
        if (!callHost(*host, "vehicle", QStringLiteral("SetVehicleSignal"), {kv.left(eq), kv.mid(eq + 1)}))
            return kExitRejected;
    }
    QVariant state;
    if (!callHost(*host, "vehicle", QStringLiteral("GetVehicleState"), {}, &state)) return kExitRejected;
    const QJsonObject o = parseJsonReply(state).object();
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s", QJsonDocument(o).toJson().constData());
        return kExitOk;
    }
    for (auto it = o.begin(); it != o.end(); ++it)
        printLine(QStringLiteral("%1 = %2").arg(it.key(), it.value().toVariant().toString()));
    return kExitOk;
}

} // namespace

const Subcommand &vehicleSubcommand() {
    static const Subcommand c{
        "vehicle",
        "show | set KEY=VALUE...",
        "Show or set the simulated vehicle state (VSS names).",
        "Signals: Vehicle.Speed, Vehicle.Powertrain.Transmission.SelectedGear (126 = P, 127 = D),\n"
        "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current, Vehicle.LowVoltageSystemState.",
        declare,
        run};
    return c;
}

} // namespace conduit::ctl
