// Starting conduit-ecusim (ECUSIM_PATH) as a QProcess, for the bootloader
// agent's integration test and its benchmark (tests/bench/bootloader/).
#pragma once

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

// Starts the simulator with `args` and reads its first line, "listening
// tcp=<port> ... [tls=<port>]", waiting up to `waitMs` (a fresh state dir's
// flash is written first): "" with `port` (and `tlsPort`, when asked for and
// served) set, or why not.
inline QString startEcusim(QProcess &process, const QStringList &args, quint16 &port, int waitMs = 10000,
                           quint16 *tlsPort = nullptr) {
    process.setProgram(QStringLiteral(ECUSIM_PATH));
    process.setArguments(args);
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start();
    if (!process.waitForStarted(5000)) return QStringLiteral("conduit-ecusim did not start");
    if (!QTest::qWaitFor([&] { return process.canReadLine() || process.state() != QProcess::Running; }, waitMs))
        return QStringLiteral("conduit-ecusim printed no listening line");
    const QString line = QString::fromUtf8(process.readLine()).trimmed();
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("tcp=(\\d+)")).match(line);
    if (!m.hasMatch()) return QStringLiteral("unexpected first line: ") + line + process.readAllStandardError();
    port = quint16(m.captured(1).toUInt());
    const QRegularExpressionMatch t = QRegularExpression(QStringLiteral("tls=(\\d+)")).match(line);
    if (tlsPort && t.hasMatch()) *tlsPort = quint16(t.captured(1).toUInt());
    return {};
}
