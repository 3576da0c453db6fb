// The flash agent driven through the real runner, as the host drives it:
// streaming install into a file-backed A/B device, trial boot played by
// flash-bootsim, commit, bootloader fallback, rollback, delta images, and
// power cuts (the runner dies) at every write and switching step.
#include "gatedsource.h"

#include "delta.h"

#include <conduit/agent.h>

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>

#include <csignal>
#include <unistd.h>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(b.data()), size / 4);
    return b;
}

QByteArray readAll(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &data) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(data), data.size());
}

QString sha(const QByteArray &data) {
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// A file-backed A/B device, its boot environment, and the agent's state
// directory, all surviving runner restarts (power cuts).
struct Device {
    QTemporaryDir dir;
    QByteArray factory;
    QString verify = QStringLiteral("after");
    QString a = dir.filePath(QStringLiteral("slot-a.img")), b = dir.filePath(QStringLiteral("slot-b.img"));
    QString slotA() const { return a; }
    QString slotB() const { return b; }
    QString bootEnv() const { return dir.filePath(QStringLiteral("bootenv")); }
    QString stateDir() const { return dir.filePath(QStringLiteral("state")); }

    Device() : factory(randomBytes(3 << 20, 1)) {
        writeAll(slotA(), factory);
        writeAll(slotB(), QByteArray());
        QDir().mkpath(stateDir());
    }
    QString config() const {
        return QStringLiteral("{\"devices\":[{\"id\":\"hu-1\",\"hardware_id\":\"hu-imx8\",\"slots\":{"
                              "\"A\":{\"path\":\"%1\",\"version\":\"1.0.0\"},\"B\":{\"path\":\"%2\"}},"
                              "\"boot\":{\"backend\":\"file\",\"path\":\"%3\",\"tries\":1},\"sync_interval\":1048576,"
                              "\"verify\":\"%4\"}]}")
            .arg(slotA(), slotB(), bootEnv(), verify);
    }
    QMap<QString, QString> env() const {
        QMap<QString, QString> m;
        for (const QByteArray &line : readAll(bootEnv()).split('\n')) {
            const int eq = line.indexOf('=');
            if (eq > 0) m.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(line.mid(eq + 1)));
        }
        return m;
    }
    // One boot, as the bootloader does it.
    QString reboot() const {
        QProcess p;
        p.start(QStringLiteral(FLASH_BOOTSIM_PATH), {QStringLiteral("file"), bootEnv()});
        if (!p.waitForFinished(10000) || p.exitCode() != 0)
            return QStringLiteral("bootsim failed: ") + p.readAllStandardError();
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    }
};

struct Agent : RunnerFixture {
    explicit Agent(const Device &d, const QByteArray &fault = {}) : RunnerFixture(QStringLiteral(FLASH_AGENT_PATH)) {
        AgentManifest m;
        m.library = QStringLiteral(FLASH_AGENT_PATH);
        RunnerLimits limits;
        limits.memoryLimit = 96ull << 20;
        // In its compartment as root, with the device's slots and boot
        // environment granted as [agent-paths] would.
        RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false,
                                 compartmentFor(m.library, d.stateDir(),
                                                {{d.dir.path(), PathAccess::ReadWrite},
                                                 {d.slotA(), PathAccess::ReadWrite},
                                                 {d.slotB(), PathAccess::ReadWrite}})};
        runner = std::make_unique<AgentProxy>(m, spec, limits, d.config(), d.stateDir());
        // The runner inherits the fault plan; bootsim and later runners do not.
        if (!fault.isEmpty()) qputenv("CONDUIT_FLASH_FAULT", fault);
        startFailure = start();
        qunsetenv("CONDUIT_FLASH_FAULT");
    }
    QString startFailure;

    DeviceInfo inventory() {
        const CallResult r = call(Op::Inventory);
        return r.ok() && r.devices.size() == 1 ? r.devices.first() : DeviceInfo{};
    }
    CallResult transfer(const UpdateSpec &u, const QByteArray &payload) {
        QByteArray copy = payload;
        QBuffer source(&copy);
        source.open(QIODevice::ReadOnly);
        return call(Op::Transfer, u, &source);
    }
};

UpdateSpec fullImage(const QByteArray &image, const QString &version = QStringLiteral("2.0.0")) {
    UpdateSpec u;
    u.deviceId = QStringLiteral("hu-1");
    u.targetName = QStringLiteral("rootfs.img");
    u.version = version;
    u.length = quint64(image.size());
    u.sha256 = sha(image);
    return u;
}

QByteArray newImage(const QByteArray &factory) {
    // A realistic successor: mostly the old image, some regions changed, a
    // block inserted (shifting everything after it) and a tail appended.
    QByteArray img = factory;
    img.replace(100000, 4096, randomBytes(4096, 7));
    img.insert(1 << 20, randomBytes(64 << 10, 8));
    img.append(randomBytes(256 << 10, 9));
    return img;
}

} // namespace

#define CHECK_BOOTABLE(d, image)                                                                                       \
    do {                                                                                                               \
        checkBootable(d, image);                                                                                       \
        if (QTest::currentTestFailed()) return;                                                                        \
    } while (0)

class TestFlashAgent : public QObject {
    Q_OBJECT

    // What every power cut must leave: the primary slot boots its verified
    // image, a trial slot (if any) holds its verified image, and slot A
    // (active before the update) is bit-identical to the factory image
    // unless an update was committed.
    void checkBootable(const Device &d, const QByteArray &image) {
        const auto env = d.env();
        const QString primary = env.value(QStringLiteral("conduit_primary"), QStringLiteral("A")); // bootloader default
        const QString trial = env.value(QStringLiteral("conduit_trial"));
        QVERIFY2(primary == QLatin1String("A") || primary == QLatin1String("B"), qPrintable("primary=" + primary));
        auto content = [&](const QString &s) { return readAll(s == QLatin1String("A") ? d.slotA() : d.slotB()); };
        if (primary == QLatin1String("A"))
            QCOMPARE(sha(content(primary)), sha(d.factory));
        else
            QCOMPARE(sha(content(primary)), sha(image));
        if (!trial.isEmpty()) {
            QCOMPARE(trial, QStringLiteral("B"));
            QCOMPARE(sha(content(trial)), sha(image));
        }
        QCOMPARE(sha(readAll(d.slotA())), sha(d.factory)); // the old slot is never written
    }

private slots:
    void initTestCase() { qRegisterMetaType<CallResult>(); }

    void inventoryReportsFactoryState() {
        Device d;
        Agent a(d);
        QCOMPARE(a.startFailure, QString());
        const DeviceInfo info = a.inventory();
        QCOMPARE(info.id, QStringLiteral("hu-1"));
        QCOMPARE(info.hardwareId, QStringLiteral("hu-imx8"));
        QCOMPARE(info.currentVersion, QStringLiteral("1.0.0"));
        QCOMPARE(conduit::agents::updateStateName(info.updateState), QStringLiteral("idle"));
        QCOMPARE(info.capabilities & (CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT),
                 quint32(CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT));
        QCOMPARE(d.env().value(QStringLiteral("conduit_primary")), QStringLiteral("A"));
    }

    void installTrialBootCommit_data() {
        QTest::addColumn<QString>("verify");
        QTest::newRow("verify after writing") << QStringLiteral("after");
        QTest::newRow("verify overlapped") << QStringLiteral("overlapped");
    }
    void installTrialBootCommit() {
        QFETCH(QString, verify);
        Device d;
        d.verify = verify;
        Agent a(d);
        QCOMPARE(a.startFailure, QString());
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        CallResult r = a.transfer(u, image);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.payloadBytes, quint64(image.size()));
        QCOMPARE(readAll(d.slotB()), image);
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("staged"));
        for (Op op : {Op::PrepareInstall, Op::Install, Op::PostInstall, Op::Activate}) {
            r = a.call(op, u);
            QVERIFY2(r.ok(), qPrintable(r.message));
        }
        QCOMPARE(d.env().value(QStringLiteral("conduit_trial")), QStringLiteral("B"));
        QCOMPARE(d.env().value(QStringLiteral("conduit_primary")), QStringLiteral("A"));
        // Another download must wait until this one is committed or rolled back.
        r = a.call(Op::DownloadConsent, fullImage(image, QStringLiteral("3.0.0")));
        QVERIFY(r.ok());
        QCOMPARE(r.consent, int(CONDUIT_CONSENT_POSTPONE));
        r = a.call(Op::Commit, u); // not rebooted yet
        QCOMPARE(r.code, int(CONDUIT_E_STATE));
        QVERIFY2(r.message.contains(QLatin1String("not been booted")), qPrintable(r.message));

        QCOMPARE(d.reboot(), QStringLiteral("B"));
        Agent after(d); // the device came up on B, and so did the host
        QCOMPARE(after.inventory().currentVersion, QStringLiteral("2.0.0"));
        QCOMPARE(conduit::agents::updateStateName(after.inventory().updateState), QStringLiteral("activated"));
        r = after.call(Op::Commit, u);
        QVERIFY2(r.ok(), qPrintable(r.message));
        const DeviceInfo info = after.inventory();
        QCOMPARE(conduit::agents::updateStateName(info.updateState), QStringLiteral("idle"));
        QCOMPARE(info.currentVersion, QStringLiteral("2.0.0"));
        QCOMPARE(info.previousVersion, QStringLiteral("1.0.0"));
        QCOMPARE(d.env().value(QStringLiteral("conduit_primary")), QStringLiteral("B"));
        QCOMPARE(d.env().value(QStringLiteral("conduit_trial")), QString());
        QCOMPARE(d.reboot(), QStringLiteral("B")); // stays on B for good
        QVERIFY(after.call(Op::Commit, u).ok());   // idempotent
        r = after.call(Op::DownloadConsent, fullImage(image, QStringLiteral("3.0.0")));
        QCOMPARE(r.consent, int(CONDUIT_CONSENT_ACCEPT));
        QCOMPARE(readAll(d.slotA()), d.factory);
    }

    void failedTrialBootFallsBack() {
        Device d;
        Agent a(d);
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        QVERIFY(a.transfer(u, image).ok());
        QVERIFY(a.call(Op::Activate, u).ok());
        QCOMPARE(d.reboot(), QStringLiteral("B"));
        // The new system never commits; the watchdog reboots it.
        QCOMPARE(d.reboot(), QStringLiteral("A"));
        Agent after(d);
        const DeviceInfo info = after.inventory();
        QCOMPARE(conduit::agents::updateStateName(info.updateState), QStringLiteral("rolled-back"));
        QCOMPARE(info.currentVersion, QStringLiteral("1.0.0"));
        const CallResult r = after.call(Op::Commit, u);
        QCOMPARE(r.code, int(CONDUIT_E_STATE));
        QVERIFY2(r.message.contains(QLatin1String("fell back to slot A")), qPrintable(r.message));
        QCOMPARE(readAll(d.slotA()), d.factory);
        // A new attempt may start from here.
        QVERIFY(after.transfer(u, image).ok());
    }

    void rollbackBeforeCommit() {
        Device d;
        Agent a(d);
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        QVERIFY(a.transfer(u, image).ok());
        QVERIFY(a.call(Op::Activate, u).ok());
        CallResult r = a.call(Op::Rollback, u);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QVERIFY(a.call(Op::Rollback, u).ok()); // idempotent
        QCOMPARE(d.env().value(QStringLiteral("conduit_trial")), QString());
        QCOMPARE(d.env().value(QStringLiteral("conduit_primary")), QStringLiteral("A"));
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("rolled-back"));
        QCOMPARE(d.reboot(), QStringLiteral("A"));
        QCOMPARE(readAll(d.slotA()), d.factory);
    }

    void rollbackAfterTrialBootReturnsToOldSlot() {
        Device d;
        Agent a(d);
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        QVERIFY(a.transfer(u, image).ok());
        QVERIFY(a.call(Op::Activate, u).ok());
        QCOMPARE(d.reboot(), QStringLiteral("B"));
        QVERIFY(a.call(Op::Rollback, u).ok()); // e.g. another device of the package failed
        QCOMPARE(d.reboot(), QStringLiteral("A"));
        QCOMPARE(a.inventory().currentVersion, QStringLiteral("1.0.0"));
    }

    void corruptImageIsNotStaged() {
        Device d;
        Agent a(d);
        const QByteArray image = newImage(d.factory);
        UpdateSpec u = fullImage(image);
        QByteArray tampered = image;
        tampered[12345] = char(tampered[12345] ^ 1);
        CallResult r = a.transfer(u, tampered);
        QCOMPARE(r.code, int(CONDUIT_E_VERIFY));
        QVERIFY2(r.message.contains(QLatin1String("has sha256")), qPrintable(r.message)); // found as it streamed
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("idle"));
        QCOMPARE(a.call(Op::Activate, u).code, int(CONDUIT_E_STATE));
        QCOMPARE(d.env().value(QStringLiteral("conduit_trial")), QString());
    }

    // The slot no longer holds what was written when it is read back: the
    // runner flips a byte behind the writer's back once the image is durable
    // (CONDUIT_FLASH_FAULT=corrupt=OFFSET), as a failing medium would. The
    // stream was right; the read-back must refuse the slot (a full image's
    // naming the block that differs, a delta's by its hash), and nothing may
    // select it.
    void corruptedSlotIsRefused_data() {
        QTest::addColumn<QString>("verify");
        QTest::addColumn<bool>("isDelta");
        QTest::addColumn<QString>("reason");
        const QString block =
            QStringLiteral("slot B: read-back of %1 differs from the image written: block at offset 3145728 (");
        QTest::newRow("full image, verify after") << QStringLiteral("after") << false << block;
        QTest::newRow("full image, verify overlapped") << QStringLiteral("overlapped") << false << block;
        QTest::newRow("delta, verify after")
            << QStringLiteral("after") << true << QStringLiteral("read-back of slot B gave sha256 ");
        QTest::newRow("delta, verify overlapped")
            << QStringLiteral("overlapped") << true << QStringLiteral("read-back of slot B gave sha256 ");
    }
    void corruptedSlotIsRefused() {
        QFETCH(QString, verify);
        QFETCH(bool, isDelta);
        QFETCH(QString, reason);
        Device d;
        d.verify = verify;
        const QByteArray image = newImage(d.factory); // about 3.3 MiB
        QByteArray payload = image;
        UpdateSpec u = fullImage(image);
        if (isDelta) {
            const auto patch = conduit::flash::makeDelta(d.factory.constData(), size_t(d.factory.size()),
                                                         image.constData(), size_t(image.size()), 3);
            payload = QByteArray(reinterpret_cast<const char *>(patch.data()), qsizetype(patch.size()));
            conduit::flash::DeltaSpec spec{sha(d.factory).toStdString(), sha(image).toStdString(),
                                           quint64(d.factory.size()), quint64(image.size())};
            u = fullImage(payload);
            u.customJson = QString::fromStdString(conduit::flash::deltaSpecJson(spec));
        }
        // In the last 1 MiB block: read back only after the last write, in
        // both verify modes.
        const qint64 at = (3 << 20) + 1000;
        {
            Agent a(d, QByteArray("corrupt=") + QByteArray::number(at));
            QCOMPARE(a.startFailure, QString());
            const CallResult r = a.transfer(u, payload);
            QCOMPARE(r.code, int(CONDUIT_E_VERIFY));
            QVERIFY2(r.message.contains(reason.contains(QLatin1String("%1")) ? reason.arg(d.slotB()) : reason),
                     qPrintable(r.message));
            QCOMPARE(readAll(d.slotB()).at(at), char(image.at(at) ^ 0xff)); // the fault did hit the slot
            QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("idle"));
            QCOMPARE(a.call(Op::Activate, u).code, int(CONDUIT_E_STATE));
            QCOMPARE(d.env().value(QStringLiteral("conduit_trial")), QString());
        }
        CHECK_BOOTABLE(d, image);
        Agent after(d); // a sound medium: the same update installs
        const CallResult r = after.transfer(u, payload);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(readAll(d.slotB()), image);
    }

    void deltaInstall() {
        Device d;
        Agent a(d);
        const QByteArray image = newImage(d.factory);
        const auto patch = conduit::flash::makeDelta(d.factory.constData(), size_t(d.factory.size()), image.constData(),
                                                     size_t(image.size()), 19);
        const QByteArray payload(reinterpret_cast<const char *>(patch.data()), qsizetype(patch.size()));
        QVERIFY2(payload.size() < image.size() / 5, qPrintable(QString::number(payload.size())));
        conduit::flash::DeltaSpec spec{sha(d.factory).toStdString(), sha(image).toStdString(),
                                       quint64(d.factory.size()), quint64(image.size())};
        UpdateSpec u = fullImage(payload);
        u.customJson = QString::fromStdString(conduit::flash::deltaSpecJson(spec));
        const CallResult r = a.transfer(u, payload);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(sha(readAll(d.slotB())), sha(image));
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("staged"));
        QVERIFY(a.call(Op::Activate, u).ok());
        QCOMPARE(d.reboot(), QStringLiteral("B"));
        QVERIFY(a.call(Op::Commit, u).ok());
        QCOMPARE(a.inventory().currentVersion, QStringLiteral("2.0.0"));
    }

    void deltaOnWrongBaseIsRefusedBeforeWriting() {
        Device d;
        const QByteArray before = randomBytes(1 << 20, 5);
        writeAll(d.slotB(), before);
        Agent a(d);
        const QByteArray otherBase = randomBytes(3 << 20, 2);
        const QByteArray image = newImage(otherBase);
        const auto patch = conduit::flash::makeDelta(otherBase.constData(), size_t(otherBase.size()), image.constData(),
                                                     size_t(image.size()), 3);
        const QByteArray payload(reinterpret_cast<const char *>(patch.data()), qsizetype(patch.size()));
        conduit::flash::DeltaSpec spec{sha(otherBase).toStdString(), sha(image).toStdString(),
                                       quint64(otherBase.size()), quint64(image.size())};
        UpdateSpec u = fullImage(payload);
        u.customJson = QString::fromStdString(conduit::flash::deltaSpecJson(spec));
        const CallResult r = a.transfer(u, payload);
        QCOMPARE(r.code, int(CONDUIT_E_VERIFY));
        QVERIFY2(r.message.contains(QLatin1String("delta base mismatch")), qPrintable(r.message));
        QCOMPARE(readAll(d.slotB()), before); // nothing written
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("idle"));
    }

    // Power cut while the image streams in: the runner _exit()s at the N-th
    // slot write (N seeded). Afterwards the device boots the old slot and a
    // fresh agent completes the update.
    void powerCutDuringWrite_data() {
        QTest::addColumn<int>("nth");
        // The ~3.3 MiB image takes at least four writes (reads are at most
        // 1 MiB): cut at each of them, and once past the end (no cut).
        for (int n = 1; n <= 4; ++n) QTest::newRow(qPrintable(QStringLiteral("write-%1").arg(n))) << n;
        QTest::newRow("no cut") << 100000;
    }
    void powerCutDuringWrite() {
        QFETCH(int, nth);
        Device d;
        const QByteArray image = newImage(d.factory); // about 3.3 MiB: 4 writes of 1 MiB
        const UpdateSpec u = fullImage(image);
        const bool dies = nth < 100000;
        {
            Agent a(d, QByteArray("write=") + QByteArray::number(nth));
            QCOMPARE(a.startFailure, QString());
            const CallResult r = a.transfer(u, image);
            QCOMPARE(r.runnerFailed, dies);
        }
        CHECK_BOOTABLE(d, image);
        Agent after(d);
        if (dies)
            QCOMPARE(conduit::agents::updateStateName(after.inventory().updateState),
                     QStringLiteral("idle")); // partial slot not trusted
        QVERIFY(after.transfer(u, image).ok());
        QVERIFY(after.call(Op::Activate, u).ok());
        CHECK_BOOTABLE(d, image);
    }

    // Power cut at every durable switching step of a whole update (state
    // saves, boot-environment writes; before and after each rename). After
    // each cut a fresh agent resumes from the reported update_state and the
    // update completes; at every point the device stays bootable.
    void powerCutAtEverySwitchStep() {
        int completedWithoutCut = 0, cuts = 0;
        for (int nth = 1; nth <= 40 && completedWithoutCut == 0; ++nth) {
            Device d;
            const QByteArray image = newImage(d.factory);
            const UpdateSpec u = fullImage(image);
            bool died = false;
            {
                Agent a(d, QByteArray("switch=") + QByteArray::number(nth));
                if (!a.startFailure.isEmpty()) {
                    died = true;
                } else {
                    for (Op op : {Op::Transfer, Op::Activate, Op::Commit}) {
                        if (op == Op::Commit) d.reboot();
                        const CallResult r = op == Op::Transfer ? a.transfer(u, image) : a.call(op, u);
                        if (r.runnerFailed) {
                            died = true;
                            break;
                        }
                        QVERIFY2(
                            r.ok(),
                            qPrintable(QStringLiteral("step %1 at cut %2: %3").arg(int(op)).arg(nth).arg(r.message)));
                    }
                }
            }
            CHECK_BOOTABLE(d, image);
            if (!died) {
                ++completedWithoutCut;
                break;
            }
            ++cuts;
            // Resume as the host does: ask where the device is, continue.
            Agent after(d);
            QCOMPARE(after.startFailure, QString());
            const DeviceInfo info = after.inventory();
            const QString st = conduit::agents::updateStateName(info.updateState);
            if (st == QLatin1String("idle") && d.env().value(QStringLiteral("conduit_primary")) == QLatin1String("B")) {
                QCOMPARE(info.currentVersion, QStringLiteral("2.0.0")); // cut after the commit landed
                continue;
            }
            if (st == QLatin1String("idle")) QVERIFY2(after.transfer(u, image).ok(), "re-transfer");
            if (st == QLatin1String("idle") || st == QLatin1String("staged")) {
                const CallResult r = after.call(Op::Activate, u);
                QVERIFY2(r.ok(), qPrintable(r.message));
            }
            CHECK_BOOTABLE(d, image);
            if (d.env().value(QStringLiteral("conduit_booted")) != QLatin1String("B"))
                QCOMPARE(d.reboot(), QStringLiteral("B"));
            const CallResult r = after.call(Op::Commit, u);
            QVERIFY2(r.ok(),
                     qPrintable(QStringLiteral("commit after cut %1 (state %2): %3").arg(nth).arg(st, r.message)));
            CHECK_BOOTABLE(d, image);
            QCOMPARE(after.inventory().currentVersion, QStringLiteral("2.0.0"));
        }
        QCOMPARE(completedWithoutCut, 1); // the loop went past the last step
        // First start (boot env + state), transfer (2 saves), activate (boot
        // env + save), commit (boot env + save); two cut points per write.
        QVERIFY2(cuts >= 14, qPrintable(QString::number(cuts)));
        qInfo("power cut at %d switching steps", cuts);
    }

    // A power cut while a delta is applied: the old slot is the patch's
    // reference, and it must come out untouched.
    void powerCutDuringDelta() {
        Device d;
        const QByteArray image = newImage(d.factory);
        const auto patch = conduit::flash::makeDelta(d.factory.constData(), size_t(d.factory.size()), image.constData(),
                                                     size_t(image.size()), 3);
        const QByteArray payload(reinterpret_cast<const char *>(patch.data()), qsizetype(patch.size()));
        conduit::flash::DeltaSpec spec{sha(d.factory).toStdString(), sha(image).toStdString(),
                                       quint64(d.factory.size()), quint64(image.size())};
        UpdateSpec u = fullImage(payload);
        u.customJson = QString::fromStdString(conduit::flash::deltaSpecJson(spec));
        {
            Agent a(d, "write=1");
            QVERIFY(a.transfer(u, payload).runnerFailed);
        }
        CHECK_BOOTABLE(d, image);
        Agent after(d);
        QCOMPARE(conduit::agents::updateStateName(after.inventory().updateState), QStringLiteral("idle"));
        const CallResult r = after.transfer(u, payload);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(readAll(d.slotB()), image);
    }

    void cancelMidTransfer() {
        Device d;
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        Agent a(d);
        GatedSource source;
        auto *c = a.runner->call(Op::Transfer, u, &source);
        QSignalSpy progress(c, &AgentCall::progress);
        QSignalSpy done(c, &AgentCall::finished);
        source.feed(image.left(1 << 20));
        QVERIFY(progress.wait(10000));
        a.runner->cancel(c);
        QVERIFY(done.wait(10000));
        const CallResult r = done.first().first().value<CallResult>();
        QCOMPARE(r.code, int(CONDUIT_E_CANCELLED));
        QVERIFY(!r.runnerFailed);
        QCOMPARE(conduit::agents::updateStateName(a.inventory().updateState), QStringLiteral("idle"));
        QCOMPARE(a.call(Op::Activate, u).code, int(CONDUIT_E_STATE));
        CHECK_BOOTABLE(d, image);
        QVERIFY(a.transfer(u, image).ok());
    }

    // Block-device slots (loop devices over files): no resizing, capacity
    // checked, O_DIRECT read-back. Needs root and loop support, else skipped.
    void blockDeviceSlots() {
        if (::geteuid() != 0) QSKIP("needs root for loop devices");
        Device d;
        struct Loop {
            QString dev;
            explicit Loop(const QString &backing) {
                QProcess p;
                p.start(QStringLiteral("losetup"), {QStringLiteral("-f"), QStringLiteral("--show"), backing});
                if (p.waitForFinished(10000) && p.exitCode() == 0)
                    dev = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
            }
            ~Loop() {
                if (!dev.isEmpty()) QProcess::execute(QStringLiteral("losetup"), {QStringLiteral("-d"), dev});
            }
        };
        QByteArray backA = d.factory + QByteArray((8 << 20) - d.factory.size(), '\0');
        writeAll(d.dir.filePath(QStringLiteral("loop-a")), backA);
        writeAll(d.dir.filePath(QStringLiteral("loop-b")), QByteArray(8 << 20, '\x55'));
        Loop la(d.dir.filePath(QStringLiteral("loop-a"))), lb(d.dir.filePath(QStringLiteral("loop-b")));
        if (la.dev.isEmpty() || lb.dev.isEmpty()) QSKIP("no loop devices here");
        d.a = la.dev;
        d.b = lb.dev;
        Agent a(d);
        QCOMPARE(a.startFailure, QString());
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        CallResult r = a.transfer(u, image);
        QVERIFY2(r.ok(), qPrintable(r.message));
        const QByteArray slotB = readAll(d.slotB());
        QCOMPARE(slotB.size(), 8 << 20); // a partition keeps its size
        QCOMPARE(slotB.left(image.size()), image);
        QVERIFY(a.call(Op::Activate, u).ok());
        QCOMPARE(d.reboot(), QStringLiteral("B"));
        QVERIFY(a.call(Op::Commit, u).ok());
        QCOMPARE(readAll(d.slotA()), backA);
        // An image larger than the partition is refused up front.
        const QByteArray big = randomBytes(9 << 20, 3);
        r = a.transfer(fullImage(big, QStringLiteral("3.0.0")), big);
        QCOMPARE(r.code, int(CONDUIT_E_NO_SPACE));
        QCOMPARE(readAll(d.slotA()), backA); // now the inactive slot: untouched by the refusal
    }

    void sigkillMidTransfer() {
        Device d;
        const QByteArray image = newImage(d.factory);
        const UpdateSpec u = fullImage(image);
        {
            Agent a(d);
            GatedSource source;
            auto *c = a.runner->call(Op::Transfer, u, &source);
            QSignalSpy progress(c, &AgentCall::progress);
            QSignalSpy done(c, &AgentCall::finished);
            source.feed(image.left(1 << 20));
            QVERIFY(progress.wait(10000)); // the first MiB is in slot B
            ::kill(pid_t(a.runner->pid()), SIGKILL);
            QVERIFY(done.wait(10000));
        }
        CHECK_BOOTABLE(d, image);
        Agent after(d);
        QCOMPARE(conduit::agents::updateStateName(after.inventory().updateState), QStringLiteral("idle"));
        QVERIFY(after.transfer(u, image).ok());
    }
};

QTEST_GUILESS_MAIN(TestFlashAgent)
#include "tst_flashagent.moc"
