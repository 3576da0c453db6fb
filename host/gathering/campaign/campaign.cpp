#include "campaign.h"

#include "core/vocabulary.h"
#include "trust/metadata.h"

#include <QRegularExpression>

#include <array>

namespace conduit::gathering::campaign {

using trust::JsonValue;

namespace {

constexpr std::array<core::Named<UploadPolicy>, 3> kUploadNames{{
    {UploadPolicy::Any, "any"},
    {UploadPolicy::Unmetered, "unmetered"},
    {UploadPolicy::ParkedUnmetered, "parked_unmetered"},
}};
constexpr std::array<core::Named<CampaignErrorKind>, 8> kErrorNames{{
    {CampaignErrorKind::Malformed, "malformed"},
    {CampaignErrorKind::TooLarge, "too-large"},
    {CampaignErrorKind::Unsigned, "unsigned"},
    {CampaignErrorKind::Expired, "expired"},
    {CampaignErrorKind::OutOfScope, "out-of-scope"},
    {CampaignErrorKind::Rollback, "rollback"},
    {CampaignErrorKind::NotFound, "not-found"},
    {CampaignErrorKind::Storage, "storage"},
}};

CampaignError bad(const QString &path, const QString &what) {
    return campaignError(CampaignErrorKind::Malformed, QStringLiteral("%1: %2").arg(path, what));
}

QString member(const QString &path, const char *key) {
    return path.isEmpty() ? QLatin1String(key) : path + u'.' + QLatin1String(key);
}

// An object with only the allowed members, all required ones present.
Status object(const JsonValue &v, const QString &path, std::initializer_list<const char *> allowed,
              std::initializer_list<const char *> required) {
    if (!v.isObject())
        return bad(path.isEmpty() ? QStringLiteral("signed") : path, QStringLiteral("must be an object"));
    for (const auto &[key, value] : v.toObject()) {
        bool known = false;
        for (const char *a : allowed) known = known || key == a;
        if (!known)
            return bad(path.isEmpty() ? QString::fromStdString(key) : path + u'.' + QString::fromStdString(key),
                       QStringLiteral("unknown field"));
    }
    for (const char *r : required)
        if (!v.contains(r)) return bad(member(path, r), QStringLiteral("is required"));
    return error::Ok{};
}

Result<qint64> integer(const JsonValue &v, const QString &path, qint64 min, qint64 max) {
    if (!v.isInteger()) return bad(path, QStringLiteral("must be an integer"));
    if (v.toInteger() < min || v.toInteger() > max)
        return bad(path, QStringLiteral("%1 is out of range [%2, %3]").arg(v.toInteger()).arg(min).arg(max));
    return v.toInteger();
}

Result<QString> string(const JsonValue &v, const QString &path) {
    if (!v.isString()) return bad(path, QStringLiteral("must be a string"));
    return v.toString();
}

template <typename E>
Result<E> named(const JsonValue &v, const QString &path, std::optional<E> (*fromName)(QStringView)) {
    auto s = string(v, path);
    if (!s) return s.error();
    const auto value = fromName(*s);
    if (!value) return bad(path, QStringLiteral("unknown value \"%1\"").arg(*s));
    return *value;
}

Result<qint64> time(const JsonValue &v, const QString &path) {
    auto s = string(v, path);
    if (!s) return s.error();
    const auto t = trust::parseExpiry(*s);
    if (!t) return bad(path, QStringLiteral("must be YYYY-MM-DDTHH:MM:SSZ"));
    return t->toMSecsSinceEpoch();
}

// A list of distinct strings, each accepted by `valid`.
Result<QStringList> strings(const JsonValue &v, const QString &path, int max, bool (*valid)(const QString &),
                            const char *what) {
    if (!v.isArray()) return bad(path, QStringLiteral("must be an array"));
    if (qsizetype(v.toArray().size()) > max)
        return bad(path, QStringLiteral("%1 entries, the limit is %2").arg(v.toArray().size()).arg(max));
    QStringList out;
    for (size_t i = 0; i < v.toArray().size(); ++i) {
        const QString at = QStringLiteral("%1[%2]").arg(path).arg(i);
        auto s = string(v.toArray()[i], at);
        if (!s) return s.error();
        if (!valid(*s)) return bad(at, QStringLiteral("\"%1\" is not %2").arg(*s, QLatin1String(what)));
        if (out.contains(*s)) return bad(at, QStringLiteral("\"%1\" is listed twice").arg(*s));
        out.append(*s);
    }
    return out;
}

bool matches(const QString &text, const char *pattern) {
    return QRegularExpression(QRegularExpression::anchoredPattern(QLatin1String(pattern))).match(text).hasMatch();
}
bool isVssPath(const QString &s) { return s.size() <= 256 && matches(s, "[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*"); }
bool isVehiclePattern(const QString &s) { return s.size() <= 64 && matches(s, "[A-Za-z0-9*._:-]+"); }
bool isLogCategory(const QString &s) {
    return s.size() <= 128 && matches(s, "[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(\\.\\*)?|\\*");
}

Result<Scope> parseScope(const JsonValue &v) {
    const QString path = QStringLiteral("scope");
    if (auto s = object(v, path, {"vehicles", "devices"}, {"vehicles"}); !s) return s.error();
    Scope scope;
    auto vehicles =
        strings(v["vehicles"], QStringLiteral("scope.vehicles"), 1024, isVehiclePattern, "a vehicle id or pattern");
    if (!vehicles) return vehicles.error();
    if (vehicles->isEmpty()) return bad(QStringLiteral("scope.vehicles"), QStringLiteral("must not be empty"));
    scope.vehicles = *vehicles;
    if (v.contains("devices")) {
        auto devices = strings(v["devices"], QStringLiteral("scope.devices"), 64, isSafeId, "a device id");
        if (!devices) return devices.error();
        scope.devices = *devices;
    }
    return scope;
}

Result<StreamRequest> parseStream(const JsonValue &v, const QString &path, const CampaignLimits &limits,
                                  DataClass defaultClass) {
    if (auto s = object(v, path, {"device", "stream", "params", "data_class", "capture"}, {"device", "stream"}); !s)
        return s.error();
    StreamRequest r;
    r.dataClass = defaultClass;
    for (auto [key, out] : {std::pair{"device", &r.device}, std::pair{"stream", &r.stream}}) {
        auto s = string(v[key], member(path, key));
        if (!s) return s.error();
        if (!isSafeId(*s)) return bad(member(path, key), QStringLiteral("\"%1\" is not a safe id").arg(*s));
        *out = *s;
    }
    if (v.contains("params")) {
        const QString at = member(path, "params");
        if (!v["params"].isObject()) return bad(at, QStringLiteral("must be an object"));
        if (qsizetype(v["params"].toObject().size()) > limits.maxParams)
            return bad(at, QStringLiteral("more than %1 parameters").arg(limits.maxParams));
        for (const auto &[key, value] : v["params"].toObject()) {
            auto s = string(value, at + u'.' + QString::fromStdString(key));
            if (!s) return s.error();
            if (key.empty() || key.size() > 64 || s->size() > 256)
                return bad(at + u'.' + QString::fromStdString(key), QStringLiteral("name or value too long or empty"));
            r.params.emplace(QString::fromStdString(key), *s);
        }
    }
    if (v.contains("data_class")) {
        auto c = named<DataClass>(v["data_class"], member(path, "data_class"), dataClassFromName);
        if (!c) return c.error();
        r.dataClass = *c;
    }
    if (v.contains("capture")) {
        const QString at = member(path, "capture");
        auto c = string(v["capture"], at);
        if (!c) return c.error();
        if (*c == QLatin1String("window"))
            r.capture = StreamCapture::Window;
        else if (*c != QLatin1String("stream"))
            return bad(at, QStringLiteral("\"%1\" is not one of stream, window").arg(*c));
    }
    return r;
}

Status parseCollect(const JsonValue &v, const CampaignLimits &limits, Campaign *c) {
    const QString path = QStringLiteral("collect");
    if (auto s = object(v, path, {"signals", "streams", "logs"}, {}); !s) return s.error();
    if (v.contains("signals")) {
        auto s =
            strings(v["signals"], QStringLiteral("collect.signals"), limits.maxSignals, isVssPath, "a VSS signal path");
        if (!s) return s.error();
        c->signalNames = *s;
    }
    if (v.contains("logs")) {
        auto s = strings(v["logs"], QStringLiteral("collect.logs"), limits.maxLogCategories, isLogCategory,
                         "a log category");
        if (!s) return s.error();
        c->logCategories = *s;
    }
    if (v.contains("streams")) {
        const JsonValue &streams = v["streams"];
        if (!streams.isArray()) return bad(QStringLiteral("collect.streams"), QStringLiteral("must be an array"));
        if (qsizetype(streams.toArray().size()) > limits.maxStreams)
            return bad(
                QStringLiteral("collect.streams"),
                QStringLiteral("%1 entries, the limit is %2").arg(streams.toArray().size()).arg(limits.maxStreams));
        for (size_t i = 0; i < streams.toArray().size(); ++i) {
            const QString at = QStringLiteral("collect.streams[%1]").arg(i);
            auto r = parseStream(streams.toArray()[i], at, limits, c->dataClass);
            if (!r) return r.error();
            for (const StreamRequest &other : c->streams)
                if (other.device == r->device && other.stream == r->stream)
                    return bad(at, QStringLiteral("stream %1/%2 is listed twice").arg(r->device, r->stream));
            if (!c->scope.devices.isEmpty() && !c->scope.devices.contains(r->device))
                return bad(at + QStringLiteral(".device"),
                           QStringLiteral("\"%1\" is not one of scope.devices").arg(r->device));
            c->streams.push_back(std::move(*r));
        }
    }
    if (c->signalNames.isEmpty() && c->streams.empty() && c->logCategories.isEmpty())
        return bad(path, QStringLiteral("collects nothing (no signals, streams or logs)"));
    return error::Ok{};
}

Status parseTrigger(const JsonValue &v, const CampaignLimits &limits, Campaign *c) {
    const QString path = QStringLiteral("trigger");
    if (auto s = object(v, path, {"period_ms", "condition", "min_interval_ms"}, {}); !s) return s.error();
    if (v.contains("period_ms") == v.contains("condition"))
        return bad(path, QStringLiteral("needs exactly one of period_ms and condition"));
    if (v.contains("period_ms")) {
        if (v.contains("min_interval_ms"))
            return bad(QStringLiteral("trigger.min_interval_ms"), QStringLiteral("only with a condition"));
        auto p = integer(v["period_ms"], QStringLiteral("trigger.period_ms"), limits.minPeriodMs, limits.maxPeriodMs);
        if (!p) return p.error();
        c->trigger = TriggerKind::Periodic;
        c->periodMs = *p;
        return error::Ok{};
    }
    auto text = string(v["condition"], QStringLiteral("trigger.condition"));
    if (!text) return text.error();
    auto e = Expression::parse(*text, limits.expression);
    if (!e) return bad(QStringLiteral("trigger.condition"), e.error().message);
    c->trigger = TriggerKind::Condition;
    c->conditionText = *text;
    c->condition = std::make_shared<const Expression>(std::move(*e));
    if (v.contains("min_interval_ms")) {
        auto m = integer(v["min_interval_ms"], QStringLiteral("trigger.min_interval_ms"), 0, limits.maxIntervalMs);
        if (!m) return m.error();
        c->minIntervalMs = *m;
    }
    return error::Ok{};
}

Status parseWindow(const JsonValue &v, const CampaignLimits &limits, Campaign *c) {
    if (auto s = object(v, QStringLiteral("window"), {"pre_ms", "post_ms"}, {"pre_ms", "post_ms"}); !s)
        return s.error();
    auto pre = integer(v["pre_ms"], QStringLiteral("window.pre_ms"), 0, limits.maxWindowMs);
    if (!pre) return pre.error();
    auto post = integer(v["post_ms"], QStringLiteral("window.post_ms"), 0, limits.maxWindowMs);
    if (!post) return post.error();
    c->preMs = *pre;
    c->postMs = *post;
    return error::Ok{};
}

} // namespace

QString nameOf(UploadPolicy v) { return core::nameOf(kUploadNames, v); }
std::optional<UploadPolicy> uploadPolicyFromName(QStringView name) { return core::valueOf(kUploadNames, name); }
QString nameOf(CampaignErrorKind kind) { return core::nameOf(kErrorNames, kind); }

bool isSafeId(const QString &id) { return id.size() <= 64 && matches(id, "[A-Za-z0-9_-][A-Za-z0-9._-]*"); }

bool inScope(const Scope &scope, const VehicleIdentity &vehicle) {
    bool vehicleMatches = false;
    for (const QString &pattern : scope.vehicles) {
        QStringList pieces = pattern.split(u'*');
        for (QString &piece : pieces) piece = QRegularExpression::escape(piece);
        const QRegularExpression re(QRegularExpression::anchoredPattern(pieces.join(QStringLiteral(".*"))));
        vehicleMatches = vehicleMatches || re.match(vehicle.vehicleId).hasMatch();
    }
    if (!vehicleMatches) return false;
    if (scope.devices.isEmpty()) return true;
    for (const QString &d : scope.devices)
        if (vehicle.devices.contains(d)) return true;
    return false;
}

Result<Campaign> parseCampaign(const JsonValue &s, const CampaignLimits &limits) {
    if (auto ok = object(s, QString(),
                         {"_type", "spec_version", "id", "version", "start", "expires", "scope", "collect", "trigger",
                          "window", "priority", "data_class", "retention_s", "upload"},
                         {"_type", "spec_version", "id", "version", "expires", "scope", "collect", "trigger",
                          "priority", "data_class", "upload"});
        !ok)
        return ok.error();
    if (s["_type"].toString() != QLatin1String("campaign") || !s["_type"].isString())
        return bad(QStringLiteral("_type"), QStringLiteral("must be \"campaign\""));
    if (s["spec_version"].toString() != QLatin1String("1.0") || !s["spec_version"].isString())
        return bad(QStringLiteral("spec_version"), QStringLiteral("must be \"1.0\""));
    Campaign c;
    auto id = string(s["id"], QStringLiteral("id"));
    if (!id) return id.error();
    if (!isSafeId(*id)) return bad(QStringLiteral("id"), QStringLiteral("\"%1\" is not a safe id").arg(*id));
    c.id = *id;
    auto version = integer(s["version"], QStringLiteral("version"), 1, std::numeric_limits<qint64>::max());
    if (!version) return version.error();
    c.version = *version;
    if (s.contains("start")) {
        auto start = time(s["start"], QStringLiteral("start"));
        if (!start) return start.error();
        c.startMs = *start;
    }
    auto expires = time(s["expires"], QStringLiteral("expires"));
    if (!expires) return expires.error();
    c.expiresMs = *expires;
    if (c.expiresMs <= c.startMs) return bad(QStringLiteral("expires"), QStringLiteral("is not after start"));
    auto priority = named<Priority>(s["priority"], QStringLiteral("priority"), priorityFromName);
    if (!priority) return priority.error();
    c.priority = *priority;
    auto dataClass = named<DataClass>(s["data_class"], QStringLiteral("data_class"), dataClassFromName);
    if (!dataClass) return dataClass.error();
    c.dataClass = *dataClass;
    auto upload = named<UploadPolicy>(s["upload"], QStringLiteral("upload"), uploadPolicyFromName);
    if (!upload) return upload.error();
    c.upload = *upload;
    if (s.contains("retention_s")) {
        auto r = integer(s["retention_s"], QStringLiteral("retention_s"), 1, limits.maxRetentionMs / 1000);
        if (!r) return r.error();
        c.retentionMs = *r * 1000;
    }
    auto scope = parseScope(s["scope"]);
    if (!scope) return scope.error();
    c.scope = *scope;
    if (auto ok = parseCollect(s["collect"], limits, &c); !ok) return ok.error();
    if (auto ok = parseTrigger(s["trigger"], limits, &c); !ok) return ok.error();
    if (s.contains("window")) {
        if (c.trigger != TriggerKind::Condition)
            return bad(QStringLiteral("window"), QStringLiteral("only with a trigger condition"));
        if (auto ok = parseWindow(s["window"], limits, &c); !ok) return ok.error();
    }
    for (size_t i = 0; i < c.streams.size(); ++i) {
        if (c.streams[i].capture != StreamCapture::Window) continue;
        const QString at = QStringLiteral("collect.streams[%1].capture").arg(i);
        if (c.trigger != TriggerKind::Condition)
            return bad(at, QStringLiteral("\"window\" only with a trigger condition"));
        if (c.preMs + c.postMs <= 0) return bad(at, QStringLiteral("\"window\" needs a window (pre_ms + post_ms > 0)"));
    }
    return c;
}

} // namespace conduit::gathering::campaign
