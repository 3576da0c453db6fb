// The runner's compartment: what the host's sandbox arguments grant
// (agents/agentsandbox.h builds them from the manifest's needs), applied
// before the plugin is loaded, irreversibly. Linux only; no Qt.
//
// Order (each step needs the privileges the next ones take away):
//   rlimits → mount namespace (what is visible) → network namespace →
//   state dir chowned → capability bounding set → uid/gid → kept
//   capabilities (ambient) → parent-death signal again → no_new_privs →
//   Landlock (files, TCP ports, signals, abstract sockets) → seccomp.
#pragma once

#include <string>
#include <vector>

namespace conduit::runner {

struct SandboxPlan {
    bool enabled = false;
    bool required = false; // a step that cannot be applied refuses the start
    unsigned uid = 0, gid = 0;
    std::string stateDir; // read-write, chowned to uid:gid
    std::string library;  // its directory is readable
    struct Path {
        std::string path;
        bool writable = false;
        bool executable = false; // a program it may run (then execve is allowed)
    };
    std::vector<Path> paths;
    enum class Network { None, Loopback, Host } network = Network::None;
    std::vector<int> tcpPorts;
    std::vector<std::string> capabilities; // "CAP_NET_RAW", …
    unsigned long long openFiles = 0, processes = 0;
};

// Consumes one "--sandbox-…" option of the runner's command line; false
// when `key` is not one (or `value` is malformed: *error says why).
bool parseSandboxOption(SandboxPlan &plan, const char *key, const char *value, std::string *error);

// Applies the plan. Steps this kernel cannot do are reported on stderr, one
// line each ("conduit-agent-runner: sandbox: not applied: …"); returns
// false when one failed and the plan is `required` (or a step that must
// never fail half-way, like the uid switch, failed).
bool applySandbox(const SandboxPlan &plan);

// The line the runner writes when the seccomp filter kills it, which the
// host turns into the exit reason: prefix + syscall name.
inline constexpr const char *kSandboxKillPrefix = "conduit-agent-runner: sandbox: denied syscall ";

} // namespace conduit::runner
