// What the bulk scheduler needs to know of the vehicle and its link to
// decide whether bulk data may go now (docs/data-gathering.md, "Bulk uploads
// (tus)"). The gathering service feeds it from vehicle-state signals (parked)
// and the connection manager (metered); tests use a fake they flip. After a
// change, call BulkScheduler::poke().
#pragma once

namespace conduit::gathering {

struct LinkState {
    bool online = true;  // a route to the upload server (false: nothing is tried)
    bool metered = true; // paid per byte (cellular): only urgent items go
    bool parked = false; // the vehicle is parked
};

class LinkConditions {
public:
    virtual ~LinkConditions() = default;
    // [owner's thread] The state now.
    virtual LinkState current() const = 0;
};

} // namespace conduit::gathering
