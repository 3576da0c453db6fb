#include "campaignplan.h"

#include <conduit/agent.h>

#include <QHash>
#include <QSet>

#include <algorithm>

namespace conduit::core {

CampaignPlan planCampaign(const QList<CampaignTarget> &targets, const QList<DeviceRecord> &inventory,
                          const QString &inventoryError) {
    CampaignPlan plan;
    auto problem = [&plan](const QString &device, const QString &text) {
        if (plan.problems.isEmpty()) plan.firstDevice = device;
        plan.problems << text;
    };
    QHash<QString, DeviceRecord> byId;
    for (const DeviceRecord &d : inventory) byId.insert(d.info.id, d);
    QSet<QString> seen;
    for (const CampaignTarget &t : targets) {
        if (seen.contains(t.deviceId)) problem(t.deviceId, QStringLiteral("device %1 appears twice").arg(t.deviceId));
        seen.insert(t.deviceId);
        if (!byId.contains(t.deviceId)) {
            problem(t.deviceId,
                    QStringLiteral("device %1 is not in this vehicle%2")
                        .arg(t.deviceId,
                             inventoryError.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(inventoryError)));
            continue;
        }
        const DeviceRecord &d = byId[t.deviceId];
        if (!t.hardwareId.isEmpty() && d.info.hardwareId != t.hardwareId)
            problem(t.deviceId, QStringLiteral("device %1: hardware id %2 does not match target's %3")
                                    .arg(t.deviceId, d.info.hardwareId, t.hardwareId));
        if (!(d.info.capabilities & CONDUIT_CAP_ROLLBACK) && !t.allowNoRollback)
            problem(t.deviceId,
                    QStringLiteral("device %1 cannot roll back and the package does not allow that").arg(t.deviceId));
        plan.devices << CampaignPlan::Device{t, d.agentId, d.info.currentVersion, d.info.capabilities};
    }
    // Devices that cannot roll back go last, after every other phase.
    int maxPhase = 0;
    for (const CampaignPlan::Device &p : plan.devices) maxPhase = std::max(maxPhase, p.target.phase);
    for (CampaignPlan::Device &p : plan.devices)
        if (!(p.capabilities & CONDUIT_CAP_ROLLBACK)) p.target.phase = maxPhase + 1;
    for (const CampaignPlan::Device &p : plan.devices) {
        for (const QString &dep : p.target.dependencies) {
            auto it = std::find_if(plan.devices.begin(), plan.devices.end(),
                                   [&](const CampaignPlan::Device &o) { return o.target.deviceId == dep; });
            if (it == plan.devices.end())
                problem(
                    p.target.deviceId,
                    QStringLiteral("device %1 depends on %2, which is not in the package").arg(p.target.deviceId, dep));
            else if (it->target.phase >= p.target.phase)
                problem(p.target.deviceId,
                        QStringLiteral("device %1 depends on %2, which is not installed in an earlier phase")
                            .arg(p.target.deviceId, dep));
        }
    }
    if (targets.isEmpty()) problem({}, QStringLiteral("the campaign has no targets"));
    return plan;
}

} // namespace conduit::core
