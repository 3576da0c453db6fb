// Starting conduit-ecusim (ECUSIM_PATH) as a QProcess, for the bootloader
// agent's integration test and its benchmark (tests/bench/bootloader/).
#pragma once

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

// The ports conduit-ecusim listens on (0: not served).
struct EcusimPorts {
    quint16 tcp = 0, udp = 0, tls = 0;
};

// Starts the simulator with `args` and reads its first line, "listening
// tcp=<port> udp=<port>[ tls=<port>]", waiting up to `waitMs` (a fresh state
// dir's flash is written first): "" with `ports` set, or why not.
inline QString startEcusim(QProcess &process, const QStringList &args, EcusimPorts &ports, int waitMs = 10000) {
    process.setProgram(QStringLiteral(ECUSIM_PATH));
    process.setArguments(args);
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start();
    if (!process.waitForStarted(5000)) return QStringLiteral("conduit-ecusim did not start");
    if (!QTest::qWaitFor([&] { return process.canReadLine() || process.state() != QProcess::Running; }, waitMs))
        return QStringLiteral("conduit-ecusim printed no listening line");
    const QString line = QString::fromUtf8(process.readLine()).trimmed();
    const auto port = [&](const char *name) {
        const QRegularExpressionMatch m =
            QRegularExpression(QLatin1String(name) + QStringLiteral("=(\\d+)")).match(line);
        return m.hasMatch() ? quint16(m.captured(1).toUInt()) : quint16(0);
    };
    ports = EcusimPorts{port("tcp"), port("udp"), port("tls")};
    if (!ports.tcp) return QStringLiteral("unexpected first line: ") + line + process.readAllStandardError();
    return {};
}
