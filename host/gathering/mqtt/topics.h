// The topic layout per vehicle and the names of the user properties: the
// contract with the fleet's side of the broker (docs/data-gathering.md,
// "MQTT"). Everything that writes or reads a topic or a property name goes
// through here.
//
//   conduit/v1/<vehicle>/data/<class>   up    short items (signal windows, events), QoS 1
//   conduit/v1/<vehicle>/campaigns      down  signed collection campaigns, QoS 1
//   conduit/v1/<vehicle>/commands       down  signed remote commands, QoS 1, message expiry
//   conduit/v1/<vehicle>/responses      up    command responses, QoS 1
//   conduit/v1/<vehicle>/status         up    "online" / "offline" (the will), retained
#pragma once

#include "gathering/item.h"

#include <QString>
#include <QStringView>

#include <optional>

namespace conduit::gathering::mqtt {

// User properties of the messages Conduit publishes and reads.
namespace property {
// "<vehicle>/<store id>": unique per item and vehicle, the same in every
// repeat of the item, so a duplicate (after a reconnect) is recognisable.
inline constexpr char kKey[] = "conduit-key";
inline constexpr char kKind[] = "conduit-kind";         // nameOf(ItemKind)
inline constexpr char kCampaign[] = "conduit-campaign"; // the item's campaign id
inline constexpr char kPriority[] = "conduit-priority"; // nameOf(Priority)
inline constexpr char kCreated[] = "conduit-created";   // ms since the epoch (UTC)
// On commands: ms since the epoch (UTC) after which the vehicle drops the
// command unread (besides the MQTT message expiry, which the broker applies).
inline constexpr char kExpiresAt[] = "conduit-expires-at";
} // namespace property

enum class Downstream : quint8 { Campaigns, Commands };

class Topics {
public:
    // nullopt when the vehicle id is not usable in a topic (empty, longer
    // than 64, or other than [A-Za-z0-9._-]).
    static std::optional<Topics> forVehicle(const QString &vehicle);

    const QString &vehicle() const { return vehicle_; }
    QString data(DataClass c) const;
    QString downstream(Downstream d) const;
    QString responses() const;
    QString status() const;
    // The idempotency key of a stored item (property::kKey).
    QString key(qint64 storeId) const;
    // Which downstream topic this is, if any.
    std::optional<Downstream> downstreamOf(QStringView topic) const;

    // "conduit/v1/+/data/#": what a fleet subscriber listens to.
    static QString allData();

private:
    explicit Topics(QString vehicle);
    QString base() const;
    QString vehicle_;
};

} // namespace conduit::gathering::mqtt
