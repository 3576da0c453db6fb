// For the control-API tests on a private session bus: conduitd started and
// waited for on the bus, and one interface of a running service's
// introspection and of an XML file in the repository, whitespace removed,
// so that a test compares what conduitd offers with what data/dbus/ says.
#pragma once

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusReply>
#include <QDBusServiceWatcher>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>

namespace dbustest {

// Starts `conduitd` with `config` and waits (up to 15 s) until `service`
// is on the session bus; its stderr goes to the test's.
inline bool startConduitd(QProcess &process, const QString &conduitd, const QString &config,
                          const QString &service = QStringLiteral("io.conduit.Host")) {
    QDBusServiceWatcher watcher(service, QDBusConnection::sessionBus(), QDBusServiceWatcher::WatchForRegistration);
    QSignalSpy registered(&watcher, &QDBusServiceWatcher::serviceRegistered);
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(conduitd, {QStringLiteral("--config"), config});
    return registered.wait(15000);
}

inline QString interfaceIn(const QString &xml, const QString &iface) {
    QRegularExpression re(
        QStringLiteral("<interface name=\"%1\">.*?</interface>").arg(QRegularExpression::escape(iface)),
        QRegularExpression::DotMatchesEverythingOption);
    return re.match(xml).captured(0).remove(QRegularExpression(QStringLiteral("\\s+")));
}

// "" when the service did not answer or has no such interface.
inline QString introspected(const QString &service, const QString &path, const QString &iface) {
    QDBusMessage m = QDBusMessage::createMethodCall(
        service, path, QStringLiteral("org.freedesktop.DBus.Introspectable"), QStringLiteral("Introspect"));
    QDBusReply<QString> reply = QDBusConnection::sessionBus().call(m);
    return reply.isValid() ? interfaceIn(reply.value(), iface) : QString();
}

inline QString inXmlFile(const QString &file, const QString &iface) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? interfaceIn(QString::fromUtf8(f.readAll()), iface) : QString();
}

} // namespace dbustest
