// The vehicle signal provider of a car with an Eclipse Kuksa databroker
// ([vehicle] source = kuksa): a kuksa.val.v2 gRPC client that subscribes
// to the VSS signals the host knows and feeds every value into the
// VehicleState, where it is checked by its VSS type and range (a NaN speed,
// -20 km/h or gear 999 from the broker is refused and logged) and
// timestamped (a broker that goes quiet makes the signals stale). A lost
// connection is retried every second, without bound in time.
//
// Threads: constructed, started and destroyed on the VehicleState's
// thread; the gRPC stream is read on a thread of its own, which posts each
// value to the VehicleState's thread.
#pragma once

#include "core/vehicleprovider.h"

#include <QPointer>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace grpc {
class ClientContext;
}

namespace conduit::vehicle {

class KuksaProvider : public core::VehicleSignalProvider {
public:
    // address: host:port of the databroker (plain gRPC: loopback or a
    // protected in-vehicle link).
    KuksaProvider(QString address, core::VehicleState *state);
    ~KuksaProvider() override;

    core::VehicleSource source() const override { return core::VehicleSource::Kuksa; }
    bool simulate(const QString &signal, const QString &value, QString *error, bool *notSupported) override;

    // The signals subscribed (VSS paths; Conduit's overlay signals are not
    // asked for: a databroker refuses a subscription naming a path it
    // does not know).
    static QStringList subscribedSignals();

private:
    void run();

    const QString address_;
    QPointer<core::VehicleState> state_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;                       // guards context_
    grpc::ClientContext *context_ = nullptr; // the stream being read, to cancel it
    std::thread thread_;
};

} // namespace conduit::vehicle
