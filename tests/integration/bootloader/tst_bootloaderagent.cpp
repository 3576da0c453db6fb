// The bootloader agent driven through the real runner, as the host drives
// it, against the real ECU simulator (conduit-ecusim) on loopback: inventory
// from the ECU, an Intel HEX update with two segments, commit, rollback by
// reflashing the kept image (single bank) and by switching banks (dual bank),
// and the failures the simulator injects: an NRC at erase, a power loss of
// the ECU mid-download, a dropped connection, a wrong block counter, the
// runner killed mid-flash. Each ends in a consistent ECU or a clear error.
#include "ecusimlauncher.h"
#include "gatedsource.h"

#include "image/imagewriter.h"

#include <conduit/agent.h>

#include <QBuffer>
#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QUdpSocket>

#include <csignal>

using namespace conduit::agents;
using conduit::ipc::Op;
namespace image = conduit::bootloader::image;

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qsizetype i = 0; i < size; ++i) b[i] = char(gen.generate() & 0xFF);
    return b;
}

QString sha(const QByteArray &data) {
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// An application image as a real one would be: its version inside, code
// in two memory segments.
QByteArray hexImage(const QString &version, quint32 seed, int kib = 40) {
    image::Image img;
    image::Segment a;
    a.address = 0x10000;
    const QByteArray marker = "CNDT-SWV:" + version.toLatin1() + '\0';
    const QByteArray code = marker + randomBytes(kib * 1024, seed);
    a.data.assign(code.begin(), code.end());
    image::Segment b;
    b.address = 0x48000;
    const QByteArray tail = randomBytes(8 * 1024, seed + 1);
    b.data.assign(tail.begin(), tail.end());
    img.format = image::ImageFormat::IntelHex;
    img.segments = {a, b};
    return QByteArray::fromStdString(image::writeIntelHex(img));
}

// The ECU simulator: a DoIP gateway at 0x1000 with a single-bank ECU
// (0x1001) and a dual-bank one (0x1002), its flash kept in `dir`.
struct Simulator {
    QTemporaryDir dir;
    QProcess process;
    quint16 port = 0, udpPort = 0, tlsPort = 0;
    QStringList faults;
    QString certificate, key; // with both: DoIP over TLS as well
    QString log;

    QString configPath() const { return dir.filePath(QStringLiteral("ecusim.json")); }
    QByteArray config = R"({"entity":{"announceCount":0},"ecus":[
          {"name":"ecm","logicalAddress":4097,"banks":1,"initialVersion":"1.0.0","eraseMinMs":50,"securityDelayMs":1500},
          {"name":"tcu","logicalAddress":4098,"banks":2,"initialVersion":"1.0.0","eraseMinMs":50},
          {"name":"bcm","logicalAddress":4099,"banks":1,"initialVersion":"1.0.0","eraseMinMs":50,"maxBlockLength":258}]})";
    ~Simulator() { stop(); }
    // Starts (again, on the same port and flash); "" or why not.
    QString start() {
        QFile f(configPath());
        if (!f.open(QIODevice::WriteOnly) || f.write(config) != config.size())
            return QStringLiteral("cannot write the simulator config");
        f.close();
        QStringList args{QStringLiteral("--config"),    configPath(),
                         QStringLiteral("--state-dir"), dir.filePath(QStringLiteral("flash")),
                         QStringLiteral("--port"),      QString::number(port),
                         QStringLiteral("--udp-port"),  QStringLiteral("0")};
        for (const QString &f : faults) args << QStringLiteral("--fault") << f;
        if (!certificate.isEmpty())
            args << QStringLiteral("--tls-port") << QString::number(tlsPort) << QStringLiteral("--cert") << certificate
                 << QStringLiteral("--key") << key;
        EcusimPorts ports;
        const QString why = startEcusim(process, args, ports);
        port = ports.tcp;
        udpPort = ports.udp;
        tlsPort = ports.tls;
        return why;
    }
    void kill() { // a power loss of the gateway and its ECUs
        if (process.state() == QProcess::NotRunning) return;
        ::kill(pid_t(process.processId()), SIGKILL);
        process.waitForFinished(5000);
        log += QString::fromUtf8(process.readAllStandardError());
    }
    void stop() {
        if (process.state() == QProcess::NotRunning) return;
        process.terminate();
        if (!process.waitForFinished(5000)) kill();
        log += QString::fromUtf8(process.readAllStandardError());
    }
    bool exited() { return process.state() == QProcess::NotRunning || process.waitForFinished(10000); }
};

struct Agent : RunnerFixture {
    QString stateDir;
    Agent(const Simulator &sim, const QString &stateDir_, const QString &gateway = {})
        : RunnerFixture(QStringLiteral(BOOTLOADER_AGENT_PATH)), stateDir(stateDir_) {
        AgentManifest m;
        m.library = QStringLiteral(BOOTLOADER_AGENT_PATH);
        RunnerLimits limits;
        RunnerProcess::Spec spec{QStringLiteral(CONDUIT_RUNNER_PATH), m.library, limits.memoryLimit, false,
                                 compartmentFor(m.library, stateDir_)}; // as root, in its compartment
        const QString config =
            QStringLiteral(R"({"gateways":[%1],
            "seed_key":{"library":"%2","variant":"conduit-example"},
            "profiles":{"sim":{"timing":{"p2_star_ms":3000},"security":{"delay_ms":2000},
                               "memory":[{"address":"0x10000","size":"0x40000"}],"reset":{"deadline_ms":8000}}},
            "ecus":[{"id":"ecm-1","hardware_id":"ecm","logical_address":"0x1001","profile":"sim"},
                    {"id":"tcu-1","hardware_id":"tcu","logical_address":"0x1002","banks":2,"profile":"sim"},
                    {"id":"bcm-1","hardware_id":"bcm","logical_address":"0x1003","profile":"sim"}]})")
                .arg(gateway.isEmpty() ? QStringLiteral(R"({"id":"gw","port":%1})").arg(sim.port) : gateway)
                .arg(QStringLiteral(SEEDKEY_EXAMPLE_PATH));
        runner = std::make_unique<AgentProxy>(m, spec, limits, config, stateDir);
        startFailure = start();
    }
    QString startFailure;

    DeviceInfo device(const QString &id) {
        const CallResult r = call(Op::Inventory);
        for (const DeviceInfo &d : r.devices)
            if (d.id == id) return d;
        return {};
    }
    QString stateOf(const QString &id) { return updateStateName(device(id).updateState); }
    CallResult transfer(const UpdateSpec &u, const QByteArray &payload) {
        QByteArray copy = payload;
        QBuffer source(&copy);
        source.open(QIODevice::ReadOnly);
        return call(Op::Transfer, u, &source);
    }
    // transfer, prepare, install, post-install, activate; the first failure.
    CallResult install(const UpdateSpec &u, const QByteArray &payload) {
        CallResult r = transfer(u, payload);
        for (Op op : {Op::PrepareInstall, Op::Install, Op::PostInstall, Op::Activate}) {
            if (!r.ok()) return r;
            r = call(op, u);
        }
        return r;
    }
};

UpdateSpec update(const QString &device, const QString &version, const QByteArray &image) {
    UpdateSpec u;
    u.deviceId = device;
    u.targetName = device + QStringLiteral("-") + version + QStringLiteral(".hex");
    u.version = version;
    u.length = quint64(image.size());
    u.sha256 = sha(image);
    u.customJson = QStringLiteral(R"({"conduit":{"version":"%1"},"bootloader":{"format":"ihex"}})").arg(version);
    return u;
}

} // namespace

#define START(sim)                                                                                                     \
    do {                                                                                                               \
        const QString why = (sim).start();                                                                             \
        QVERIFY2(why.isEmpty(), qPrintable(why));                                                                      \
    } while (0)
#define VERIFY_OK(r) QVERIFY2((r).ok(), qPrintable(QString::number((r).code) + QStringLiteral(": ") + (r).message))

class TestBootloaderAgent : public QObject {
    Q_OBJECT

    // Installs and commits `version` on `id`.
    void installCommit(Agent &a, const QString &id, const QString &version, quint32 seed, int kib = 40) {
        const QByteArray img = hexImage(version, seed, kib);
        const UpdateSpec u = update(id, version, img);
        const CallResult r = a.install(u, img);
        VERIFY_OK(r);
        QCOMPARE(a.stateOf(id), QStringLiteral("activated"));
        QCOMPARE(a.device(id).currentVersion, version);
        const CallResult c = a.call(Op::Commit, u);
        VERIFY_OK(c);
        QCOMPARE(a.stateOf(id), QStringLiteral("idle"));
    }

private slots:
    void initTestCase() { qRegisterMetaType<CallResult>(); }

    void inventoryComesFromTheEcu() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const DeviceInfo ecm = a.device(QStringLiteral("ecm-1"));
        QCOMPARE(ecm.currentVersion, QStringLiteral("1.0.0"));
        QCOMPARE(ecm.hardwareId, QStringLiteral("ecm"));
        QCOMPARE(updateStateName(ecm.updateState), QStringLiteral("idle"));
        QVERIFY(ecm.capabilities & CONDUIT_CAP_ROLLBACK);
        QCOMPARE(a.device(QStringLiteral("tcu-1")).currentVersion, QStringLiteral("1.0.0"));
        // The ECU's identity DIDs (hardware number 0xF191, serial 0xF18C) in its status line.
        auto *call = a.runner->call(Op::Inventory, {}, nullptr, {});
        QSignalSpy status(call, &AgentCall::status), done(call, &AgentCall::finished);
        QVERIFY(done.wait(30000));
        QStringList lines;
        for (const QList<QVariant> &s : status) lines << s.at(0).toString() + QStringLiteral(": ") + s.at(1).toString();
        QVERIFY2(lines.contains(QStringLiteral("ecm-1: running 1.0.0 (hardware HW-CNDT-0001, serial SN0000000001)")),
                 qPrintable(lines.join(QLatin1Char('\n'))));
        // The gateway gone: the last known version, still answered quickly.
        sim.stop();
        QCOMPARE(a.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("1.0.0"));
    }

    void singleBankInstallCommitAndRollbackByReflash() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QString ecm = QStringLiteral("ecm-1");
        // No image kept yet: a rollback after programming cannot restore 1.0.0.
        installCommit(a, ecm, QStringLiteral("2.0.0"), 2);
        if (QTest::currentTestFailed()) return;

        const QByteArray v3 = hexImage(QStringLiteral("3.0.0"), 3);
        const UpdateSpec u3 = update(ecm, QStringLiteral("3.0.0"), v3);
        VERIFY_OK(a.install(u3, v3));
        QCOMPARE(a.device(ecm).currentVersion, QStringLiteral("3.0.0"));
        // A sibling failed: the package rolls back; the single-bank ECU is
        // reflashed with the image kept at the last commit.
        const CallResult r = a.call(Op::Rollback, u3);
        VERIFY_OK(r);
        const DeviceInfo after = a.device(ecm);
        QCOMPARE(updateStateName(after.updateState), QStringLiteral("rolled-back"));
        QCOMPARE(after.currentVersion, QStringLiteral("2.0.0"));
        VERIFY_OK(a.call(Op::Rollback, u3)); // idempotent
        QCOMPARE(a.device(ecm).currentVersion, QStringLiteral("2.0.0"));
    }

    void firstUpdateCannotRollBackASingleBankEcuAndSaysSo() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 5);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        VERIFY_OK(a.install(u, v2));
        const CallResult r = a.call(Op::Rollback, u);
        QVERIFY(!r.ok());
        QVERIFY2(r.message.contains(QLatin1String("no previous image kept")), qPrintable(r.message));
        QVERIFY2(r.message.contains(QLatin1String("needs service")), qPrintable(r.message));
    }

    void dualBankRollbackSwitchesBack() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QString tcu = QStringLiteral("tcu-1");
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 7);
        const UpdateSpec u = update(tcu, QStringLiteral("2.0.0"), v2);
        VERIFY_OK(a.install(u, v2));
        QCOMPARE(a.device(tcu).currentVersion, QStringLiteral("2.0.0"));
        VERIFY_OK(a.call(Op::Rollback, u));
        const DeviceInfo d = a.device(tcu);
        QCOMPARE(updateStateName(d.updateState), QStringLiteral("rolled-back"));
        QCOMPARE(d.currentVersion, QStringLiteral("1.0.0")); // the other bank still held it
        installCommit(a, tcu, QStringLiteral("2.0.1"), 8);
    }

    // The host prepares every device of a phase, then asks each to install:
    // the agent programs the ECUs behind one gateway at the same time.
    void ecusBehindOneGatewayAreProgrammedInParallel() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:slow=30"); // ecm's download lasts longer than bcm's
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray ecmImage = hexImage(QStringLiteral("2.0.0"), 23, 120),
                         bcmImage = hexImage(QStringLiteral("2.0.0"), 24, 120);
        const UpdateSpec ecm = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), ecmImage);
        const UpdateSpec bcm = update(QStringLiteral("bcm-1"), QStringLiteral("2.0.0"), bcmImage);
        VERIFY_OK(a.transfer(ecm, ecmImage));
        VERIFY_OK(a.transfer(bcm, bcmImage));
        VERIFY_OK(a.call(Op::PrepareInstall, ecm));
        VERIFY_OK(a.call(Op::PrepareInstall, bcm));
        VERIFY_OK(a.call(Op::Install, ecm));
        VERIFY_OK(a.call(Op::Install, bcm));
        VERIFY_OK(a.call(Op::Activate, ecm));
        VERIFY_OK(a.call(Op::Activate, bcm));
        QCOMPARE(a.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("2.0.0"));
        QCOMPARE(a.device(QStringLiteral("bcm-1")).currentVersion, QStringLiteral("2.0.0"));
        sim.stop();
        // Each ECU's programming (first request to last block) overlaps the other's.
        const QStringList lines = sim.log.split(QLatin1Char('\n'));
        auto span = [&](const QString &ecu) {
            qsizetype first = -1, last = -1;
            for (qsizetype i = 0; i < lines.size(); ++i) {
                // Its own requests; functional ones reach every ECU.
                if (!lines[i].contains(ecu + QLatin1String(" <- ")) || lines[i].contains(QLatin1String("(functional)")))
                    continue;
                if (first < 0) first = i;
                if (lines[i].contains(QLatin1String("<- TransferData"))) last = i;
            }
            return std::make_pair(first, last);
        };
        const auto [e0, e1] = span(QStringLiteral("0x1001"));
        const auto [b0, b1] = span(QStringLiteral("0x1003"));
        QVERIFY2(e1 >= 0 && b1 >= 0, "no TransferData in the simulator's log");
        QVERIFY2(b0 < e1 && e0 < b1,
                 qPrintable(QStringLiteral("ecm programmed at lines %1..%2, bcm at %3..%4: one after the other")
                                .arg(e0)
                                .arg(e1)
                                .arg(b0)
                                .arg(b1)));
    }

    // DoIP over TLS (ISO 13400-2:2019, port 3496 in a vehicle): the gateway's
    // certificate is pinned; a certificate that does not match is refused
    // before any diagnostic message, and the error says so.
    void doipOverTlsWithAPinnedCertificate() {
        QTemporaryDir pki;
        const QString cert = pki.filePath(QStringLiteral("gw.pem")), key = pki.filePath(QStringLiteral("gw.key"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-subj"), QStringLiteral("/CN=doip-gateway"), QStringLiteral("-days"),
                       QStringLiteral("2"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
        QVERIFY(openssl.waitForFinished(20000) && openssl.exitCode() == 0);
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-in"), cert,
                                                  QStringLiteral("-outform"), QStringLiteral("der")});
        QVERIFY(openssl.waitForFinished(20000) && openssl.exitCode() == 0);
        const QString pin = QString::fromLatin1(
            QCryptographicHash::hash(openssl.readAllStandardOutput(), QCryptographicHash::Sha256).toHex());
        Simulator sim;
        sim.certificate = cert;
        sim.key = key;
        START(sim);
        QVERIFY(sim.tlsPort != 0);
        const QString gateway =
            QStringLiteral(R"({"id":"gw","protocol_version":3,"tls":{"port":%1,"pin_sha256":"%2"}})");
        {
            QTemporaryDir state;
            Agent a(sim, state.path(), gateway.arg(sim.tlsPort).arg(pin));
            QCOMPARE(a.startFailure, QString());
            QCOMPARE(a.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("1.0.0"));
            installCommit(a, QStringLiteral("tcu-1"), QStringLiteral("2.0.0"), 25);
            if (QTest::currentTestFailed()) return;
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                sim.log += QString::fromUtf8(sim.process.readAllStandardError());
                return sim.log.contains(QLatin1String("tcu 0x1002 -> ")); // the first agent's last replies are in
            },
            5000));
        const qsizetype before = sim.log.size();
        QString wrong = pin;
        wrong[0] = wrong[0] == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');
        QTemporaryDir state;
        Agent a(sim, state.path(), gateway.arg(sim.tlsPort).arg(wrong));
        QCOMPARE(a.startFailure, QString());
        const QByteArray img = hexImage(QStringLiteral("3.0.0"), 26);
        const CallResult r = a.install(update(QStringLiteral("ecm-1"), QStringLiteral("3.0.0"), img), img);
        QVERIFY(!r.ok());
        QVERIFY2(r.message.contains(QLatin1String("does not match the pin")), qPrintable(r.message));
        sim.stop();
        const QString after = sim.log.mid(before);
        QVERIFY2(!after.contains(QLatin1String(" <- ")),
                 qPrintable(QStringLiteral("a request passed a wrong pin:\n") + after));
    }

    // No address configured: the agent finds the gateway by vehicle
    // identification over UDP (by VIN), then connects there.
    void gatewayFoundByVehicleIdentification() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        const QString discover = QStringLiteral(R"({"id":"gw","host":"127.0.0.9","port":%1,
            "discover":{"address":"127.0.0.1","port":%2,"vin":"CONDUITSIM0000001","wait_ms":2000}})");
        Agent a(sim, state.path(), discover.arg(sim.port).arg(sim.udpPort));
        QCOMPARE(a.startFailure, QString());
        QCOMPARE(a.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("1.0.0"));
        // Another vehicle's VIN: nobody answers, and the error says what was asked.
        QTemporaryDir other;
        Agent b(sim, other.path(),
                QStringLiteral(R"({"id":"gw","port":%1,"discover":{"address":"127.0.0.1","port":%2,
            "vin":"WRONGVIN000000000","wait_ms":300}})")
                    .arg(sim.port)
                    .arg(sim.udpPort));
        QCOMPARE(b.startFailure, QString());
        const QByteArray img = hexImage(QStringLiteral("2.0.0"), 27);
        const CallResult r = b.install(update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), img), img);
        QVERIFY(!r.ok());
        QVERIFY2(r.message.contains(QLatin1String("no DoIP entity answered")) &&
                     r.message.contains(QLatin1String("WRONGVIN")),
                 qPrintable(r.message));
    }

    // An inventory between two install calls, while the second ECU is still
    // being programmed ahead of its call: that ECU is reported from what the
    // agent knows, and not asked (its connection is the programming's).
    void inventoryDuringAProgrammingLeavesThatEcuAlone() {
        Simulator sim;
        // tcu's erase lasts seconds (with 0x78s), ecm's a fraction of one.
        sim.config.replace(
            R"("name":"tcu","logicalAddress":4098,"banks":2,"initialVersion":"1.0.0","eraseMinMs":50)",
            R"("name":"tcu","logicalAddress":4098,"banks":2,"initialVersion":"1.0.0","eraseMinMs":3000)");
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray ecmImage = hexImage(QStringLiteral("2.0.0"), 31),
                         tcuImage = hexImage(QStringLiteral("2.0.0"), 32);
        const UpdateSpec ecm = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), ecmImage);
        const UpdateSpec tcu = update(QStringLiteral("tcu-1"), QStringLiteral("2.0.0"), tcuImage);
        VERIFY_OK(a.transfer(ecm, ecmImage));
        VERIFY_OK(a.transfer(tcu, tcuImage));
        VERIFY_OK(a.call(Op::PrepareInstall, ecm));
        VERIFY_OK(a.call(Op::PrepareInstall, tcu));
        VERIFY_OK(a.call(Op::Install, ecm));
        auto *call = a.runner->call(Op::Inventory, {}, nullptr, {});
        QSignalSpy status(call, &AgentCall::status), done(call, &AgentCall::finished);
        QVERIFY(done.wait(30000));
        QStringList lines;
        for (const QList<QVariant> &st : status)
            lines << st.at(0).toString() + QStringLiteral(": ") + st.at(1).toString();
        QVERIFY2(lines.contains(QStringLiteral("tcu-1: being programmed")), qPrintable(lines.join(QLatin1Char('\n'))));
        VERIFY_OK(a.call(Op::Install, tcu));
        VERIFY_OK(a.call(Op::Activate, tcu));
        QCOMPARE(a.device(QStringLiteral("tcu-1")).currentVersion, QStringLiteral("2.0.0"));
    }

    void nrcAtEraseIsNamedAndRollsBack() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:nrc=0x31/0xff00/1/0x72"); // generalProgrammingFailure at the first erase
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 9);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        const CallResult r = a.install(u, v2);
        QVERIFY(!r.ok());
        QVERIFY2(r.message.contains(QLatin1String("erasing 0x00010000")), qPrintable(r.message));
        QVERIFY2(r.message.contains(QLatin1String("generalProgrammingFailure (0x72)")), qPrintable(r.message));
        // The erase was sent: the old software may be gone; this first update kept no image.
        const CallResult post = a.call(Op::PostInstall, u);
        QVERIFY2(!post.ok() && post.message.contains(QLatin1String("not programmed")), qPrintable(post.message));
        const CallResult back = a.call(Op::Rollback, u);
        QVERIFY2(!back.ok() && back.message.contains(QLatin1String("needs service")), qPrintable(back.message));
    }

    // Refused before anything was erased (the ECU's precondition check says
    // no): the old software still runs; the rollback just leaves the session.
    void refusedBeforeTheEraseRollsBackWithoutReflashing() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:nrc=0x31/0x0203/1/0x22"); // conditionsNotCorrect at the precondition check
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 29);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        const CallResult r = a.install(u, v2);
        QVERIFY2(!r.ok() && r.message.contains(QLatin1String("conditionsNotCorrect (0x22)")), qPrintable(r.message));
        VERIFY_OK(a.call(Op::Rollback, u));
        const DeviceInfo d = a.device(QStringLiteral("ecm-1"));
        QCOMPARE(updateStateName(d.updateState), QStringLiteral("rolled-back"));
        QCOMPARE(d.currentVersion, QStringLiteral("1.0.0"));
        sim.stop();
        QVERIFY2(!sim.log.contains(QLatin1String("ecm 0x1001 <- RequestDownload")), "the ECU was reprogrammed");
    }

    void wrongBlockCounterRestartsTheSegment() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:wrong-counter=5");
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        installCommit(a, QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), 11);
    }

    void droppedConnectionIsRetriedOnce() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:drop-after=4");
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        installCommit(a, QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), 13);
    }

    void ecuPowerLossMidDownloadThenRecovery() {
        Simulator sim;
        sim.faults << QStringLiteral("ecm:power-loss=6");
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 15);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        const CallResult r = a.install(u, v2);
        QVERIFY(!r.ok());
        QVERIFY(sim.exited());
        // Power back: the ECU sits in its bootloader with half an image; the
        // host's recovery activates, which reprograms first.
        sim.faults.clear();
        START(sim);
        QCOMPARE(a.stateOf(QStringLiteral("ecm-1")), QStringLiteral("staged"));
        VERIFY_OK(a.call(Op::Activate, u));
        QCOMPARE(a.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("2.0.0"));
        VERIFY_OK(a.call(Op::Commit, u));
    }

    void runnerKilledMidFlashRecovers() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        const QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 17, 200);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        {
            Agent a(sim, state.path());
            QCOMPARE(a.startFailure, QString());
            VERIFY_OK(a.transfer(u, v2));
            auto *call = a.runner->call(Op::Install, u, nullptr, {});
            QSignalSpy done(call, &AgentCall::finished);
            // Kill the runner once blocks are flowing (progress reported).
            QVERIFY(QTest::qWaitFor(
                [&] {
                    sim.log += QString::fromUtf8(sim.process.readAllStandardError());
                    return sim.log.count(QLatin1String("TransferData")) >= 6 || !done.isEmpty();
                },
                20000));
            QVERIFY2(done.isEmpty(), "the install finished before the kill");
            ::kill(pid_t(a.runner->pid()), SIGKILL);
            done.wait(10000);
        }
        Agent b(sim, state.path());
        QCOMPARE(b.startFailure, QString());
        QCOMPARE(b.stateOf(QStringLiteral("ecm-1")), QStringLiteral("staged"));
        VERIFY_OK(b.call(Op::Activate, u));
        QCOMPARE(b.device(QStringLiteral("ecm-1")).currentVersion, QStringLiteral("2.0.0"));
    }

    // What goes over the wire, judged by Wireshark's DoIP and UDS
    // dissectors (tshark): no malformed packet, no expert error, block
    // counters 1..255, 0, 1.. in every download, and no TransferData longer
    // than the maxNumberOfBlockLength the ECU granted.
    void doipTraceDecodesCleanly() {
        Simulator sim;
        START(sim);
        QTemporaryDir capture;
        const QString pcap = capture.filePath(QStringLiteral("doip.pcapng"));
        QProcess dumpcap;
        dumpcap.start(QStringLiteral("dumpcap"),
                      {QStringLiteral("-q"), QStringLiteral("-i"), QStringLiteral("lo"), QStringLiteral("-f"),
                       QStringLiteral("port %1").arg(sim.port), QStringLiteral("-w"), pcap});
        QVERIFY2(dumpcap.waitForStarted(5000), "dumpcap (Debian package tshark) is needed for the DoIP trace check");
        QString dumpcapErr;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         dumpcapErr += QString::fromUtf8(dumpcap.readAllStandardError());
                         return dumpcapErr.contains(QLatin1String("Capturing on")) ||
                                dumpcap.state() == QProcess::NotRunning;
                     },
                     15000),
                 "dumpcap did not start capturing");
        QVERIFY2(dumpcap.state() == QProcess::Running, qPrintable(dumpcapErr));
        {
            QTemporaryDir state;
            Agent a(sim, state.path());
            QCOMPARE(a.startFailure, QString());
            installCommit(a, QStringLiteral("bcm-1"), QStringLiteral("2.0.0"), 21, 80); // 80+ KiB in 256-byte blocks
            if (QTest::currentTestFailed()) return;
        }
        sim.stop();
        // The capture holds everything once a marker sent after the traffic
        // is in the file (the kernel hands packets over in order, in blocks).
        const QByteArray marker = "conduit-trace-end-" + QByteArray::number(QRandomGenerator::global()->generate());
        QUdpSocket udp;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         udp.writeDatagram(marker, QHostAddress::LocalHost, sim.port);
                         QFile f(pcap);
                         return f.open(QIODevice::ReadOnly) && f.readAll().contains(marker);
                     },
                     20000),
                 "the capture never showed the end marker");
        dumpcap.terminate();
        const QString keep = qEnvironmentVariable("CONDUIT_KEEP_PCAP");
        QVERIFY(dumpcap.waitForFinished(10000));
        if (!keep.isEmpty()) QFile::copy(pcap, keep); // CONDUIT_KEEP_PCAP=FILE keeps the trace for a look in Wireshark

        const auto tshark = [&](const QStringList &args) {
            QProcess p;
            p.start(QStringLiteral("tshark"), QStringList{QStringLiteral("-r"), pcap, QStringLiteral("-d"),
                                                          QStringLiteral("tcp.port==%1,doip").arg(sim.port)} +
                                                  args);
            if (!p.waitForFinished(60000) || p.exitCode() != 0)
                return QStringList{QStringLiteral("tshark failed: ") + p.readAllStandardError()};
            return QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        };
        const QStringList doip =
            tshark({QStringLiteral("-Y"), QStringLiteral("doip"), QStringLiteral("-T"), QStringLiteral("fields"),
                    QStringLiteral("-e"), QStringLiteral("frame.number")});
        QVERIFY2(doip.size() > 300, qPrintable(QStringLiteral("%1 DoIP frames decoded").arg(doip.size())));
        const QStringList bad =
            tshark({QStringLiteral("-Y"), QStringLiteral("_ws.malformed || _ws.expert.severity >= error"),
                    QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
                    QStringLiteral("frame.number"), QStringLiteral("-e"), QStringLiteral("_ws.expert.message")});
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(QLatin1Char('\n'))));

        // One line per frame: the UDS SIDs, block counters, granted maximum and DoIP lengths in it.
        const QStringList rows = tshark(
            {QStringLiteral("-Y"), QStringLiteral("uds"), QStringLiteral("-T"), QStringLiteral("fields"),
             QStringLiteral("-E"), QStringLiteral("separator=;"), QStringLiteral("-e"), QStringLiteral("uds.sid"),
             QStringLiteral("-e"), QStringLiteral("uds.reply"), QStringLiteral("-e"),
             QStringLiteral("uds.td.block_sequence_counter"), QStringLiteral("-e"),
             QStringLiteral("uds.rd.max_number_of_block_length"), QStringLiteral("-e"), QStringLiteral("doip.length")});
        int downloads = 0, blocks = 0, wraps = 0;
        int expected = -1;
        qulonglong granted = 0;
        for (const QString &row : rows) {
            const QStringList f = row.split(QLatin1Char(';'));
            if (f.size() < 5) continue;
            const QStringList sids = f[0].split(QLatin1Char(',')), replies = f[1].split(QLatin1Char(','));
            const QStringList counters = f[2].split(QLatin1Char(','), Qt::SkipEmptyParts);
            const QStringList lengths = f[4].split(QLatin1Char(','));
            int c = 0;
            for (int i = 0; i < sids.size(); ++i) {
                const uint sid = sids[i].toUInt(nullptr, 0);
                const bool reply = replies.value(i).toUInt(nullptr, 0) != 0;
                if (sid == 0x34 && reply) {
                    granted = f[3].split(QLatin1Char(',')).value(0).toULongLong(nullptr, 0);
                    ++downloads;
                    expected = 1;
                }
                if (sid == 0x36 && !reply) {
                    QVERIFY2(c < counters.size(), qPrintable(row));
                    const int counter = counters[c++].toInt(nullptr, 0);
                    QVERIFY2(counter == expected,
                             qPrintable(QStringLiteral("block counter %1, expected %2").arg(counter).arg(expected)));
                    if (counter == 0) ++wraps;
                    expected = (counter + 1) & 0xFF;
                    ++blocks;
                    // DoIP length = 4 address bytes + the UDS request.
                    const qulonglong udsLength = lengths.value(i).toULongLong(nullptr, 0) - 4;
                    QVERIFY2(
                        granted > 0 && udsLength <= granted,
                        qPrintable(QStringLiteral("TransferData of %1 bytes, %2 granted").arg(udsLength).arg(granted)));
                } else if (sid == 0x36 && reply) {
                    ++c; // the positive response echoes the counter
                }
            }
        }
        QVERIFY2(
            downloads == 2,
            qPrintable(
                QStringLiteral("%1 downloads, %2 blocks, %3 UDS rows").arg(downloads).arg(blocks).arg(rows.size())));
        QVERIFY2(blocks > 300, qPrintable(QString::number(blocks)));
        QVERIFY2(wraps >= 1, "the block counter never wrapped");
    }

    void corruptPayloadIsRefusedBeforeTheEcuIsTouched() {
        Simulator sim;
        START(sim);
        QTemporaryDir state;
        Agent a(sim, state.path());
        QCOMPARE(a.startFailure, QString());
        QByteArray v2 = hexImage(QStringLiteral("2.0.0"), 19);
        const UpdateSpec u = update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), v2);
        v2[100] = v2[100] == 'A' ? 'B' : 'A';
        const CallResult r = a.transfer(u, v2);
        QVERIFY(!r.ok());
        QCOMPARE(a.stateOf(QStringLiteral("ecm-1")), QStringLiteral("idle"));
        // Signed but not an image (a record with a bad checksum): refused at transfer.
        QByteArray broken = hexImage(QStringLiteral("2.0.0"), 19);
        broken.replace(broken.indexOf('\n') - 2, 2, "00");
        const CallResult b = a.transfer(update(QStringLiteral("ecm-1"), QStringLiteral("2.0.0"), broken), broken);
        QVERIFY(!b.ok());
        QVERIFY2(b.message.contains(QLatin1String("line 1")), qPrintable(b.message));
        sim.stop();
        QVERIFY2(!sim.log.contains(QLatin1String("RequestDownload")), qPrintable(sim.log));
    }
};

QTEST_GUILESS_MAIN(TestBootloaderAgent)
#include "tst_bootloaderagent.moc"
