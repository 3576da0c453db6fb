#include "unixsignals.h"

#include <QSocketNotifier>

#include <fcntl.h>
#include <unistd.h>

namespace conduit::daemon {

namespace {
int pipeFds[2] = {-1, -1};

void onSignal(int sig) {
    const unsigned char b = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(pipeFds[1], &b, 1);
}
} // namespace

UnixSignals::UnixSignals(std::initializer_list<int> sigs, QObject *parent) : QObject(parent) {
    if (pipeFds[0] < 0 && ::pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0) return;
    notifier_ = new QSocketNotifier(pipeFds[0], QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, [this] {
        unsigned char b;
        while (::read(pipeFds[0], &b, 1) == 1) emit received(b);
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int s : sigs) ::sigaction(s, &sa, nullptr);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, nullptr);
}

UnixSignals::~UnixSignals() = default;

} // namespace conduit::daemon
