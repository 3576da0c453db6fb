#include "ddimodel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace conduit::upstream::ddi {

namespace {

error::DomainError<DocumentError> fail(DocumentError kind, QString message) { return {kind, std::move(message)}; }

Parsed<QJsonObject> object(const QByteArray &json) {
    if (json.size() > kMaxDocumentBytes) {
        return fail(DocumentError::TooLarge, QStringLiteral("document larger than %1 bytes").arg(kMaxDocumentBytes));
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        return fail(DocumentError::NotJson,
                    QStringLiteral("invalid JSON at offset %1: %2").arg(pe.offset).arg(pe.errorString()));
    }
    if (!doc.isObject()) {
        return fail(DocumentError::NotJson, QStringLiteral("not a JSON object"));
    }
    return doc.object();
}

// Links are resolved against the server URL and must stay on it: a server
// must not send the device to fetch from elsewhere without TLS/CA control.
QUrl link(const QJsonObject &links, const char *name, const QUrl &base) {
    const QJsonValue v = links.value(QLatin1String(name));
    if (!v.isObject()) return {};
    const QUrl u = base.resolved(QUrl(v.toObject().value(QLatin1String("href")).toString()));
    return u.isValid() && (u.scheme() == QLatin1String("http") || u.scheme() == QLatin1String("https")) ? u : QUrl();
}

std::optional<Handling> handling(const QJsonValue &v) {
    const QString s = v.toString();
    if (s == QLatin1String("skip")) return Handling::Skip;
    if (s == QLatin1String("attempt")) return Handling::Attempt;
    if (s == QLatin1String("forced")) return Handling::Forced;
    return std::nullopt;
}

bool isHex(const QString &s, int length) {
    static const QRegularExpression re(QStringLiteral("^[0-9a-fA-F]*$"));
    return s.size() == length && re.match(s).hasMatch();
}

} // namespace

QString nameOf(DocumentError e) {
    switch (e) {
    case DocumentError::TooLarge: return QStringLiteral("too-large");
    case DocumentError::NotJson: return QStringLiteral("not-json");
    case DocumentError::MissingField: return QStringLiteral("missing-field");
    case DocumentError::BadValue: return QStringLiteral("bad-value");
    case DocumentError::TooMany: return QStringLiteral("too-many");
    }
    return QStringLiteral("unknown");
}

int parseSleep(const QString &s) {
    static const QRegularExpression re(QStringLiteral("^(\\d{1,3}):([0-5]\\d):([0-5]\\d)$"));
    const auto m = re.match(s);
    if (!m.hasMatch()) return -1;
    return m.captured(1).toInt() * 3600 + m.captured(2).toInt() * 60 + m.captured(3).toInt();
}

QString actionIdFromLink(const QUrl &u) {
    static const QRegularExpression re(
        QStringLiteral("/(?:deploymentBase|cancelAction|confirmationBase|installedBase)/([^/?]+)"));
    return re.match(u.path()).captured(1);
}

Parsed<Base> parseBase(const QByteArray &json, const QUrl &baseUrl) {
    auto o = object(json);
    if (!o) return o.error();
    Base b;
    const QJsonValue sleep = o->value(QLatin1String("config"))
                                 .toObject()
                                 .value(QLatin1String("polling"))
                                 .toObject()
                                 .value(QLatin1String("sleep"));
    if (!sleep.isUndefined()) {
        const int s = parseSleep(sleep.toString());
        if (s < 0) {
            return fail(DocumentError::BadValue,
                        QStringLiteral("config.polling.sleep \"%1\" is not HH:MM:SS").arg(sleep.toString()));
        }
        b.pollSeconds = s;
    }
    const QJsonObject links = o->value(QLatin1String("_links")).toObject();
    b.deploymentBase = link(links, "deploymentBase", baseUrl);
    b.cancelAction = link(links, "cancelAction", baseUrl);
    b.configData = link(links, "configData", baseUrl);
    b.installedBase = link(links, "installedBase", baseUrl);
    b.confirmationBase = link(links, "confirmationBase", baseUrl);
    return b;
}

Parsed<Deployment> parseDeployment(const QByteArray &json, const QUrl &baseUrl) {
    auto o = object(json);
    if (!o) return o.error();
    Deployment d;
    const QJsonValue id = o->value(QLatin1String("id"));
    d.actionId = id.isString() ? id.toString() : id.isDouble() ? QString::number(qint64(id.toDouble())) : QString();
    if (d.actionId.isEmpty()) {
        return fail(DocumentError::MissingField, QStringLiteral("deployment without an action id"));
    }
    // hawkBit names the body "deployment" (deploymentBase) or "confirmation"
    const QJsonObject dep = o->contains(QLatin1String("deployment"))
                                ? o->value(QLatin1String("deployment")).toObject()
                                : o->value(QLatin1String("confirmation")).toObject();
    auto dl = handling(dep.value(QLatin1String("download"))), up = handling(dep.value(QLatin1String("update")));
    if (!dl || !up) {
        return fail(DocumentError::BadValue,
                    QStringLiteral("action %1: download/update must be skip, attempt or forced").arg(d.actionId));
    }
    d.download = *dl;
    d.update = *up;
    const QJsonValue mw = dep.value(QLatin1String("maintenanceWindow"));
    if (!mw.isUndefined()) {
        if (mw.toString() != QLatin1String("available") && mw.toString() != QLatin1String("unavailable")) {
            return fail(
                DocumentError::BadValue,
                QStringLiteral("action %1: maintenanceWindow must be available or unavailable").arg(d.actionId));
        }
        d.maintenanceWindowAvailable = mw.toString() == QLatin1String("available");
    }
    const QJsonArray chunks = dep.value(QLatin1String("chunks")).toArray();
    if (chunks.isEmpty() || chunks.size() > kMaxChunks) {
        return fail(chunks.isEmpty() ? DocumentError::MissingField : DocumentError::TooMany,
                    QStringLiteral("action %1: needs 1 to %2 chunks, has %3")
                        .arg(d.actionId)
                        .arg(kMaxChunks)
                        .arg(chunks.size()));
    }
    for (const QJsonValue &cv : chunks) {
        const QJsonObject c = cv.toObject();
        Chunk chunk;
        chunk.part = c.value(QLatin1String("part")).toString();
        chunk.version = c.value(QLatin1String("version")).toString();
        chunk.name = c.value(QLatin1String("name")).toString();
        if (chunk.part.isEmpty()) {
            return fail(DocumentError::MissingField,
                        QStringLiteral("action %1: a chunk without \"part\"").arg(d.actionId));
        }
        for (const QJsonValue &mv : c.value(QLatin1String("metadata")).toArray())
            chunk.metadata.insert(mv.toObject().value(QLatin1String("key")).toString(),
                                  mv.toObject().value(QLatin1String("value")).toString());
        const QJsonArray artifacts = c.value(QLatin1String("artifacts")).toArray();
        if (artifacts.size() > kMaxArtifactsPerChunk) {
            return fail(DocumentError::TooMany, QStringLiteral("action %1: chunk %2 has more than %3 artifacts")
                                                    .arg(d.actionId, chunk.part)
                                                    .arg(kMaxArtifactsPerChunk));
        }
        for (const QJsonValue &av : artifacts) {
            const QJsonObject a = av.toObject();
            Artifact art;
            art.filename = a.value(QLatin1String("filename")).toString();
            const QJsonValue size = a.value(QLatin1String("size"));
            art.size =
                size.isDouble() && size.toDouble() >= 0 && size.toDouble() <= 9.0e15 ? qint64(size.toDouble()) : -1;
            const QJsonObject hashes = a.value(QLatin1String("hashes")).toObject();
            art.sha1 = hashes.value(QLatin1String("sha1")).toString().toLower();
            art.md5 = hashes.value(QLatin1String("md5")).toString().toLower();
            art.sha256 = hashes.value(QLatin1String("sha256")).toString().toLower();
            const QJsonObject links = a.value(QLatin1String("_links")).toObject();
            art.download = link(links, "download", baseUrl);
            art.downloadHttp = link(links, "download-http", baseUrl);
            if (art.filename.isEmpty() || art.filename.contains(QLatin1Char('/')) ||
                art.filename.contains(QLatin1String(".."))) {
                return fail(DocumentError::BadValue,
                            QStringLiteral("action %1: artifact with a missing or unsafe file name \"%2\"")
                                .arg(d.actionId, art.filename));
            }
            if (art.size < 0 || !isHex(art.sha256, 64) || (art.download.isEmpty() && art.downloadHttp.isEmpty())) {
                return fail(DocumentError::BadValue,
                            QStringLiteral("action %1: artifact %2 needs a size, a sha256 and a download link")
                                .arg(d.actionId, art.filename));
            }
            chunk.artifacts << art;
        }
        d.chunks << chunk;
    }
    for (const QJsonValue &m :
         o->value(QLatin1String("actionHistory")).toObject().value(QLatin1String("messages")).toArray())
        d.history << m.toString();
    return d;
}

Parsed<CancelAction> parseCancel(const QByteArray &json) {
    auto o = object(json);
    if (!o) return o.error();
    CancelAction c;
    auto str = [](const QJsonValue &v) {
        return v.isString() ? v.toString() : v.isDouble() ? QString::number(qint64(v.toDouble())) : QString();
    };
    c.actionId = str(o->value(QLatin1String("id")));
    c.stopId = str(o->value(QLatin1String("cancelAction")).toObject().value(QLatin1String("stopId")));
    if (c.stopId.isEmpty()) {
        return fail(DocumentError::MissingField, QStringLiteral("cancelAction without stopId"));
    }
    return c;
}

const char *executionName(Execution e) {
    switch (e) {
    case Execution::Proceeding: return "proceeding";
    case Execution::Downloading: return "download";
    case Execution::Downloaded: return "downloaded";
    case Execution::Scheduled: return "scheduled";
    case Execution::Resumed: return "resumed";
    case Execution::Closed: return "closed";
    case Execution::Canceled: return "canceled";
    case Execution::Rejected: return "rejected";
    }
    return "proceeding";
}

QJsonObject feedback(Execution execution, Finished finished, const QStringList &details,
                     std::optional<std::pair<int, int>> progress) {
    QJsonObject result{{QStringLiteral("finished"), finished == Finished::Success   ? QStringLiteral("success")
                                                    : finished == Finished::Failure ? QStringLiteral("failure")
                                                                                    : QStringLiteral("none")}};
    if (progress)
        result.insert(QStringLiteral("progress"),
                      QJsonObject{{QStringLiteral("cnt"), progress->first}, {QStringLiteral("of"), progress->second}});
    return {
        {QStringLiteral("status"), QJsonObject{{QStringLiteral("execution"), QLatin1String(executionName(execution))},
                                               {QStringLiteral("result"), result},
                                               {QStringLiteral("details"), QJsonArray::fromStringList(details)}}}};
}

QJsonObject confirmation(bool confirmed, const QStringList &details) {
    return {{QStringLiteral("confirmation"), confirmed ? QStringLiteral("confirmed") : QStringLiteral("denied")},
            {QStringLiteral("details"), QJsonArray::fromStringList(details)}};
}

QJsonObject configData(const QMap<QString, QString> &attributes) {
    QJsonObject data;
    for (auto it = attributes.begin(); it != attributes.end(); ++it) data.insert(it.key(), it.value());
    return {{QStringLiteral("mode"), QStringLiteral("merge")}, {QStringLiteral("data"), data}};
}

} // namespace conduit::upstream::ddi
