#include "captureobjects.h"

namespace conduit::gathering {

void CaptureObjects::expect(const ObjectRequest &request, ObjectDone done) {
    objects_.insert(request.stream, Pending{request, std::move(done), {}, {}, false});
}

bool CaptureObjects::known(const QString &stream, const QString &agentId) {
    const auto it = objects_.find(stream);
    if (it == objects_.end()) return false;
    it->agentId = agentId;
    return !it->failed;
}

std::optional<QString> CaptureObjects::agentOf(const QString &stream) const {
    const auto it = objects_.constFind(stream);
    if (it == objects_.constEnd() || it->agentId.isEmpty()) return std::nullopt;
    return it->agentId;
}

bool CaptureObjects::record(const QString &agentId, const QString &stream, const QByteArray &data, qint64 timestampNs) {
    const auto it = objects_.find(stream);
    if (it == objects_.end() || !owns(*it, agentId)) return false;
    if (it->failed) return true;
    if (it->object.bytes.isEmpty()) it->object.firstNs = timestampNs;
    if (it->object.bytes.size() + data.size() > it->request.maxBytes) {
        it->object.bytes.clear();
        it->object.bytes.squeeze();
        answer(stream, std::nullopt,
               QStringLiteral("more than %1 bytes: the bundle cannot hold it").arg(it->request.maxBytes));
        return true;
    }
    it->object.bytes += data;
    return true;
}

bool CaptureObjects::end(const QString &agentId, const QString &stream, int reason) {
    const auto it = objects_.find(stream);
    if (it == objects_.end() || !owns(*it, agentId)) return false;
    if (it->failed) {
        objects_.erase(it);
        return true;
    }
    if (reason == 0 && !it->object.bytes.isEmpty())
        answer(stream, std::move(it->object), {});
    else if (reason == 0)
        answer(stream, std::nullopt, QStringLiteral("the agent ended the stream without data"));
    else
        answer(stream, std::nullopt,
               QStringLiteral("the agent ended it with code %1%2")
                   .arg(reason)
                   .arg(reason == -5 ? QStringLiteral(" (busy: it dropped the object)") : QString()));
    objects_.remove(stream);
    return true;
}

void CaptureObjects::fail(const QString &stream, const QString &why) {
    if (objects_.contains(stream) && !objects_[stream].failed) answer(stream, std::nullopt, why);
    objects_.remove(stream);
}

void CaptureObjects::failAgent(const QString &agentId, const QString &why) {
    for (const QString &stream : objects_.keys())
        if (objects_[stream].agentId == agentId) fail(stream, why);
}

void CaptureObjects::failAll(const QString &why) {
    for (const QString &stream : objects_.keys()) fail(stream, why);
}

void CaptureObjects::forget(const QString &stream) { objects_.remove(stream); }

void CaptureObjects::discard(DataClass c, const QString &why) {
    for (const QString &stream : objects_.keys()) {
        Pending &p = objects_[stream];
        if (p.request.dataClass != c || p.failed) continue;
        p.object = {};
        answer(stream, std::nullopt, why);
    }
}

// The answer may run anything (an incident finishing): the entry is marked
// first and looked up again after.
void CaptureObjects::answer(const QString &stream, std::optional<CapturedObject> object, const QString &error) {
    auto it = objects_.find(stream);
    if (it == objects_.end()) return;
    it->failed = true;
    ObjectDone done = std::move(it->done);
    if (done) done(std::move(object), error);
}

} // namespace conduit::gathering
