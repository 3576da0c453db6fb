#include "kuksaprovider.h"

#include "kuksaupdate.h"

#include "kuksa/val/v2/val.grpc.pb.h"

#include <QLoggingCategory>
#include <QMetaObject>

#include <grpcpp/grpcpp.h>

#include <chrono>

Q_LOGGING_CATEGORY(lcVehicle, "conduit.vehicle")

namespace conduit::vehicle {

namespace v2 = kuksa::val::v2;

KuksaProvider::KuksaProvider(QString address, core::VehicleState *state) : address_(std::move(address)), state_(state) {
    thread_ = std::thread([this] { run(); });
}

KuksaProvider::~KuksaProvider() {
    stop_ = true;
    {
        std::lock_guard lock(mutex_);
        if (context_) context_->TryCancel();
    }
    thread_.join();
}

QStringList KuksaProvider::subscribedSignals() {
    QStringList out;
    for (const QString &s : core::VehicleState::knownSignals())
        if (s != core::vss::LinkMetered) out << s;
    return out;
}

bool KuksaProvider::simulate(const QString &, const QString &, QString *error, bool *notSupported) {
    *notSupported = true;
    *error = QStringLiteral("vehicle simulation is off: the vehicle's signals come from the Kuksa databroker at %1 "
                            "([vehicle] source = kuksa), never from the control API")
                 .arg(address_);
    return false;
}

void KuksaProvider::run() {
    auto channel = grpc::CreateChannel(address_.toStdString(), grpc::InsecureChannelCredentials());
    auto stub = v2::VAL::NewStub(channel);
    v2::SubscribeRequest request;
    for (const QString &s : subscribedSignals()) request.add_signal_paths(s.toStdString());
    while (!stop_) {
        grpc::ClientContext context;
        {
            std::lock_guard lock(mutex_);
            if (stop_) break;
            context_ = &context;
        }
        auto reader = stub->Subscribe(&context, request);
        v2::SubscribeResponse response;
        while (reader->Read(&response)) {
            // Taken on the VehicleState's thread, in the order received.
            QMetaObject::invokeMethod(
                state_.data(),
                [state = state_, r = response] {
                    if (!state) return;
                    for (const QString &why : applySubscribeResponse(r, state.data()))
                        qCWarning(lcVehicle).noquote() << "Kuksa databroker: value refused:" << why;
                },
                Qt::QueuedConnection);
        }
        const grpc::Status status = reader->Finish();
        {
            std::lock_guard lock(mutex_);
            context_ = nullptr;
        }
        if (stop_) break;
        qCWarning(lcVehicle).noquote() << "Kuksa databroker at" << address_
                                       << "subscription ended:" << QString::fromStdString(status.error_message())
                                       << "(code" << int(status.error_code()) << "); again in 1 s";
        // Bounded wait that a stop ends at once.
        for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace conduit::vehicle
