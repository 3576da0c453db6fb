// conduitctl's access to a running conduitd: its control API on D-Bus
// (docs/dbus-api.md). --system / --session choose the bus; by default the
// session bus when the host is there, else the system bus.
#pragma once

#include <QCommandLineParser>
#include <QDBusInterface>
#include <QJsonDocument>

#include <memory>

namespace conduit::ctl {

void declareBusOptions(QCommandLineParser &parser, bool json);
// Connects to the host's `interface` (default io.conduit.Host1); on failure
// prints why and returns nullptr.
std::unique_ptr<QDBusInterface> connectHost(const QCommandLineParser &parser, const char *subcommand,
                                            const QString &interface = QStringLiteral("io.conduit.Host1"));
// Calls a method; on a D-Bus error prints it and returns false.
bool callHost(QDBusInterface &host, const char *subcommand, const QString &method, const QVariantList &args,
              QVariant *result = nullptr);
QJsonDocument parseJsonReply(const QVariant &reply);
// Renders a byte count for people ("12.5 MiB").
QString humanBytes(quint64 bytes);

} // namespace conduit::ctl
