// Signal latency of the control API: from a progress change in the engine
// to a D-Bus client (the HMI bridge's side: a QDBusConnection slot on the
// session bus). conduitd logs, under conduit.api.timing, the CLOCK_MONOTONIC
// times of the engine changes each Progress signal carries; this client
// stamps the same clock when the signal arrives (same machine, so one
// clock), and matches the two by order.
#pragma once

#include <QString>

namespace bench {

// Starts conduitd with `config`, installs `bundle` `runs` times (consent
// given over D-Bus) and prints p50/p99/max. Returns the exit code.
int progressLatency(const QString &conduitd, const QString &config, const QString &bundle, int runs);

} // namespace bench
