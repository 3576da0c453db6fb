// The admin API under /admin (docs/devserver.md "Admin API"): deployments,
// cancel, maintenance window, recorded feedback and configData, transfer
// statistics, faults and settings, for tests and the demo. Loopback only.
#pragma once

#include "httpmessage.h"

namespace conduit::devserver {

class DevServer;

HttpResponse handleAdmin(DevServer &server, const HttpRequest &request);

// Summary of an action as the admin API returns it (also used at startup).
class ActionStore;
struct Action;
QJsonObject actionJson(const DevServer &server, const Action &action);

} // namespace conduit::devserver
