// One agent runner process (or, in in-process mode, thread): spawning,
// exit detection without polling (pidfd), signals, and its memory use.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

class QSocketNotifier;

namespace conduit::agents {

class RunnerProcess : public QObject {
    Q_OBJECT
public:
    struct Spec {
        QString runnerPath; // conduit-agent-runner
        QString library;    // plugin .so
        quint64 memoryLimit = 0;
        bool inProcess = false;
        // "--sandbox-…" arguments (agentsandbox.h); ignored in-process,
        // where nothing can be confined.
        QStringList sandboxArgs;
    };

    explicit RunnerProcess(QObject *parent = nullptr);
    ~RunnerProcess() override;

    // Creates the IPC socket pair and starts the runner. On success the host's
    // end is socketFd() (non-blocking, owned by the caller from then on).
    bool start(const Spec &spec, QString *error);
    int socketFd() const { return hostFd_; }
    qint64 pid() const { return pid_; }
    bool running() const { return running_; }
    // Sends a signal to the runner process (no-op in in-process mode).
    void signal(int sig);
    // SIGKILL to the runner and its whole process group (the runner has a
    // session of its own: everything its plugin forks is in it).
    void kill();
    // Resident set size in bytes, 0 if unknown.
    quint64 rssBytes() const;

signals:
    // The runner ended; `description` is "exited with code 0" or
    // "killed by signal 11 (SIGSEGV)", or for a runner its seccomp filter
    // killed "killed by signal 31 (SIGSYS): the sandbox denied execve".
    void exited(const QString &description, bool crashed);
    // One line the runner (its plugin) wrote to stdout or stderr, which are
    // a pipe to the host, never the host's own streams. Lines longer than
    // kMaxOutputLine come in pieces.
    void output(const QByteArray &line);

private:
    void killGroup();
    void reap();
    void readOutput();
    void noteDeniedSyscall();

    static constexpr qsizetype kMaxOutputLine = 4096;
    int outputFd_ = -1;
    QByteArray outputLine_;
    QString deniedSyscall_; // from the runner's last kSandboxKillPrefix line
    QSocketNotifier *outputNotifier_ = nullptr;

    qint64 pid_ = -1;
    int pidFd_ = -1;
    int hostFd_ = -1;
    bool running_ = false;
    QSocketNotifier *exitNotifier_ = nullptr;
    std::unique_ptr<std::thread> thread_;
    // Shared with the in-process runner thread, which may outlive us if the
    // plugin hangs (debug mode only).
    struct ThreadState {
        std::mutex mutex;
        std::condition_variable cv;
        RunnerProcess *owner = nullptr;
        bool done = false;
    };
    std::shared_ptr<ThreadState> threadState_ = std::make_shared<ThreadState>();
};

QString signalName(int sig);

} // namespace conduit::agents
