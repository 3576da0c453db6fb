// The HMI's only way to the vehicle: a QObject over the io.conduit.Host1
// D-Bus interface (docs/dbus-api.md), and io.conduit.Gathering1 for the
// privacy screen when the host gathers data, exposed to QML as `host`.
//
// Every property mirrors the service and changes only from what the service
// says (PropertiesChanged, the interface's signals, or a re-read). Method
// calls are asynchronous so the UI never blocks on the bus; a refused call
// is reported through callFailed(). When io.conduit.Host disappears,
// `available` turns false and the mirrored state is cleared; when it
// re-appears, everything is read again.
//
// tests/hmi/FakeHost.qml has the same API for the QML unit tests: a member
// added here is added there too.
#pragma once

#include <QDBusConnection>
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <QVariantMap>
#include <functional>

class QDBusMessage;
class QDBusPendingCallWatcher;
class QDBusServiceWatcher;

namespace conduit::hmi {

class HostClient : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool available READ available NOTIFY availableChanged)
    Q_PROPERTY(QString state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString campaignId READ campaignId NOTIFY campaignChanged)
    Q_PROPERTY(QString campaignName READ campaignName NOTIFY campaignChanged)
    Q_PROPERTY(int phase READ phase NOTIFY phaseChanged)
    Q_PROPERTY(double bytesDone READ bytesDone NOTIFY progressChanged)
    Q_PROPERTY(double bytesTotal READ bytesTotal NOTIFY progressChanged)
    Q_PROPERTY(int etaSeconds READ etaSeconds NOTIFY progressChanged)
    Q_PROPERTY(QVariantList devices READ devices NOTIFY progressChanged)
    Q_PROPERTY(QStringList unmetConditions READ unmetConditions NOTIFY unmetConditionsChanged)
    Q_PROPERTY(QString pendingConsent READ pendingConsent NOTIFY pendingConsentChanged)
    Q_PROPERTY(bool autoConsent READ autoConsent NOTIFY autoConsentChanged)
    // GetCampaign() parsed; {} when idle.
    Q_PROPERTY(QVariantMap campaign READ campaign NOTIFY campaignChanged)
    // GetInventory().devices parsed: what each device runs now.
    Q_PROPERTY(QVariantList inventory READ inventory NOTIFY inventoryChanged)
    // GetHistory() parsed, newest first.
    Q_PROPERTY(QVariantList history READ history NOTIFY historyChanged)
    // Data gathering (io.conduit.Gathering1): false when the host does not
    // gather data. dataClasses: GetConsent() parsed (class, allowed,
    // personal, campaigns); gatheringCampaigns: GetCampaigns() parsed.
    Q_PROPERTY(bool gatheringAvailable READ gatheringAvailable NOTIFY privacyChanged)
    Q_PROPERTY(QVariantList dataClasses READ dataClasses NOTIFY privacyChanged)
    Q_PROPERTY(QVariantList gatheringCampaigns READ gatheringCampaigns NOTIFY privacyChanged)

public:
    enum class Bus { Session, System };
    explicit HostClient(Bus bus = Bus::Session, QObject *parent = nullptr);

    bool available() const { return available_; }
    QString state() const { return state_; }
    QString campaignId() const { return campaign_.value(QStringLiteral("id")).toString(); }
    QString campaignName() const { return campaignName_; }
    int phase() const { return phase_; }
    double bytesDone() const { return bytesDone_; }
    double bytesTotal() const { return bytesTotal_; }
    int etaSeconds() const { return etaSeconds_; }
    QVariantList devices() const { return devices_; }
    QStringList unmetConditions() const { return unmet_; }
    QString pendingConsent() const { return pendingConsent_; }
    bool autoConsent() const { return autoConsent_; }
    QVariantMap campaign() const { return campaign_; }
    QVariantList inventory() const { return inventory_; }
    QVariantList history() const { return history_; }
    bool gatheringAvailable() const { return gatheringAvailable_; }
    QVariantList dataClasses() const { return dataClasses_; }
    QVariantList gatheringCampaigns() const { return gatheringCampaigns_; }

    // The driver's answers. `kind` is "download" or "install".
    Q_INVOKABLE void accept(const QString &kind);
    Q_INVOKABLE void decline(const QString &kind);
    Q_INVOKABLE void postpone(const QString &kind, double untilUnixSeconds);
    Q_INVOKABLE void cancel(const QString &reason);
    Q_INVOKABLE void setAutoConsent(bool enabled);
    // Re-reads properties, campaign, inventory and history.
    Q_INVOKABLE void refresh();
    Q_INVOKABLE void refreshHistory();
    // The driver's privacy choices. Refusing a class deletes what is stored
    // of it; scope is "personal" or "all".
    Q_INVOKABLE void setDataConsent(const QString &dataClass, bool allowed);
    Q_INVOKABLE void deleteMyData(const QString &scope);
    Q_INVOKABLE void refreshPrivacy();

signals:
    void availableChanged();
    void stateChanged();
    void campaignChanged();
    void phaseChanged();
    void progressChanged();
    void unmetConditionsChanged();
    void pendingConsentChanged();
    void autoConsentChanged();
    void inventoryChanged();
    void historyChanged();
    void privacyChanged();
    // "Delete my data" or a refusal removed data: classes, items, bytes.
    void dataDeleted(const QVariantMap &removal);
    // The service asks for consent (also re-announced after a re-read).
    void consentRequested(const QString &kind);
    // A campaign ended: campaign, name, outcome, reason, finished, flagged_devices.
    void campaignFinished(const QVariantMap &result);
    // A method call was refused or failed; `message` is the service's text.
    void callFailed(const QString &method, const QString &errorName, const QString &message);

private slots:
    void onPropertiesChanged(const QString &iface, const QVariantMap &changed, const QStringList &invalidated);
    void onStateChanged(const QString &state);
    void onConsentRequested(const QString &kind, const QString &campaignJson);
    void onConditionsChanged(const QStringList &unmet);
    void onProgress(qulonglong done, qulonglong total, int eta, const QString &devicesJson);
    void onCampaignFinished(const QString &resultJson);
    void onDataDeleted(const QString &removalJson);
    void onPrivacySignal() { refreshPrivacy(); }

private:
    void subscribe();
    void setAvailable(bool on);
    void clear();
    void applyProperties(const QVariantMap &props);
    void setCampaignJson(const QString &json);
    void readCampaign();
    void readInventory();
    // Sends a method call; a failure becomes callFailed(method, ...) (or
    // goes to `failed` when given). `then` gets the reply's first argument.
    void call(const QString &method, const QVariantList &args, std::function<void(const QVariant &)> then = {});
    void call(const QString &iface, const QString &method, const QVariantList &args,
              std::function<void(const QVariant &)> then, std::function<void(const QDBusMessage &)> failed);

    QDBusConnection bus_;
    QDBusServiceWatcher *watcher_ = nullptr;
    bool available_ = false;
    QString state_;
    QString campaignName_;
    int phase_ = -1;
    double bytesDone_ = 0;
    double bytesTotal_ = 0;
    int etaSeconds_ = -1;
    QVariantList devices_;
    QStringList unmet_;
    QString pendingConsent_;
    bool autoConsent_ = false;
    QVariantMap campaign_;
    QVariantList inventory_;
    QVariantList history_;
    bool gatheringAvailable_ = false;
    QVariantList dataClasses_;
    QVariantList gatheringCampaigns_;
    // Replies from before the service went away are dropped.
    quint64 generation_ = 0;
};

} // namespace conduit::hmi
