// conduit-ecusim as a real process, spoken to over loopback DoIP with the
// shared codec: identification and announcements, routing activation,
// generic NACKs, security access, a 200 KiB download with counter wrap,
// check memory, reset into the new version, a dual-bank switch, and power
// losses (SIGKILL and the power-loss fault) keeping what was acknowledged.
#include "ecusimprocess.h"

#include <QtTest>

using namespace ecusimtest;

namespace {

constexpr uint16_t kEcu = 0x1001, kDual = 0x1002;

const char kConfig[] = R"({
  "entity": {"announceIntervalMs": 100, "initialInactivityMs": 1000},
  "ecus": [
    {"name": "single", "logicalAddress": "0x1001", "regions": [{"address": "0x00010000", "size": "0x40000"}],
     "maxBlockLength": "0x0202", "securityDelayMs": 1500, "pendingIntervalMs": 200},
    {"name": "dual", "logicalAddress": "0x1002", "banks": 2, "regions": [{"address": "0x00010000", "size": "0x10000"}],
     "resetMs": 300}
  ]})";

Bytes be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
Bytes cat(Bytes a, const Bytes &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
uint32_t crc32(const Bytes &data) {
    uint32_t crc = 0xFFFFFFFFu;
    for (uint8_t b : data) {
        crc ^= b;
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}
Bytes image(size_t size, const std::string &version) {
    Bytes b(size);
    uint32_t x = 0x12345678;
    for (auto &v : b) v = uint8_t((x = x * 1103515245u + 12345u) >> 24);
    const std::string marker = "CNDT-SWV:" + version + '\0';
    std::copy(marker.begin(), marker.end(), b.begin() + 0x100);
    return b;
}
Bytes key(const Bytes &seedReply) {
    static const uint8_t secret[4] = {0x13, 0x37, 0xC0, 0xDE};
    Bytes k{0x27, 0x02};
    const size_t n = seedReply.size() - 2;
    for (size_t i = 0; i < n; ++i) k.push_back(uint8_t(seedReply[2 + n - 1 - i] ^ (0xC3 + 1) ^ secret[i % 4]));
    return k;
}
QByteArray ascii(const char *s) { return QByteArray(s).toHex(); }

} // namespace

class TestEcusim : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int runs_ = 0;
    QString config_;
    QString state_;

    // A fresh state dir per test function (the same one across restarts inside it).
    bool startSim(SimProcess &sim, QStringList extra = {}, bool freshState = true) {
        if (freshState) state_ = dir_.filePath(QStringLiteral("state%1").arg(++runs_));
        QString error;
        const bool ok = sim.start(state_, QStringList{QStringLiteral("--config"), config_} + extra, &error);
        if (!ok) qWarning("%s", qPrintable(error));
        return ok;
    }
    static bool unlock(Tester &t, uint16_t target) {
        if (t.uds(target, {0x10, 0x02}).size() != 6) return false;
        const Bytes seed = t.uds(target, {0x27, 0x01});
        if (seed.size() != 6 || seed[0] != 0x67) return false;
        return hex(t.uds(target, key(seed))) == "6702" &&
               hex(t.uds(target, uds::writeDataByIdentifier(
                                     0xF15A, Bytes{0x26, 0x12, 0x02, 'C', 'N', 'D', 'T', '0', '1'}))) == "6ef15a";
    }
    // Erase, download in blocks of maxBlock-2 bytes, exit. Returns "" or what went wrong.
    static QByteArray download(Tester &t, uint16_t target, const Bytes &data, uint32_t eraseSize,
                               size_t stopAfter = SIZE_MAX) {
        const Bytes erase =
            t.uds(target, uds::routineControl(0x01, 0xFF00, cat({0x44}, cat(be32(0x10000), be32(eraseSize)))));
        if (hex(erase) != "7101ff0000") return "erase: " + hex(erase);
        std::string error;
        const Bytes reply = t.uds(target, uds::requestDownload(0x00, 0x44, 0x10000, data.size(), error));
        std::string why;
        const auto parsed = uds::parseReply(reply, why);
        const auto max = parsed && parsed->positive ? uds::parseDownloadReply(reply, why) : std::nullopt;
        if (!max) return "download: " + hex(reply);
        const size_t per = size_t(*max) - 2;
        uint8_t counter = 1;
        size_t blocks = 0;
        for (size_t at = 0; at < data.size() && blocks < stopAfter;
             at += per, counter = uds::nextBlockCounter(counter), ++blocks) {
            const Bytes chunk(data.begin() + long(at), data.begin() + long(std::min(at + per, data.size())));
            const Bytes r = t.uds(target, uds::transferData(counter, chunk));
            if (r != Bytes{0x76, counter}) return "block " + QByteArray::number(qulonglong(blocks + 1)) + ": " + hex(r);
        }
        if (blocks == stopAfter) return {};
        const Bytes exit = t.uds(target, uds::requestTransferExit());
        return hex(exit) == "77" ? QByteArray() : "exit: " + hex(exit);
    }

    // Check memory (correct), check dependencies, the bank switch when asked, reset. "" or what went wrong.
    static QByteArray install(Tester &t, uint16_t target, const Bytes &data,
                              std::optional<uint8_t> bank = std::nullopt) {
        const QByteArray check = hex(t.uds(target, uds::routineControl(0x01, 0x0202, be32(crc32(data)))));
        if (check != "7101020200") return "check memory: " + check;
        const QByteArray deps = hex(t.uds(target, uds::routineControl(0x01, 0xFF01)));
        if (deps != "7101ff0100") return "check dependencies: " + deps;
        if (bank) {
            const QByteArray sw = hex(t.uds(target, uds::routineControl(0x01, 0x0210, Bytes{*bank})));
            if (sw != "7101021000") return "bank switch: " + sw;
        }
        const QByteArray reset = hex(t.uds(target, uds::ecuReset(0x01)));
        return reset == "5101" ? QByteArray() : "reset: " + reset;
    }

    // The reply of an ECU that is booting after a reset: asked every 20 ms (bounded) while the gateway NACKs 0x06.
    static Bytes afterBoot(Tester &t, uint16_t target, const Bytes &request) {
        Bytes reply = t.uds(target, request);
        for (int i = 0; i < 250 && reply.empty() && t.nackCode == uint8_t(doip::DiagnosticNackCode::TargetUnreachable);
             ++i) {
            QTest::qWait(20);
            reply = t.uds(target, request);
        }
        return reply;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        config_ = dir_.filePath(QStringLiteral("ecusim.json"));
        QFile f(config_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kConfig);
    }

    void identificationAndAnnouncements() {
        UdpPeer peer;
        SimProcess sim;
        QVERIFY(startSim(sim, {QStringLiteral("--announce-to"), QStringLiteral("127.0.0.1:%1").arg(peer.port)}));
        std::string error;
        for (int i = 0; i < 3; ++i) {
            const auto datagram = peer.receive();
            QVERIFY2(datagram, qPrintable(sim.log()));
            QCOMPARE(hex(Bytes(datagram->begin(), datagram->begin() + 4)), QByteArray("02fd0004"));
            const auto a = doip::decodeAnnouncement(std::span(*datagram).subspan(8), error);
            QVERIFY2(a, error.c_str());
            QCOMPARE(a->vin, std::string("CONDUITSIM0000001"));
            QCOMPARE(a->logicalAddress, uint16_t(0x1000));
        }
        const Bytes eid{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
        const std::string vin = "CONDUITSIM0000001";
        peer.sendTo(sim.udpPort, doip::encode(doip::Version::Any, doip::PayloadType::VehicleIdentificationRequest, {}));
        auto answer = peer.receive();
        QVERIFY(answer);
        QCOMPARE(hex(Bytes(answer->begin(), answer->begin() + 4)),
                 QByteArray("02fd0004")); // 0xFF asked: the entity's version
        // By a foreign EID: no answer; the answer that comes is the one to the VIN asked next.
        peer.sendTo(sim.udpPort,
                    doip::encode(doip::Version::Iso2012, doip::PayloadType::VehicleIdentificationRequestByEid,
                                 Bytes{0x02, 0, 0, 0, 0, 0x09}));
        peer.sendTo(sim.udpPort,
                    doip::encode(doip::Version::Iso2019, doip::PayloadType::VehicleIdentificationRequestByVin,
                                 Bytes(vin.begin(), vin.end())));
        answer = peer.receive();
        QVERIFY(answer);
        QCOMPARE(hex(Bytes(answer->begin(), answer->begin() + 4)), QByteArray("03fc0004"));
        peer.sendTo(sim.udpPort,
                    doip::encode(doip::Version::Iso2012, doip::PayloadType::VehicleIdentificationRequestByEid, eid));
        answer = peer.receive();
        QVERIFY(answer && answer->size() == 8 + 33);
        // A wrong length: generic NACK 0x04.
        peer.sendTo(sim.udpPort, doip::encode(doip::Version::Iso2012,
                                              doip::PayloadType::VehicleIdentificationRequestByEid, Bytes{1, 2}));
        answer = peer.receive();
        QVERIFY(answer);
        QCOMPARE(hex(*answer), QByteArray("02fd00000000000104"));
    }

    void routingActivationCodes() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        {
            Tester unknown(sim.tcpPort);
            const auto r = unknown.activate(0x0100);
            QVERIFY(r);
            QCOMPARE(r->code, uint8_t(doip::RoutingCode::UnknownSourceAddress));
            QVERIFY(!unknown.next(5000) && unknown.closed);
        }
        Tester first(sim.tcpPort);
        QVERIFY(first.connected);
        auto r = first.activate();
        QVERIFY2(r, qPrintable(sim.log()));
        QCOMPARE(r->code, uint8_t(doip::RoutingCode::Success));
        QCOMPARE(r->entityAddress, uint16_t(0x1000));
        QCOMPARE(first.activate()->code, uint8_t(doip::RoutingCode::Success)); // again on the same socket
        Tester second(sim.tcpPort);
        QCOMPARE(second.activate()->code, uint8_t(doip::RoutingCode::SourceAddressAlreadyActive));
        QVERIFY(!second.next(5000) && second.closed);

        first.send(doip::PayloadType::AliveCheckRequest, {});
        auto m = first.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::AliveCheckResponse));
        QCOMPARE(hex(m->payload), QByteArray("0e00"));
        first.send(doip::PayloadType::EntityStatusRequest, {});
        m = first.next();
        std::string error;
        QVERIFY(m);
        const auto status = doip::decodeEntityStatus(m->payload, error);
        QVERIFY2(status, error.c_str());
        QCOMPARE(status->openSockets, uint8_t(1));
        QVERIFY(status->maxDataSize && *status->maxDataSize >= 4096);

        QVERIFY(first.uds(0x1234, {0x3E, 0x00}).empty());
        QCOMPARE(first.nackCode, std::optional<uint8_t>(uint8_t(doip::DiagnosticNackCode::UnknownTargetAddress)));
        QCOMPARE(hex(first.uds(kEcu, {0x3E, 0x00})), QByteArray("7e00"));
        // Functional TesterPresent with the suppress bit: acknowledged, then silence; a physical request after it
        // answers.
        first.send(doip::PayloadType::DiagnosticMessage, doip::encodeDiagnostic({0x0E00, 0xE400, {0x3E, 0x80}}));
        m = first.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::DiagnosticAck));
        QCOMPARE(hex(first.uds(kDual, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("1.0.0"));

        Tester unrouted(sim.tcpPort);
        QVERIFY(unrouted.uds(kEcu, {0x3E, 0x00}).empty());
        QCOMPARE(unrouted.nackCode, std::optional<uint8_t>(uint8_t(doip::DiagnosticNackCode::InvalidSourceAddress)));
        QVERIFY(!unrouted.next(5000) && unrouted.closed);
    }

    void initialInactivityCloses() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        QElapsedTimer elapsed;
        Tester idle(sim.tcpPort);
        elapsed.start();
        QVERIFY(idle.connected);
        QVERIFY(!idle.next(10000) && idle.closed);
        QVERIFY2(elapsed.elapsed() >= 900, qPrintable(QString::number(elapsed.elapsed())));
        QVERIFY(sim.log().contains(QLatin1String("initial inactivity")));
    }

    void genericNacks() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        Tester t(sim.tcpPort);
        t.send(doip::PayloadType(0x7777), {1, 2, 3});
        auto m = t.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::GenericNack));
        QCOMPARE(hex(m->payload), QByteArray("01")); // unknown payload type: the connection stays
        t.send(doip::PayloadType::AliveCheckRequest, {});
        QVERIFY(t.next());
        t.send(doip::PayloadType::RoutingActivationRequest, {0x0E, 0x00});
        m = t.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::GenericNack));
        QCOMPARE(hex(m->payload), QByteArray("04"));
        QVERIFY(!t.next(5000) && t.closed);

        Tester bad(sim.tcpPort);
        bad.sendRaw({0x02, 0x02, 0x00, 0x05, 0, 0, 0, 0}); // inverse version byte wrong
        m = bad.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::GenericNack));
        QCOMPARE(hex(m->payload), QByteArray("00"));
        QVERIFY(!bad.next(5000) && bad.closed);

        Tester big(sim.tcpPort);
        QVERIFY(big.activate());
        big.sendRaw({0x02, 0xFD, 0x80, 0x01, 0x00, 0x10, 0x00, 0x00}); // 1 MiB declared
        m = big.next();
        QVERIFY(m && m->type == uint16_t(doip::PayloadType::GenericNack));
        QCOMPARE(hex(m->payload), QByteArray("02"));
    }

    void securityAccessAttemptsAndDelay() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        Tester t(sim.tcpPort);
        QVERIFY(t.activate());
        QCOMPARE(hex(t.uds(kEcu, {0x10, 0x02})), QByteArray("5002003201f4"));
        for (int attempt = 1; attempt <= 3; ++attempt) {
            QCOMPARE(t.uds(kEcu, {0x27, 0x01}).size(), size_t(6));
            QCOMPARE(hex(t.uds(kEcu, {0x27, 0x02, 0, 0, 0, 0})), QByteArray(attempt < 3 ? "7f2735" : "7f2736"));
        }
        QElapsedTimer delay;
        delay.start();
        QCOMPARE(hex(t.uds(kEcu, {0x27, 0x01})), QByteArray("7f2737"));
        // The delay is a timer of the ECU: ask again (bounded) until it expires.
        Bytes seed;
        for (int i = 0; i < 40 && delay.elapsed() < 6000; ++i) {
            QTest::qWait(100);
            seed = t.uds(kEcu, {0x27, 0x01});
            if (seed.size() == 6) break;
            QCOMPARE(hex(seed), QByteArray("7f2737"));
        }
        QCOMPARE(seed.size(), size_t(6));
        QVERIFY2(delay.elapsed() >= 1400, qPrintable(QString::number(delay.elapsed())));
        QCOMPARE(hex(t.uds(kEcu, key(seed))), QByteArray("6702"));
        QCOMPARE(hex(t.uds(kEcu, {0x27, 0x01})), QByteArray("670100000000"));
    }

    void fullDownloadThenReset() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        Tester t(sim.tcpPort);
        QVERIFY(t.activate());
        QCOMPARE(hex(t.uds(kEcu, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("1.0.0"));
        QVERIFY(unlock(t, kEcu));
        const Bytes data = image(200 * 1024, "2.0.0");
        t.pendings = 0;
        QElapsedTimer elapsed;
        elapsed.start();
        const QByteArray failure = download(t, kEcu, data, 0x40000);
        qInfo("erase (512 ms) and 200 KiB in 400 blocks of 512 bytes, fdatasync each: %lld ms", elapsed.elapsed());
        QVERIFY2(failure.isEmpty(), failure.constData());
        QVERIFY2(t.pendings >= 2, qPrintable(QString::number(t.pendings))); // 512 ms erase, 0x78 every 200 ms
        // 200 KiB in 512-byte blocks: 400 blocks, the counter went 0xff -> 0x00 once.
        QCOMPARE(hex(t.uds(kEcu, uds::routineControl(0x01, 0x0202, be32(crc32(data) ^ 0x80)))),
                 QByteArray("7101020201"));
        QCOMPARE(install(t, kEcu, data), QByteArray());
        QCOMPARE(hex(t.uds(kEcu, {0x22, 0xF1, 0x89, 0xF1, 0x86})), QByteArray("62f189") + ascii("2.0.0") + "f18601");
        QVERIFY(sim.log().contains(QLatin1String("TransferData")));
    }

    void oneBusyEcuDoesNotHoldTheOthers() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        Tester t(sim.tcpPort);
        QVERIFY(t.activate());
        QVERIFY(unlock(t, kEcu));
        // The erase keeps 0x1001 busy for 512 ms; 0x1002 answers meanwhile.
        t.send(doip::PayloadType::DiagnosticMessage,
               doip::encodeDiagnostic(
                   {0x0E00, kEcu, uds::routineControl(0x01, 0xFF00, cat({0x44}, cat(be32(0x10000), be32(0x40000))))}));
        t.send(doip::PayloadType::DiagnosticMessage, doip::encodeDiagnostic({0x0E00, kDual, {0x3E, 0x00}}));
        std::vector<QByteArray> order;
        std::string error;
        for (int i = 0; i < 50 && (order.empty() || order.back() != "1001:7101ff0000"); ++i) {
            const auto m = t.next();
            QVERIFY(m);
            if (m->type != uint16_t(doip::PayloadType::DiagnosticMessage)) continue;
            const auto d = doip::decodeDiagnostic(m->payload, error);
            QVERIFY(d);
            order.push_back(QByteArray::number(d->source, 16) + ":" + hex(d->userData));
        }
        QCOMPARE(order.front(), QByteArray("1001:7f3178"));
        QCOMPARE(order.at(1), QByteArray("1002:7e00"));
        QCOMPARE(order.back(), QByteArray("1001:7101ff0000"));
    }

    void dualBankSwitch() {
        SimProcess sim;
        QVERIFY(startSim(sim));
        Tester t(sim.tcpPort);
        QVERIFY(t.activate());
        QVERIFY(unlock(t, kDual));
        const Bytes data = image(0x10000, "3.0.0");
        const QByteArray failure = download(t, kDual, data, 0x10000);
        QVERIFY2(failure.isEmpty(), failure.constData());
        QCOMPARE(hex(t.uds(kDual, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("1.0.0")); // bank 0 runs
        QCOMPARE(install(t, kDual, data, 1), QByteArray());
        // Booting for 300 ms: the gateway says the target is unreachable; asked again (bounded), it answers.
        QElapsedTimer boot;
        boot.start();
        QVERIFY(t.uds(kDual, {0x22, 0xF1, 0x89}).empty());
        QCOMPARE(t.nackCode, std::optional<uint8_t>(uint8_t(doip::DiagnosticNackCode::TargetUnreachable)));
        QCOMPARE(hex(afterBoot(t, kDual, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("3.0.0"));
        QVERIFY2(boot.elapsed() >= 250, qPrintable(QString::number(boot.elapsed())));
        // Rollback: switch back to bank 0, which was never touched.
        QVERIFY(unlock(t, kDual));
        QCOMPARE(hex(t.uds(kDual, uds::routineControl(0x01, 0x0210, Bytes{0x00}))), QByteArray("7101021000"));
        QCOMPARE(hex(t.uds(kDual, uds::ecuReset(0x01))), QByteArray("5101"));
        QCOMPARE(hex(afterBoot(t, kDual, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("1.0.0"));
    }

    void killMidTransferKeepsWhatWasAcknowledged_data() {
        QTest::addColumn<QStringList>("options");
        QTest::newRow("fdatasync") << QStringList();
        QTest::newRow("no-sync") << QStringList{QStringLiteral("--no-sync")}; // the page cache outlives the process
    }
    void killMidTransferKeepsWhatWasAcknowledged() {
        QFETCH(QStringList, options);
        const Bytes data = image(200 * 1024, "4.0.0");
        {
            SimProcess sim;
            QVERIFY(startSim(sim, options));
            Tester t(sim.tcpPort);
            QVERIFY(t.activate());
            QVERIFY(unlock(t, kEcu));
            const QByteArray failure = download(t, kEcu, data, 0x40000, 100);
            QVERIFY2(failure.isEmpty(), failure.constData());
            sim.kill();
        }
        QFile bank(state_ + QStringLiteral("/single/bank0.bin"));
        QVERIFY(bank.open(QIODevice::ReadOnly));
        const QByteArray content = bank.readAll();
        QCOMPARE(content.size(), qsizetype(0x40000));
        QCOMPARE(content.left(100 * 512), QByteArray(reinterpret_cast<const char *>(data.data()), 100 * 512));
        QCOMPARE(content.mid(100 * 512), QByteArray(0x40000 - 100 * 512, char(0xFF)));

        SimProcess again;
        QVERIFY(startSim(again, options, false));
        Tester t(again.tcpPort);
        QVERIFY(t.activate());
        // No valid application: the bootloader, programming session, empty version.
        QCOMPARE(hex(t.uds(kEcu, {0x22, 0xF1, 0x89, 0xF1, 0x86})), QByteArray("62f189f18602"));
        QCOMPARE(hex(t.uds(kEcu, uds::ecuReset(0x01))), QByteArray("5101"));
        QCOMPARE(hex(t.uds(kEcu, {0x22, 0xF1, 0x86})), QByteArray("62f18602"));
        // Recovery: reflash from the start.
        QVERIFY(unlock(t, kEcu));
        const QByteArray failure = download(t, kEcu, data, 0x40000);
        QVERIFY2(failure.isEmpty(), failure.constData());
        QCOMPARE(install(t, kEcu, data), QByteArray());
        QCOMPARE(hex(t.uds(kEcu, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("4.0.0"));
    }

    void powerLossAndDropFaults() {
        const Bytes data = image(64 * 1024, "5.0.0");
        SimProcess sim;
        QVERIFY(startSim(sim, {QStringLiteral("--fault"), QStringLiteral("single:power-loss=10"),
                               QStringLiteral("--fault"), QStringLiteral("dual:drop-after=3"),
                               QStringLiteral("--fault"), QStringLiteral("0x1002:slow=300")}));
        {
            Tester t(sim.tcpPort);
            QVERIFY(t.activate());
            QVERIFY(unlock(t, kDual));
            QVERIFY(t.pendings >= 4); // every reply slow: 0x78 first
            const QByteArray failure = download(t, kDual, data, 0x10000);
            QVERIFY2(failure.startsWith("block 3: "), failure.constData());
            QVERIFY(t.closed);
        }
        Tester t(sim.tcpPort);
        QVERIFY(t.activate());
        QVERIFY(unlock(t, kEcu));
        const QByteArray failure = download(t, kEcu, data, 0x40000);
        QVERIFY2(failure.startsWith("block 10: "), failure.constData());
        QVERIFY(sim.waitForExit(10000));
        QCOMPARE(sim.exitCode(), 3);
        QFile bank(state_ + QStringLiteral("/single/bank0.bin"));
        QVERIFY(bank.open(QIODevice::ReadOnly));
        const QByteArray content = bank.readAll();
        QCOMPARE(content.left(9 * 512), QByteArray(reinterpret_cast<const char *>(data.data()), 9 * 512));
        QCOMPARE(content.mid(9 * 512, 512), QByteArray(512, char(0xFF)));
    }

    void tlsWithPlainRoutingRefused() {
        const QString key = dir_.filePath(QStringLiteral("tls.key")), cert = dir_.filePath(QStringLiteral("tls.crt"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                       QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=ecusim"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-keyout"), key,
                       QStringLiteral("-out"), cert});
        QVERIFY2(openssl.waitForFinished(30000) && openssl.exitCode() == 0, openssl.readAllStandardError().constData());
        const QString path = dir_.filePath(QStringLiteral("tls.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"entity": {"routing": "tlsRequired"}})");
        f.close();
        SimProcess sim;
        QString error;
        QVERIFY2(sim.start(dir_.filePath(QStringLiteral("state-tls")),
                           {QStringLiteral("--config"), path, QStringLiteral("--tls-port"), QStringLiteral("0"),
                            QStringLiteral("--cert"), cert, QStringLiteral("--key"), key},
                           &error),
                 qPrintable(error));
        QVERIFY(sim.tlsPort);
        Tester plain(sim.tcpPort);
        QCOMPARE(plain.activate()->code, uint8_t(doip::RoutingCode::TlsRequired));
        QVERIFY(!plain.next(5000) && plain.closed);
        Tester secure(sim.tlsPort);
        QVERIFY(secure.startTls(cert));
        const auto r = secure.activate();
        QVERIFY2(r, qPrintable(sim.log()));
        QCOMPARE(r->code, uint8_t(doip::RoutingCode::Success));
        QCOMPARE(hex(secure.uds(kEcu, {0x22, 0xF1, 0x89})), QByteArray("62f189") + ascii("1.0.0"));
        // A big request through TLS arrives whole.
        QCOMPARE(hex(secure.uds(kEcu, Bytes(4000, 0x22))), QByteArray("7f2213"));
    }

    void routingPolicies() {
        for (const char *policy : {"confirmationRequired", "missingAuthentication"}) {
            const QString path = dir_.filePath(QStringLiteral("%1.json").arg(QLatin1String(policy)));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(R"({"entity": {"routing": ")") + policy + "\"}}");
            f.close();
            SimProcess sim;
            QString error;
            QVERIFY2(sim.start(dir_.filePath(QStringLiteral("state-%1").arg(QLatin1String(policy))),
                               {QStringLiteral("--config"), path}, &error),
                     qPrintable(error));
            Tester t(sim.tcpPort);
            const auto r = t.activate();
            QVERIFY(r);
            QCOMPARE(r->code,
                     uint8_t(qstrcmp(policy, "confirmationRequired") == 0 ? doip::RoutingCode::ConfirmationRequired
                                                                          : doip::RoutingCode::MissingAuthentication));
            QVERIFY(t.uds(kEcu, {0x3E, 0x00}).empty()); // not routed
            QCOMPARE(t.nackCode, std::optional<uint8_t>(uint8_t(doip::DiagnosticNackCode::InvalidSourceAddress)));
        }
    }
};

QTEST_GUILESS_MAIN(TestEcusim)
#include "tst_ecusim.moc"
