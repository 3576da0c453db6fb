// Structured fields of a log line (the campaign it belongs to, the device
// and the lifecycle step it is about), for log outputs that keep fields
// apart from the text: journald's CAMPAIGN=, DEVICE=, STEP=. The text of
// the line still names them for outputs that only keep text.
#pragma once

#include <QString>

namespace conduit::core {

struct LogFields {
    QString campaign; // the campaign the host is running when the line is logged
    QString device;   // the device the line is about
    QString step;     // the lifecycle step (ipc::opName: "install", "commit", ...)
};

// The campaign now running, for every line logged while it runs, on any
// thread (empty: none). Set by the campaign engine. [thread-safe]
void setLogCampaign(const QString &campaignId);

// The fields of a line logged now on this thread: the running campaign and
// the innermost LogScope's device and step. [thread-safe]
LogFields currentLogFields();

// Lines logged on this thread while it lives are about `device` and
// `step`. Scopes nest; the innermost wins. [one thread: the constructing one]
class LogScope {
public:
    LogScope(const QString &device, const QString &step);
    ~LogScope();
    LogScope(const LogScope &) = delete;
    LogScope &operator=(const LogScope &) = delete;

private:
    const LogScope *outer_;
    QString device_, step_;
    friend LogFields currentLogFields();
};

} // namespace conduit::core
