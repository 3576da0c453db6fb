#include "consentbook.h"

#include "core/durablefile.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace conduit::gathering {

ConsentMap ConsentBook::defaults() {
    ConsentMap m;
    for (DataClass c : kDataClasses) m[c] = !personal(c);
    return m;
}

QByteArray ConsentBook::encode(const ConsentMap &m) {
    QJsonObject classes;
    for (const auto &[c, on] : m) classes.insert(nameOf(c), on);
    return QJsonDocument(QJsonObject{{QStringLiteral("version"), 1}, {QStringLiteral("classes"), classes}}).toJson();
}

std::optional<ConsentMap> ConsentBook::decode(const QByteArray &bytes, QString *error) {
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object (%1)").arg(pe.errorString());
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    if (o.value(QLatin1String("version")).toInt(-1) != 1) {
        *error = QStringLiteral("unknown version");
        return std::nullopt;
    }
    const QJsonValue classes = o.value(QLatin1String("classes"));
    if (!classes.isObject()) {
        *error = QStringLiteral("\"classes\" is not an object");
        return std::nullopt;
    }
    ConsentMap m = defaults();
    const QJsonObject co = classes.toObject();
    for (auto it = co.begin(); it != co.end(); ++it) {
        const auto c = dataClassFromName(it.key());
        if (!c || !it.value().isBool()) {
            *error = QStringLiteral("\"%1\" is not a data class with true or false").arg(it.key());
            return std::nullopt;
        }
        m[*c] = it.value().toBool();
    }
    return m;
}

bool ConsentBook::load(QString *warning) {
    QFile f(path_);
    if (!f.exists()) {
        map_ = defaults();
        return true;
    }
    QString why;
    std::optional<ConsentMap> m;
    if (!f.open(QIODevice::ReadOnly))
        why = f.errorString();
    else
        m = decode(f.readAll(), &why);
    if (m) {
        map_ = *m;
        return true;
    }
    for (auto &[c, on] : map_) on = false;
    *warning = QStringLiteral("%1: %2; every data class is refused until the driver chooses again").arg(path_, why);
    return false;
}

bool ConsentBook::set(DataClass c, bool allowed, QString *error) {
    ConsentMap next = map_;
    next[c] = allowed;
    if (!core::replaceFileDurably(path_, encode(next), error)) return false;
    map_ = next;
    return true;
}

} // namespace conduit::gathering
