// The Kuksa databroker provider (host/vehicle/kuksaprovider.h) against a
// faithful kuksa.val.v2 server built from the same proto, on loopback: it
// subscribes the host's VSS signals, takes the current values and every
// change, refuses what is out of its VSS type or range (a NaN speed,
// -20 km/h, gear 999: issue "values are barely checked"), lets a broker
// that goes quiet make the signals stale, reconnects after the broker
// restarts, and never takes a value from the control API.
#include "vehicle/kuksaprovider.h"

#include "kuksa/val/v2/val.grpc.pb.h"

#include <QSignalSpy>
#include <QTest>

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

using namespace conduit;
namespace v2 = kuksa::val::v2;

namespace {

v2::Datapoint point(double d) {
    v2::Datapoint p;
    p.mutable_value()->set_float_(float(d));
    return p;
}
v2::Datapoint gear(int g) {
    v2::Datapoint p;
    p.mutable_value()->set_int32(g);
    return p;
}

// As the databroker does: a Subscribe answers with the current values of
// the paths asked for, then with each change, until the client goes.
class Broker final : public v2::VAL::Service {
public:
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, v2::Datapoint> current;
    std::deque<v2::SubscribeResponse> updates;
    std::vector<std::string> askedFor; // the last subscription's paths
    int subscriptions = 0;

    void publish(const std::string &path, const v2::Datapoint &p) {
        std::lock_guard lock(mutex);
        current[path] = p;
        v2::SubscribeResponse r;
        (*r.mutable_entries())[path] = p;
        updates.push_back(r);
        changed.notify_all();
    }

    grpc::Status GetValue(grpc::ServerContext *, const v2::GetValueRequest *request,
                          v2::GetValueResponse *response) override {
        std::lock_guard lock(mutex);
        auto it = current.find(request->signal_id().path());
        if (it == current.end()) return {grpc::StatusCode::NOT_FOUND, "no such signal"};
        *response->mutable_data_point() = it->second;
        return grpc::Status::OK;
    }

    grpc::Status Subscribe(grpc::ServerContext *context, const v2::SubscribeRequest *request,
                           grpc::ServerWriter<v2::SubscribeResponse> *writer) override {
        std::unique_lock lock(mutex);
        askedFor.assign(request->signal_paths().begin(), request->signal_paths().end());
        ++subscriptions;
        v2::SubscribeResponse first;
        for (const auto &[path, p] : current)
            if (std::find(askedFor.begin(), askedFor.end(), path) != askedFor.end())
                (*first.mutable_entries())[path] = p;
        updates.clear();
        lock.unlock();
        if (!writer->Write(first)) return grpc::Status::OK;
        lock.lock();
        while (!context->IsCancelled()) {
            if (updates.empty()) {
                changed.wait_for(lock, std::chrono::milliseconds(50));
                continue;
            }
            v2::SubscribeResponse r = updates.front();
            updates.pop_front();
            lock.unlock();
            if (!writer->Write(r)) return grpc::Status::OK;
            lock.lock();
        }
        return grpc::Status::OK;
    }
};

struct Server {
    Broker broker;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
    bool start(int wanted = 0) {
        grpc::ServerBuilder b;
        b.AddListeningPort("127.0.0.1:" + std::to_string(wanted), grpc::InsecureServerCredentials(), &port);
        b.RegisterService(&broker);
        server = b.BuildAndStart();
        return server && port > 0;
    }
    void stop() {
        if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
        server.reset();
    }
    ~Server() { stop(); }
};

} // namespace

class TestKuksaProvider : public QObject {
    Q_OBJECT
private slots:
    void followsTheBrokerAndChecksEveryValue() {
        Server s;
        s.broker.current[core::vss::Speed.toStdString()] = point(0);
        s.broker.current[core::vss::SelectedGear.toStdString()] = gear(core::vss::GearPark);
        QVERIFY(s.start());
        core::VehicleState state;
        vehicle::KuksaProvider provider(QStringLiteral("127.0.0.1:%1").arg(s.port), &state);
        QTRY_COMPARE_WITH_TIMEOUT(state.value(core::vss::SelectedGear), QVariant(core::vss::GearPark), 10000);
        QCOMPARE(state.value(core::vss::Speed), QVariant(0.0));
        {
            std::lock_guard lock(s.broker.mutex);
            QVERIFY(std::find(s.broker.askedFor.begin(), s.broker.askedFor.end(), "Vehicle.Speed") !=
                    s.broker.askedFor.end());
            // Conduit's overlay signal is not asked for (a broker refuses unknown paths).
            QVERIFY(std::find(s.broker.askedFor.begin(), s.broker.askedFor.end(), "Vehicle.Connectivity.IsMetered") ==
                    s.broker.askedFor.end());
        }
        core::Conditions parked;
        parked.requireParked = true;
        QCOMPARE(state.unmet(parked), QStringList());

        // Garbage from the broker is refused; the value before stays.
        s.broker.publish(core::vss::Speed.toStdString(), point(std::nan("")));
        s.broker.publish(core::vss::Speed.toStdString(), point(-20));
        s.broker.publish(core::vss::SelectedGear.toStdString(), gear(999));
        s.broker.publish(core::vss::Speed.toStdString(), point(10)); // then a real change
        QTRY_COMPARE_WITH_TIMEOUT(state.value(core::vss::Speed), QVariant(10.0), 5000);
        QCOMPARE(state.value(core::vss::SelectedGear), QVariant(core::vss::GearPark));
        QCOMPARE(state.unmet(parked), QStringList{QStringLiteral("Stop the vehicle (speed 10 km/h)")});

        // The control API cannot set what the broker reports.
        QString error;
        bool notSupported = false;
        QVERIFY(!provider.simulate(core::vss::Speed, QStringLiteral("0"), &error, &notSupported));
        QVERIFY(notSupported);
        QVERIFY2(error.contains(QLatin1String("Kuksa databroker")), qPrintable(error));

        // The broker goes quiet: the signals go stale, the car is not
        // known to be parked.
        QSignalSpy changed(&state, &core::VehicleState::changed);
        state.setMaxAgeMs(300);
        QTRY_COMPARE_WITH_TIMEOUT(
            state.unmet(parked),
            QStringList({QStringLiteral("Vehicle speed not known"), QStringLiteral("Selected gear not known")}), 3000);
        QVERIFY(changed.count() > 0); // the engine is told, it need not poll
    }

    void reconnectsAfterTheBrokerRestarts() {
        Server s;
        s.broker.current[core::vss::Speed.toStdString()] = point(0);
        QVERIFY(s.start());
        const int port = s.port;
        core::VehicleState state;
        vehicle::KuksaProvider provider(QStringLiteral("127.0.0.1:%1").arg(port), &state);
        QTRY_COMPARE_WITH_TIMEOUT(state.value(core::vss::Speed), QVariant(0.0), 10000);
        s.stop();
        Server again;
        again.broker.current[core::vss::Speed.toStdString()] = point(30);
        QVERIFY(again.start(port));
        // Bounded: the provider retries every second.
        QTRY_COMPARE_WITH_TIMEOUT(state.value(core::vss::Speed), QVariant(30.0), 15000);
    }
};

QTEST_GUILESS_MAIN(TestKuksaProvider)
#include "tst_kuksaprovider.moc"
