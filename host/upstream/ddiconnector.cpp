#include "ddiconnector.h"

#include "admission.h"
#include "artifactmatch.h"
#include "ddilog.h"
#include "verifiedstream.h"

#include "transfer/download.h"
#include "transfer/stagedreader.h"

#include <conduit/agent.h>

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QTimer>

namespace conduit::upstream {

namespace {

// After a rollback that followed a trial boot, a device that switches on a
// reboot is set back to its previous slot but still runs the new software
// until the vehicle restarts (the result says which): the server (and the
// workshop) must know.
QStringList rebootNeeded(const QStringList &devices, const QMap<QString, QString> &targetVersions) {
    QStringList still;
    for (const QString &d : devices) still << QStringLiteral("%1 still runs %2").arg(d, targetVersions.value(d));
    if (still.isEmpty()) return {};
    return {QStringLiteral("a reboot is needed: %1 until the next reboot (rolled back to the previous slot)")
                .arg(still.join(QStringLiteral(", ")))};
}

// A DDI action's offer: the online repositories' metadata, and the
// action's artifacts matched to the verified targets (artifactmatch.h).
// HttpMetadataSource fetches synchronously (a local event loop, bounded by
// its timeouts): other events are served meanwhile.
class DdiOffer : public UpdateOffer {
public:
    DdiOffer(const DdiConnectorConfig &config, const ddi::Deployment &d)
        : director_(config.director), image_(config.image),
          policy_(config.strictArtifacts ? ArtifactPolicy::RefuseUnsigned : ArtifactPolicy::IgnoreUnsigned) {
        for (const ddi::Chunk &c : d.chunks) {
            for (const ddi::Artifact &a : c.artifacts) {
                artifacts_ << a;
                offered_ << OfferedArtifact{a.filename, a.size, a.sha256, c.name.isEmpty() ? c.part : c.name};
            }
        }
    }
    trust::MetadataSource &director() override { return director_; }
    trust::MetadataSource &image() override { return image_; }
    std::optional<QString> bindPayloads(const std::vector<trust::VerifiedTarget> &targets) override {
        auto match = matchArtifacts(targets, offered_, policy_);
        if (!match) return match.error().message;
        const ArtifactMatch &m = *match;
        for (const trust::VerifiedTarget &t : targets) verified.emplace(t.name, t);
        for (const auto &[target, index] : m.artifactOf) artifactOf.emplace(target, artifacts_.at(index));
        for (const IgnoredArtifact &i : m.ignored) {
            const QString what = describeArtifact(offered_.at(i.artifact));
            ignored << (i.why == IgnoredArtifact::Why::Duplicate
                            ? QStringLiteral("ignored (the image of target %1 again, downloaded once): %2")
                                  .arg(i.target, what)
                            : QStringLiteral("ignored (no signed target, never downloaded): %1").arg(what));
        }
        return std::nullopt;
    }
    // What the repositories said, with a failed verification's reason.
    QString uptaneFailure(const QString &why) const {
        QString full = why;
        if (!director_.lastError().isEmpty()) full += QStringLiteral(" (director: %1)").arg(director_.lastError());
        if (!image_.lastError().isEmpty()) full += QStringLiteral(" (image: %1)").arg(image_.lastError());
        return QStringLiteral("Uptane verification failed: %1").arg(full);
    }

    std::map<QString, ddi::Artifact> artifactOf; // target name -> its artifact
    std::map<QString, trust::VerifiedTarget> verified;
    QStringList ignored; // feedback lines

private:
    trust::HttpMetadataSource director_, image_;
    ArtifactPolicy policy_;
    QList<ddi::Artifact> artifacts_;
    QList<OfferedArtifact> offered_;
};

} // namespace

using core::CampaignEngine;
using ddi::Execution;
using ddi::Finished;

DdiConnector::DdiConnector(QNetworkAccessManager *network, DdiConnectorConfig config, CampaignEngine *engine,
                           core::DeviceGateway *gateway, QObject *parent)
    : QObject(parent), network_(network), config_(std::move(config)), engine_(engine), gateway_(gateway),
      client_(network, config_.ddi, this), downloadQueue_(config_.maxParallelDownloads) {
    // [download] bandwidth_limit_kib holds for all the downloads at once:
    // they share the link.
    if (config_.download.bandwidthLimit > 0 && !config_.download.bandwidth)
        config_.download.bandwidth = std::make_shared<transfer::TokenBucket>(config_.download.bandwidthLimit);
    connect(&client_, &DdiClient::deploymentOffered, this, &DdiConnector::onDeployment);
    connect(&client_, &DdiClient::cancelRequested, this, &DdiConnector::onCancel);
    connect(&client_, &DdiClient::configDataRequested, this, &DdiConnector::sendConfigData);
    connect(&client_, &DdiClient::deploymentUnreadable, this,
            [this](const QString &action, bool viaConfirmation, const QString &why) {
                if (finishedActions_.contains(action) || action == actionId_) return;
                refuse(action, QStringLiteral("the deployment of action %1 cannot be read: %2").arg(action, why),
                       viaConfirmation);
            });
    connect(&client_, &DdiClient::actionGone, this, [this](const QString &action) {
        // The server closed the action (e.g. a download-only action once the
        // images are staged): nothing more is reported, and what has not been
        // activated is undone; verified downloads stay for the next action.
        if (action != actionId_) return;
        QString error;
        if (engine_->cancel(QStringLiteral("the server closed action %1").arg(action), &error))
            cancelAccepted_ = true;
        else
            qCWarning(lcDdi).noquote() << "action" << action << "closed by the server while" << error;
    });
    connect(engine_, &CampaignEngine::stateChanged, this, &DdiConnector::onEngineState);
    connect(engine_, &CampaignEngine::finished, this, &DdiConnector::onFinished);
    connect(engine_, &CampaignEngine::phaseChanged, this, [this](int index, int count) {
        if (actionId_.isEmpty() || !owns(engine_->current().id)) return;
        client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None,
                             {QStringLiteral("installing phase %1 of %2").arg(index + 1).arg(count)},
                             std::make_pair(index + 1, count));
    });
    connect(engine_, &CampaignEngine::progressChanged, this, [this] {
        if (actionId_.isEmpty() || !owns(engine_->current().id) ||
            engine_->state() != CampaignEngine::State::Downloading)
            return;
        const quint64 total = engine_->current().totalBytes();
        const int percent = total ? int(engine_->bytesDone() * 100 / total) : 0;
        client_.sendFeedback(actionId_, Execution::Downloading, Finished::None,
                             {QStringLiteral("downloading and staging: %1 %").arg(percent)},
                             std::make_pair(percent, 100), DdiClient::Kind::Progress);
    });
}

DdiConnector::~DdiConnector() = default;

void DdiConnector::start() { client_.start(); }

void DdiConnector::refuse(const QString &actionId, const QString &reason, bool waitsForConfirmation) {
    if (finishedActions_.contains(actionId)) return;
    qCWarning(lcDdi).noquote() << "action" << actionId << "refused:" << reason;
    if (waitsForConfirmation)
        client_.sendConfirmation(actionId, false, {reason});
    else
        client_.sendFeedback(actionId, Execution::Closed, Finished::Failure, {reason});
    finishedActions_.insert(actionId);
    emit actionRefused(actionId, reason);
}

void DdiConnector::onDeployment(const ddi::Deployment &d, bool needsConfirmation) {
    if (d.actionId == actionId_) {
        if (needsConfirmation) return; // still waiting for the server to take the confirmation
        if (awaitingDeploymentBase_) releaseDownloads();
        // The same action again: only the maintenance window may change.
        if (d.update != ddi::Handling::Skip)
            engine_->setInstallHold(d.maintenanceWindowAvailable.value_or(true)
                                        ? QString()
                                        : QStringLiteral("Waiting for the maintenance window"));
        return;
    }
    if (finishedActions_.contains(d.actionId) || busyVerifying_ || !actionId_.isEmpty() ||
        engine_->state() != CampaignEngine::State::Idle)
        return; // offered again at the next poll once we are free
    busyVerifying_ = true;
    gateway_->inventory([this, d, needsConfirmation](const QList<core::DeviceRecord> &devices, const QString &) {
        busyVerifying_ = false;
        auto decline = [&](const QString &reason) { refuse(d.actionId, reason, needsConfirmation); };
        // The repositories are fetched meanwhile: busyVerifying_ keeps a
        // second offer out; a bundle installed in the meantime simply queues
        // ahead of this campaign in the engine.
        DdiOffer offer(config_, d);
        auto admitted =
            admit(config_.trustStatePath, vehicleOf(devices, config_.vin), offer, QDateTime::currentDateTimeUtc());
        if (!admitted) {
            const AdmissionRefusal &refusal = admitted.error();
            return decline(refusal.kind == AdmissionStep::Uptane ? offer.uptaneFailure(refusal.message)
                                                                 : refusal.message);
        }
        if (!offer.ignored.isEmpty())
            qCInfo(lcDdi).noquote() << "action" << d.actionId << offer.ignored.join(QStringLiteral("; "));
        core::Campaign *campaign = &admitted->campaign;
        QStringList names;
        for (const ddi::Chunk &c : d.chunks)
            names << (c.name.isEmpty() ? c.part : c.name) + QLatin1Char(' ') + c.version;
        campaign->id = QStringLiteral("ddi-%1-%2").arg(d.actionId, campaign->id);
        campaign->name = names.join(QStringLiteral(", "));
        campaign->origin = core::CampaignOrigin::ddiAction(d.actionId);
        // hawkBit's download type is `forced` for forced and download-only
        // actions, and the update type equals it unless it is `skip`
        // (download only, or outside the maintenance window): no question
        // is asked then. A download-only action never installs.
        downloadOnly_ = d.update == ddi::Handling::Skip && !d.maintenanceWindowAvailable.has_value();
        campaign->forced =
            !needsConfirmation &&
            (downloadOnly_ || (d.download == ddi::Handling::Forced && d.update != ddi::Handling::Attempt));
        actionId_ = d.actionId;
        campaignId_ = campaign->id;
        targetVersions_.clear();
        for (const core::CampaignTarget &t : campaign->targets) targetVersions_.insert(t.deviceId, t.version);
        needsConfirmation_ = needsConfirmation;
        confirmationSent_ = false;
        awaitingDeploymentBase_ = needsConfirmation;
        campaign->payloads = std::make_shared<Payloads>(this, std::move(offer.artifactOf), std::move(offer.verified));
        if (!d.maintenanceWindowAvailable.value_or(true))
            engine_->setInstallHold(QStringLiteral("Waiting for the maintenance window"));
        else if (d.update == ddi::Handling::Skip)
            engine_->setInstallHold(QStringLiteral("Download only: the server has not released the installation yet"));
        else
            engine_->setInstallHold(QString());
        // An action waiting for confirmation has no deploymentBase yet (404).
        if (!needsConfirmation) {
            QStringList details{QStringLiteral("verified %1 target(s) with Uptane").arg(campaign->targets.size())};
            details << offer.ignored;
            client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None, details);
        }
        engine_->submit(*campaign);
    });
}

std::unique_ptr<QIODevice> DdiConnector::Payloads::open(const core::CampaignTarget &target, QString *error) {
    DdiConnector *c = connector_;
    auto a = artifactOf_.find(target.targetName);
    auto v = verified_.find(target.targetName);
    if (!c || a == artifactOf_.end() || v == verified_.end()) {
        *error = QStringLiteral("no artifact for target %1").arg(target.targetName);
        return nullptr;
    }
    const QUrl url = c->config_.preferPlainHttp && !a->second.downloadHttp.isEmpty() ? a->second.downloadHttp
                     : a->second.download.isEmpty()                                  ? a->second.downloadHttp
                                                                                     : a->second.download;
    transfer::DownloadOptions options = c->config_.download;
    options.headers = c->config_.ddi.authHeaders();
    options.tls = c->config_.ddi.tls;
    const QString path = QDir(c->config_.stagingDir).filePath(a->second.sha256);
    auto *download = new transfer::Download(url, path, a->second.size, a->second.sha256, options, c);
    c->downloads_[target.targetName] = download;
    auto reader = std::make_unique<transfer::StagedReader>(download);
    if (c->awaitingDeploymentBase_)
        c->heldDownloads_ << download; // its reader waits
    else
        c->downloadQueue_.enqueue(download); // at most max_parallel connections at once
    return std::make_unique<VerifiedStream>(std::move(reader),
                                            trust::ImageVerifier(v->second.name, v->second.length, v->second.hashes));
}

void DdiConnector::Payloads::abort(const QString &why) {
    DdiConnector *c = connector_;
    if (!c) return;
    // What was fetched stays in the staging files (a later action for the
    // same image resumes from there); the connections end now.
    for (auto &[name, download] : c->downloads_)
        if (download && !download->isFinished()) download->cancel(why);
    c->heldDownloads_.clear();
}

void DdiConnector::releaseDownloads() {
    awaitingDeploymentBase_ = false;
    qCInfo(lcDdi).noquote() << "action" << actionId_ << "confirmed by the server: downloads start";
    for (const QPointer<transfer::Download> &d : std::exchange(heldDownloads_, {}))
        if (d) downloadQueue_.enqueue(d);
}

void DdiConnector::adoptRecovered() {
    // After a restart (a reboot between activation and commit, a power
    // cut) the engine resumes a campaign from its journal: if it came from
    // a DDI action, keep reporting to that action.
    const core::Campaign &c = engine_->current();
    if (!actionId_.isEmpty() || c.origin.kind != core::CampaignOrigin::Kind::DdiAction ||
        engine_->state() == CampaignEngine::State::Idle)
        return;
    if (finishedActions_.contains(c.origin.ref)) return;
    actionId_ = c.origin.ref;
    campaignId_ = c.id;
    targetVersions_.clear();
    for (const core::CampaignTarget &t : c.targets) targetVersions_.insert(t.deviceId, t.version);
    qCInfo(lcDdi).noquote() << "resuming DDI action" << actionId_ << "after a restart";
}

void DdiConnector::onEngineState(CampaignEngine::State s) {
    adoptRecovered();
    if (actionId_.isEmpty() || !owns(engine_->current().id)) return;
    // `downloaded` only when every image is downloaded, verified and
    // staged (the engine went on towards the installation); a download
    // that failed or was cancelled goes to RollingBack and is no success.
    if (downloading_ && s != CampaignEngine::State::Downloading) {
        downloading_ = false;
        const bool complete = s == CampaignEngine::State::AwaitingInstallConsent ||
                              s == CampaignEngine::State::WaitingForConditions ||
                              s == CampaignEngine::State::Installing || s == CampaignEngine::State::Postponed;
        if (complete && downloadOnly_) {
            // hawkBit closes a download-only action with `downloaded`
            // (DOWNLOADED): our last word, and nothing is installed.
            client_.sendFeedback(
                actionId_, Execution::Downloaded, Finished::None,
                {QStringLiteral("all images downloaded, verified and staged; download only: not installed")},
                std::nullopt, DdiClient::Kind::Last);
            // Ended from the event loop, not inside the engine's signal.
            QTimer::singleShot(0, this, [this, action = actionId_] {
                if (action != actionId_) return;
                QString error;
                if (engine_->cancel(QStringLiteral("download only (action %1): the images are downloaded and verified; "
                                                   "the server did not ask to install them")
                                        .arg(action),
                                    &error))
                    cancelAccepted_ = true;
                else
                    qCWarning(lcDdi).noquote() << "download-only action" << action << "could not be ended:" << error;
            });
            return;
        }
        if (complete)
            client_.sendFeedback(actionId_, Execution::Downloaded, Finished::None,
                                 {QStringLiteral("all images downloaded, verified and staged")});
    }
    switch (s) {
    case CampaignEngine::State::AwaitingDownloadConsent:
        if (!needsConfirmation_) // the driver's answer is the confirmation
            client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None,
                                 {QStringLiteral("waiting for the driver's consent to download")});
        break;
    case CampaignEngine::State::Downloading:
        if (needsConfirmation_ && !confirmationSent_) {
            confirmationSent_ = true;
            client_.sendConfirmation(actionId_, true, {QStringLiteral("confirmed by the driver")});
        }
        downloading_ = true;
        client_.sendFeedback(actionId_, Execution::Downloading, Finished::None,
                             {QStringLiteral("downloading and staging")});
        break;
    case CampaignEngine::State::AwaitingInstallConsent:
        client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None,
                             {QStringLiteral("waiting for the driver's consent to install")});
        break;
    case CampaignEngine::State::WaitingForConditions:
        client_.sendFeedback(actionId_, Execution::Scheduled, Finished::None, engine_->unmetConditions());
        break;
    case CampaignEngine::State::AwaitingReboot:
        client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None,
                             {QStringLiteral("activated; waiting for the reboot")});
        break;
    case CampaignEngine::State::Activating:
    case CampaignEngine::State::Verifying:
    case CampaignEngine::State::Committing:
    case CampaignEngine::State::CommitPending:
    case CampaignEngine::State::RollingBack:
        client_.sendFeedback(actionId_, Execution::Proceeding, Finished::None, {CampaignEngine::stateName(s)});
        break;
    default: break;
    }
}

int DdiConnector::noteResume(const QString &action) {
    // Counted across restarts: a file beside the staged downloads.
    QFile f(QDir(config_.stagingDir).filePath(QStringLiteral("resumes-%1").arg(action)));
    int n = 0;
    if (f.open(QIODevice::ReadOnly)) n = f.readAll().trimmed().toInt();
    f.close();
    QDir().mkpath(config_.stagingDir);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(QByteArray::number(++n));
    return n;
}

void DdiConnector::onFinished(const CampaignEngine::Result &r) {
    sendConfigData(); // whatever the campaign, the devices may run other versions now
    adoptRecovered();
    if (actionId_.isEmpty() || r.campaignId != campaignId_) return;
    // The host stopped (power cut, crash) before activation: nothing failed
    // on the devices, and what was downloaded stays staged. The action
    // stays open: the next poll offers it again and the downloads resume
    // where they stopped. (Bounded: a host that dies every time reports a
    // failure after kMaxResumes.)
    const bool resumes =
        r.failure.kind == core::Failure::Kind::Interrupted && !cancelAccepted_ && noteResume(actionId_) <= kMaxResumes;
    if (resumes) {
        client_.sendFeedback(actionId_, Execution::Resumed, Finished::None,
                             {QStringLiteral("the vehicle restarted before activation (%1); resuming the downloads")
                                  .arg(r.failure.reason)});
        qCInfo(lcDdi).noquote() << "action" << actionId_
                                << "interrupted before activation: offered again at the next poll";
    } else if (r.outcome == core::Outcome::Success) {
        client_.sendFeedback(actionId_, Execution::Closed, Finished::Success,
                             {QStringLiteral("all devices updated and committed")});
    } else if (r.outcome == core::Outcome::Declined && needsConfirmation_ && !confirmationSent_) {
        client_.sendConfirmation(actionId_, false, {r.failure.reason});
    } else if (!cancelAccepted_) {
        // Once the server was told the cancel is accepted, the action is over
        // there: however the rollback went, nothing more is said about it.
        QStringList details{r.failure.reason};
        if (!r.flaggedDevices.isEmpty())
            details << QStringLiteral("needs service: %1").arg(r.flaggedDevices.join(QStringLiteral(", ")));
        client_.sendFeedback(actionId_, Execution::Closed, Finished::Failure,
                             details + rebootNeeded(r.rebootNeeded, targetVersions_));
    }
    if (!resumes) {
        finishedActions_.insert(actionId_);
        QFile::remove(QDir(config_.stagingDir).filePath(QStringLiteral("resumes-%1").arg(actionId_)));
    }
    // Verified downloads are kept for a retry after a failure (or the
    // resumed action); after a success they are of no further use.
    for (auto &[name, download] : downloads_) {
        if (!download) continue;
        if (r.outcome == core::Outcome::Success) QFile::remove(download->path());
        download->deleteLater();
    }
    downloads_.clear();
    heldDownloads_.clear();
    awaitingDeploymentBase_ = downloadOnly_ = false;
    engine_->setInstallHold(QString());
    actionId_.clear();
    campaignId_.clear();
    cancelAccepted_ = false;
}

void DdiConnector::onCancel(const QString &cancelId, const QString &stopId) {
    if (stopId != actionId_ || actionId_.isEmpty()) {
        // Nothing of ours runs for that action: the cancel is trivially done.
        client_.sendCancelFeedback(cancelId, true,
                                   {QStringLiteral("no installation in progress for action %1").arg(stopId)});
        finishedActions_.insert(stopId);
        return;
    }
    QString error;
    if (engine_->state() == CampaignEngine::State::Installing) {
        // DDI: a cancel is accepted until the installation starts. (The
        // driver can still stop it locally until activation.)
        client_.sendCancelFeedback(cancelId, false, {QStringLiteral("too late to cancel: devices are installing")});
        return;
    }
    if (engine_->cancel(QStringLiteral("the server cancelled action %1").arg(stopId), &error)) {
        cancelAccepted_ = true;
        client_.sendCancelFeedback(cancelId, true, {QStringLiteral("cancelled before activation; devices roll back")});
    } else {
        client_.sendCancelFeedback(cancelId, false, {error});
    }
}

void DdiConnector::sendConfigData() {
    // Whenever the server asks (its configData link) and after every
    // campaign; one inventory at a time.
    if (configDataPending_) return;
    configDataPending_ = true;
    gateway_->inventory([this](const QList<core::DeviceRecord> &devices, const QString &) {
        configDataPending_ = false;
        QMap<QString, QString> attributes;
        if (!config_.vin.isEmpty()) attributes.insert(QStringLiteral("VIN"), config_.vin);
        for (const core::DeviceRecord &d : devices) {
            attributes.insert(d.info.id + QStringLiteral(".hardware_id"), d.info.hardwareId);
            attributes.insert(d.info.id + QStringLiteral(".version"), d.info.currentVersion);
            attributes.insert(d.info.id + QStringLiteral(".agent"), d.agentId);
        }
        client_.sendConfigData(attributes);
    });
}

} // namespace conduit::upstream
