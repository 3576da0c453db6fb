// Fault injection by path prefix (docs/devserver.md "Faults").
//
// A fault spec is `key=value` pairs separated by commas, exactly one kind:
//   drop=N      close the connection after N body bytes
//   throttle=B  send the body at B bytes/s
//   status=S    answer S (e.g. 404, 410, 500, 503) instead of handling the request
//   corrupt=O   flip the byte at offset O of the file being served
//   delay=MS    wait MS milliseconds before the response header
// and optionally path=PREFIX (default "/"), method=GET, count=K (the fault
// fires K times, default: every time). Sizes take k/m/g suffixes (KiB, MiB, GiB).
// A fault "fires" only when it changes something: a drop when the body is
// longer than N, a corruption when O is inside the range sent.
#pragma once

#include "httpconnection.h"

#include <QJsonArray>
#include <QList>
#include <QString>

#include <optional>

namespace conduit::devserver {

struct Fault {
    enum class Kind { Drop, Throttle, Status, Corrupt, Delay };
    Kind kind = Kind::Status;
    QString pathPrefix = QStringLiteral("/");
    QByteArray method; // empty: any
    qint64 value = 0;
    int remaining = -1; // -1: unlimited
    int fired = 0;
    QString spec; // as given, for /admin/faults
};

// Parses one spec; on failure returns nullopt and sets *error.
std::optional<Fault> parseFault(const QString &spec, QString *error);
// A JSON fault: either a spec string or an object with the same keys.
std::optional<Fault> parseFault(const QJsonValue &value, QString *error);

class FaultSet {
public:
    void add(const Fault &fault) { faults_.append(fault); }
    void clear() { faults_.clear(); }
    QJsonArray toJson() const;

    // A status the request must be answered with instead of being handled.
    std::optional<int> statusFor(const HttpRequest &request);
    // Delivery faults for a response about to be sent.
    DeliveryFaults deliveryFor(const HttpRequest &request, const HttpResponse &response);

private:
    Fault *firstMatch(Fault::Kind kind, const HttpRequest &request);
    QList<Fault> faults_;
};

} // namespace conduit::devserver
