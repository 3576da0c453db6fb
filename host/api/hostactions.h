// What the control API (api/host1adaptor.h) needs from the assembled host beyond the parts it
// reads directly (the campaign engine, the device gateway, the vehicle
// state, the DDI client): the actions that span several of them. Declared
// here, implemented by conduitd (daemon::Host), so that the API never
// includes the daemon.
#pragma once

#include <QString>

#include <functional>

namespace conduit::api {

class HostActions {
public:
    virtual ~HostActions() = default;
    // The driver's auto-confirm switch: the engine's consent policy and,
    // with a fleet server, its auto-confirm.
    virtual void setAutoConsent(bool on) = 0;
    // Verifies a bundle for this vehicle and queues its campaign. `done`
    // gets "" on success or the reason it was refused.
    virtual void installBundle(const QString &path, std::function<void(const QString &error)> done) = 0;
    // The same for a bundle the caller opened: `fd` is ours (closed when
    // done); anything but a regular file is refused.
    virtual void installBundleFd(int fd, std::function<void(const QString &error)> done) = 0;
};

} // namespace conduit::api
