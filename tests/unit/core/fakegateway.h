// A faithful in-memory stand-in for agents, for engine unit tests: devices
// behave like the example ECU agent (idle -> staged -> activated -> idle,
// rollback from any state before commit), answer asynchronously, record
// every call, and fail on demand at any step.
#pragma once

#include "core/campaign.h"
#include "core/devicegateway.h"

#include <conduit/agent.h>

#include <QBuffer>
#include <QHash>
#include <QTimer>

struct FakeDevice {
    QString id, hardwareId = QStringLiteral("hw"), current = QStringLiteral("1.0"), previous, staged;
    conduit::agents::UpdateState state = conduit::agents::UpdateState::Idle;
    quint32 caps = CONDUIT_CAP_ROLLBACK;
    // A/B slots like the flash agent: a rollback after activation sets the
    // previous slot back, which the device only runs after the next reboot.
    bool abSlots = false;
};

class FakeGateway : public conduit::core::DeviceGateway {
public:
    QMap<QString, FakeDevice> devices;
    QSet<QString> failAt;           // "device:op"
    QSet<QString> silentFailAt;     // "device:op": fails with CONDUIT_E_IO and no message
    QSet<QString> timeoutAt;        // "device:op": the device does not answer in time
    QHash<QString, int> diskFullAt; // "device:op": its next N calls fail like a full disk (CONDUIT_E_IO, no message)
    QStringList calls;              // "op:device" in call order
    int inventories = 0;
    bool holdTransfers = false; // transfers wait for release()
    bool holdInstalls = false;  // installs wait for release()
    QList<std::function<void()>> held;

    void add(const QString &id, quint32 caps = CONDUIT_CAP_ROLLBACK) {
        FakeDevice d;
        d.id = id;
        d.caps = caps;
        devices.insert(id, d);
    }
    int count(const QString &op, const QString &device) const {
        return int(calls.count(op + QLatin1Char(':') + device));
    }

    void inventory(InventoryDone done) override {
        ++inventories;
        QList<conduit::core::DeviceRecord> out;
        for (const FakeDevice &d : devices) {
            conduit::agents::DeviceInfo i;
            i.id = d.id;
            i.hardwareId = d.hardwareId;
            i.currentVersion = d.current;
            i.previousVersion = d.previous;
            i.updateState = d.state;
            i.capabilities = d.caps;
            out << conduit::core::DeviceRecord{QStringLiteral("fake.agent"), i};
        }
        QTimer::singleShot(0, this, [done, out] { done(out, {}); });
    }

    void call(conduit::ipc::Op op, const QString &, const conduit::agents::UpdateSpec &u, QIODevice *payload,
              CallDone done, Progress progress) override {
        const QString name = QLatin1String(conduit::ipc::opName(op));
        calls << name + QLatin1Char(':') + u.deviceId;
        ++running_;
        // Answered: no longer running (what cancelAll() cancels).
        CallDone answered = [this, done](const conduit::agents::CallResult &r) {
            --running_;
            done(r);
        };
        auto finish = [this, op, name, u, payload, done = std::move(answered), progress] {
            conduit::agents::CallResult r;
            FakeDevice &d = devices[u.deviceId];
            if (int &full = diskFullAt[u.deviceId + QLatin1Char(':') + name]; full > 0) {
                --full;
                r.code = CONDUIT_E_IO;
                return done(r);
            }
            if (failAt.contains(u.deviceId + QLatin1Char(':') + name)) {
                r.code = CONDUIT_E_FAILED;
                r.message = QStringLiteral("injected %1 failure").arg(name);
                return done(r);
            }
            if (silentFailAt.contains(u.deviceId + QLatin1Char(':') + name)) {
                r.code = CONDUIT_E_IO; // no message: the host must name the code
                return done(r);
            }
            if (timeoutAt.contains(u.deviceId + QLatin1Char(':') + name)) {
                r.code = CONDUIT_E_TIMEOUT;
                r.message = QStringLiteral("no answer from %1").arg(u.deviceId);
                return done(r);
            }
            if (cancelled_) {
                cancelled_ = false;
                r.code = CONDUIT_E_CANCELLED;
                r.message = QStringLiteral("cancelled");
                return done(r);
            }
            switch (op) {
            case conduit::ipc::Op::Transfer: {
                const QByteArray all = payload->readAll();
                if (quint64(all.size()) != u.length) {
                    r.code = CONDUIT_E_PAYLOAD;
                    r.message = QStringLiteral("short payload");
                    return done(r);
                }
                if (progress) progress(quint64(all.size()), u.length);
                d.staged = u.version;
                d.state = conduit::agents::UpdateState::Staged;
                break;
            }
            case conduit::ipc::Op::Activate:
                if (d.state != conduit::agents::UpdateState::Staged &&
                    !(d.state == conduit::agents::UpdateState::Activated && d.current == u.version)) {
                    r.code = CONDUIT_E_STATE;
                    r.message = QStringLiteral("nothing staged");
                    return done(r);
                }
                if (d.state == conduit::agents::UpdateState::Staged) {
                    d.previous = d.current;
                    d.current = u.version;
                }
                d.state = conduit::agents::UpdateState::Activated;
                break;
            case conduit::ipc::Op::Commit:
                if (d.state == conduit::agents::UpdateState::Activated) d.state = conduit::agents::UpdateState::Idle;
                break;
            case conduit::ipc::Op::Rollback:
                d.staged.clear();
                if (d.abSlots && d.state == conduit::agents::UpdateState::Activated) {
                    d.state = conduit::agents::UpdateState::RolledBack;
                    break;
                }
                if (d.state == conduit::agents::UpdateState::Activated) d.current = d.previous;
                d.state = conduit::agents::UpdateState::Idle;
                break;
            default: break;
            }
            done(r);
        };
        if ((holdTransfers && op == conduit::ipc::Op::Transfer) || (holdInstalls && op == conduit::ipc::Op::Install)) {
            held << finish;
            return;
        }
        QTimer::singleShot(0, this, finish);
    }
    void release() {
        auto h = held;
        held.clear();
        for (auto &f : h) f();
    }
    // Like the real gateway: only calls that run now are cancelled.
    void cancelAll() override {
        cancelled_ = running_ > 0;
        release();
    }

private:
    bool cancelled_ = false;
    int running_ = 0; // calls made and not answered
};

class MemoryPayloads : public conduit::core::PayloadSource {
public:
    QMap<QString, QByteArray> files; // target name -> bytes
    std::unique_ptr<QIODevice> open(const conduit::core::CampaignTarget &t, QString *error) override {
        if (!files.contains(t.targetName)) {
            *error = QStringLiteral("no such file");
            return nullptr;
        }
        auto b = std::make_unique<QBuffer>();
        b->setData(files.value(t.targetName));
        b->open(QIODevice::ReadOnly);
        return b;
    }
    void abort(const QString &why) override { aborted << why; }
    QStringList aborted; // why abort() was called, in order
};
