// Conduit as a hawkBit DDI device (docs/upstream.md): turns the server's
// actions into campaigns and the engine's progress into DDI feedback.
//
// Trust comes from Uptane, not from the server: for each action the
// Director and Image metadata are fetched and fully verified for this
// vehicle, every DDI artifact must match a verified target by length and
// SHA-256 (anything else is refused and reported), and each image is
// verified again while it streams to its agent. The download itself is
// resumable and starts when download consent is given.
#pragma once

#include "ddiclient.h"

#include "core/campaignengine.h"
#include "transfer/downloadqueue.h"
#include "trust/httpsource.h"
#include "trust/trustedstate.h"
#include "trust/uptane.h"

#include <QPointer>

#include <map>
#include <memory>

namespace conduit::transfer {
class Download;
}

namespace conduit::upstream {

struct DdiConnectorConfig {
    DdiConfig ddi;
    trust::HttpSourceConfig director; // online Uptane repositories
    trust::HttpSourceConfig image;
    QString trustStatePath;
    QString stagingDir; // resumable downloads live here
    QString vin;
    bool preferPlainHttp = false;       // use download-http links (test servers)
    transfer::DownloadOptions download; // retries, speed guard, bandwidth limit (auth and TLS come from ddi)
    int maxParallelDownloads = 2;
    // An artifact that matches no signed target: ignored (never downloaded
    // or installed, listed in the feedback) unless strict, then the whole
    // action is refused as an attack. One that claims a signed target's
    // name with other bytes is refused either way.
    bool strictArtifacts = false;
};

class DdiConnector : public QObject {
    Q_OBJECT
public:
    DdiConnector(QNetworkAccessManager *network, DdiConnectorConfig config, core::CampaignEngine *engine,
                 core::DeviceGateway *gateway, QObject *parent = nullptr);
    ~DdiConnector() override;

    void start();
    DdiClient *client() { return &client_; }
    bool owns(const QString &campaignId) const { return campaignId == campaignId_; }
    QString currentAction() const { return actionId_; }

signals:
    // An action was refused before it became a campaign (trust, matching).
    void actionRefused(const QString &actionId, const QString &reason);

private:
    // The payload source of one action's campaign (Campaign::payloads): its
    // artifacts, downloaded as the engine opens them.
    class Payloads : public core::PayloadSource {
    public:
        Payloads(DdiConnector *connector, std::map<QString, ddi::Artifact> artifactOf,
                 std::map<QString, trust::VerifiedTarget> verified)
            : connector_(connector), artifactOf_(std::move(artifactOf)), verified_(std::move(verified)) {}
        std::unique_ptr<QIODevice> open(const core::CampaignTarget &target, QString *error) override;
        // Cancels every download of the campaign: the connections close now.
        void abort(const QString &why) override;

    private:
        QPointer<DdiConnector> connector_;
        std::map<QString, ddi::Artifact> artifactOf_;       // target name -> artifact
        std::map<QString, trust::VerifiedTarget> verified_; // by target name
    };

    void onDeployment(const ddi::Deployment &d, bool needsConfirmation);
    void onCancel(const QString &cancelId, const QString &stopId);
    void onEngineState(core::CampaignEngine::State s);
    void onFinished(const core::CampaignEngine::Result &r);
    void sendConfigData();
    void adoptRecovered();
    // Says no to an action before it became a campaign: a denied
    // confirmation while it waits for one (hawkBit has no deploymentBase
    // for it yet), else closed/failure. Once per action.
    void refuse(const QString &actionId, const QString &reason, bool waitsForConfirmation);
    // The confirmed action is offered under deploymentBase: its downloads start.
    void releaseDownloads();

    QNetworkAccessManager *network_;
    DdiConnectorConfig config_;
    core::CampaignEngine *engine_;
    core::DeviceGateway *gateway_;
    DdiClient client_;
    QString actionId_; // the action being worked on
    QString campaignId_;
    bool needsConfirmation_ = false;
    bool confirmationSent_ = false;
    // Confirmed, but the server does not offer it under deploymentBase yet:
    // downloads wait (hawkBit would answer 404 to their feedback).
    bool awaitingDeploymentBase_ = false;
    bool downloadOnly_ = false; // update: skip without a maintenance window
    QList<QPointer<transfer::Download>> heldDownloads_;
    QMap<QString, QString> targetVersions_; // device -> the version this action installs
    // How often `action` was interrupted by a restart and resumed (this one included).
    int noteResume(const QString &action);
    static constexpr int kMaxResumes = 3;
    std::map<QString, QPointer<transfer::Download>> downloads_;
    transfer::DownloadQueue downloadQueue_;
    QSet<QString> finishedActions_;
    bool busyVerifying_ = false;
    bool cancelAccepted_ = false;
    bool downloading_ = false;
    bool configDataPending_ = false; // an inventory for configData is under way
};

} // namespace conduit::upstream
