// Test helpers for agent tests: a payload source the test feeds by hand
// (so a transfer can be held mid-way), and runner construction.
#pragma once

#include "agents/agentproxy.h"
#include "agents/agentsandbox.h"

#include <QFile>
#include <QIODevice>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class GatedSource : public QIODevice {
public:
    GatedSource() { open(QIODevice::ReadOnly); }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return buffer_.size() + QIODevice::bytesAvailable(); }
    void feed(const QByteArray &bytes) {
        buffer_ += bytes;
        emit readyRead();
    }

protected:
    qint64 readData(char *data, qint64 max) override {
        const qint64 n = std::min<qint64>(max, buffer_.size());
        memcpy(data, buffer_.constData(), size_t(n));
        buffer_.remove(0, n);
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray buffer_;
};

inline QString testAgent(const QString &name) { return QStringLiteral(CONDUIT_TEST_AGENT_DIR "/") + name; }

// Writes <dir>/<id>.json: a manifest for agent `id` in `library`, with one
// device type.
inline void writeManifest(const QTemporaryDir &dir, const QString &id, const QString &library, const QString &type) {
    QFile f(dir.filePath(id + QLatin1String(".json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral(R"({"id":"%1","version":"1.0.0","abi":"1.0","device_types":["%3"],"library":"%2"})")
                .arg(id, library, type)
                .toUtf8());
}

// The compartment conduitd would give the agent in `library` (the needs of
// the manifest beside it, plus `extra` grants from [agent-paths]) when the
// test runs as root; nothing otherwise, like conduitd.
inline QStringList compartmentFor(const QString &library, const QString &stateDir,
                                  const QList<conduit::agents::PathGrant> &extra = {}) {
    QString error;
    QString manifest = library;
    manifest.replace(QRegularExpression(QStringLiteral("\\.so$")), QStringLiteral(".json"));
    const auto m = conduit::agents::AgentManifest::load(manifest, &error);
    if (!m) qFatal("%s", qPrintable(error));
    conduit::agents::SandboxConfig config;
    config.extraPaths.insert(m->id, extra);
    return conduit::agents::sandboxArguments(config, m->needs, m->id, config.uidBase, stateDir);
}

struct RunnerFixture {
    QTemporaryDir state;
    std::unique_ptr<conduit::agents::AgentProxy> runner;

    RunnerFixture(const QString &library, conduit::agents::RunnerLimits limits = {},
                  const QString &runnerPath = QStringLiteral(CONDUIT_RUNNER_PATH), bool inProcess = false) {
        conduit::agents::AgentManifest m;
        m.library = library;
        conduit::agents::RunnerProcess::Spec spec{runnerPath, library, limits.memoryLimit, inProcess, {}};
        runner = std::make_unique<conduit::agents::AgentProxy>(m, spec, limits, QStringLiteral("{}"), state.path());
    }
    // Starts the runner and waits for ready or failed; returns the failure
    // reason, empty on success.
    QString start() {
        QSignalSpy ready(runner.get(), &conduit::agents::AgentProxy::ready);
        QSignalSpy failed(runner.get(), &conduit::agents::AgentProxy::failed);
        runner->start();
        if (ready.isEmpty() && failed.isEmpty())
            (void)QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, 20000);
        if (!failed.isEmpty()) return failed.first().first().toString();
        return ready.isEmpty() ? QStringLiteral("neither ready nor failed") : QString();
    }
    static conduit::agents::CallResult noResult() {
        conduit::agents::CallResult r;
        r.code = -999;
        r.message = QStringLiteral("no result within 30 s");
        r.runnerFailed = true;
        return r;
    }
    conduit::agents::CallResult call(conduit::ipc::Op op, const conduit::agents::UpdateSpec &u = {},
                                     QIODevice *payload = nullptr, const QString &name = {}) {
        auto *c = runner->call(op, u, payload, name);
        QSignalSpy done(c, &conduit::agents::AgentCall::finished);
        done.wait(30000);
        return done.isEmpty() ? noResult() : done.first().first().value<conduit::agents::CallResult>();
    }
};

Q_DECLARE_METATYPE(conduit::agents::CallResult)
