// The runner's compartment (runner/sandbox.h), as a hostile vendor meets
// it: the hostile fixture tries, at init and mid-transfer, to read and
// write what is not its own, reach the network, signal and trace the host,
// exec, mount, fork without end and become root. Every attempt fails, the
// host stays up, the neighbour agent keeps serving, and the protected
// files are unchanged. Needs root (uids are switched); else exit code 77.
#include "gatedsource.h"

#include "agents/agentregistry.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTcpServer>

#include <cstdio>
#include <unistd.h>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

QByteArray sha256(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QByteArray("unreadable");
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
}

void writeFile(const QString &path, const QByteArray &content, QFile::Permissions perms) {
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(path));
    f.write(content);
    f.close();
    // World-writable on purpose: the compartment, not the file modes,
    // must keep the agent out.
    QVERIFY(f.setPermissions(perms));
}

// The fields of /proc/<pid>/status that say how a process is confined.
QHash<QString, QString> procStatus(qint64 pid) {
    QHash<QString, QString> out;
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const int colon = line.indexOf(':');
        if (colon > 0)
            out.insert(QString::fromLatin1(line.left(colon)), QString::fromLatin1(line.mid(colon + 1)).trimmed());
    }
    return out;
}

constexpr auto kAll =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;

} // namespace

class TestSandbox : public QObject {
    Q_OBJECT
    QTemporaryDir root_; // the host's world: config, trusted state, journal, agents, a slot
    QString agentDir_, configDir_, stateDir_;
    QStringList protected_;
    QHash<QString, QByteArray> hashes_;
    QTcpServer listener_;

    RegistryConfig config() {
        RegistryConfig c;
        c.agentDirs = {agentDir_};
        c.agentConfigDir = configDir_;
        c.stateDir = stateDir_;
        c.runnerPath = QStringLiteral(CONDUIT_RUNNER_PATH);
        c.restartBackoffMs = 60000; // a killed runner stays down while the test looks
        c.restartBackoffMaxMs = 60000;
        c.sandbox.mode = SandboxConfig::Mode::On;
        c.sandbox.required = true;
        return c;
    }
    void setAttempts(const QString &attempts, const QString &at) {
        writeFile(QDir(configDir_).filePath(QStringLiteral("io.conduit.test.hostile.json")),
                  QStringLiteral(R"({"attempts": "%1", "at": "%2"})").arg(attempts, at).toUtf8(),
                  QFile::ReadOwner | QFile::WriteOwner);
    }
    QString neighbourState() const { return QDir(stateDir_).filePath(QStringLiteral("agents/io.conduit.test.fault")); }

    void neighbourServes(AgentRegistry &reg) {
        AgentProxy *n = reg.agent(QStringLiteral("io.conduit.test.fault"));
        QVERIFY(n);
        QVERIFY(QTest::qWaitFor([&] { return n->state() == AgentProxy::State::Ready; }, 10000));
        auto *inv = n->call(Op::Inventory);
        QSignalSpy done(inv, &AgentCall::finished);
        QVERIFY(done.wait(10000));
        QVERIFY(done.first().first().value<CallResult>().ok());
    }
    void nothingChanged() {
        for (const QString &p : protected_) QCOMPARE(sha256(p), hashes_.value(p));
        QVERIFY(!QFile::exists(QDir(neighbourState()).filePath(QStringLiteral("stolen"))));
        QVERIFY(!QFile::exists(root_.filePath(QStringLiteral("state/planted"))));
    }
    // Runs the transfer the "transfer" attempts wait for.
    void transferTo(AgentProxy *hostile, bool expectOk) {
        QByteArray data(1 << 20, 'h');
        QBuffer src(&data);
        src.open(QIODevice::ReadOnly);
        UpdateSpec u;
        u.deviceId = QStringLiteral("hostile-1");
        u.length = quint64(data.size());
        auto *c = hostile->call(Op::Transfer, u, &src);
        QSignalSpy done(c, &AgentCall::finished);
        QVERIFY(done.wait(20000));
        QCOMPARE(done.first().first().value<CallResult>().ok(), expectOk);
    }

private slots:
    void initTestCase() {
        qRegisterMetaType<CallResult>();
        agentDir_ = root_.filePath(QStringLiteral("agents"));
        configDir_ = root_.filePath(QStringLiteral("agent-config"));
        stateDir_ = root_.filePath(QStringLiteral("state"));
        for (const QString &d : {agentDir_, configDir_, stateDir_, neighbourState()}) QVERIFY(QDir().mkpath(d));
        QTemporaryDir agents(agentDir_ + QStringLiteral("/x")); // writeManifest wants a QTemporaryDir
        agents.setAutoRemove(false);
        writeManifest(agents, QStringLiteral("io.conduit.test.hostile"), testAgent(QStringLiteral("test-hostile.so")),
                      QStringLiteral("hostile-test"));
        writeManifest(agents, QStringLiteral("io.conduit.test.fault"), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        agentDir_ = agents.path();
        writeFile(root_.filePath(QStringLiteral("conduit.conf")), "[ddi]\ntarget_token = secret\n", kAll);
        writeFile(QDir(stateDir_).filePath(QStringLiteral("trust.json")), R"({"root": 7})", kAll);
        writeFile(QDir(stateDir_).filePath(QStringLiteral("journal.log")), "record 1\n", kAll);
        writeFile(QDir(neighbourState()).filePath(QStringLiteral("boot.state")), "slot=a\n", kAll);
        writeFile(root_.filePath(QStringLiteral("slot-b.img")), QByteArray(4096, 'b'), kAll);
        protected_ = {QStringLiteral("/etc/shadow"),
                      root_.filePath(QStringLiteral("conduit.conf")),
                      QDir(stateDir_).filePath(QStringLiteral("trust.json")),
                      QDir(stateDir_).filePath(QStringLiteral("journal.log")),
                      QDir(neighbourState()).filePath(QStringLiteral("boot.state")),
                      root_.filePath(QStringLiteral("slot-b.img"))};
        for (const QString &p : protected_) hashes_.insert(p, sha256(p));
        QVERIFY(listener_.listen(QHostAddress::LocalHost));
    }

    void attemptsFail_data() {
        QTest::addColumn<QString>("at");
        QTest::newRow("init") << QStringLiteral("init");
        QTest::newRow("transfer") << QStringLiteral("transfer");
    }
    void attemptsFail() {
        QFETCH(QString, at);
        const QString journal = QDir(stateDir_).filePath(QStringLiteral("journal.log"));
        const QStringList attempts{
            QStringLiteral("read:/etc/shadow"),
            QStringLiteral("read:") + root_.filePath(QStringLiteral("conduit.conf")),
            QStringLiteral("read:") + QDir(stateDir_).filePath(QStringLiteral("trust.json")),
            QStringLiteral("write:") + journal,
            QStringLiteral("write:") + QDir(stateDir_).filePath(QStringLiteral("planted")),
            QStringLiteral("write:") + QDir(neighbourState()).filePath(QStringLiteral("stolen")),
            QStringLiteral("write:") + QDir(neighbourState()).filePath(QStringLiteral("boot.state")),
            QStringLiteral("write:") + root_.filePath(QStringLiteral("slot-b.img")),
            QStringLiteral("connect:%1").arg(listener_.serverPort()),
            QStringLiteral("raw-socket"),
            QStringLiteral("kill:%1").arg(::getpid()),
            QStringLiteral("setuid"),
            QStringLiteral("fork-bomb"),
        };
        setAttempts(attempts.join(QLatin1Char(',')), at);
        AgentRegistry reg(config());
        QStringList lines;
        const QStringList problems = reg.start();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        AgentProxy *hostile = reg.agent(QStringLiteral("io.conduit.test.hostile"));
        QVERIFY(hostile);
        QVERIFY(hostile->sandboxed());
        connect(hostile, &AgentProxy::log, this, [&](int, const QString &m) {
            if (m.startsWith(QLatin1String("hostile: "))) lines << m;
        });
        QVERIFY(QTest::qWaitFor([&] { return hostile->state() == AgentProxy::State::Ready; }, 10000));
        if (at == QLatin1String("transfer")) transferTo(hostile, true);
        QVERIFY(QTest::qWaitFor([&] { return lines.contains(QStringLiteral("hostile: done")); }, 20000));
        for (const QString &a : attempts)
            QVERIFY2(std::any_of(lines.begin(), lines.end(),
                                 [&](const QString &l) {
                                     return l.startsWith(QStringLiteral("hostile: ") + a) &&
                                            l.contains(QLatin1String(": refused ("));
                                 }),
                     qPrintable(a + QStringLiteral(" was not refused:\n") + lines.join('\n')));
        QVERIFY2(!lines.join('\n').contains(QLatin1String("SUCCEEDED")), qPrintable(lines.join('\n')));
        // The fork bomb hit the agent's own process limit, not the host's.
        QVERIFY(std::any_of(lines.begin(), lines.end(), [](const QString &l) {
            return l.startsWith(QLatin1String("hostile: fork-bomb (")) && l.contains(QLatin1String("EAGAIN"));
        }));
        neighbourServes(reg);
        nothingChanged();
        reg.stop();
    }

    // What the filter kills: the runner dies with SIGSYS, and the host
    // says which call it was.
    void killedAndReported_data() {
        QTest::addColumn<QString>("attempt");
        QTest::addColumn<QString>("syscall");
        QTest::addColumn<QString>("at");
        for (const QString &at : {QStringLiteral("init"), QStringLiteral("transfer")}) {
            QTest::addRow("ptrace@%s", qPrintable(at)) << QStringLiteral("ptrace:%1").arg(::getpid()) << "ptrace" << at;
            QTest::addRow("exec@%s", qPrintable(at)) << QStringLiteral("exec") << "execve" << at;
            QTest::addRow("mount@%s", qPrintable(at)) << QStringLiteral("mount") << "mount" << at;
        }
    }
    void killedAndReported() {
        QFETCH(QString, attempt);
        QFETCH(QString, syscall);
        QFETCH(QString, at);
        setAttempts(attempt, at);
        AgentRegistry reg(config());
        QSignalSpy failures(&reg, &AgentRegistry::agentFailed);
        QVERIFY(reg.start().isEmpty());
        AgentProxy *hostile = reg.agent(QStringLiteral("io.conduit.test.hostile"));
        QVERIFY(hostile);
        QStringList lines;
        connect(hostile, &AgentProxy::log, this, [&](int, const QString &m) { lines << m; });
        if (at == QLatin1String("transfer")) {
            QVERIFY(QTest::qWaitFor([&] { return hostile->state() == AgentProxy::State::Ready; }, 10000));
            transferTo(hostile, false);
        }
        QVERIFY(QTest::qWaitFor([&] { return !failures.isEmpty(); }, 10000));
        const QString reason = failures.first().at(1).toString();
        QVERIFY2(reason.contains(QStringLiteral("SIGSYS")) &&
                     reason.contains(QStringLiteral("the sandbox denied ") + syscall),
                 qPrintable(reason + QLatin1Char('\n') + lines.join('\n')));
        QVERIFY2(!lines.join('\n').contains(QLatin1String("SUCCEEDED")), qPrintable(lines.join('\n')));
        neighbourServes(reg);
        nothingChanged();
        reg.stop();
    }

    // A well-behaved agent in its compartment: its own uid, no capabilities,
    // no_new_privs, the seccomp filter, a network namespace of its own, and
    // it serves as before.
    void neighbourIsConfined() {
        setAttempts(QString(), QStringLiteral("init"));
        AgentRegistry reg(config());
        QVERIFY(reg.start().isEmpty());
        neighbourServes(reg);
        AgentProxy *n = reg.agent(QStringLiteral("io.conduit.test.fault"));
        const auto st = procStatus(n->pid());
        QCOMPARE(st.value(QStringLiteral("Uid")).section(QLatin1Char('\t'), 0, 0), QString::number(62000));
        QCOMPARE(st.value(QStringLiteral("Gid")).section(QLatin1Char('\t'), 0, 0), QString::number(62000));
        QCOMPARE(st.value(QStringLiteral("CapEff")), QStringLiteral("0000000000000000"));
        QCOMPARE(st.value(QStringLiteral("CapBnd")), QStringLiteral("0000000000000000"));
        QCOMPARE(st.value(QStringLiteral("NoNewPrivs")), QStringLiteral("1"));
        QCOMPARE(st.value(QStringLiteral("Seccomp")), QStringLiteral("2"));
        QVERIFY(QFileInfo(QStringLiteral("/proc/%1/ns/net").arg(n->pid())).symLinkTarget() !=
                QFileInfo(QStringLiteral("/proc/self/ns/net")).symLinkTarget());
        // Its state dir is its own now.
        QCOMPARE(QFileInfo(neighbourState()).ownerId(), 62000u);
        reg.stop();
    }
};

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_TEST_ASAN 1
#endif
#endif

int main(int argc, char **argv) {
#ifdef SANDBOX_TEST_ASAN
    std::fprintf(stderr, "SKIP: tst_sandbox: AddressSanitizer builds run the runner without its seccomp filter "
                         "(LeakSanitizer needs ptrace), so the compartment is incomplete by design\n");
    return 77;
#endif
    if (::geteuid() != 0) {
        std::fprintf(stderr, "SKIP: tst_sandbox needs root (the runner switches to per-agent uids)\n");
        return 77;
    }
    QCoreApplication app(argc, argv);
    TestSandbox t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_sandbox.moc"
