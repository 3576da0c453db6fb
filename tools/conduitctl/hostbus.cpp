#include "hostbus.h"

#include "subcommand.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusReply>

namespace conduit::ctl {

namespace {
const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
} // namespace

void declareBusOptions(QCommandLineParser &parser, bool json) {
    parser.addOption({QStringLiteral("system"), QStringLiteral("Talk to conduitd on the system bus.")});
    parser.addOption({QStringLiteral("session"), QStringLiteral("Talk to conduitd on the session bus.")});
    if (json) parser.addOption({QStringLiteral("json"), QStringLiteral("Machine-readable output.")});
}

std::unique_ptr<QDBusInterface> connectHost(const QCommandLineParser &parser, const char *subcommand,
                                            const QString &interface) {
    auto hasHost = [](const QDBusConnection &c) {
        return c.isConnected() && c.interface() && c.interface()->isServiceRegistered(kService).value();
    };
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (parser.isSet(QStringLiteral("system")))
        bus = QDBusConnection::systemBus();
    else if (!parser.isSet(QStringLiteral("session")) && !hasHost(bus))
        bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        printError(subcommand, kExitError, QStringLiteral("no D-Bus connection: %1").arg(bus.lastError().message()));
        return nullptr;
    }
    if (!hasHost(bus)) {
        printError(subcommand, kExitError,
                   QStringLiteral("conduitd is not running (%1 is not on the bus)").arg(kService));
        return nullptr;
    }
    auto host = std::make_unique<QDBusInterface>(kService, kPath, interface, bus);
    if (!host->isValid()) {
        printError(subcommand, kExitError,
                   QStringLiteral("conduitd does not offer %1 (%2)").arg(interface, host->lastError().message()));
        return nullptr;
    }
    host->setTimeout(120000);
    return host;
}

bool callHost(QDBusInterface &host, const char *subcommand, const QString &method, const QVariantList &args,
              QVariant *result) {
    const QDBusMessage reply = host.callWithArgumentList(QDBus::Block, method, args);
    if (reply.type() == QDBusMessage::ErrorMessage) {
        printError(subcommand, kExitRejected, reply.errorMessage());
        return false;
    }
    if (result) *result = reply.arguments().value(0);
    return true;
}

QJsonDocument parseJsonReply(const QVariant &reply) { return QJsonDocument::fromJson(reply.toString().toUtf8()); }

QString humanBytes(quint64 bytes) {
    if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
    if (bytes < (1u << 20)) return QStringLiteral("%1 KiB").arg(bytes / 1024.0, 0, 'f', 1);
    if (bytes < (1u << 30)) return QStringLiteral("%1 MiB").arg(bytes / 1048576.0, 0, 'f', 1);
    return QStringLiteral("%1 GiB").arg(bytes / 1073741824.0, 0, 'f', 2);
}

} // namespace conduit::ctl
