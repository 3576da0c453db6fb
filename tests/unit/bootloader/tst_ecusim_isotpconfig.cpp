// The simulator's ISO-TP configuration: an ECU's "isotp" object and the
// --isotp option, with their refusals (no sockets: the front itself runs
// in the qemu guest, bootloader.isotp_agent_qemu).
#include "isotpfront.h"

#include <QtTest>

using namespace conduit::ecusim;

namespace {
const char kTwoEcus[] = R"({"ecus": [{"name": "gw-ecu"},
    {"name": "bcm", "isotp": {"interface": "vcan1", "rxId": "0x7e1", "txId": "0x7e9", "padding": "0xAA",
                              "blockSize": 8, "stMin": "0x05", "canFd": true}}]})";

std::string refusal(const char *json) {
    Config config;
    std::map<std::string, IsoTpEndpoint> out;
    std::string error;
    if (!parseConfig(json, config, error)) return "parseConfig: " + error;
    if (parseIsoTpConfig(json, config, out, error)) return "accepted";
    return error;
}
} // namespace

class TestEcusimIsoTpConfig : public QObject {
    Q_OBJECT
private slots:
    void ecusWithAnIsoTpObjectAreOnCan() {
        Config config;
        std::map<std::string, IsoTpEndpoint> out;
        std::string error;
        QVERIFY2(parseConfig(kTwoEcus, config, error), error.c_str());
        QVERIFY2(parseIsoTpConfig(kTwoEcus, config, out, error), error.c_str());
        QCOMPARE(out.size(), size_t(1));
        QVERIFY(out.count("bcm"));
        const IsoTpEndpoint &e = out["bcm"];
        QCOMPARE(e.interface, std::string("vcan1"));
        QCOMPARE(e.rxId, 0x7e1u);
        QCOMPARE(e.txId, 0x7e9u);
        QCOMPARE(e.functionalId, 0x7dfu); // the default
        QCOMPARE(e.padding, std::optional<uint8_t>(0xAA));
        QCOMPARE(e.blockSize, uint8_t(8));
        QCOMPARE(e.stMin, uint8_t(5));
        QVERIFY(e.canFd);
        QVERIFY(!e.extendedIds);
    }

    void defaultsMatchTheAgentsDefaults() {
        const IsoTpEndpoint e;
        QCOMPARE(e.rxId, 0x7e0u); // the agent's tx_can_id
        QCOMPARE(e.txId, 0x7e8u); // the agent's rx_can_id
        QCOMPARE(e.functionalId, 0x7dfu);
        QCOMPARE(e.padding, std::optional<uint8_t>(0xCC));
    }

    void paddingFalseSendsUnpadded() {
        const char json[] = R"({"ecus": [{"name": "bcm", "isotp": {"padding": false}}]})";
        Config config;
        std::map<std::string, IsoTpEndpoint> out;
        std::string error;
        QVERIFY(parseConfig(json, config, error));
        QVERIFY2(parseIsoTpConfig(json, config, out, error), error.c_str());
        QVERIFY(!out["bcm"].padding);
        QCOMPARE(out["bcm"].interface, std::string("vcan0"));
    }

    void badValuesAreRefusedByName() {
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"rxId": "0x800"}}]})"),
                 std::string("ecus[0].isotp: CAN id 0x800 needs \"extendedIds\": true (11-bit ids end at 0x7ff)"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"rxId": "0x800", "txId": "0x808", "functionalId": "0x18db33f1",
                                                  "extendedIds": true}}]})"),
                 std::string("accepted"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"rxId": "0x7e8"}}]})"),
                 std::string("ecus[0].isotp: rxId, txId and functionalId must differ"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"txId": "7g0"}}]})"),
                 std::string("ecus[0].isotp.txId: expected a hex number up to 0x1fffffff (\"0x7e0\")"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"stMin": 256}}]})"),
                 std::string("ecus[0].isotp.stMin: expected a hex number up to 0xff (\"0x7e0\")"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"padding": true}}]})"),
                 std::string("ecus[0].isotp.padding: expected a byte (\"0xCC\") or false"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": {"interface": "an-interface-name-too-long"}}]})"),
                 std::string("ecus[0].isotp.interface: 1 to 15 characters"));
        QCOMPARE(refusal(R"({"ecus": [{"isotp": "vcan0"}]})"), std::string("ecus[0].isotp: expected an object"));
    }

    void theOptionNamesAnEcuAndItsIds() {
        Config config; // one ECU, "ecu1"
        std::map<std::string, IsoTpEndpoint> out;
        std::string error;
        QVERIFY2(parseIsoTpOption("ecu1:vcan2:7e2:0x7ea", config, out, error), error.c_str());
        QCOMPARE(out["ecu1"].interface, std::string("vcan2"));
        QCOMPARE(out["ecu1"].rxId, 0x7e2u);
        QCOMPARE(out["ecu1"].txId, 0x7eau);
        QVERIFY(parseIsoTpOption("ecu1:can0:18da10f1:18daf110:18db33f1", config, out, error));
        QVERIFY(out["ecu1"].extendedIds); // ids beyond 11 bits imply 29-bit frames
        QCOMPARE(out["ecu1"].functionalId, 0x18db33f1u);
        QVERIFY(!parseIsoTpOption("nobody:vcan0:7e0:7e8", config, out, error));
        QCOMPARE(error, std::string("--isotp nobody:vcan0:7e0:7e8: no ECU named \"nobody\""));
        QVERIFY(!parseIsoTpOption("ecu1:vcan0:7e0", config, out, error));
        QCOMPARE(error, std::string("--isotp ecu1:vcan0:7e0: expected ECU:INTERFACE:RXID:TXID[:FUNCTIONALID]"));
        QVERIFY(!parseIsoTpOption("ecu1:vcan0:7e0:zz", config, out, error));
        QCOMPARE(error, std::string("--isotp ecu1:vcan0:7e0:zz: \"zz\" is not a CAN id in hex"));
    }
};

QTEST_APPLESS_MAIN(TestEcusimIsoTpConfig)
#include "tst_ecusim_isotpconfig.moc"
