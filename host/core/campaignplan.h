// Checking a campaign against the vehicle before anything is asked or
// installed, and the order it installs in: a pure function of the signed
// targets and the devices' inventory (no engine, no agents, no journal), so
// that the rules are tested alone (tests/unit/core/tst_campaignplan.cpp).
//
// The rules: every target names a device in the vehicle, once; its hardware
// id (when signed) matches the device's; a device that cannot roll back is
// only updated when the package allows it, and then after every other phase;
// a target's dependencies are other devices of the package installed in an
// earlier phase; a campaign has at least one target.
#pragma once

#include "campaign.h"
#include "devicegateway.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace conduit::core {

struct CampaignPlan {
    // One target whose device is in the vehicle, in the campaign's order.
    struct Device {
        CampaignTarget target; // phase as installed (a device that cannot roll back: last)
        QString agentId;
        QString fromVersion; // what the device runs now
        quint32 capabilities = 0;
    };
    QList<Device> devices;
    // Why the campaign cannot be installed, one sentence each; empty when
    // it can. `firstDevice` is the device of the first (the one the driver
    // is told about; empty for a problem of the whole campaign).
    QStringList problems;
    QString firstDevice;

    bool installable() const { return problems.isEmpty(); }
};

// `inventoryError` names agents that could not answer; it is added to the
// problem of a device that is missing, since that may be why.
CampaignPlan planCampaign(const QList<CampaignTarget> &targets, const QList<DeviceRecord> &inventory,
                          const QString &inventoryError);

} // namespace conduit::core
