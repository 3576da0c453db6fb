// conduit-agent-runner: the process that hosts one agent plugin for conduitd.
// Started by the host only; usage: conduit-agent-runner --fd N --library PATH
//   [--memory-limit BYTES] [--sandbox-… VALUE]… (sandbox.h)
#include "runner.h"
#include "sandbox.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CONDUIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONDUIT_ASAN 1
#endif
#endif

int main(int argc, char **argv) {
    conduit::runner::Options opts;
    unsigned long long memoryLimit = 0;
    conduit::runner::SandboxPlan sandbox;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string sandboxError;
        if (conduit::runner::parseSandboxOption(sandbox, argv[i], argv[i + 1], &sandboxError)) continue;
        if (!sandboxError.empty()) {
            std::fprintf(stderr, "conduit-agent-runner: %s\n", sandboxError.c_str());
            return 64;
        }
        if (!std::strcmp(argv[i], "--fd"))
            opts.fd = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--library"))
            opts.library = argv[i + 1];
        else if (!std::strcmp(argv[i], "--memory-limit"))
            memoryLimit = std::strtoull(argv[i + 1], nullptr, 10);
    }
    if (opts.fd < 0 || opts.library.empty()) {
        std::fprintf(stderr, "conduit-agent-runner is started by conduitd; it is not meant to be run by hand\n");
        return 64;
    }
    // The plugin's stdout is not the host's: conduitd --check-agent and
    // --inventory --json print reports there, which a plugin must not be
    // able to forge. Everything the plugin prints goes to stderr.
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) std::perror("conduit-agent-runner: dup2");
    // Die with the host, and take the plugin's children along: a runner
    // and its process group (the session conduitd made for it) must never
    // outlive the host. The signal is caught so that the whole group,
    // including children that double-forked, is killed, not the runner alone.
    struct sigaction sa {};
    sa.sa_handler = [](int) { ::kill(0, SIGKILL); };
    sigaction(SIGHUP, &sa, nullptr);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &hup, nullptr); // whatever the host's mask was
    prctl(PR_SET_PDEATHSIG, SIGHUP);
    // A write to a closed socket must be an error, not a silent death.
    std::signal(SIGPIPE, SIG_IGN);
#ifndef CONDUIT_ASAN
    // Backstop for the host's RSS watch: address space at twice the limit, so
    // a runaway allocation fails inside the runner before it hurts the vehicle.
    if (memoryLimit > 0) {
        rlimit rl{memoryLimit * 2 + (256ull << 20), memoryLimit * 2 + (256ull << 20)};
        setrlimit(RLIMIT_AS, &rl);
    }
#else
    (void)memoryLimit;
#endif
    // The compartment, before the plugin's code is even mapped.
    sandbox.library = opts.library;
    if (!conduit::runner::applySandbox(sandbox)) return 3;
    return conduit::runner::serve(opts);
}
