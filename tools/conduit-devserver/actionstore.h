// The server's campaign state: controllers, the actions assigned to them, the
// software modules and artifacts of each action, and every feedback received.
// Mirrors the parts of hawkBit's action lifecycle a DDI client can observe:
//
//   WaitingConfirmation --confirmed / auto-confirm--> Running
//   Running --closed--> Finished(success|failure)     Running --canceled--> Canceled
//   any active --admin cancel--> Canceling --cancel feedback closed--> Canceled
//   Canceling --cancel feedback rejected--> Running
//
// Only one action per controller is offered at a time: the oldest active one.
#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include <map>
#include <memory>
#include <optional>

namespace conduit::devserver {

struct ArtifactFile {
    QString filename;
    QString path;             // on disk, absolute
    qint64 size = 0;          // real size on disk (what is served)
    qint64 announcedSize = 0; // size in the deployment JSON (may be overridden for attack tests)
    QString sha1, md5, sha256;
};

struct SoftwareModule {
    qint64 id = 0;
    QString part, name, version;
    bool encrypted = false;
    QList<std::pair<QString, QString>> metadata;
    QList<ArtifactFile> artifacts;
};

enum class ActionState { WaitingConfirmation, Running, Canceling, Canceled, Finished };
QString stateName(ActionState state);

struct FeedbackRecord {
    int sequence = 0;
    QString channel; // "deployment", "cancel", "confirmation"
    QDateTime received;
    int httpStatus = 0; // what the server answered
    QJsonValue body;    // parsed JSON, or the raw text if it was not JSON
};

// What the server itself did with an action, in the same sequence as the
// feedback: hawkBit's "Target retrieved update action" and "Target
// downloads …" entries.
struct ServerEvent {
    int sequence = 0;
    QString what;   // "deploymentBase", "confirmationBase", "cancelAction", "download"
    QString detail; // the artifact of a download
};

struct Action {
    qint64 id = 0;
    QString tenant; // lower-case key; hawkBit tenants are case-insensitive
    QString controller;
    QString download = QStringLiteral("forced");
    QString update = QStringLiteral("forced");
    std::optional<bool> maintenanceAvailable; // nullopt: no maintenance window
    bool confirmationRequired = false;
    ActionState state = ActionState::Running;
    QString result;   // "success" / "failure" once finished; "downloaded" for a download-only action
    int revision = 0; // bumps the `c` parameter when the admin changes the action
    QList<SoftwareModule> modules;
    QStringList history; // actionHistory messages, oldest first
    QList<FeedbackRecord> feedback;
    QList<ServerEvent> events;

    bool isActive() const {
        return state == ActionState::WaitingConfirmation || state == ActionState::Running ||
               state == ActionState::Canceling;
    }
    bool downloadOnly() const { return update == u"skip"; }
    // hawkBit's action status: RUNNING, WAIT_FOR_CONFIRMATION, CANCELING,
    // CANCELED, FINISHED, ERROR or DOWNLOADED (a download-only action).
    QString status() const;
    // hawkBit's download type: forced for forced and download-only actions.
    QString effectiveDownload() const { return downloadOnly() ? QStringLiteral("forced") : download; }
    // What the deployment resource says, hawkBit style: no install outside an open window.
    QString effectiveUpdate() const {
        return maintenanceAvailable.has_value() && !*maintenanceAvailable ? QStringLiteral("skip") : update;
    }
    int etag() const { return int((id * 31 + revision) * 31 + (maintenanceAvailable.value_or(false) ? 1249 : 1237)); }
};

struct AutoConfirm {
    bool active = false;
    QString initiator, remark;
    qint64 activatedAt = 0;
};

struct Controller {
    QString tenant, id;
    bool attributesRequested = true; // hawkBit asks for configData until it has it
    QJsonObject attributes;
    QJsonArray configUpdates; // every configData body, in order
    AutoConfirm autoConfirm;
    int polls = 0;
};

class ActionStore {
public:
    Controller &controller(const QString &tenant, const QString &id); // registers if unknown
    Controller *findController(const QString &tenant, const QString &id);
    QList<const Controller *> controllers() const;

    // Creates an action from the deployment JSON (docs/devserver.md); relative
    // artifact paths are resolved against baseDir. Hashes absent from the JSON
    // are computed by reading each file once.
    Action *createAction(const QJsonObject &spec, const QString &baseDir, QString *error);
    Action *action(qint64 id);
    QList<const Action *> actions() const;
    Action *activeAction(const QString &tenant, const QString &controller);
    Action *installedAction(const QString &tenant, const QString &controller);
    // The module, if it belongs to an action of this controller.
    const SoftwareModule *module(const QString &tenant, const QString &controller, qint64 moduleId) const;

    void record(Action &action, const QString &channel, int httpStatus, const QJsonValue &body);
    // The server handed out a resource of the action (first time per artifact for downloads).
    void recordEvent(Action &action, const QString &what, const QString &detail = {});
    Action *actionOfModule(const QString &tenant, const QString &controller, qint64 moduleId);
    QJsonArray feedbackJson(const Action &action) const;
    QJsonArray eventsJson(const Action &action) const;

    // Transitions; each returns the HTTP status hawkBit would answer.
    int deploymentFeedback(Action &action, const QString &execution, const QString &finished,
                           const QStringList &details);
    int cancelFeedback(Action &action, const QString &execution, const QString &finished, const QStringList &details);
    int confirmationFeedback(Action &action, bool confirmed, const QStringList &details);
    void activateAutoConfirm(Controller &c, const QString &initiator, const QString &remark);
    // Admin: false if the action is no longer active.
    bool cancel(Action &action);

private:
    std::map<QString, std::unique_ptr<Controller>> controllers_; // key: tenant + '/' + id
    std::map<qint64, std::unique_ptr<Action>> actions_;
    qint64 nextActionId_ = 1;
    qint64 nextModuleId_ = 1;
    int nextSequence_ = 1;
};

} // namespace conduit::devserver
