#include "messagelink.h"

namespace conduit::gathering::mqtt {

QString nameOf(LinkState s) {
    switch (s) {
    case LinkState::Stopped: return QStringLiteral("stopped");
    case LinkState::Connecting: return QStringLiteral("connecting");
    case LinkState::Connected: return QStringLiteral("connected");
    case LinkState::Disconnected: return QStringLiteral("disconnected");
    }
    return QStringLiteral("unknown");
}

QString nameOf(LinkError e) {
    switch (e) {
    case LinkError::Unreachable: return QStringLiteral("unreachable");
    case LinkError::Tls: return QStringLiteral("tls");
    case LinkError::AuthRefused: return QStringLiteral("auth-refused");
    case LinkError::Refused: return QStringLiteral("refused");
    case LinkError::ConnectionLost: return QStringLiteral("connection-lost");
    case LinkError::PublishFailed: return QStringLiteral("publish-failed");
    case LinkError::NotConnected: return QStringLiteral("not-connected");
    }
    return QStringLiteral("unknown");
}

QString IncomingMessage::property(QStringView name) const {
    for (const UserProperty &p : properties)
        if (p.name == name) return p.value;
    return {};
}

} // namespace conduit::gathering::mqtt
