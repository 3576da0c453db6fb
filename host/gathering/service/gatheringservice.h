// The gathering service in conduitd: owns the store (on its own thread,
// StoreWorker), the driver's consent (ConsentBook) and the ingestion of
// captured frames (CaptureIngest). It is the CaptureControl and the
// CaptureWindow the campaigns part calls, the UplinkReport the uplinks
// report to, and what the control API (io.conduit.Gathering1) reads and
// drives. docs/data-gathering.md, "Service, privacy and control".
//
// Order of a withdrawal (setConsent(c, false)): the refusal is made durable
// first (no frame of c is taken after it), then what is batched or held in
// windows is dropped, then Store::deleteClass(c) runs after every batch
// already queued: nothing of c is left in the store's files on return.
//
// [single-thread] the thread that created it (conduitd's main thread).
#pragma once

#include "campaigndirectory.h"
#include "capturecontrol.h"
#include "captureingest.h"
#include "captureobjects.h"
#include "consentbook.h"
#include "gatheringconfig.h"
#include "storeworker.h"
#include "uplinkreport.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

namespace conduit::gathering {

struct UplinkState {
    qint64 lastDeliveredMs = 0, items = 0, bytes = 0;
    QString uplink;
    qint64 lastFailureMs = 0;
    QString lastFailure; // cleared by the next delivery
};

// What "delete my data" covers.
enum class DeletionScope { Personal, All };

struct Deletion {
    QList<DataClass> classes;
    Removal removed;
};

class GatheringService : public QObject, public CaptureControl, public CaptureWindow, public UplinkReport {
    Q_OBJECT
public:
    GatheringService(GatheringConfig config, CaptureAgents *agents, QObject *parent = nullptr);
    ~GatheringService() override;

    // Opens the store and reads the consent book; then starts the
    // configured captures. Warnings (an unreadable consent book) go to
    // *warnings; false with *error when the store cannot be opened.
    bool start(QStringList *warnings, QString *error);
    // Stops the captures and stores what is batched.
    void stop();

    // From the agents (AgentProxy::captureData / captureEnded).
    void onCaptureData(const QString &agentId, const QString &stream, const QByteArray &data, quint64 timestampNs);
    void onCaptureEnded(const QString &agentId, const QString &stream, int reason);
    // Its runner failed: its captures are over (a campaign starts them again).
    void onAgentGone(const QString &agentId);

    // CaptureControl, CaptureWindow, UplinkReport.
    void startCapture(const CaptureRequest &request, Done done) override;
    void stopCapture(const QString &deviceId, const QString &stream) override;
    // One object of a one-shot stream (a camera clip), handed to `done`
    // (never stored here): refused at once when the driver refuses its
    // class; failed when the class is refused while it is made. The
    // agent's stream is stopped once answered.
    void captureObject(const ObjectRequest &request, ObjectDone done);
    // Not wanted any more (no answer follows); the agent's stream is stopped.
    void cancelObject(const QString &stream);
    QList<CapturedFrame> capturedBetween(const QString &deviceId, const QString &stream, qint64 t0Ns,
                                         qint64 t1Ns) const override;
    void delivered(DataClass c, qint64 items, qint64 bytes, qint64 atMs, const QString &uplink) override;
    void deliveryFailed(DataClass c, const QString &why, qint64 atMs, const QString &uplink) override;

    // The driver's choices (the control API).
    const ConsentBook &consent() const { return consent_; }
    bool setConsent(DataClass c, bool allowed, Removal *removed, QString *error);
    bool deleteMyData(DeletionScope scope, Deletion *out, QString *error);

    bool usage(Usage *out, QString *error);
    const CaptureIngest &ingest() const { return ingest_; }
    const std::map<DataClass, UplinkState> &uplinks() const { return uplinks_; }
    qint64 backlogBytes() const { return worker_->backlogBytes(); }
    CampaignList *campaigns() { return &campaigns_; }
    const CampaignList *campaigns() const { return &campaigns_; }
    // The Store, on its thread (for the uplinks' DeliveryQueue, tests).
    StoreWorker *storeWorker() { return worker_.get(); }
    const GatheringConfig &config() const { return config_; }

signals:
    void consentChanged(conduit::gathering::DataClass c, bool allowed);
    void dataDeleted(const QList<conduit::gathering::DataClass> &classes, qint64 items, qint64 bytes);
    void campaignsChanged();
    // Something of the usage figures moved (coalesced by the API).
    void usageChanged();

private:
    bool deleteClasses(const QList<DataClass> &classes, Removal *out, QString *error);

    GatheringConfig config_;
    CaptureAgents *agents_;
    ConsentBook consent_;
    QElapsedTimer monotonic_;
    CaptureIngest ingest_;
    CaptureObjects objects_;
    std::unique_ptr<StoreWorker> worker_;
    CampaignList campaigns_;
    std::map<DataClass, UplinkState> uplinks_;
    QTimer flushTimer_;
};

} // namespace conduit::gathering
