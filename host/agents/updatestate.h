// The update_state vocabulary of the Agent ABI (CONDUIT_UPDATE_STATE_* in
// conduit/agent.h) as a type inside the host. The runner's strings become a
// value here, at the IPC edge, and a device that reports anything else is
// refused there: recovery after a power cut decides from this state, so a
// vendor's "Activated" must fail loudly instead of breaking recovery.
#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace conduit::agents {

enum class UpdateState { Idle, Staged, Activated, RolledBack };

std::optional<UpdateState> parseUpdateState(QStringView name);
QString updateStateName(UpdateState state);
// "idle, staged, activated, rolled-back": for error messages.
QString updateStateVocabulary();

} // namespace conduit::agents
