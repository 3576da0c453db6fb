// One-shot captures: an object an agent makes on request (a camera clip
// around a trigger) arrives as the records of a stream of its own, then the
// stream's end. The records are kept whole, in order, up to a bound, and
// handed over only after the stream ended with CONDUIT_OK (the camera
// agent's contract: any other end means the object is incomplete and is
// discarded). Nothing of it is stored here: the incident bundle it belongs
// to is (docs/data-gathering.md, "Camera").
//
// [single-thread] the service's thread.
#pragma once

#include "capturecontrol.h"

#include <QHash>

#include <optional>

namespace conduit::gathering {

struct ObjectRequest {
    QString deviceId;
    QString stream;     // unique while it runs, e.g. "clip-hard-braking-7"
    QString paramsJson; // handed to the agent's start()
    DataClass dataClass = DataClass::Camera;
    qint64 maxBytes = 32 << 20;
};

struct CapturedObject {
    QByteArray bytes;
    qint64 firstNs = 0; // the first record's stamp (the camera: its first frame's time)
};

// Called once: the object, or why there is none.
using ObjectDone = std::function<void(std::optional<CapturedObject> object, const QString &error)>;

class CaptureObjects {
public:
    // Waits for the stream (its agent not known yet: any agent's records
    // of that stream id are taken until known()).
    void expect(const ObjectRequest &request, ObjectDone done);
    // The agent that started it; false when the object is no longer
    // wanted (answered or forgotten meanwhile): stop its stream then.
    bool known(const QString &stream, const QString &agentId);
    bool expects(const QString &stream) const { return objects_.contains(stream); }
    std::optional<QString> agentOf(const QString &stream) const;

    // True when the record or the end belonged to an object. An object
    // over its bound fails at once ("more than N bytes"); its end then
    // only completes the forgetting.
    bool record(const QString &agentId, const QString &stream, const QByteArray &data, qint64 timestampNs);
    bool end(const QString &agentId, const QString &stream, int reason);
    // Fails the object with `why` (its start was refused, the agent is gone).
    void fail(const QString &stream, const QString &why);
    void failAgent(const QString &agentId, const QString &why);
    void failAll(const QString &why);
    // Forgets it without an answer (the bundle went without it).
    void forget(const QString &stream);
    // Consent withdrawn: objects of `c` fail with "withheld: ...".
    void discard(DataClass c, const QString &why);

private:
    struct Pending {
        ObjectRequest request;
        ObjectDone done;
        QString agentId;
        CapturedObject object;
        bool failed = false; // answered already; waiting for the end to forget it
    };
    bool owns(const Pending &p, const QString &agentId) const { return p.agentId.isEmpty() || p.agentId == agentId; }
    void answer(const QString &stream, std::optional<CapturedObject> object, const QString &error);

    QHash<QString, Pending> objects_; // by stream id
};

} // namespace conduit::gathering
