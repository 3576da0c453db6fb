#include "ddiapi.h"

#include "devserverlog.h"
#include "staticfiles.h"

#include <QJsonDocument>
#include <QUrl>

namespace conduit::devserver {

namespace {

const QStringList kExecutions{QStringLiteral("closed"),     QStringLiteral("proceeding"), QStringLiteral("canceled"),
                              QStringLiteral("scheduled"),  QStringLiteral("rejected"),   QStringLiteral("resumed"),
                              QStringLiteral("downloaded"), QStringLiteral("download")};
const QStringList kFinished{QStringLiteral("success"), QStringLiteral("failure"), QStringLiteral("none")};

HttpResponse methodNotAllowed(const QByteArray &allow) {
    HttpResponse r =
        HttpResponse::error(405, QStringLiteral("method not allowed; use %1").arg(QString::fromLatin1(allow)));
    r.setHeader("Allow", allow);
    return r;
}

HttpResponse notFound(const QString &what) { return HttpResponse::error(404, what); }

// Scheme and authority the client used, for the HAL links.
QString baseUrl(const HttpRequest &request) {
    QString host = QString::fromLatin1(request.header("host"));
    bool ok = !host.isEmpty();
    for (QChar c : host)
        ok = ok && (c.isLetterOrNumber() || c == u'.' || c == u'-' || c == u':' || c == u'[' || c == u']');
    if (!ok) host = QStringLiteral("127.0.0.1:%1").arg(request.localPort);
    return (request.tls ? QStringLiteral("https://") : QStringLiteral("http://")) + host;
}

struct Route {
    QString tenant, controller;
    QStringList rest;
    QString base; // .../{tenant}/controller/v1/{controllerId}
};

Route route(const HttpRequest &request) {
    Route r;
    r.tenant = request.segments.value(0);
    r.controller = request.segments.value(3);
    r.rest = request.segments.mid(4);
    r.base = baseUrl(request) + u'/' + QString::fromLatin1(QUrl::toPercentEncoding(r.tenant)) +
             QStringLiteral("/controller/v1/") + QString::fromLatin1(QUrl::toPercentEncoding(r.controller));
    return r;
}

QJsonObject link(const QString &href) { return QJsonObject{{QStringLiteral("href"), href}}; }

std::optional<qint64> parseId(const QString &s) {
    bool ok = false;
    const qint64 id = s.toLongLong(&ok);
    return ok && id > 0 ? std::optional(id) : std::nullopt;
}

QJsonObject artifactJson(const Route &r, const SoftwareModule &m, const ArtifactFile &a) {
    const QString href = r.base + QStringLiteral("/softwaremodules/%1/artifacts/").arg(m.id) +
                         QString::fromLatin1(QUrl::toPercentEncoding(a.filename));
    QJsonObject links{{QStringLiteral("download"), link(href)},
                      {QStringLiteral("download-http"), link(href)},
                      {QStringLiteral("md5sum"), link(href + QStringLiteral(".MD5SUM"))},
                      {QStringLiteral("md5sum-http"), link(href + QStringLiteral(".MD5SUM"))}};
    return QJsonObject{{QStringLiteral("filename"), a.filename},
                       {QStringLiteral("hashes"), QJsonObject{{QStringLiteral("sha1"), a.sha1},
                                                              {QStringLiteral("md5"), a.md5},
                                                              {QStringLiteral("sha256"), a.sha256}}},
                       {QStringLiteral("size"), a.announcedSize},
                       {QStringLiteral("_links"), links}};
}

QJsonObject deploymentJson(const Route &r, const Action &a) {
    QJsonArray chunks;
    for (const SoftwareModule &m : a.modules) {
        QJsonArray artifacts;
        for (const ArtifactFile &f : m.artifacts) artifacts.append(artifactJson(r, m, f));
        QJsonObject chunk{{QStringLiteral("part"), m.part},
                          {QStringLiteral("version"), m.version},
                          {QStringLiteral("name"), m.name},
                          {QStringLiteral("artifacts"), artifacts}};
        if (m.encrypted) chunk.insert(QStringLiteral("encrypted"), true);
        if (!m.metadata.isEmpty()) {
            QJsonArray meta;
            for (const auto &[k, v] : m.metadata)
                meta.append(QJsonObject{{QStringLiteral("key"), k}, {QStringLiteral("value"), v}});
            chunk.insert(QStringLiteral("metadata"), meta);
        }
        chunks.append(chunk);
    }
    QJsonObject d{{QStringLiteral("download"), a.effectiveDownload()},
                  {QStringLiteral("update"), a.effectiveUpdate()},
                  {QStringLiteral("chunks"), chunks}};
    if (a.maintenanceAvailable)
        d.insert(QStringLiteral("maintenanceWindow"),
                 *a.maintenanceAvailable ? QStringLiteral("available") : QStringLiteral("unavailable"));
    return d;
}

// ?actionHistory=N: N<0 all, 0 none (default), N>0 the last N messages.
std::optional<QJsonObject> historyJson(const HttpRequest &request, const Action &a) {
    const int count = request.query.queryItemValue(QStringLiteral("actionHistory")).toInt();
    if (count == 0 || a.history.isEmpty()) return std::nullopt;
    const QStringList messages =
        count < 0 ? a.history : a.history.mid(std::max<qsizetype>(0, a.history.size() - count));
    return QJsonObject{{QStringLiteral("status"), stateName(a.state)},
                       {QStringLiteral("messages"), QJsonArray::fromStringList(messages)}};
}

HttpResponse actionResource(const HttpRequest &request, const Route &r, const Action &a, const QString &member) {
    QJsonObject o{{QStringLiteral("id"), QString::number(a.id)}, {member, deploymentJson(r, a)}};
    if (auto h = historyJson(request, a)) o.insert(QStringLiteral("actionHistory"), *h);
    return HttpResponse::json(200, QJsonDocument(o));
}

// Parses and validates a DdiActionFeedback body.
struct Feedback {
    QString execution, finished;
    QStringList details;
};
std::optional<Feedback> parseFeedback(const QJsonDocument &doc, QString *error) {
    auto fail = [error](const QString &m) -> std::optional<Feedback> {
        *error = m;
        return std::nullopt;
    };
    if (!doc.isObject()) return fail(QStringLiteral("feedback must be a JSON object"));
    const QJsonObject o = doc.object();
    if (o.contains(u"time") && !o.value(u"time").isString()) return fail(QStringLiteral("\"time\" must be a string"));
    const QJsonObject status = o.value(u"status").toObject();
    if (!o.value(u"status").isObject()) return fail(QStringLiteral("\"status\" object is required"));
    Feedback f;
    f.execution = status.value(u"execution").toString();
    if (!kExecutions.contains(f.execution))
        return fail(QStringLiteral("status.execution must be one of %1").arg(kExecutions.join(u", ")));
    if (!status.value(u"result").isObject()) return fail(QStringLiteral("status.result object is required"));
    const QJsonObject result = status.value(u"result").toObject();
    f.finished = result.value(u"finished").toString();
    if (!kFinished.contains(f.finished))
        return fail(QStringLiteral("status.result.finished must be success, failure or none"));
    if (result.contains(u"progress")) {
        const QJsonObject p = result.value(u"progress").toObject();
        const QJsonValue cnt = p.value(u"cnt"), of = p.value(u"of");
        auto count = [](const QJsonValue &v) {
            return v.isDouble() && v.toDouble() >= 0 && v.toDouble() == double(v.toInteger());
        };
        if (!result.value(u"progress").isObject() || !count(cnt) || (!of.isUndefined() && !count(of)))
            return fail(QStringLiteral("status.result.progress is {\"cnt\": n, \"of\": m} with non-negative integers"));
        if (!of.isUndefined() && cnt.toInteger() > of.toInteger())
            return fail(QStringLiteral("status.result.progress.cnt exceeds of"));
    }
    if (status.contains(u"code") && !(status.value(u"code").isDouble()))
        return fail(QStringLiteral("status.code must be an integer"));
    if (status.contains(u"details")) {
        if (!status.value(u"details").isArray())
            return fail(QStringLiteral("status.details must be an array of strings"));
        for (const QJsonValue &d : status.value(u"details").toArray()) {
            if (!d.isString()) return fail(QStringLiteral("status.details must be an array of strings"));
            f.details.append(d.toString());
        }
    }
    return f;
}

QJsonValue bodyValue(const HttpRequest &request, const QJsonDocument &doc) {
    if (doc.isObject()) return doc.object();
    if (doc.isArray()) return doc.array();
    return QString::fromUtf8(request.body.left(4096));
}

HttpResponse postActionFeedback(DdiContext &ctx, const HttpRequest &request, Action &a, const QString &channel) {
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    QString error;
    const auto feedback = parseError.error == QJsonParseError::NoError
                              ? parseFeedback(doc, &error)
                              : (error = QStringLiteral("feedback is not JSON: %1").arg(parseError.errorString()),
                                 std::optional<Feedback>());
    if (!feedback) {
        ctx.store.record(a, channel, 400, bodyValue(request, doc));
        return HttpResponse::error(400, error);
    }
    const int status =
        channel == u"cancel"
            ? ctx.store.cancelFeedback(a, feedback->execution, feedback->finished, feedback->details)
            : ctx.store.deploymentFeedback(a, feedback->execution, feedback->finished, feedback->details);
    ctx.store.record(a, channel, status, doc.object());
    if (status == 410) return HttpResponse::error(410, QStringLiteral("action %1 is no longer active").arg(a.id));
    if (status == 404)
        return notFound(QStringLiteral("action %1 does not accept %2 feedback now").arg(a.id).arg(channel));
    return HttpResponse::empty(200);
}

HttpResponse basePoll(DdiContext &ctx, const Route &r) {
    Controller &c = ctx.store.controller(r.tenant, r.controller);
    ++c.polls;
    QJsonObject links;
    if (Action *a = ctx.store.activeAction(r.tenant, r.controller)) {
        if (a->state == ActionState::WaitingConfirmation)
            links.insert(QStringLiteral("confirmationBase"),
                         link(r.base + QStringLiteral("/confirmationBase/%1?c=%2").arg(a->id).arg(a->etag())));
        else if (a->state == ActionState::Canceling)
            links.insert(QStringLiteral("cancelAction"), link(r.base + QStringLiteral("/cancelAction/%1").arg(a->id)));
        else
            links.insert(QStringLiteral("deploymentBase"),
                         link(r.base + QStringLiteral("/deploymentBase/%1?c=%2").arg(a->id).arg(a->etag())));
    }
    if (Action *installed = ctx.store.installedAction(r.tenant, r.controller))
        links.insert(QStringLiteral("installedBase"),
                     link(r.base + QStringLiteral("/installedBase/%1").arg(installed->id)));
    if (c.attributesRequested) links.insert(QStringLiteral("configData"), link(r.base + QStringLiteral("/configData")));
    QJsonObject o{{QStringLiteral("config"),
                   QJsonObject{{QStringLiteral("polling"), QJsonObject{{QStringLiteral("sleep"), ctx.pollSleep}}}}}};
    if (!links.isEmpty()) o.insert(QStringLiteral("_links"), links);
    return HttpResponse::json(200, QJsonDocument(o));
}

HttpResponse putConfigData(DdiContext &ctx, const HttpRequest &request, Controller &c) {
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    const QJsonObject o = doc.object();
    const QJsonObject data = o.value(u"data").toObject();
    const QString mode = o.value(u"mode").toString(QStringLiteral("merge"));
    if (!doc.isObject() || data.isEmpty())
        return HttpResponse::error(400, QStringLiteral("configData needs a non-empty \"data\" object"));
    if (mode != u"merge" && mode != u"replace" && mode != u"remove")
        return HttpResponse::error(400, QStringLiteral("configData mode is merge, replace or remove"));
    for (auto it = data.begin(); it != data.end(); ++it)
        if (!it->isString())
            return HttpResponse::error(400,
                                       QStringLiteral("configData values are strings (\"%1\" is not)").arg(it.key()));
    if (mode == u"replace")
        c.attributes = data;
    else
        for (auto it = data.begin(); it != data.end(); ++it) {
            if (mode == u"remove")
                c.attributes.remove(it.key());
            else
                c.attributes.insert(it.key(), *it);
        }
    c.configUpdates.append(QJsonObject{{QStringLiteral("mode"), mode}, {QStringLiteral("data"), data}});
    c.attributesRequested = false;
    qCInfo(lcDevServer) << "configData from" << c.id << ":" << data.keys();
    Q_UNUSED(ctx);
    return HttpResponse::empty(200);
}

HttpResponse confirmationBase(const Route &r, Controller &c, Action *active) {
    QJsonObject autoConfirm{{QStringLiteral("active"), c.autoConfirm.active}};
    QJsonObject links;
    if (c.autoConfirm.active) {
        if (!c.autoConfirm.initiator.isEmpty())
            autoConfirm.insert(QStringLiteral("initiator"), c.autoConfirm.initiator);
        if (!c.autoConfirm.remark.isEmpty()) autoConfirm.insert(QStringLiteral("remark"), c.autoConfirm.remark);
        autoConfirm.insert(QStringLiteral("activatedAt"), c.autoConfirm.activatedAt);
        links.insert(QStringLiteral("deactivateAutoConfirm"),
                     link(r.base + QStringLiteral("/confirmationBase/deactivateAutoConfirm")));
    } else {
        links.insert(QStringLiteral("activateAutoConfirm"),
                     link(r.base + QStringLiteral("/confirmationBase/activateAutoConfirm")));
    }
    if (active && active->state == ActionState::WaitingConfirmation)
        links.insert(QStringLiteral("confirmationBase"),
                     link(r.base + QStringLiteral("/confirmationBase/%1?c=%2").arg(active->id).arg(active->etag())));
    return HttpResponse::json(200, QJsonDocument(QJsonObject{{QStringLiteral("autoConfirm"), autoConfirm},
                                                             {QStringLiteral("_links"), links}}));
}

HttpResponse confirmationFeedback(DdiContext &ctx, const HttpRequest &request, Action &a) {
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    const QJsonObject o = doc.object();
    const QString confirmation = o.value(u"confirmation").toString();
    QStringList details;
    bool ok = doc.isObject() && (confirmation == u"confirmed" || confirmation == u"denied") &&
              (!o.contains(u"code") || o.value(u"code").isDouble()) &&
              (!o.contains(u"details") || o.value(u"details").isArray());
    for (const QJsonValue &d : o.value(u"details").toArray()) {
        ok = ok && d.isString();
        details.append(d.toString());
    }
    if (!ok) {
        ctx.store.record(a, QStringLiteral("confirmation"), 400, bodyValue(request, doc));
        return HttpResponse::error(
            400, QStringLiteral("confirmation feedback is {\"confirmation\": \"confirmed\"|\"denied\", "
                                "\"code\"?: int, \"details\"?: [string]}"));
    }
    const int status = ctx.store.confirmationFeedback(a, confirmation == u"confirmed", details);
    ctx.store.record(a, QStringLiteral("confirmation"), status, o);
    if (status == 410) return HttpResponse::error(410, QStringLiteral("action %1 is no longer active").arg(a.id));
    if (status == 404) return notFound(QStringLiteral("action %1 is not waiting for confirmation").arg(a.id));
    return HttpResponse::empty(200);
}

HttpResponse softwareModule(DdiContext &ctx, const HttpRequest &request, const Route &r) {
    // softwaremodules/{id}/artifacts[/{filename}]
    const auto moduleId = parseId(r.rest.value(1));
    if (!moduleId || r.rest.value(2) != u"artifacts" || r.rest.size() > 4)
        return notFound(QStringLiteral("no such resource"));
    const SoftwareModule *m = ctx.store.module(r.tenant, r.controller, *moduleId);
    if (!m)
        return notFound(QStringLiteral("software module %1 is not assigned to %2").arg(*moduleId).arg(r.controller));
    if (request.method != "GET" && request.method != "HEAD") return methodNotAllowed("GET, HEAD");
    if (r.rest.size() == 3) {
        QJsonArray list;
        for (const ArtifactFile &a : m->artifacts) list.append(artifactJson(r, *m, a));
        return HttpResponse::json(200, QJsonDocument(list));
    }
    const QString filename = r.rest.value(3);
    for (const ArtifactFile &a : m->artifacts) {
        if (a.filename != filename) continue;
        if (Action *owner = ctx.store.actionOfModule(r.tenant, r.controller, m->id))
            ctx.store.recordEvent(*owner, QStringLiteral("download"), a.filename);
        HttpResponse resp =
            fileResponse(request, a.path, a.size, '"' + a.sha1.toLatin1() + '"', "application/octet-stream");
        resp.setHeader("Content-Disposition", "attachment;filename=" + QUrl::toPercentEncoding(a.filename));
        if (resp.file) resp.statsKey = artifactStatsKey(m->id, a.filename);
        return resp;
    }
    if (filename.endsWith(QStringLiteral(".MD5SUM")))
        for (const ArtifactFile &a : m->artifacts)
            if (a.filename + QStringLiteral(".MD5SUM") == filename) {
                HttpResponse resp;
                resp.body = a.md5.toLatin1() + "  " + a.filename.toUtf8();
                resp.setHeader("Content-Type", "text/plain");
                return resp;
            }
    return notFound(QStringLiteral("software module %1 has no artifact %2").arg(*moduleId).arg(filename));
}

} // namespace

QString artifactStatsKey(qint64 moduleId, const QString &filename) {
    return QStringLiteral("artifact:%1/%2").arg(moduleId).arg(filename);
}

bool isDdiPath(const HttpRequest &request) {
    return request.segments.size() >= 4 && request.segments[1] == u"controller" && request.segments[2] == u"v1";
}

QString ddiController(const HttpRequest &request) { return request.segments.value(3); }

QString ddiTenant(const HttpRequest &request) { return request.segments.value(0); }

HttpResponse handleDdi(DdiContext &ctx, const HttpRequest &request) {
    const Route r = route(request);
    const QByteArray &method = request.method;
    const QString first = r.rest.value(0);

    if (r.rest.isEmpty()) {
        if (method != "GET") return methodNotAllowed("GET");
        return basePoll(ctx, r);
    }
    Controller *c = ctx.store.findController(r.tenant, r.controller);
    if (!c)
        return notFound(QStringLiteral("controller %1 is not known (poll the base resource first)").arg(r.controller));

    if (first == u"softwaremodules") return softwareModule(ctx, request, r);
    if (first == u"configData" && r.rest.size() == 1) {
        if (method != "PUT") return methodNotAllowed("PUT");
        return putConfigData(ctx, request, *c);
    }
    if (first == u"confirmationBase" && r.rest.size() == 1) {
        if (method != "GET") return methodNotAllowed("GET");
        return confirmationBase(r, *c, ctx.store.activeAction(r.tenant, r.controller));
    }
    if (first == u"confirmationBase" && r.rest.size() == 2 &&
        (r.rest[1] == u"activateAutoConfirm" || r.rest[1] == u"deactivateAutoConfirm")) {
        if (method != "POST") return methodNotAllowed("POST");
        if (r.rest[1] == u"deactivateAutoConfirm") {
            c->autoConfirm = AutoConfirm();
            return HttpResponse::empty(200);
        }
        if (c->autoConfirm.active)
            return HttpResponse::error(409, QStringLiteral("auto-confirmation is already active"));
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        ctx.store.activateAutoConfirm(*c, body.value(u"initiator").toString(), body.value(u"remark").toString());
        return HttpResponse::empty(200);
    }

    // {resource}/{actionId}[/feedback]
    static const QStringList actionResources{QStringLiteral("deploymentBase"), QStringLiteral("cancelAction"),
                                             QStringLiteral("confirmationBase"), QStringLiteral("installedBase")};
    if (!actionResources.contains(first) || r.rest.size() < 2 || r.rest.size() > 3 ||
        (r.rest.size() == 3 && (r.rest[2] != u"feedback" || first == u"installedBase")))
        return notFound(QStringLiteral("no such resource"));
    const auto id = parseId(r.rest[1]);
    Action *a = id ? ctx.store.action(*id) : nullptr;
    if (!a || a->tenant != r.tenant.toLower() || a->controller != r.controller)
        return notFound(QStringLiteral("action %1 is not assigned to %2").arg(r.rest[1], r.controller));
    const bool feedback = r.rest.size() == 3;
    if (feedback && method != "POST") return methodNotAllowed("POST");
    if (!feedback && method != "GET") return methodNotAllowed("GET");

    if (first == u"deploymentBase") {
        if (feedback) return postActionFeedback(ctx, request, *a, QStringLiteral("deployment"));
        if (!a->isActive() || a->state == ActionState::Canceling || a->state == ActionState::WaitingConfirmation)
            return notFound(QStringLiteral("action %1 is not an open deployment").arg(a->id));
        ctx.store.recordEvent(*a, QStringLiteral("deploymentBase"));
        return actionResource(request, r, *a, QStringLiteral("deployment"));
    }
    if (first == u"cancelAction") {
        if (feedback) return postActionFeedback(ctx, request, *a, QStringLiteral("cancel"));
        if (a->state != ActionState::Canceling)
            return notFound(QStringLiteral("action %1 is not being canceled").arg(a->id));
        const QString sid = QString::number(a->id);
        return HttpResponse::json(200, QJsonDocument(QJsonObject{{QStringLiteral("id"), sid},
                                                                 {QStringLiteral("cancelAction"),
                                                                  QJsonObject{{QStringLiteral("stopId"), sid}}}}));
    }
    if (first == u"confirmationBase") {
        if (feedback) return confirmationFeedback(ctx, request, *a);
        if (a->state != ActionState::WaitingConfirmation)
            return notFound(QStringLiteral("action %1 is not waiting for confirmation").arg(a->id));
        ctx.store.recordEvent(*a, QStringLiteral("confirmationBase"));
        return actionResource(request, r, *a, QStringLiteral("confirmation"));
    }
    // installedBase: finished actions only
    if (a->isActive() || a->state == ActionState::Canceled)
        return notFound(QStringLiteral("action %1 is not installed").arg(a->id));
    return actionResource(request, r, *a, QStringLiteral("deployment"));
}

} // namespace conduit::devserver
