// Follows the host's campaign through its D-Bus signals and draws it on a
// terminal: state lines, a progress bar (redrawn in place on a TTY),
// consent prompts and conditions. Used by `watch` and `install`.
#pragma once

#include <QDBusInterface>
#include <QObject>

namespace conduit::ctl {

class CampaignWatcher : public QObject {
    Q_OBJECT
public:
    // `untilFinished`: stop at the first CampaignFinished (else run until
    // interrupted). Returns false when the signals cannot be subscribed.
    bool attach(QDBusInterface &host, bool json);
    QString outcome() const { return outcome_; }

signals:
    void done();

public slots:
    void onState(const QString &state);
    void onProgress(qulonglong done, qulonglong total, int eta, const QString &devicesJson);
    void onConsent(const QString &kind, const QString &campaignJson);
    void onConditions(const QStringList &unmet);
    void onFinished(const QString &resultJson);

private:
    void endBar();
    bool json_ = false;
    bool tty_ = false;
    bool barShown_ = false;
    QString outcome_;
    // What was shown last: the signals queued while the current state was
    // read repeat it, and are not shown twice.
    QString lastState_, lastConsent_;
};

} // namespace conduit::ctl
