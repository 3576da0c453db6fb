#include "updatestate.h"

#include <conduit/agent.h>

#include <QStringList>

namespace conduit::agents {

namespace {

struct Name {
    UpdateState state;
    const char *name;
};

constexpr Name kNames[] = {
    {UpdateState::Idle, CONDUIT_UPDATE_STATE_IDLE},
    {UpdateState::Staged, CONDUIT_UPDATE_STATE_STAGED},
    {UpdateState::Activated, CONDUIT_UPDATE_STATE_ACTIVATED},
    {UpdateState::RolledBack, CONDUIT_UPDATE_STATE_ROLLED_BACK},
};

} // namespace

std::optional<UpdateState> parseUpdateState(QStringView name) {
    for (const Name &n : kNames)
        if (name == QLatin1String(n.name)) return n.state;
    return std::nullopt;
}

QString updateStateName(UpdateState state) {
    for (const Name &n : kNames)
        if (n.state == state) return QLatin1String(n.name);
    return {};
}

QString updateStateVocabulary() {
    QStringList names;
    for (const Name &n : kNames) names << QLatin1String(n.name);
    return names.join(QStringLiteral(", "));
}

} // namespace conduit::agents
