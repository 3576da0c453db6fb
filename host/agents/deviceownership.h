// Which agent serves which device: declared in the host's configuration
// ([agent-devices] in conduit.conf, docs/configuration.md), never taken from
// what an agent's inventory claims. Every inventory entry passes through
// here before the campaign engine sees it, and every call on a device is
// checked against it, so that no payload or step for one vendor's device is
// ever handed to another vendor's runner.
//
// An agent with a declaration serves exactly the ids that match it (exact
// ids or shell-style globs: `*`, `?`, `[...]`). An agent without one claims
// what it reports first, for the daemon's lifetime, provided that no other
// agent has claimed or been declared for that id and no other agent reports
// it in the same inventory; a later claim by another agent is refused.
#pragma once

#include "device.h"

#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QStringList>

namespace conduit::agents {

struct DeviceReport {
    QString agentId;
    DeviceInfo info;
};

class DeviceOwnership {
public:
    // `declared`: agent id → device id patterns. Problems with patterns
    // (not a valid glob) are returned by problems(); such a pattern matches
    // nothing.
    explicit DeviceOwnership(const QHash<QString, QStringList> &declared = {});

    QStringList problems() const { return problems_; }
    bool declares(const QString &agentId) const { return declared_.contains(agentId); }

    struct Admitted {
        QList<DeviceReport> accepted;
        QList<RefusedDevice> refused;
    };
    // One inventory round: what every agent that answered reported. Claims
    // of undeclared agents are recorded for later rounds.
    Admitted admit(const QList<DeviceReport> &reports);

    // Whether a call on `deviceId` may go to `agentId`: "" when it may,
    // else why not. An id no one declared or claimed yet may go to an
    // undeclared agent (it is checked again by the next inventory).
    QString refusal(const QString &agentId, const QString &deviceId) const;

private:
    QStringList declaredOwners(const QString &deviceId) const;

    QHash<QString, QList<QRegularExpression>> declared_;
    QHash<QString, QString> claimed_; // device id → the undeclared agent that claimed it first
    QStringList problems_;
};

} // namespace conduit::agents
