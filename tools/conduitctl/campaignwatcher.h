// Follows the host's campaign through its D-Bus signals and draws it on a
// terminal: state lines, a progress bar (redrawn in place on a TTY),
// consent prompts and conditions. Used by `watch` and `install`. Also
// watches the host's bus name: when conduitd leaves the bus (killed,
// crashed, stopped) the watch ends instead of waiting for signals that
// will never come.
#pragma once

#include <QDBusInterface>
#include <QObject>

namespace conduit::ctl {

class CampaignWatcher : public QObject {
    Q_OBJECT
public:
    // Emits done() at the first CampaignFinished, or when the host leaves
    // the bus (hostLost()). Returns false when the signals cannot be
    // subscribed. `host` must outlive the watcher. `outliveHost`: keep
    // following when the host leaves (a restart, a reboot), no done().
    bool attach(QDBusInterface &host, bool json, bool outliveHost = false);
    QString outcome() const { return outcome_; }
    bool hostLost() const { return hostLost_; }
    // For the error once the host is gone: the last state and campaign seen.
    QString lastKnown() const;

signals:
    void done();

public slots:
    void onState(const QString &state);
    void onProgress(qulonglong done, qulonglong total, int eta, const QString &devicesJson);
    void onConsent(const QString &kind, const QString &campaignJson);
    void onConditions(const QStringList &unmet);
    void onFinished(const QString &resultJson);

private slots:
    void onHostGone();

private:
    void endBar();
    QDBusInterface *host_ = nullptr;
    bool hostLost_ = false, outliveHost_ = false;
    QString knownState_, knownCampaign_;
    bool json_ = false;
    bool tty_ = false;
    bool barShown_ = false;
    QString outcome_;
    // What was shown last: the signals queued while the current state was
    // read repeat it, and are not shown twice.
    QString lastState_, lastConsent_;
};

} // namespace conduit::ctl
