// The JSON documents of io.conduit.Gathering1 (docs/dbus-api.md, "Data
// gathering"), written in one place; conduitctl and the HMI read them.
#pragma once

#include "gathering/item.h"

#include <QJsonArray>
#include <QJsonObject>

namespace conduit::gathering {
class GatheringService;
struct Usage;
struct Removal;
} // namespace conduit::gathering

namespace conduit::api {

QJsonArray consentJson(const gathering::GatheringService &s);
QJsonObject usageJson(const gathering::GatheringService &s, const gathering::Usage &u);
QJsonArray campaignsJson(const gathering::GatheringService &s);
QJsonObject removalJson(const QList<gathering::DataClass> &classes, qint64 items, qint64 bytes);

} // namespace conduit::api
