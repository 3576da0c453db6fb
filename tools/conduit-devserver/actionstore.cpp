#include "actionstore.h"

#include "devserverlog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace conduit::devserver {

namespace {

QString key(const QString &tenant, const QString &id) { return tenant.toLower() + u'/' + id; }

bool oneOf(const QString &value, std::initializer_list<const char16_t *> allowed) {
    for (const char16_t *a : allowed)
        if (value == QStringView(a)) return true;
    return false;
}

bool isHex(const QString &s, int length) {
    if (s.size() != length) return false;
    for (QChar c : s)
        if (!c.isDigit() && !(c >= u'a' && c <= u'f')) return false;
    return true;
}

// Reads the file once for all three hashes, in bounded chunks.
bool hashFile(ArtifactFile &a, QString *error) {
    QFile file(a.path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read artifact %1: %2").arg(a.path, file.errorString());
        return false;
    }
    QCryptographicHash sha1(QCryptographicHash::Sha1), md5(QCryptographicHash::Md5), sha256(QCryptographicHash::Sha256);
    QByteArray buffer(1024 * 1024, Qt::Uninitialized);
    for (;;) {
        const qint64 n = file.read(buffer.data(), buffer.size());
        if (n < 0) {
            *error = QStringLiteral("cannot read artifact %1: %2").arg(a.path, file.errorString());
            return false;
        }
        if (n == 0) break;
        const QByteArrayView view(buffer.constData(), n);
        if (a.sha1.isEmpty()) sha1.addData(view);
        if (a.md5.isEmpty()) md5.addData(view);
        if (a.sha256.isEmpty()) sha256.addData(view);
    }
    if (a.sha1.isEmpty()) a.sha1 = QString::fromLatin1(sha1.result().toHex());
    if (a.md5.isEmpty()) a.md5 = QString::fromLatin1(md5.result().toHex());
    if (a.sha256.isEmpty()) a.sha256 = QString::fromLatin1(sha256.result().toHex());
    return true;
}

} // namespace

QString stateName(ActionState state) {
    switch (state) {
    case ActionState::WaitingConfirmation: return QStringLiteral("WAIT_FOR_CONFIRMATION");
    case ActionState::Running: return QStringLiteral("RUNNING");
    case ActionState::Canceling: return QStringLiteral("CANCELING");
    case ActionState::Canceled: return QStringLiteral("CANCELED");
    case ActionState::Finished: return QStringLiteral("FINISHED");
    }
    return {};
}

QString Action::status() const {
    if (state != ActionState::Finished) return stateName(state);
    return result == u"failure"      ? QStringLiteral("ERROR")
           : result == u"downloaded" ? QStringLiteral("DOWNLOADED")
                                     : QStringLiteral("FINISHED");
}

Controller &ActionStore::controller(const QString &tenant, const QString &id) {
    auto &slot = controllers_[key(tenant, id)];
    if (!slot) {
        slot = std::make_unique<Controller>();
        slot->tenant = tenant.toLower();
        slot->id = id;
        qCInfo(lcDevServer) << "registered controller" << id << "of tenant" << tenant;
    }
    return *slot;
}

Controller *ActionStore::findController(const QString &tenant, const QString &id) {
    const auto it = controllers_.find(key(tenant, id));
    return it == controllers_.end() ? nullptr : it->second.get();
}

QList<const Controller *> ActionStore::controllers() const {
    QList<const Controller *> out;
    for (const auto &[k, c] : controllers_) out.append(c.get());
    return out;
}

Action *ActionStore::createAction(const QJsonObject &spec, const QString &baseDir, QString *error) {
    auto fail = [error](const QString &message) -> Action * {
        *error = message;
        return nullptr;
    };
    static const QStringList known{QStringLiteral("controller"),
                                   QStringLiteral("tenant"),
                                   QStringLiteral("id"),
                                   QStringLiteral("download"),
                                   QStringLiteral("update"),
                                   QStringLiteral("maintenanceWindow"),
                                   QStringLiteral("confirmationRequired"),
                                   QStringLiteral("chunks")};
    for (const QString &k : spec.keys())
        if (!known.contains(k)) return fail(QStringLiteral("deployment: unknown key \"%1\"").arg(k));

    auto action = std::make_unique<Action>();
    action->controller = spec.value(u"controller").toString();
    if (action->controller.isEmpty() || action->controller.contains(u'/'))
        return fail(QStringLiteral("deployment: \"controller\" (a non-empty id without '/') is required"));
    action->tenant = spec.value(u"tenant").toString(QStringLiteral("DEFAULT")).toLower();
    if (spec.contains(u"id")) {
        const qint64 id = spec.value(u"id").toInteger(-1);
        if (id <= 0) return fail(QStringLiteral("deployment: \"id\" must be a positive integer"));
        if (actions_.count(id)) return fail(QStringLiteral("deployment: action %1 exists already").arg(id));
        action->id = id;
    } else {
        while (actions_.count(nextActionId_)) ++nextActionId_;
        action->id = nextActionId_++;
    }
    action->download = spec.value(u"download").toString(QStringLiteral("forced"));
    action->update = spec.value(u"update").toString(QStringLiteral("forced"));
    if (!oneOf(action->download, {u"skip", u"attempt", u"forced"}) ||
        !oneOf(action->update, {u"skip", u"attempt", u"forced"}))
        return fail(QStringLiteral("deployment: \"download\" and \"update\" are skip, attempt or forced"));
    if (spec.contains(u"maintenanceWindow") && !spec.value(u"maintenanceWindow").isNull()) {
        const QString window = spec.value(u"maintenanceWindow").toString();
        if (!oneOf(window, {u"available", u"unavailable"}))
            return fail(QStringLiteral("deployment: \"maintenanceWindow\" is available, unavailable or null"));
        action->maintenanceAvailable = window == u"available";
    }
    const QJsonValue confirmation = spec.value(u"confirmationRequired");
    if (!confirmation.isUndefined() && !confirmation.isBool())
        return fail(QStringLiteral("deployment: \"confirmationRequired\" is true or false"));
    action->confirmationRequired = confirmation.toBool(false);

    const QJsonArray chunks = spec.value(u"chunks").toArray();
    if (chunks.isEmpty()) return fail(QStringLiteral("deployment: \"chunks\" must be a non-empty array"));
    qint64 moduleId = nextModuleId_;
    for (const QJsonValue &cv : chunks) {
        const QJsonObject c = cv.toObject();
        SoftwareModule m;
        m.id = c.contains(u"moduleId") ? c.value(u"moduleId").toInteger(-1) : moduleId++;
        if (m.id <= 0) return fail(QStringLiteral("chunk: \"moduleId\" must be a positive integer"));
        m.part = c.value(u"part").toString();
        m.name = c.value(u"name").toString(m.part);
        m.version = c.value(u"version").toString();
        m.encrypted = c.value(u"encrypted").toBool(false);
        if (m.part.isEmpty() || m.version.isEmpty())
            return fail(QStringLiteral("chunk: \"part\" and \"version\" are required"));
        const QJsonValue meta = c.value(u"metadata");
        if (meta.isArray()) {
            for (const QJsonValue &kv : meta.toArray()) {
                const QJsonObject o = kv.toObject();
                if (!o.value(u"key").isString() || !o.value(u"value").isString())
                    return fail(
                        QStringLiteral("chunk %1: metadata entries are {\"key\",\"value\"} strings").arg(m.part));
                m.metadata.append({o.value(u"key").toString(), o.value(u"value").toString()});
            }
        } else if (meta.isObject()) {
            const QJsonObject o = meta.toObject();
            for (auto it = o.begin(); it != o.end(); ++it) m.metadata.append({it.key(), it->toString()});
        } else if (!meta.isUndefined()) {
            return fail(QStringLiteral("chunk %1: metadata is an array of {key,value} or an object").arg(m.part));
        }
        for (const QJsonValue &av : c.value(u"artifacts").toArray()) {
            const QJsonObject a = av.isString() ? QJsonObject{{QStringLiteral("path"), av}} : av.toObject();
            ArtifactFile f;
            const QString path = a.value(u"path").toString();
            if (path.isEmpty()) return fail(QStringLiteral("chunk %1: every artifact needs a \"path\"").arg(m.part));
            f.path = QFileInfo(QDir(baseDir), path).absoluteFilePath();
            const QFileInfo info(f.path);
            if (!info.isFile() || !info.isReadable())
                return fail(QStringLiteral("chunk %1: artifact %2 is not a readable file").arg(m.part, f.path));
            f.filename = a.value(u"filename").toString(info.fileName());
            if (f.filename.isEmpty() || f.filename.contains(u'/') || f.filename == u"." || f.filename == u"..")
                return fail(QStringLiteral("chunk %1: bad artifact filename \"%2\"").arg(m.part, f.filename));
            for (const ArtifactFile &other : m.artifacts)
                if (other.filename == f.filename)
                    return fail(QStringLiteral("chunk %1: two artifacts named %2").arg(m.part, f.filename));
            f.size = info.size();
            f.announcedSize = a.contains(u"size") ? a.value(u"size").toInteger(-1) : f.size;
            if (f.announcedSize < 0) return fail(QStringLiteral("chunk %1: artifact size must be >= 0").arg(m.part));
            const QJsonObject hashes = a.value(u"hashes").toObject();
            f.sha1 = hashes.value(u"sha1").toString().toLower();
            f.md5 = hashes.value(u"md5").toString().toLower();
            f.sha256 = hashes.value(u"sha256").toString().toLower();
            if ((!f.sha1.isEmpty() && !isHex(f.sha1, 40)) || (!f.md5.isEmpty() && !isHex(f.md5, 32)) ||
                (!f.sha256.isEmpty() && !isHex(f.sha256, 64)))
                return fail(QStringLiteral("chunk %1: artifact hashes are lower-case hex").arg(m.part));
            if ((f.sha1.isEmpty() || f.md5.isEmpty() || f.sha256.isEmpty()) && !hashFile(f, error)) return nullptr;
            m.artifacts.append(f);
        }
        action->modules.append(m);
    }
    for (qsizetype i = 0; i < action->modules.size(); ++i)
        for (qsizetype j = 0; j < i; ++j)
            if (action->modules[i].id == action->modules[j].id)
                return fail(QStringLiteral("deployment: duplicate moduleId %1").arg(action->modules[i].id));
    nextModuleId_ = std::max(nextModuleId_, moduleId);
    for (const SoftwareModule &m : action->modules) nextModuleId_ = std::max(nextModuleId_, m.id + 1);

    Controller &c = controller(action->tenant, action->controller);
    action->history.append(QStringLiteral("Assignment initiated by the conduit-devserver admin API"));
    if (action->confirmationRequired && !c.autoConfirm.active) {
        action->state = ActionState::WaitingConfirmation;
        action->history.append(
            QStringLiteral("Waiting for the confirmation by the device before processing with the deployment"));
    } else {
        action->state = ActionState::Running;
        if (action->confirmationRequired)
            action->history.append(
                QStringLiteral("Assignment automatically confirmed by initiator '%1'").arg(c.autoConfirm.initiator));
    }
    Action *raw = action.get();
    actions_[raw->id] = std::move(action);
    qCInfo(lcDevServer) << "action" << raw->id << "for" << raw->controller << "with" << raw->modules.size() << "chunks,"
                        << stateName(raw->state);
    return raw;
}

Action *ActionStore::action(qint64 id) {
    const auto it = actions_.find(id);
    return it == actions_.end() ? nullptr : it->second.get();
}

QList<const Action *> ActionStore::actions() const {
    QList<const Action *> out;
    for (const auto &[id, a] : actions_) out.append(a.get());
    return out;
}

Action *ActionStore::activeAction(const QString &tenant, const QString &controller) {
    for (auto &[id, a] : actions_)
        if (a->isActive() && a->tenant == tenant.toLower() && a->controller == controller) return a.get();
    return nullptr;
}

Action *ActionStore::installedAction(const QString &tenant, const QString &controller) {
    Action *last = nullptr;
    for (auto &[id, a] : actions_)
        if (a->state == ActionState::Finished && a->result == u"success" && a->tenant == tenant.toLower() &&
            a->controller == controller)
            last = a.get();
    return last;
}

const SoftwareModule *ActionStore::module(const QString &tenant, const QString &controller, qint64 moduleId) const {
    for (const auto &[id, a] : actions_) {
        if (a->tenant != tenant.toLower() || a->controller != controller) continue;
        for (const SoftwareModule &m : a->modules)
            if (m.id == moduleId) return &m;
    }
    return nullptr;
}

void ActionStore::record(Action &action, const QString &channel, int httpStatus, const QJsonValue &body) {
    action.feedback.append(FeedbackRecord{nextSequence_++, channel, QDateTime::currentDateTimeUtc(), httpStatus, body});
}

void ActionStore::recordEvent(Action &action, const QString &what, const QString &detail) {
    if (what == u"download")
        for (const ServerEvent &e : action.events)
            if (e.what == what && e.detail == detail) return;
    action.events.append(ServerEvent{nextSequence_++, what, detail});
}

Action *ActionStore::actionOfModule(const QString &tenant, const QString &controller, qint64 moduleId) {
    Action *found = nullptr;
    for (auto &[id, a] : actions_) {
        if (a->tenant != tenant.toLower() || a->controller != controller) continue;
        for (const SoftwareModule &m : a->modules)
            if (m.id == moduleId && (!found || a->isActive())) found = a.get();
    }
    return found;
}

QJsonArray ActionStore::eventsJson(const Action &action) const {
    QJsonArray out;
    for (const ServerEvent &e : action.events) {
        QJsonObject o{{QStringLiteral("sequence"), e.sequence}, {QStringLiteral("event"), e.what}};
        if (!e.detail.isEmpty()) o.insert(QStringLiteral("detail"), e.detail);
        out.append(o);
    }
    return out;
}

QJsonArray ActionStore::feedbackJson(const Action &action) const {
    QJsonArray out;
    for (const FeedbackRecord &f : action.feedback)
        out.append(QJsonObject{{QStringLiteral("sequence"), f.sequence},
                               {QStringLiteral("action"), action.id},
                               {QStringLiteral("channel"), f.channel},
                               {QStringLiteral("received"), f.received.toString(Qt::ISODateWithMs)},
                               {QStringLiteral("httpStatus"), f.httpStatus},
                               {QStringLiteral("body"), f.body}});
    return out;
}

int ActionStore::deploymentFeedback(Action &action, const QString &execution, const QString &finished,
                                    const QStringList &details) {
    if (action.state == ActionState::WaitingConfirmation)
        return 404; // hawkBit: deployment feedback is not accepted before confirmation
    if (!action.isActive()) return 410;
    action.history.append(details.isEmpty() ? QStringLiteral("Target reported %1").arg(execution)
                                            : details.join(u'\n'));
    if (execution == u"closed") {
        action.state = ActionState::Finished;
        action.result = finished == u"failure" ? QStringLiteral("failure") : QStringLiteral("success");
        if (action.result == u"success")
            if (Controller *c = findController(action.tenant, action.controller))
                c->attributesRequested = true; // hawkBit asks for attributes after a successful update
    } else if (execution == u"canceled") {
        action.state = ActionState::Canceled;
    } else if (execution == u"downloaded" && action.downloadOnly()) {
        action.state = ActionState::Finished; // hawkBit: a download-only action ends DOWNLOADED
        action.result = QStringLiteral("downloaded");
    }
    qCInfo(lcDevServer) << "action" << action.id << "feedback" << execution << finished << "->"
                        << stateName(action.state);
    return 200;
}

int ActionStore::cancelFeedback(Action &action, const QString &execution, const QString &finished,
                                const QStringList &details) {
    if (!action.isActive()) return 410;
    if (action.state != ActionState::Canceling) return 404;
    action.history.append(details.isEmpty() ? QStringLiteral("Target reported %1 for the cancellation").arg(execution)
                                            : details.join(u'\n'));
    if (execution == u"closed") {
        action.state = finished == u"failure" ? ActionState::Finished : ActionState::Canceled;
        if (finished == u"failure") action.result = QStringLiteral("failure");
    } else if (execution == u"rejected") {
        action.state = ActionState::Running; // hawkBit: the device refused the cancel, the update goes on
        ++action.revision;
    }
    qCInfo(lcDevServer) << "action" << action.id << "cancel feedback" << execution << "->" << stateName(action.state);
    return 200;
}

int ActionStore::confirmationFeedback(Action &action, bool confirmed, const QStringList &details) {
    if (!action.isActive()) return 410;
    if (action.state != ActionState::WaitingConfirmation) return 404;
    if (confirmed) {
        action.state = ActionState::Running;
        action.history.append(details.isEmpty() ? QStringLiteral("Target confirmed the action") : details.join(u'\n'));
    } else {
        action.history.append(details.isEmpty() ? QStringLiteral("Target denied the action") : details.join(u'\n'));
    }
    qCInfo(lcDevServer) << "action" << action.id << (confirmed ? "confirmed" : "denied");
    return 200;
}

void ActionStore::activateAutoConfirm(Controller &c, const QString &initiator, const QString &remark) {
    c.autoConfirm = AutoConfirm{true, initiator, remark, QDateTime::currentMSecsSinceEpoch()};
    for (auto &[id, a] : actions_)
        if (a->state == ActionState::WaitingConfirmation && a->tenant == c.tenant && a->controller == c.id) {
            a->state = ActionState::Running;
            a->history.append(QStringLiteral("Assignment automatically confirmed by initiator '%1'").arg(initiator));
        }
}

bool ActionStore::cancel(Action &action) {
    if (!action.isActive()) return false;
    action.state = ActionState::Canceling;
    ++action.revision;
    action.history.append(QStringLiteral("Cancellation initiated by the conduit-devserver admin API"));
    qCInfo(lcDevServer) << "action" << action.id << "canceling";
    return true;
}

} // namespace conduit::devserver
