// The downlink: the vehicle's campaign and command topics, handed on as
// payload bytes. This part verifies nothing: the campaigns part checks the
// signature, scope and replay of what it is handed. What it does drop is a
// command past its conduit-expires-at time (topics.h), counted as expired:
// a command that waited in the broker or the link for too long is not
// acted on late. (The broker already drops messages whose MQTT expiry
// interval ran out while the vehicle was away.)
//
// [owner-thread] The link must outlive the downlink.
#pragma once

#include "messagelink.h"
#include "topics.h"

#include <QObject>

#include <functional>

namespace conduit::gathering::mqtt {

class Downlink : public QObject {
    Q_OBJECT
public:
    // Called on the owner thread for every campaign or command that is not
    // dropped; the message's topic, payload and user properties as received.
    using Handler = std::function<void(Downstream, const IncomingMessage &)>;
    struct Counters {
        qint64 handed = 0;     // given to the handler
        qint64 expired = 0;    // commands past conduit-expires-at, dropped
        qint64 malformed = 0;  // conduit-expires-at not a number, dropped
        qint64 duplicates = 0; // handed with the DUP flag (the handler decides)
    };

    Downlink(MessageLink &link, Topics topics, Handler handler, std::function<qint64()> clock = {},
             QObject *parent = nullptr);

    // Subscribes to the campaign and command topics (kept across reconnects).
    void start();
    const Counters &counters() const { return counters_; }

private:
    void onReceived(const IncomingMessage &m);

    MessageLink &link_;
    Topics topics_;
    Handler handler_;
    std::function<qint64()> clock_;
    Counters counters_;
};

} // namespace conduit::gathering::mqtt
