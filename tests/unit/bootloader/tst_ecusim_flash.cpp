// The simulator's flash model and configuration: memory map, erase and
// write, persistence across a reopen (a power cycle), versions, CRC-32.
#include "ecuconfig.h"
#include "flash.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace conduit::ecusim;

namespace {
EcuConfig twoRegions(uint8_t banks, std::string version = "1.0.0") {
    EcuConfig c;
    c.regions = {{0x00010000, 0x1000}, {0x00080000, 0x2000}};
    c.banks = banks;
    c.initialVersion = std::move(version);
    return c;
}
std::span<const uint8_t> text(const char *s) { return {reinterpret_cast<const uint8_t *>(s), std::strlen(s)}; }
} // namespace

class TestEcusimFlash : public QObject {
    Q_OBJECT
private slots:
    void crc32MatchesZlib() {
        QCOMPARE(crc32(text("123456789")), 0xCBF43926u);
        QCOMPARE(crc32(text("")), 0u);
        // Incremental use gives the same as one call.
        QCOMPARE(crc32(text("56789"), crc32(text("1234"))), 0xCBF43926u);
    }

    void freshStateHasTheInitialApplication() {
        QTemporaryDir dir;
        Flash f;
        std::string error;
        QVERIFY2(f.open(dir.path().toStdString(), twoRegions(1), error), error.c_str());
        QVERIFY(f.valid(0));
        QCOMPARE(f.version(0), std::string("1.0.0"));
        QCOMPARE(f.bankSize(), uint64_t(0x3000));
        QVERIFY(!f.isErased(0, 0, 16));
        QVERIFY(f.isErased(0, 16, 0x3000 - 16));

        QTemporaryDir blank;
        Flash b;
        QVERIFY(b.open(blank.path().toStdString(), twoRegions(2, ""), error));
        QVERIFY(!b.valid(0) && !b.valid(1));
        QCOMPARE(b.version(0), std::string("unknown"));
        QCOMPARE(b.targetBank(), uint8_t(1));
    }

    void locateStaysInsideOneRegion() {
        QTemporaryDir dir;
        Flash f;
        std::string error;
        QVERIFY(f.open(dir.path().toStdString(), twoRegions(1), error));
        QCOMPARE(f.locate(0x00010000, 0x1000), std::optional<uint64_t>(0));
        QCOMPARE(f.locate(0x00080010, 0x10), std::optional<uint64_t>(0x1010));
        QCOMPARE(f.locate(0x00010800, 0x1000), std::nullopt); // runs past the first region
        QCOMPARE(f.locate(0x0000FFFF, 2), std::nullopt);
        QCOMPARE(f.locate(0xFFFFFFFF, 0xFFFFFFFF), std::nullopt);
        QCOMPARE(f.locate(0x00080000, 0x2001), std::nullopt);
    }

    void eraseWriteAndReopen() {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        std::string error;
        {
            Flash f;
            QVERIFY(f.open(path, twoRegions(1), error));
            QVERIFY(f.erase(0, 0, 0x1000, error));
            QVERIFY(!f.valid(0)); // erasing invalidates the bank at once
            QVERIFY(f.isErased(0, 0, 0x1000));
            QVERIFY(f.write(0, 0x1000, text("CNDT-SWV:2.5.0"), error));
            QVERIFY(f.setAttempts(2, error));
        }
        Flash again;
        QVERIFY2(again.open(path, twoRegions(1), error), error.c_str());
        QVERIFY(!again.valid(0));
        QCOMPARE(again.attempts(), uint8_t(2));
        QCOMPARE(again.version(0), std::string("2.5.0"));
        QCOMPARE(again.crc32(0, 0x1000, 14), crc32(text("CNDT-SWV:2.5.0")));
    }

    void writeOverUnerasedCellsOnlyClearsBits() {
        QTemporaryDir dir;
        Flash f;
        std::string error;
        QVERIFY(f.open(dir.path().toStdString(), twoRegions(1, ""), error));
        const uint8_t first[] = {0xF0}, second[] = {0x0F};
        QVERIFY(f.write(0, 0, first, error));
        QVERIFY(f.write(0, 0, second, error));
        const uint8_t zero[] = {0x00};
        QCOMPARE(f.crc32(0, 0, 1), crc32(zero));
    }

    void bankSwitchTakesEffectAtBoot() {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        std::string error;
        {
            Flash f;
            QVERIFY(f.open(path, twoRegions(2), error));
            QCOMPARE(f.targetBank(), uint8_t(1));
            QVERIFY(f.setValid(1, true, error));
            QVERIFY(f.setNextBank(1, error));
            QCOMPARE(f.activeBank(), uint8_t(0));
        }
        Flash f;
        QVERIFY(f.open(path, twoRegions(2), error));
        QCOMPARE(f.nextBank(), uint8_t(1));
        QVERIFY(f.boot(error));
        QCOMPARE(f.activeBank(), uint8_t(1));
        QCOMPARE(f.targetBank(), uint8_t(0));
    }

    void versionMarkerIsBounded() {
        QTemporaryDir dir;
        Flash f;
        std::string error;
        QVERIFY(f.open(dir.path().toStdString(), twoRegions(1, ""), error));
        QVERIFY(f.write(0, 0x100, text("xxCNDT-SWV:0123456789abcdef0123456789abcdefTAIL"), error));
        QCOMPARE(f.version(0), std::string("0123456789abcdef0123456789abcdef"));
    }

    void changedMemoryMapIsAClearError() {
        QTemporaryDir dir;
        std::string error;
        {
            Flash f;
            QVERIFY(f.open(dir.path().toStdString(), twoRegions(1), error));
        }
        EcuConfig bigger = twoRegions(1);
        bigger.regions.push_back({0x00100000, 0x100});
        Flash f;
        QVERIFY(!f.open(dir.path().toStdString(), bigger, error));
        QVERIFY2(error.find("configuration changed") != std::string::npos, error.c_str());
    }

    void damagedStateFileIsRefused() {
        QTemporaryDir dir;
        std::string error;
        {
            Flash f;
            QVERIFY(f.open(dir.path().toStdString(), twoRegions(2), error));
        }
        QFile state(dir.filePath(QStringLiteral("state.json")));
        QVERIFY(state.open(QIODevice::WriteOnly | QIODevice::Truncate));
        state.write(R"({"active": 1e10, "next": 0, "valid": [true, false], "attempts": 0})");
        state.close();
        Flash f;
        QVERIFY(!f.open(dir.path().toStdString(), twoRegions(2), error));
        QVERIFY2(error.find("bank out of range") != std::string::npos, error.c_str());
    }

    void configParsesEveryFieldAndRejectsNonsense() {
        Config c;
        std::string error;
        const char *json = R"({"bind": "127.0.0.3", "tcpPort": 0, "udpPort": "0",
            "entity": {"logicalAddress": "0x2000", "vin": "WAUZZZ8V9KA000001", "eid": "02:00:00:00:00:01",
                       "routing": "confirmationRequired", "maxDataSize": 8192},
            "ecus": [{"name": "bcm", "banks": 2, "regions": [{"address": "0x8000", "size": 65536}],
                      "maxBlockLength": "0x0802", "faults": {"powerLossAtBlock": 7,
                      "nrc": [{"service": "0x31", "sub": "0xff00", "occurrence": 2, "nrc": "0x72"}]}},
                     {"name": "gw2"}]})";
        QVERIFY2(parseConfig(json, c, error), error.c_str());
        QCOMPARE(c.bind, std::string("127.0.0.3"));
        QCOMPARE(c.entity.logicalAddress, uint16_t(0x2000));
        QCOMPARE(c.entity.eid[5], uint8_t(0x01));
        QVERIFY(c.entity.routing == RoutingPolicy::ConfirmationRequired);
        QCOMPARE(c.ecus.size(), size_t(2));
        QCOMPARE(c.ecus[0].maxBlockLength, uint16_t(0x0802));
        QCOMPARE(c.ecus[0].faults.powerLossAtBlock, 7u);
        QCOMPARE(c.ecus[0].faults.nrcs.at(0).sub, std::optional<uint16_t>(0xFF00));
        QCOMPARE(c.ecus[1].logicalAddress, uint16_t(0x1002));

        for (const char *bad : {R"({"tcpPort": 70000})", R"({"ecus": [{"banks": 3}]})",
                                R"({"ecus": [{"name": "a"}, {"name": "a", "logicalAddress": 4098}]})",
                                R"({"entity": {"vin": "short"}})", R"({"entity": {"routing": "maybe"}})",
                                R"({"ecus": [{"regions": [{"address": "0xffffff00", "size": 512}]}]})",
                                R"({"ecus": [{"regions": [{"address": 0, "size": 16}, {"address": 8, "size": 16}]}]})",
                                R"({"tlsPort": 3496})", R"({"udpPort": 18446744073709551616})", R"({"udpPort": 1e300})",
                                R"({"udpPort": -1})", R"({"udpPort": 1.5})", "[1]", "{"}) {
            Config d;
            QVERIFY2(!parseConfig(bad, d, error), bad);
            QVERIFY(!error.empty());
        }
    }

    void faultsFromTheCommandLine() {
        Faults f;
        std::string error;
        QVERIFY(parseFault("power-loss=20", f, error));
        QVERIFY(parseFault("nrc=0x31/0xff00/1/0x72", f, error));
        QVERIFY(parseFault("nrc=0x34/2/0x70", f, error));
        QVERIFY(parseFault("reject-key", f, error));
        QCOMPARE(f.powerLossAtBlock, 20u);
        QCOMPARE(f.nrcs.size(), size_t(2));
        QCOMPARE(f.nrcs[1].sub, std::nullopt);
        QCOMPARE(f.nrcs[1].occurrence, 2u);
        QVERIFY(f.rejectKey);
        QVERIFY(!parseFault("nrc=0x31", f, error));
        QVERIFY(!parseFault("drop-after=x", f, error));
        QVERIFY(!parseFault("melt", f, error));
        QVERIFY2(error.find("known:") != std::string::npos, error.c_str());
    }
};

QTEST_APPLESS_MAIN(TestEcusimFlash)
#include "tst_ecusim_flash.moc"
