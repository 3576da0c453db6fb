#include "deviceownership.h"

#include <QSet>

namespace conduit::agents {

namespace {
const QString kSection = QStringLiteral("[agent-devices]");
}

DeviceOwnership::DeviceOwnership(const QHash<QString, QStringList> &declared) {
    for (auto it = declared.begin(); it != declared.end(); ++it) {
        QList<QRegularExpression> &patterns = declared_[it.key()];
        for (const QString &p : it.value()) {
            const QRegularExpression re(QRegularExpression::wildcardToRegularExpression(p.trimmed()));
            if (p.trimmed().isEmpty() || !re.isValid())
                problems_ << QStringLiteral("%1 %2: device pattern \"%3\" is not a valid glob; it matches nothing")
                                 .arg(kSection, it.key(), p);
            else
                patterns << re;
        }
    }
}

QStringList DeviceOwnership::declaredOwners(const QString &deviceId) const {
    QStringList owners;
    for (auto it = declared_.begin(); it != declared_.end(); ++it)
        for (const QRegularExpression &re : it.value())
            if (re.match(deviceId).hasMatch()) {
                owners << it.key();
                break;
            }
    owners.sort();
    return owners;
}

QString DeviceOwnership::refusal(const QString &agentId, const QString &deviceId) const {
    const QStringList owners = declaredOwners(deviceId);
    if (owners.size() > 1)
        return QStringLiteral("device %1 is declared for agents %2 in %3; refused from every agent")
            .arg(deviceId, owners.join(QStringLiteral(", ")), kSection);
    if (owners.size() == 1)
        return owners.first() == agentId
                   ? QString()
                   : QStringLiteral("device %1 belongs to agent %2 by %3; agent %4 may not serve it")
                         .arg(deviceId, owners.first(), kSection, agentId);
    if (declares(agentId))
        return QStringLiteral("device %1 is not among the devices declared for agent %2 in %3")
            .arg(deviceId, agentId, kSection);
    const QString claimant = claimed_.value(deviceId);
    if (!claimant.isEmpty() && claimant != agentId)
        return QStringLiteral("device %1 was claimed first by agent %2; agent %3 may not serve it (declare its owner "
                              "in %4)")
            .arg(deviceId, claimant, agentId, kSection);
    return {};
}

DeviceOwnership::Admitted DeviceOwnership::admit(const QList<DeviceReport> &reports) {
    QHash<QString, QStringList> reporters; // device id → agents reporting it this round
    for (const DeviceReport &r : reports)
        if (!reporters[r.info.id].contains(r.agentId)) reporters[r.info.id] << r.agentId;
    Admitted out;
    QSet<QPair<QString, QString>> seen;
    QList<DeviceReport> newClaims;
    for (const DeviceReport &r : reports) {
        const QString &id = r.info.id;
        QString why;
        if (seen.contains({r.agentId, id}))
            why = QStringLiteral("device %1 is reported twice by agent %2").arg(id, r.agentId);
        else
            why = refusal(r.agentId, id);
        seen.insert({r.agentId, id});
        const bool unowned = declaredOwners(id).isEmpty() && !claimed_.contains(id);
        if (why.isEmpty() && unowned && reporters.value(id).size() > 1) {
            QStringList agents = reporters.value(id);
            agents.sort();
            why = QStringLiteral("device %1 is reported by agents %2; refused from each (declare its owner in %3)")
                      .arg(id, agents.join(QStringLiteral(", ")), kSection);
        }
        if (!why.isEmpty()) {
            out.refused << RefusedDevice{r.agentId, id, why};
            continue;
        }
        out.accepted << r;
        if (unowned) newClaims << r;
    }
    for (const DeviceReport &r : newClaims) claimed_.insert(r.info.id, r.agentId);
    return out;
}

} // namespace conduit::agents
