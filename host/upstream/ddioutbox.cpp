#include "ddioutbox.h"

#include "ddilog.h"

#include <QLoggingCategory>

namespace conduit::upstream {

FeedbackOutbox::FeedbackOutbox(Send send, int throttleMs, QObject *parent)
    : QObject(parent), send_(std::move(send)), throttleMs_(throttleMs) {}

FeedbackOutbox::Queue &FeedbackOutbox::queue(const QString &actionId, FeedbackChannel channel) {
    return queues_[{actionId, int(channel)}];
}

int FeedbackOutbox::pending(const QString &actionId) const {
    int n = 0;
    for (const auto &[key, q] : queues_)
        if (key.first == actionId) n += int(q.messages.size());
    return n;
}

void FeedbackOutbox::post(OutgoingFeedback message) {
    const QString action = message.actionId;
    if (closed_.contains(action) || final_.contains(action)) {
        qCDebug(lcDdi).noquote() << "action" << action << "is closed: not sending"
                                 << ddi::executionName(message.execution);
        return;
    }
    if (message.closes) final_.insert(action);
    Queue &q = queue(action, message.channel);
    // A newer percent of the same step replaces one that has not left yet.
    const bool backInFlight = q.inFlight && q.messages.size() == 1;
    if (message.progressOnly && !q.messages.empty() && !backInFlight && q.messages.back().progressOnly &&
        q.messages.back().execution == message.execution)
        q.messages.back() = std::move(message);
    else
        q.messages.push_back(std::move(message));
    pump(action, q.messages.back().channel);
}

void FeedbackOutbox::markOpen(const QString &actionId) {
    if (open_.contains(actionId)) return;
    open_.insert(actionId);
    pump(actionId, FeedbackChannel::Deployment);
}

void FeedbackOutbox::close(const QString &actionId) {
    closed_.insert(actionId);
    for (auto &[key, q] : queues_) {
        if (key.first != actionId) continue;
        // The message in flight stays until its answer; the rest is dropped.
        while (q.messages.size() > (q.inFlight ? 1u : 0u)) q.messages.pop_back();
        if (q.timer) q.timer->stop();
    }
}

void FeedbackOutbox::wakeIn(Queue &q, const QString &actionId, FeedbackChannel channel, int ms) {
    if (!q.timer) {
        q.timer = std::make_unique<QTimer>();
        q.timer->setSingleShot(true);
        QObject::connect(q.timer.get(), &QTimer::timeout, this, [this, actionId, channel] { pump(actionId, channel); });
    }
    if (!q.timer->isActive()) q.timer->start(std::max(ms, 0));
}

void FeedbackOutbox::pump(const QString &actionId, FeedbackChannel channel) {
    Queue &q = queue(actionId, channel);
    if (q.inFlight || q.messages.empty()) return;
    if (q.timer && q.timer->isActive()) {
        // A retry waits its turn; a throttled update with a newer message
        // behind it is the last of its step and goes now.
        if (q.retries > 0 || q.messages.size() == 1) return;
        q.timer->stop();
    }
    if (closed_.contains(actionId)) {
        q.messages.clear();
        return;
    }
    // hawkBit answers 404 to deployment feedback until the action is under
    // deploymentBase (it waits for confirmation): hold it until then.
    if (channel == FeedbackChannel::Deployment && !open_.contains(actionId)) return;
    const OutgoingFeedback &head = q.messages.front();
    // Throttle a progress update that is the newest of its step; one with
    // a message behind it is the last of its step and goes now.
    if (head.progressOnly && q.lastWasProgress && q.messages.size() == 1 && q.lastSent.isValid() &&
        q.lastSent.elapsed() < throttleMs_)
        return wakeIn(q, actionId, channel, int(throttleMs_ - q.lastSent.elapsed()));
    q.inFlight = true;
    q.lastSent.start();
    q.lastWasProgress = head.progressOnly;
    const OutgoingFeedback message = head; // `done` may pop it before send_ returns
    send_(message, [this, actionId, channel](int status) {
        Queue &q = queue(actionId, channel);
        q.inFlight = false;
        if (q.messages.empty()) return;
        if (status == 410) {
            close(actionId);
            q.messages.clear();
            emit gone(actionId);
            return;
        }
        const bool transient = status == 0 || status == 408 || status == 429 || status >= 500;
        if (transient && q.retries < maxRetries && !closed_.contains(actionId)) {
            qCWarning(lcDdi).noquote() << "feedback for action" << actionId << "not taken (status" << status
                                       << "): retrying";
            wakeIn(q, actionId, channel, retryDelayMs << q.retries);
            ++q.retries;
            return;
        }
        q.retries = 0;
        const OutgoingFeedback sent = q.messages.front();
        q.messages.pop_front();
        if (status < 200 || status >= 300) {
            qCWarning(lcDdi).noquote() << "feedback" << ddi::executionName(sent.execution) << "for action" << actionId
                                       << "refused by the server with status" << status;
            emit refused(sent, status);
        } else if (sent.closes) {
            close(actionId);
            return;
        }
        pump(actionId, channel);
    });
}

} // namespace conduit::upstream
