// The bootloader agent's configuration: defaults, overrides, named
// profiles, and a clear refusal naming the field for every bad value.
#include "profile.h"

#include <conduit/agent.hpp>

#include <QTest>

using namespace conduit::bootloader;

namespace {

const char *kMinimal = R"({"gateways":[{"id":"gw","port":13401}],
  "ecus":[{"id":"brake","logical_address":"0x1001"}]})";

QString refusal(const std::string &json) {
    try {
        parseAgentConfig(json);
    } catch (const conduit::Error &e) {
        if (e.code() != CONDUIT_E_INVALID_ARGUMENT) return "wrong code";
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestProfile : public QObject {
    Q_OBJECT
private slots:
    void defaultsFollowCommonPractice() {
        const AgentConfig c = parseAgentConfig(kMinimal);
        QCOMPARE(c.gateways.size(), size_t(1));
        QCOMPARE(c.gateways[0].host, std::string("127.0.0.1"));
        QCOMPARE(c.gateways[0].port, uint16_t(13401));
        QCOMPARE(c.gateways[0].testerAddress, uint16_t(0x0E00));
        QCOMPARE(c.ecus.size(), size_t(1));
        const EcuConfig &e = c.ecus[0];
        QCOMPARE(e.gateway, std::string("gw")); // the only gateway
        QCOMPARE(e.logicalAddress, uint16_t(0x1001));
        QCOMPARE(e.banks, 1);
        QCOMPARE(e.profile.programmingSession, uint8_t(0x02));
        QCOMPARE(e.profile.securityLevel, uint8_t(0x01));
        QCOMPARE(e.profile.erase.id, uint16_t(0xFF00));
        QVERIFY(e.profile.precondition && e.profile.precondition->id == 0x0203);
        QVERIFY(e.profile.checkMemory && e.profile.checkMemory->id == 0x0202);
        QCOMPARE(e.profile.downloadAlfid, uint8_t(0x44));
        QCOMPARE(e.profile.softwareVersionDid, uint16_t(0xF189));
    }

    void namedProfilesAndOverrides() {
        const AgentConfig c = parseAgentConfig(R"({
          "gateways":[{"id":"gw"},{"id":"gw2","host":"127.0.0.2","protocol_version":3,
                       "tls":{"pin_sha256":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}],
          "seed_key":{"library":"/x/libkey.so","variant":"V1"},
          "parallel":3,
          "profiles":{"slow":{"erase":{"routine":"0xFF10","deadline_ms":90000},"precondition":false,
                              "security":{"level":17},"timing":{"p2_ms":100,"p2_star_ms":8000},
                              "memory":[{"address":"0x10000","size":262144}]}},
          "ecus":[{"id":"a","gateway":"gw","logical_address":4097,"profile":"slow","banks":2},
                  {"id":"b","gateway":"gw2","logical_address":"0x1002","profile":{"check_memory":false}}]})");
        QCOMPARE(c.parallel, 3);
        QCOMPARE(c.seedKey.library, std::string("/x/libkey.so"));
        QVERIFY(c.gateways[1].tls);
        QCOMPARE(c.gateways[1].port, uint16_t(3496));
        QCOMPARE(c.gateways[1].protocolVersion, uint8_t(3));
        const Profile &a = c.ecus[0].profile;
        QCOMPARE(a.erase.id, uint16_t(0xFF10));
        QCOMPARE(a.erase.deadline.count(), 90000);
        QVERIFY(!a.precondition);
        QCOMPARE(a.securityLevel, uint8_t(0x11));
        QCOMPARE(a.timing.p2.count(), 100);
        QCOMPARE(a.memory.size(), size_t(1));
        QCOMPARE(a.memory[0].address, uint64_t(0x10000));
        QCOMPARE(c.ecus[0].banks, 2);
        QVERIFY(!c.ecus[1].profile.checkMemory);
        QVERIFY(c.ecus[1].profile.checkDependencies); // untouched default
    }

    void isoTpGateway() {
        const AgentConfig c = parseAgentConfig(R"({"gateways":[{"id":"can","transport":"isotp","interface":"vcan0",
            "can_fd":true,"padding":false}],
          "ecus":[{"id":"bcm","tx_can_id":"0x7e0","rx_can_id":"0x7e8"}]})");
        QVERIFY(c.gateways[0].transport == TransportKind::IsoTp);
        QCOMPARE(c.gateways[0].interface, std::string("vcan0"));
        QVERIFY(c.gateways[0].canFd);
        QVERIFY(!c.gateways[0].padding);
        QCOMPARE(c.gateways[0].functionalCanId, uint32_t(0x7DF));
        QCOMPARE(c.ecus[0].txCanId, uint32_t(0x7E0));
        QCOMPARE(c.ecus[0].rxCanId, uint32_t(0x7E8));
        QVERIFY(refusal(R"({"gateways":[{"id":"can","transport":"isotp"}],"ecus":[{"id":"x","tx_can_id":"0x7e0"}]})")
                    .contains("tx_can_id\" and \"rx_can_id"));
        QVERIFY(
            refusal(
                R"({"gateways":[{"id":"can","transport":"isotp"}],"ecus":[{"id":"x","tx_can_id":"0x800","rx_can_id":1}]})")
                .contains("ecus[0].tx_can_id"));
        QVERIFY(refusal(R"({"gateways":[{"id":"x","transport":"flexray"}],"ecus":[{"id":"x","logical_address":1}]})")
                    .contains("not doip or isotp"));
    }

    void refusesBadValuesNamingTheField() {
        QVERIFY(refusal("{").contains("document"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[]})").contains("no ECUs"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x"}]})").contains("logical_address"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":"0x10000"}]})")
                    .contains("ecus[0].logical_address"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":1,"gateway":"nope"}]})")
                    .contains("no gateway \"nope\""));
        QVERIFY(
            refusal(
                R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":1,"profile":{"security":{"level":2}}}]})")
                .contains("odd"));
        QVERIFY(
            refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":1,"profile":{"erase":false}}]})")
                .contains("cannot be skipped"));
        QVERIFY(
            refusal(
                R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":1,"profile":{"download":{"alfid":"0x54"}}}]})")
                .contains("addressAndLengthFormatIdentifier"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":1,"profile":"missing"}]})")
                    .contains("no profile \"missing\""));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"},{"id":"gw"}],"ecus":[{"id":"x","logical_address":1}]})")
                    .contains("twice"));
        QVERIFY(
            refusal(R"({"gateways":[{"id":"gw","tls":{"pin_sha256":"abc"}}],"ecus":[{"id":"x","logical_address":1}]})")
                .contains("pin_sha256"));
        QVERIFY(refusal(R"({"gateways":[{"id":"gw"}],"ecus":[{"id":"x","logical_address":-1}]})")
                    .contains("logical_address"));
    }

    void imageSpecFromSignedMetadata() {
        QVERIFY(!parseImageSpec("").format);
        const ImageSpec raw =
            parseImageSpec(R"({"conduit":{"version":"2.0"},"bootloader":{"format":"raw","address":"0x10000"}})");
        QVERIFY(raw.format == image::ImageFormat::Raw);
        QCOMPARE(*raw.address, uint64_t(0x10000));
        QVERIFY(parseImageSpec(R"({"bootloader":{"format":"srec"}})").format == image::ImageFormat::SRecord);
        QVERIFY(parseImageSpec(R"({"bootloader":{"format":"ihex"}})").format == image::ImageFormat::IntelHex);
        QVERIFY_THROWS_EXCEPTION(conduit::Error, parseImageSpec(R"({"bootloader":{"format":"raw"}})"));
        QVERIFY_THROWS_EXCEPTION(conduit::Error, parseImageSpec(R"({"bootloader":{"format":"elf"}})"));
        QVERIFY_THROWS_EXCEPTION(conduit::Error, parseImageSpec("{"));
    }
};

QTEST_APPLESS_MAIN(TestProfile)
#include "tst_profile.moc"
