#include "runnerprocess.h"

#include "agentlog.h"
#include "runner/runner.h"
#include "runner/sandbox.h"

#include <QFile>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QSocketNotifier>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

extern char **environ;

namespace conduit::agents {

QString signalName(int sig) {
    const char *abbrev = sigabbrev_np(sig);
    return QStringLiteral("%1 (SIG%2)").arg(sig).arg(QString::fromLatin1(abbrev ? abbrev : "?"));
}

RunnerProcess::RunnerProcess(QObject *parent) : QObject(parent) {}

RunnerProcess::~RunnerProcess() {
    if (running_ && !thread_ && pid_ > 0) {
        ::kill(static_cast<pid_t>(pid_), SIGKILL);
        killGroup();
        int status = 0;
        ::waitpid(static_cast<pid_t>(pid_), &status, 0);
    }
    if (thread_) {
        // The host's end is closed by its AgentChannel, which ends the
        // thread unless the plugin hangs; a hung debug thread is abandoned.
        std::unique_lock lock(threadState_->mutex);
        threadState_->owner = nullptr;
        const bool done =
            threadState_->cv.wait_for(lock, std::chrono::seconds(2), [this] { return threadState_->done; });
        lock.unlock();
        if (done)
            thread_->join();
        else
            thread_->detach();
    }
    if (pidFd_ >= 0) ::close(pidFd_);
    if (outputFd_ >= 0) ::close(outputFd_);
}

bool RunnerProcess::start(const Spec &spec, QString *error) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        *error = QStringLiteral("socketpair: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    // Generous socket buffers: fewer wake-ups per payload megabyte.
    int size = 1 << 20;
    for (int fd : sv) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    hostFd_ = sv[0];
    ::fcntl(hostFd_, F_SETFL, ::fcntl(hostFd_, F_GETFL) | O_NONBLOCK);

    if (spec.inProcess) {
        const int fd = sv[1];
        const std::string library = QFile::encodeName(spec.library).toStdString();
        running_ = true;
        pid_ = -1; // no process of its own: nothing to signal
        auto state = threadState_;
        state->owner = this;
        thread_ = std::make_unique<std::thread>([fd, library, state] {
            runner::Options o;
            o.fd = fd;
            o.library = library;
            o.inProcess = true;
            const int rc = runner::serve(o);
            ::close(fd);
            std::lock_guard lock(state->mutex);
            state->done = true;
            state->cv.notify_all();
            if (RunnerProcess *owner = state->owner) {
                QMetaObject::invokeMethod(
                    owner,
                    [owner, rc] {
                        owner->running_ = false;
                        emit owner->exited(QStringLiteral("exited with code %1").arg(rc), false);
                    },
                    Qt::QueuedConnection);
            }
        });
        return true;
    }

    // Keep the child's end away from fd 3 so that dup2() below always
    // creates a fresh descriptor without close-on-exec.
    int childFd = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
    ::close(sv[1]);
    const QByteArray runner = QFile::encodeName(spec.runnerPath);
    const QByteArray library = QFile::encodeName(spec.library);
    const QByteArray limit = QByteArray::number(spec.memoryLimit);
    QList<QByteArray> sandboxArgs;
    for (const QString &a : spec.sandboxArgs) sandboxArgs << QFile::encodeName(a);
    std::vector<const char *> argv{runner.constData(), "--fd",           "3", "--library", library.constData(),
                                   "--memory-limit",   limit.constData()};
    for (const QByteArray &a : sandboxArgs) argv.push_back(a.constData());
    argv.push_back(nullptr);
    // stdout and stderr: a pipe read into the agent's log (a plugin must
    // neither write the host's streams nor forge its reports there).
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        *error = QStringLiteral("pipe: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        ::close(childFd);
        ::close(hostFd_);
        hostFd_ = -1;
        return false;
    }
    outputFd_ = out[0];
    ::fcntl(outputFd_, F_SETFL, ::fcntl(outputFd_, F_GETFL) | O_NONBLOCK);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, childFd, 3);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    // A session (and process group) of its own, made in the child before
    // exec: everything the plugin forks stays in the group, which is killed
    // as one (killGroup), and no terminal of the host's is reachable.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, runner.constData(), &actions, &attr, const_cast<char **>(argv.data()), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    ::close(childFd);
    ::close(out[1]);
    outputNotifier_ = new QSocketNotifier(outputFd_, QSocketNotifier::Read, this);
    connect(outputNotifier_, &QSocketNotifier::activated, this, [this] { readOutput(); });
    if (rc != 0) {
        *error =
            QStringLiteral("cannot start runner %1: %2").arg(spec.runnerPath, QString::fromLocal8Bit(strerror(rc)));
        ::close(hostFd_);
        hostFd_ = -1;
        return false;
    }
    pid_ = pid;
    running_ = true;
    pidFd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidFd_ < 0) {
        *error = QStringLiteral("pidfd_open: %1 (Linux 5.3 or later is required)")
                     .arg(QString::fromLocal8Bit(strerror(errno)));
        kill();
        reap();
        return false;
    }
    exitNotifier_ = new QSocketNotifier(pidFd_, QSocketNotifier::Read, this);
    connect(exitNotifier_, &QSocketNotifier::activated, this, [this] { reap(); });
    qCDebug(lcRunner) << "started runner pid" << pid_ << "for" << spec.library;
    return true;
}

void RunnerProcess::reap() {
    if (!running_ || thread_) return;
    int status = 0;
    siginfo_t info{};
    // Wait without reaping first: while the runner is a zombie its pid (the
    // group's id) cannot be reused, so the group kill hits only its tree.
    const int w = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (w == 0 && info.si_pid == 0) return;
    if (w == 0) killGroup();
    pid_t r = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
    if (r == 0) return;
    readOutput(); // what it wrote last, before its exit is told
    running_ = false;
    if (exitNotifier_) exitNotifier_->setEnabled(false);
    QString description;
    bool crashed = false;
    if (r < 0) {
        description = QStringLiteral("vanished (waitpid: %1)").arg(QString::fromLocal8Bit(strerror(errno)));
        crashed = true;
    } else if (WIFSIGNALED(status)) {
        description = QStringLiteral("killed by signal %1").arg(signalName(WTERMSIG(status)));
        if (WTERMSIG(status) == SIGSYS && !deniedSyscall_.isEmpty())
            description += QStringLiteral(": the sandbox denied %1").arg(deniedSyscall_);
        crashed = true;
    } else {
        description = QStringLiteral("exited with code %1").arg(WEXITSTATUS(status));
        crashed = WEXITSTATUS(status) != 0;
    }
    emit exited(description, crashed);
}

void RunnerProcess::readOutput() {
    if (outputFd_ < 0) return;
    char buf[16384];
    // Bounded per wake-up: a flooding plugin must not starve the event loop.
    for (int round = 0; round < 16; ++round) {
        const ssize_t n = ::read(outputFd_, buf, sizeof buf);
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                if (!outputLine_.isEmpty()) emit output(std::exchange(outputLine_, {}));
                outputNotifier_->setEnabled(false);
                ::close(std::exchange(outputFd_, -1));
            }
            return;
        }
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] == '\n') {
                noteDeniedSyscall();
                emit output(std::exchange(outputLine_, {}));
                continue;
            }
            outputLine_ += buf[i];
            if (outputLine_.size() >= kMaxOutputLine) emit output(std::exchange(outputLine_, {}));
        }
    }
}

void RunnerProcess::noteDeniedSyscall() {
    // The plugin could print such a line itself, but only about its own end.
    static const QByteArray prefix(runner::kSandboxKillPrefix);
    if (outputLine_.startsWith(prefix)) {
        const QByteArray name = outputLine_.mid(prefix.size(), 32);
        const bool plain =
            std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(uchar(c)) || c == '_'; });
        deniedSyscall_ = plain ? QString::fromLatin1(name) : QStringLiteral("a syscall");
    }
}

void RunnerProcess::signal(int sig) {
    if (running_ && !thread_ && pid_ > 0) ::kill(static_cast<pid_t>(pid_), sig);
}

void RunnerProcess::kill() {
    // A thread cannot be killed: closing the host's end of the socket (the
    // AgentChannel does) makes it shut down.
    signal(SIGKILL);
    killGroup();
}

void RunnerProcess::killGroup() {
    // Called while the runner is alive or a zombie not yet reaped (its pid
    // is the group's id and still taken): the plugin's children and
    // grandchildren die with it.
    if (!thread_ && pid_ > 0) ::kill(-static_cast<pid_t>(pid_), SIGKILL);
}

quint64 RunnerProcess::rssBytes() const {
    if (!running_ || thread_ || pid_ <= 0) return 0;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%lld/statm", static_cast<long long>(pid_));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[128];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    unsigned long long sizePages = 0, residentPages = 0;
    if (std::sscanf(buf, "%llu %llu", &sizePages, &residentPages) != 2) return 0;
    return residentPages * static_cast<quint64>(::sysconf(_SC_PAGESIZE));
}

} // namespace conduit::agents
