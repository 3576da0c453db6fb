#include "gatheringconfig.h"

#include <QRegularExpression>

namespace conduit::gathering {

namespace {

const QString kSection = QStringLiteral("gathering/");

QString quotaKey(DataClass c) { return QStringLiteral("quota_mb_") + nameOf(c); }

// "device/stream/class/priority[/kind]"
std::optional<CaptureRequest> parseCapture(const QString &spec, QString *why) {
    const QStringList p = spec.split(QLatin1Char('/'));
    if (p.size() < 4 || p.size() > 5 || p[0].isEmpty() || p[1].isEmpty()) {
        *why = QStringLiteral("\"%1\" is not device/stream/class/priority[/kind]").arg(spec);
        return std::nullopt;
    }
    CaptureRequest r;
    r.deviceId = p[0];
    r.stream = p[1];
    r.campaignId = QStringLiteral("local");
    const auto c = dataClassFromName(p[2]);
    const auto pr = priorityFromName(p[3]);
    const auto k = p.size() == 5 ? itemKindFromName(p[4]) : std::optional<ItemKind>(ItemKind::Blob);
    if (!c || !pr || !k) {
        *why = QStringLiteral("\"%1\": unknown %2")
                   .arg(spec, !c    ? QStringLiteral("data class")
                              : !pr ? QStringLiteral("priority")
                                    : QStringLiteral("item kind"));
        return std::nullopt;
    }
    r.dataClass = *c;
    r.priority = *pr;
    r.kind = *k;
    return r;
}

} // namespace

QStringList gatheringConfigKeys() {
    QStringList keys{QStringLiteral("enabled"),        QStringLiteral("store_dir"),       QStringLiteral("max_mb"),
                     QStringLiteral("max_items"),      QStringLiteral("retention_hours"), QStringLiteral("batch_kib"),
                     QStringLiteral("batch_ms"),       QStringLiteral("backlog_mb"),      QStringLiteral("window_kib"),
                     QStringLiteral("window_seconds"), QStringLiteral("captures")};
    for (DataClass c : kDataClasses) keys << quotaKey(c);
    for (QString &k : keys) k.prepend(kSection);
    return keys;
}

bool parseGatheringConfig(const QSettings &s, const QDir &base, GatheringConfig *out, QString *error) {
    GatheringConfig &g = *out;
    auto bad = [&](const QString &key, const QString &what) {
        *error = QStringLiteral("[gathering] %1 %2").arg(key, what);
        return false;
    };
    auto text = [&](const QString &key) {
        const QVariant v = s.value(kSection + key);
        // QSettings turns an unquoted "a, b" into a list: join it back.
        return v.typeId() == QMetaType::QStringList ? v.toStringList().join(QLatin1Char(',')) : v.toString();
    };
    // A positive integer of at most `max`, or the default when absent.
    auto number = [&](const QString &key, qint64 *value, qint64 min, qint64 max) {
        if (!s.contains(kSection + key)) return true;
        bool ok = false;
        const qint64 v = text(key).trimmed().toLongLong(&ok);
        if (!ok || v < min || v > max)
            return bad(key,
                       QStringLiteral("must be an integer from %1 to %2, not \"%3\"").arg(min).arg(max).arg(text(key)));
        *value = v;
        return true;
    };
    if (s.contains(kSection + QStringLiteral("enabled"))) {
        const QString v = text(QStringLiteral("enabled")).trimmed();
        if (v != QLatin1String("true") && v != QLatin1String("false"))
            return bad(QStringLiteral("enabled"), QStringLiteral("must be true or false, not \"%1\"").arg(v));
        g.enabled = v == QLatin1String("true");
    }
    if (s.contains(kSection + QStringLiteral("store_dir"))) {
        const QString v = text(QStringLiteral("store_dir")).trimmed();
        if (v.isEmpty()) return bad(QStringLiteral("store_dir"), QStringLiteral("must not be empty"));
        g.storeDir = QDir::cleanPath(base.absoluteFilePath(v));
    }
    qint64 maxMb = g.store.maxBytes >> 20, hours = g.store.defaultRetentionMs / 3'600'000,
           batchKib = g.capture.batchBytes >> 10, batchMs = g.capture.batchMs, backlogMb = g.backlogBytes >> 20,
           windowKib = g.capture.windowBytes >> 10, windowS = g.capture.windowMs / 1000;
    constexpr qint64 kTiB = 1 << 20; // in MiB
    if (!number(QStringLiteral("max_mb"), &maxMb, 1, kTiB) ||
        !number(QStringLiteral("max_items"), &g.store.maxItems, 1, 1'000'000'000) ||
        !number(QStringLiteral("retention_hours"), &hours, 1, 24 * 366) ||
        !number(QStringLiteral("batch_kib"), &batchKib, 1, 64 << 10) ||
        !number(QStringLiteral("batch_ms"), &batchMs, 10, 3'600'000) ||
        !number(QStringLiteral("backlog_mb"), &backlogMb, 1, 4096) ||
        !number(QStringLiteral("window_kib"), &windowKib, 0, 1 << 20) ||
        !number(QStringLiteral("window_seconds"), &windowS, 0, 3600))
        return false;
    g.store.maxBytes = maxMb << 20;
    g.store.defaultRetentionMs = hours * 3'600'000;
    g.capture.batchBytes = batchKib << 10;
    g.capture.batchMs = int(batchMs);
    g.backlogBytes = backlogMb << 20;
    g.capture.windowBytes = windowKib << 10;
    g.capture.windowMs = windowS * 1000;
    if (g.capture.batchBytes > g.backlogBytes)
        return bad(QStringLiteral("batch_kib"), QStringLiteral("must not exceed backlog_mb"));
    for (DataClass c : kDataClasses) {
        qint64 quota = 0;
        if (!s.contains(kSection + quotaKey(c))) continue;
        if (!number(quotaKey(c), &quota, 1, maxMb)) return false;
        g.store.classQuota[c] = quota << 20;
    }
    for (const QString &spec :
         text(QStringLiteral("captures")).split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts)) {
        QString why;
        const auto r = parseCapture(spec, &why);
        if (!r) return bad(QStringLiteral("captures"), why);
        g.captures << *r;
    }
    return true;
}

} // namespace conduit::gathering
