// The hawkBit DDI v1 subset (docs/devserver.md "DDI"): base poll, deployment,
// cancel, confirmation, installed base, configData, artifacts.
// Request paths: /{tenant}/controller/v1/{controllerId}/...
#pragma once

#include "actionstore.h"
#include "httpmessage.h"

namespace conduit::devserver {

struct DdiContext {
    ActionStore &store;
    QString pollSleep; // "HH:MM:SS"
};

// True when the path is under /{tenant}/controller/v1/{controllerId}.
bool isDdiPath(const HttpRequest &request);
// The controller id a DDI path names (for TargetToken checks).
QString ddiController(const HttpRequest &request);
QString ddiTenant(const HttpRequest &request);

HttpResponse handleDdi(DdiContext &ctx, const HttpRequest &request);

// Statistics key of an artifact download.
QString artifactStatsKey(qint64 moduleId, const QString &filename);

} // namespace conduit::devserver
