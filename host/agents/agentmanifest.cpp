#include "agentmanifest.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace conduit::agents {

namespace {
constexpr qint64 kMaxManifestBytes = 64 * 1024;
}

std::optional<AgentManifest> AgentManifest::parse(const QByteArray &json, const QString &path, QString *error) {
    auto fail = [&](const QString &why) -> std::optional<AgentManifest> {
        *error = QStringLiteral("%1: %2").arg(path, why);
        return std::nullopt;
    };
    if (json.size() > kMaxManifestBytes) return fail(QStringLiteral("manifest larger than 64 KiB"));
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(QStringLiteral("invalid JSON at offset %1: %2").arg(pe.offset).arg(pe.errorString()));
    if (!doc.isObject()) return fail(QStringLiteral("manifest is not a JSON object"));
    const QJsonObject o = doc.object();
    AgentManifest m;
    m.manifestPath = path;
    m.id = o.value(QLatin1String("id")).toString();
    static const QRegularExpression idRe(QStringLiteral("^[a-z0-9-]+(\\.[a-z0-9-]+)+$"));
    if (!idRe.match(m.id).hasMatch())
        return fail(QStringLiteral("\"id\" must be a reverse-DNS name like \"com.example.ecu\""));
    m.version = o.value(QLatin1String("version")).toString();
    if (m.version.isEmpty()) return fail(QStringLiteral("\"version\" missing"));
    static const QRegularExpression abiRe(QStringLiteral("^(\\d{1,4})\\.(\\d{1,4})$"));
    const auto abi = abiRe.match(o.value(QLatin1String("abi")).toString());
    if (!abi.hasMatch()) return fail(QStringLiteral("\"abi\" must be \"MAJOR.MINOR\", e.g. \"1.0\""));
    m.abiMajor = abi.captured(1).toInt();
    m.abiMinor = abi.captured(2).toInt();
    const QJsonArray types = o.value(QLatin1String("device_types")).toArray();
    for (const QJsonValue &t : types) {
        if (!t.isString() || t.toString().isEmpty())
            return fail(QStringLiteral("\"device_types\" must hold non-empty strings"));
        m.deviceTypes << t.toString();
    }
    if (m.deviceTypes.isEmpty()) return fail(QStringLiteral("\"device_types\" missing or empty"));
    const QString lib = o.value(QLatin1String("library")).toString();
    if (lib.isEmpty()) return fail(QStringLiteral("\"library\" missing"));
    QString needsError;
    auto needs = AgentNeeds::parse(o, &needsError);
    if (!needs) return fail(needsError);
    m.needs = *needs;
    m.library = QFileInfo(lib).isAbsolute() ? lib : QFileInfo(path).absoluteDir().filePath(lib);
    return m;
}

std::optional<AgentManifest> AgentManifest::load(const QString &path, QString *error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    return parse(f.read(kMaxManifestBytes + 1), path, error);
}

QList<AgentManifest> AgentManifest::discover(const QStringList &dirs, QStringList *errors) {
    QList<AgentManifest> found;
    QStringList ids;
    for (const QString &dir : dirs) {
        const QDir d(dir);
        if (!d.exists()) continue;
        for (const QString &name : d.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
            QString error;
            auto m = load(d.filePath(name), &error);
            if (!m) {
                errors->append(error);
                continue;
            }
            if (ids.contains(m->id)) {
                errors->append(QStringLiteral("%1: agent %2 already provided by an earlier manifest; ignored")
                                   .arg(d.filePath(name), m->id));
                continue;
            }
            ids << m->id;
            found << *m;
        }
    }
    return found;
}

} // namespace conduit::agents
