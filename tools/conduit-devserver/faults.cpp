#include "faults.h"

#include "devserverlog.h"

#include <QJsonObject>

namespace conduit::devserver {

namespace {

struct KindName {
    const char *name;
    Fault::Kind kind;
};
constexpr KindName kKinds[] = {
    {"drop", Fault::Kind::Drop},       {"throttle", Fault::Kind::Throttle}, {"status", Fault::Kind::Status},
    {"corrupt", Fault::Kind::Corrupt}, {"delay", Fault::Kind::Delay},
};

std::optional<qint64> parseSize(QString text) {
    qint64 unit = 1;
    const QChar last = text.isEmpty() ? QChar() : text.back().toLower();
    if (last == u'k' || last == u'm' || last == u'g') {
        unit = last == u'k' ? 1024 : last == u'm' ? 1024 * 1024 : qint64(1024) * 1024 * 1024;
        text.chop(1);
    }
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    if (!ok || n < 0 || n > std::numeric_limits<qint64>::max() / unit) return std::nullopt;
    return n * unit;
}

} // namespace

std::optional<Fault> parseFault(const QString &spec, QString *error) {
    Fault fault;
    fault.spec = spec;
    bool haveKind = false;
    for (const QString &part : spec.split(u',', Qt::SkipEmptyParts)) {
        const qsizetype eq = part.indexOf(u'=');
        if (eq <= 0) {
            *error = QStringLiteral("fault \"%1\": expected key=value, got \"%2\"").arg(spec, part);
            return std::nullopt;
        }
        const QString key = part.left(eq).trimmed();
        const QString value = part.mid(eq + 1).trimmed();
        if (key == u"path") {
            if (!value.startsWith(u'/')) {
                *error = QStringLiteral("fault \"%1\": path must start with /").arg(spec);
                return std::nullopt;
            }
            fault.pathPrefix = value;
            continue;
        }
        if (key == u"method") {
            fault.method = value.toUpper().toLatin1();
            continue;
        }
        if (key == u"count") {
            bool ok = false;
            fault.remaining = value.toInt(&ok);
            if (!ok || fault.remaining < 0) {
                *error = QStringLiteral("fault \"%1\": count must be a non-negative integer").arg(spec);
                return std::nullopt;
            }
            continue;
        }
        const KindName *kind = nullptr;
        for (const KindName &k : kKinds)
            if (key == QLatin1String(k.name)) kind = &k;
        if (!kind) {
            *error = QStringLiteral("fault \"%1\": unknown key \"%2\"").arg(spec, key);
            return std::nullopt;
        }
        if (haveKind) {
            *error =
                QStringLiteral("fault \"%1\": one kind per fault (drop, throttle, status, corrupt or delay)").arg(spec);
            return std::nullopt;
        }
        haveKind = true;
        fault.kind = kind->kind;
        const auto n = parseSize(value);
        if (!n) {
            *error = QStringLiteral("fault \"%1\": \"%2\" is not a number").arg(spec, value);
            return std::nullopt;
        }
        fault.value = *n;
        if (fault.kind == Fault::Kind::Status && (fault.value < 100 || fault.value > 599)) {
            *error = QStringLiteral("fault \"%1\": status must be 100..599").arg(spec);
            return std::nullopt;
        }
        if (fault.kind == Fault::Kind::Throttle && fault.value == 0) {
            *error = QStringLiteral("fault \"%1\": throttle must be at least 1 byte/s").arg(spec);
            return std::nullopt;
        }
        if (fault.kind == Fault::Kind::Delay && fault.value > 600000) {
            *error = QStringLiteral("fault \"%1\": delay is at most 600000 ms").arg(spec);
            return std::nullopt;
        }
    }
    if (!haveKind) {
        *error = QStringLiteral("fault \"%1\": no kind (drop, throttle, status, corrupt or delay)").arg(spec);
        return std::nullopt;
    }
    return fault;
}

std::optional<Fault> parseFault(const QJsonValue &value, QString *error) {
    if (value.isString()) return parseFault(value.toString(), error);
    if (!value.isObject()) {
        *error = QStringLiteral("a fault is a spec string or an object");
        return std::nullopt;
    }
    QStringList parts;
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString text = it->isDouble() ? QString::number(qint64(it->toDouble())) : it->toString();
        if (text.isEmpty() || text.contains(u',')) {
            *error = QStringLiteral("fault key \"%1\" needs a number or a string without commas").arg(it.key());
            return std::nullopt;
        }
        parts.append(it.key() + u'=' + text);
    }
    return parseFault(parts.join(u','), error);
}

QJsonArray FaultSet::toJson() const {
    QJsonArray out;
    for (const Fault &f : faults_)
        out.append(QJsonObject{{QStringLiteral("spec"), f.spec},
                               {QStringLiteral("remaining"), f.remaining},
                               {QStringLiteral("fired"), f.fired}});
    return out;
}

Fault *FaultSet::firstMatch(Fault::Kind kind, const HttpRequest &request) {
    for (Fault &f : faults_) {
        if (f.kind != kind || f.remaining == 0) continue;
        if (!f.method.isEmpty() && f.method != request.method) continue;
        if (request.path.startsWith(f.pathPrefix)) return &f;
    }
    return nullptr;
}

namespace {
void fire(Fault *f) {
    ++f->fired;
    if (f->remaining > 0) --f->remaining;
}
} // namespace

std::optional<int> FaultSet::statusFor(const HttpRequest &request) {
    Fault *f = firstMatch(Fault::Kind::Status, request);
    if (!f) return std::nullopt;
    fire(f);
    qCInfo(lcDevServer) << "fault: answering" << f->value << "to" << request.method << request.path;
    return int(f->value);
}

DeliveryFaults FaultSet::deliveryFor(const HttpRequest &request, const HttpResponse &response) {
    DeliveryFaults out;
    const bool head = request.method == "HEAD";
    const qint64 length = head ? 0 : response.bodyLength();
    if (Fault *f = firstMatch(Fault::Kind::Delay, request)) {
        fire(f);
        out.headerDelayMs = int(f->value);
    }
    if (Fault *f = firstMatch(Fault::Kind::Drop, request); f && length > f->value) {
        fire(f);
        out.dropAfterBodyBytes = f->value;
    }
    if (Fault *f = firstMatch(Fault::Kind::Throttle, request); f && length > 0) {
        fire(f);
        out.throttleBytesPerSecond = f->value;
    }
    if (Fault *f = firstMatch(Fault::Kind::Corrupt, request); f && response.file && !head) {
        const qint64 begin = response.file->offset;
        const qint64 end =
            begin + std::min(response.file->length, out.dropAfterBodyBytes.value_or(response.file->length));
        if (f->value >= begin && f->value < end) {
            fire(f);
            out.corruptFileOffset = f->value;
        }
    }
    return out;
}

} // namespace conduit::devserver
