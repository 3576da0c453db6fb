#include "adminapi.h"

#include "ddiapi.h"
#include "devserver.h"
#include "devserverlog.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace conduit::devserver {

namespace {

HttpResponse ok(const QJsonValue &v, int status = 200) {
    return HttpResponse::json(status, v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject()));
}

HttpResponse wrongMethod(const QByteArray &allow) {
    HttpResponse r = HttpResponse::error(405, QStringLiteral("use %1").arg(QString::fromLatin1(allow)));
    r.setHeader("Allow", allow);
    return r;
}

std::optional<QJsonDocument> jsonBody(const HttpRequest &request, QString *error) {
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &e);
    if (e.error != QJsonParseError::NoError) {
        *error = QStringLiteral("body is not JSON: %1").arg(e.errorString());
        return std::nullopt;
    }
    return doc;
}

QJsonObject statsJson(DevServer &server) {
    const Stats &s = server.stats();
    QJsonObject byStatus;
    for (auto it = s.byStatus.begin(); it != s.byStatus.end(); ++it)
        byStatus.insert(QString::number(it.key()), it.value());
    QJsonObject paths;
    for (auto it = s.paths.begin(); it != s.paths.end(); ++it)
        paths.insert(it.key(), QJsonObject{{QStringLiteral("requests"), it->requests},
                                           {QStringLiteral("bodyBytes"), it->bodyBytes}});
    QJsonObject files;
    for (auto it = s.keys.begin(); it != s.keys.end(); ++it)
        files.insert(it.key(), QJsonObject{{QStringLiteral("requests"), it->requests},
                                           {QStringLiteral("bodyBytes"), it->bodyBytes}});
    QJsonArray artifacts;
    for (const Action *a : server.store().actions())
        for (const SoftwareModule &m : a->modules)
            for (const ArtifactFile &f : m.artifacts) {
                const TransferCount t = s.keys.value(artifactStatsKey(m.id, f.filename));
                artifacts.append(QJsonObject{{QStringLiteral("action"), a->id},
                                             {QStringLiteral("moduleId"), m.id},
                                             {QStringLiteral("filename"), f.filename},
                                             {QStringLiteral("size"), f.size},
                                             {QStringLiteral("requests"), t.requests},
                                             {QStringLiteral("bytesSent"), t.bodyBytes}});
            }
    return QJsonObject{{QStringLiteral("requests"), s.requests}, {QStringLiteral("connections"), s.connections},
                       {QStringLiteral("byStatus"), byStatus},   {QStringLiteral("paths"), paths},
                       {QStringLiteral("files"), files},         {QStringLiteral("artifacts"), artifacts}};
}

HttpResponse faults(DevServer &server, const HttpRequest &request) {
    if (request.method == "GET") return ok(QJsonObject{{QStringLiteral("faults"), server.faults().toJson()}});
    if (request.method == "DELETE") {
        server.faults().clear();
        return ok(QJsonObject{{QStringLiteral("faults"), QJsonArray()}});
    }
    if (request.method != "POST") return wrongMethod("GET, POST, DELETE");
    QString error;
    const auto doc = jsonBody(request, &error);
    if (!doc) return HttpResponse::error(400, error);
    // {"replace": bool, "faults": [spec | object]} or a bare array / spec.
    QJsonArray list;
    bool replace = false;
    if (doc->isArray()) {
        list = doc->array();
    } else {
        const QJsonObject o = doc->object();
        replace = o.value(u"replace").toBool(false);
        list = o.contains(u"faults") ? o.value(u"faults").toArray() : QJsonArray{o};
    }
    QList<Fault> parsed;
    for (const QJsonValue &v : list) {
        const auto f = parseFault(v, &error);
        if (!f) return HttpResponse::error(400, error);
        parsed.append(*f);
    }
    if (replace) server.faults().clear();
    for (const Fault &f : parsed) {
        qCInfo(lcDevServer) << "fault added:" << f.spec;
        server.faults().add(f);
    }
    return ok(QJsonObject{{QStringLiteral("faults"), server.faults().toJson()}});
}

QJsonObject settingsJson(DevServer &server) {
    QJsonObject tokens;
    for (auto it = server.auth().targetTokens.begin(); it != server.auth().targetTokens.end(); ++it)
        tokens.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("pollSleep"), server.pollSleep()},
                       {QStringLiteral("gatewayToken"), server.auth().gatewayToken},
                       {QStringLiteral("targetTokens"), tokens}};
}

HttpResponse settings(DevServer &server, const HttpRequest &request) {
    if (request.method == "GET") return ok(settingsJson(server));
    if (request.method != "POST") return wrongMethod("GET, POST");
    QString error;
    const auto doc = jsonBody(request, &error);
    if (!doc || !doc->isObject())
        return HttpResponse::error(400, doc ? QStringLiteral("settings are a JSON object") : error);
    const QJsonObject o = doc->object();
    for (const QString &k : o.keys())
        if (k != u"pollSleep" && k != u"gatewayToken" && k != u"targetTokens")
            return HttpResponse::error(400, QStringLiteral("unknown setting \"%1\"").arg(k));
    if (o.contains(u"pollSleep")) {
        const QString sleep = o.value(u"pollSleep").toString();
        static const QRegularExpression hms(QStringLiteral("^\\d\\d:[0-5]\\d:[0-5]\\d$"));
        if (!hms.match(sleep).hasMatch()) return HttpResponse::error(400, QStringLiteral("pollSleep is HH:MM:SS"));
        server.pollSleep() = sleep;
    }
    if (o.contains(u"gatewayToken")) server.auth().gatewayToken = o.value(u"gatewayToken").toString();
    if (o.contains(u"targetTokens")) {
        server.auth().targetTokens.clear();
        const QJsonObject t = o.value(u"targetTokens").toObject();
        for (auto it = t.begin(); it != t.end(); ++it) server.auth().targetTokens.insert(it.key(), it->toString());
    }
    return ok(settingsJson(server));
}

HttpResponse deployments(DevServer &server, const HttpRequest &request) {
    if (request.method == "GET") {
        QJsonArray list;
        for (const Action *a : server.store().actions()) list.append(actionJson(server, *a));
        return ok(QJsonObject{{QStringLiteral("actions"), list}});
    }
    if (request.method != "POST") return wrongMethod("GET, POST");
    QString error;
    const auto doc = jsonBody(request, &error);
    if (!doc) return HttpResponse::error(400, error);
    if (!doc->isObject()) return HttpResponse::error(400, QStringLiteral("a deployment is a JSON object"));
    Action *a = server.store().createAction(doc->object(), QDir::currentPath(), &error);
    if (!a) return HttpResponse::error(400, error);
    return ok(actionJson(server, *a), 201);
}

HttpResponse actions(DevServer &server, const HttpRequest &request) {
    // /admin/actions[/{id}[/cancel|/maintenance]]
    const QStringList &s = request.segments;
    if (s.size() == 2) return deployments(server, request);
    bool okId = false;
    const qint64 id = s.value(2).toLongLong(&okId);
    Action *a = okId ? server.store().action(id) : nullptr;
    if (!a) return HttpResponse::error(404, QStringLiteral("no action %1").arg(s.value(2)));
    if (s.size() == 3) {
        if (request.method != "GET") return wrongMethod("GET");
        return ok(actionJson(server, *a));
    }
    if (s.size() != 4) return HttpResponse::error(404, QStringLiteral("no such admin resource"));
    if (request.method != "POST") return wrongMethod("POST");
    if (s[3] == u"cancel") {
        if (!server.store().cancel(*a))
            return HttpResponse::error(409, QStringLiteral("action %1 is %2; only an open action can be canceled")
                                                .arg(a->id)
                                                .arg(stateName(a->state)));
        return ok(actionJson(server, *a));
    }
    if (s[3] == u"maintenance") {
        QString error;
        const auto doc = jsonBody(request, &error);
        const QJsonValue w = doc ? doc->object().value(u"maintenanceWindow") : QJsonValue();
        if (!doc || !doc->isObject() || !(w.isNull() || w.toString() == u"available" || w.toString() == u"unavailable"))
            return HttpResponse::error(
                400, QStringLiteral("body is {\"maintenanceWindow\": \"available\"|\"unavailable\"|null}"));
        a->maintenanceAvailable = w.isNull() ? std::nullopt : std::optional<bool>(w.toString() == u"available");
        ++a->revision;
        qCInfo(lcDevServer) << "action" << a->id << "maintenance window" << w.toString(QStringLiteral("none"));
        return ok(actionJson(server, *a));
    }
    return HttpResponse::error(404, QStringLiteral("no such admin resource"));
}

HttpResponse feedback(DevServer &server, const HttpRequest &request) {
    if (request.method != "GET") return wrongMethod("GET");
    const QString wanted = request.query.queryItemValue(QStringLiteral("action"));
    QJsonArray out;
    if (!wanted.isEmpty()) {
        bool okId = false;
        const Action *a = server.store().action(wanted.toLongLong(&okId));
        if (!a) return HttpResponse::error(404, QStringLiteral("no action %1").arg(wanted));
        out = server.store().feedbackJson(*a);
        return ok(QJsonObject{{QStringLiteral("action"), a->id},
                              {QStringLiteral("state"), stateName(a->state)},
                              {QStringLiteral("status"), a->status()},
                              {QStringLiteral("feedback"), out},
                              {QStringLiteral("server"), server.store().eventsJson(*a)}});
    }
    QList<QJsonObject> all;
    for (const Action *a : server.store().actions())
        for (const QJsonValue &v : server.store().feedbackJson(*a)) all.append(v.toObject());
    std::sort(all.begin(), all.end(), [](const QJsonObject &x, const QJsonObject &y) {
        return x.value(u"sequence").toInt() < y.value(u"sequence").toInt();
    });
    for (const QJsonObject &o : all) out.append(o);
    return ok(QJsonObject{{QStringLiteral("feedback"), out}});
}

HttpResponse configData(DevServer &server, const HttpRequest &request) {
    const QString id = request.query.queryItemValue(QStringLiteral("controller"));
    const QString tenant = request.query.queryItemValue(QStringLiteral("tenant")).isEmpty()
                               ? QStringLiteral("DEFAULT")
                               : request.query.queryItemValue(QStringLiteral("tenant"));
    if (id.isEmpty()) return HttpResponse::error(400, QStringLiteral("?controller=ID is required"));
    if (request.method == "POST") {
        // Ask the device for its attributes again (the configData link reappears).
        server.store().controller(tenant, id).attributesRequested = true;
    } else if (request.method != "GET") {
        return wrongMethod("GET, POST");
    }
    const Controller *c = server.store().findController(tenant, id);
    if (!c) return HttpResponse::error(404, QStringLiteral("controller %1 is not known").arg(id));
    return ok(QJsonObject{{QStringLiteral("controller"), c->id},
                          {QStringLiteral("attributesRequested"), c->attributesRequested},
                          {QStringLiteral("data"), c->attributes},
                          {QStringLiteral("updates"), c->configUpdates},
                          {QStringLiteral("polls"), c->polls},
                          {QStringLiteral("autoConfirm"), c->autoConfirm.active}});
}

} // namespace

QJsonObject actionJson(const DevServer &server, const Action &a) {
    QJsonArray chunks;
    for (const SoftwareModule &m : a.modules) {
        QJsonArray artifacts;
        for (const ArtifactFile &f : m.artifacts)
            artifacts.append(
                QJsonObject{{QStringLiteral("filename"), f.filename},
                            {QStringLiteral("path"), f.path},
                            {QStringLiteral("size"), f.size},
                            {QStringLiteral("sha256"), f.sha256},
                            {QStringLiteral("url"),
                             server.url() + QStringLiteral("/%1/controller/v1/%2/softwaremodules/%3/artifacts/%4")
                                                .arg(a.tenant == u"default" ? QStringLiteral("DEFAULT") : a.tenant,
                                                     QString::fromLatin1(QUrl::toPercentEncoding(a.controller)))
                                                .arg(m.id)
                                                .arg(QString::fromLatin1(QUrl::toPercentEncoding(f.filename)))}});
        chunks.append(QJsonObject{{QStringLiteral("moduleId"), m.id},
                                  {QStringLiteral("part"), m.part},
                                  {QStringLiteral("name"), m.name},
                                  {QStringLiteral("version"), m.version},
                                  {QStringLiteral("artifacts"), artifacts}});
    }
    QJsonObject o{{QStringLiteral("id"), a.id},
                  {QStringLiteral("tenant"), a.tenant},
                  {QStringLiteral("controller"), a.controller},
                  {QStringLiteral("state"), stateName(a.state)},
                  {QStringLiteral("status"), a.status()},
                  {QStringLiteral("download"), a.download},
                  {QStringLiteral("update"), a.update},
                  {QStringLiteral("confirmationRequired"), a.confirmationRequired},
                  {QStringLiteral("chunks"), chunks}};
    o.insert(QStringLiteral("maintenanceWindow"),
             a.maintenanceAvailable
                 ? QJsonValue(*a.maintenanceAvailable ? QStringLiteral("available") : QStringLiteral("unavailable"))
                 : QJsonValue());
    if (!a.result.isEmpty()) o.insert(QStringLiteral("result"), a.result);
    return o;
}

HttpResponse handleAdmin(DevServer &server, const HttpRequest &request) {
    const QString what = request.segments.value(1);
    if (what == u"deployments" && request.segments.size() == 2) return deployments(server, request);
    if (what == u"actions") return actions(server, request);
    if (what == u"feedback" && request.segments.size() == 2) return feedback(server, request);
    if (what == u"config-data" && request.segments.size() == 2) return configData(server, request);
    if (what == u"stats" && request.segments.size() == 2) {
        if (request.method == "DELETE")
            server.stats() = Stats();
        else if (request.method != "GET")
            return wrongMethod("GET, DELETE");
        return ok(statsJson(server));
    }
    if (what == u"faults" && request.segments.size() == 2) return faults(server, request);
    if (what == u"settings" && request.segments.size() == 2) return settings(server, request);
    return HttpResponse::error(404, QStringLiteral("no admin resource %1 (see docs/devserver.md)").arg(request.path));
}

} // namespace conduit::devserver
