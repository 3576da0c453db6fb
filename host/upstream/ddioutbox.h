// What the device tells the server about its actions, in the order it
// happened (docs/upstream.md, "Feedback"): one FIFO per action and
// channel, one request in flight at a time, nothing after the action is
// closed, deployment feedback only once the server shows the action under
// deploymentBase (hawkBit answers 404 before), progress updates coalesced
// and throttled without ever dropping the last message of a step.
// No network here: DdiClient sends what this hands it.
#pragma once

#include "ddimodel.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <memory>

namespace conduit::upstream {

enum class FeedbackChannel { Deployment, Cancel, Confirmation };

struct OutgoingFeedback {
    QString actionId;
    FeedbackChannel channel = FeedbackChannel::Deployment;
    ddi::Execution execution = ddi::Execution::Proceeding;
    QJsonObject body;
    // An update of the step the previous message of this channel started
    // (a download's percent): may be coalesced with the next one and is
    // sent at most every throttle interval. Everything else is sent as is.
    bool progressOnly = false;
    // After this message the server takes nothing more about the action.
    bool closes = false;
};

class FeedbackOutbox : public QObject {
    Q_OBJECT
public:
    // `send` posts one message and calls `done` with the HTTP status (0: no
    // answer). Called on the caller's thread, never twice for one channel
    // before its `done`.
    using Done = std::function<void(int status)>;
    using Send = std::function<void(const OutgoingFeedback &, Done done)>;
    FeedbackOutbox(Send send, int throttleMs, QObject *parent = nullptr);

    void post(OutgoingFeedback message);
    // The server offers the action under deploymentBase: its deployment
    // feedback may flow.
    void markOpen(const QString &actionId);
    bool isOpen(const QString &actionId) const { return open_.contains(actionId); }
    // Nothing more is sent about the action (the server closed it, or our
    // last word was said); what is still queued for it is dropped.
    void close(const QString &actionId);
    bool isClosed(const QString &actionId) const { return closed_.contains(actionId); }
    int pending(const QString &actionId) const;
    int retryDelayMs = 1000; // first retry of a message the server did not take (5xx, no answer)
    int maxRetries = 4;

signals:
    // The server answered 410 for the action: it is over there.
    void gone(const QString &actionId);
    // The server refused a message for good (4xx other than 410).
    void refused(const OutgoingFeedback &message, int status);

private:
    struct Queue {
        std::deque<OutgoingFeedback> messages;
        bool inFlight = false;
        int retries = 0;
        bool lastWasProgress = false;
        QElapsedTimer lastSent;
        std::unique_ptr<QTimer> timer; // throttle or retry wake-up
    };
    Queue &queue(const QString &actionId, FeedbackChannel channel);
    void pump(const QString &actionId, FeedbackChannel channel);
    void wakeIn(Queue &q, const QString &actionId, FeedbackChannel channel, int ms);

    Send send_;
    int throttleMs_;
    std::map<std::pair<QString, int>, Queue> queues_;
    QSet<QString> open_, closed_;
    QSet<QString> final_; // their last word is queued: nothing more is taken
};

} // namespace conduit::upstream
