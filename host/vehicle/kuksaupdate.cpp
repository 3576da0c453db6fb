#include "kuksaupdate.h"

#include <optional>

namespace conduit::vehicle {

namespace {

namespace v2 = kuksa::val::v2;

// The broker's typed value as the VehicleState takes it; nullopt for a
// datapoint without a value or of a type no known signal has (arrays).
std::optional<QVariant> toVariant(const v2::Datapoint &d) {
    if (!d.has_value()) return std::nullopt;
    const v2::Value &v = d.value();
    switch (v.typed_value_case()) {
    case v2::Value::kString: return QVariant(QString::fromStdString(v.string()));
    case v2::Value::kBool: return QVariant(v.bool_());
    case v2::Value::kInt32: return QVariant(qint64(v.int32()));
    case v2::Value::kInt64: return QVariant(qint64(v.int64()));
    case v2::Value::kUint32: return QVariant(quint64(v.uint32()));
    case v2::Value::kUint64: return QVariant(quint64(v.uint64()));
    case v2::Value::kFloat: return QVariant(double(v.float_()));
    case v2::Value::kDouble: return QVariant(v.double_());
    default: return std::nullopt;
    }
}

} // namespace

QStringList applySubscribeResponse(const v2::SubscribeResponse &response, core::VehicleState *state) {
    QStringList refused;
    for (const auto &[path, datapoint] : response.entries()) {
        const std::optional<QVariant> value = toVariant(datapoint);
        if (!value) continue;
        QString error;
        if (!state->set(QString::fromStdString(path), *value, &error)) refused << error;
    }
    return refused;
}

} // namespace conduit::vehicle
