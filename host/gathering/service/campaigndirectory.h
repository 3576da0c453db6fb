// What the driver is told about collection: the active campaigns and the
// data classes each collects. The campaigns part (host/gathering/campaign/)
// fills a CampaignList; the D-Bus API, conduitctl and the HMI's privacy
// screen show it.
#pragma once

#include "gathering/item.h"

#include <QList>
#include <QMap>
#include <QString>

#include <functional>

namespace conduit::gathering {

struct CampaignSummary {
    QString id;
    QString name;
    QMap<QString, QString> purpose; // locale ("en", "de") -> what is collected and why, plain text
    QList<DataClass> classes;
    qint64 expiresMs = 0; // wall clock; 0: no expiry
};

// [service-thread] The list of active campaigns, with a change callback.
class CampaignList {
public:
    const QList<CampaignSummary> &campaigns() const { return campaigns_; }
    // Replaces the entry with the same id, or appends.
    void upsert(const CampaignSummary &c);
    void remove(const QString &id);
    void setChanged(std::function<void()> changed) { changed_ = std::move(changed); }

private:
    QList<CampaignSummary> campaigns_;
    std::function<void()> changed_;
};

} // namespace conduit::gathering
