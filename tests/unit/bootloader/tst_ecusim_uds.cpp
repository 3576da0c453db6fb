// The simulator's UDS server on byte vectors at explicit times: sessions
// and S3, security access with attempts and delay, the download with its
// counter rules, the routines, resets into application or bootloader,
// dual-bank switching, suppressed replies and every fault.
#include "ecusimtest.h"

#include <QtTest>

using namespace conduit::ecusim;
using ecusimtest::Bench;
using ecusimtest::bytes;
using ecusimtest::hex;

namespace {
EcuConfig small(uint8_t banks = 1) {
    EcuConfig c;
    c.regions = {{0x00010000, 0x4000}};
    c.banks = banks;
    c.maxBlockLength = 0x12; // 16 data bytes per block: 0x4000 bytes need 1024 blocks, the counter wraps
    return c;
}
Bytes image(size_t size, const std::string &version) {
    Bytes b(size);
    for (size_t i = 0; i < size; ++i) b[i] = uint8_t(i * 7 + 3);
    const std::string marker = "CNDT-SWV:" + version + '\0';
    std::copy(marker.begin(), marker.end(), b.begin() + 32);
    return b;
}
Bytes be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
Bytes cat(Bytes a, const Bytes &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
// Erase, download `data` at 0x10000 in blocks of `per` bytes, exit. Returns the last reply.
QByteArray program(Bench &b, const Bytes &data, size_t per = 16) {
    const auto erase = b.send(cat(bytes("3101ff0044"), cat(be32(0x10000), be32(uint32_t(b.config.regions[0].size)))));
    if (hex(erase.reply) != "7101ff0000") return "erase: " + hex(erase.reply);
    if (erase.delay.count() < 300) return "erase without delay";
    const QByteArray download =
        hex(b.send(cat(bytes("340044"), cat(be32(0x10000), be32(uint32_t(data.size()))))).reply);
    if (download != "74200012") return "download: " + download;
    uint8_t counter = 1;
    for (size_t at = 0; at < data.size(); at += per, ++counter) {
        const Bytes block =
            cat({0x36, counter}, Bytes(data.begin() + long(at), data.begin() + long(std::min(at + per, data.size()))));
        const QByteArray r = hex(b.send(block).reply);
        if (r != QByteArray("76") + QByteArray::number(counter, 16).rightJustified(2, '0')) return "block: " + r;
    }
    return b.call("37");
}
} // namespace

class TestEcusimUds : public QObject {
    Q_OBJECT
private slots:
    void sessionsTimingAndS3() {
        Bench b(small());
        QVERIFY(b.opened);
        QCOMPARE(b.server->mode(), Mode::Application);
        QCOMPARE(b.call("1003"), QByteArray("5003003201f4")); // P2 50 ms, P2* 5000 ms in 10 ms units
        QCOMPARE(b.call("22f186"), QByteArray("62f18603"));
        QCOMPARE(b.call("3e00", 4999), QByteArray("7e00"));       // within S3
        QCOMPARE(b.call("22f186", 5000), QByteArray("62f18601")); // S3 expired: default session
        QCOMPARE(b.call("2701"), QByteArray("7f277f"));
        QCOMPARE(b.call("1004"), QByteArray("7f1012"));
        QCOMPARE(b.call("10"), QByteArray("7f1013"));
        QCOMPARE(b.call("99"), QByteArray("7f9911"));
    }

    void securityAccessAttemptsAndDelay() {
        Bench b(small());
        QCOMPARE(b.call("1002"), QByteArray("5002003201f4"));
        QCOMPARE(b.server->mode(), Mode::Bootloader);
        QCOMPARE(b.call("2702000000"), QByteArray("7f2713"));   // odd hex: 5 bytes, wrong length
        QCOMPARE(b.call("270200000000"), QByteArray("7f2724")); // key before seed
        for (int attempt = 1; attempt <= 3; ++attempt) {
            QVERIFY(b.call("2701").left(4) == "6701");
            QCOMPARE(b.call("270200000000"), QByteArray(attempt < 3 ? "7f2735" : "7f2736"));
        }
        QCOMPARE(b.call("2701"), QByteArray("7f2737"));
        QCOMPARE(b.flash->attempts(), uint8_t(3));
        // The counter survives a power cycle: the delay starts again.
        b.reopen();
        QCOMPARE(b.call("1002"), QByteArray("5002003201f4"));
        QCOMPARE(b.call("2701", 4000), QByteArray("7f2737"));
        QCOMPARE(b.call("3e00", 4000), QByteArray("7e00"));         // within S3
        QCOMPARE(b.call("2701", 2001).left(4), QByteArray("6701")); // 10 s after power-on
        QVERIFY(b.unlock());
        QCOMPARE(b.flash->attempts(), uint8_t(0));
        QCOMPARE(b.call("2701"), QByteArray("670100000000")); // already unlocked: zero seed
    }

    void keyAlgorithmIsTheConventionsExample() {
        const Bytes seed{0x11, 0x22, 0x33, 0x44};
        // key[i] = seed[3-i] ^ (0xC3 + 1) ^ secret[i]
        const Bytes expected{uint8_t(0x44 ^ 0xC4 ^ 0x13), uint8_t(0x33 ^ 0xC4 ^ 0x37), uint8_t(0x22 ^ 0xC4 ^ 0xC0),
                             uint8_t(0x11 ^ 0xC4 ^ 0xDE)};
        QCOMPARE(hex(UdsServer::expectedKey(seed, 0x01)), hex(expected));
    }

    void gatesOfTheProgrammingServices() {
        Bench b(small());
        QCOMPARE(b.call("3400440001000000000100"), QByteArray("7f347f")); // default session
        QCOMPARE(b.call("1002"), QByteArray("5002003201f4"));
        QCOMPARE(b.call("3400440001000000000100"), QByteArray("7f3433")); // locked
        QCOMPARE(b.call("3101ff00440001000000004000"), QByteArray("7f3133"));
        QCOMPARE(b.call("2ef15a261202434e44543031"), QByteArray("7f2e33"));
        QCOMPARE(b.call("2701").left(4), QByteArray("6701"));
        b.server->start(b.now); // a reset: locked again, fingerprint forgotten
        QVERIFY(b.unlock());
        QCOMPARE(b.call("3400440001000000000100"), QByteArray("7f3470")); // the application is there: not erased
        QCOMPARE(b.call("34004400010000ffffffff"), QByteArray("7f3431")); // 4 GiB: out of range, nothing allocated
        QCOMPARE(b.call("3400550001000000000100"), QByteArray("7f3431")); // ALFID beyond 4+4
        QCOMPARE(b.call("34004400010000000001"), QByteArray("7f3413"));
        QCOMPARE(b.call("3401440001000000000100"), QByteArray("7f3431")); // compressed: not supported
        QCOMPARE(b.call("3610aa"), QByteArray("7f3624"));
        QCOMPARE(b.call("37"), QByteArray("7f3724"));
        QCOMPARE(b.call("31010202deadbeef"), QByteArray("7f3124"));           // nothing downloaded yet
        QCOMPARE(b.call("3101ff00440002000000001000"), QByteArray("7f3131")); // outside the map
        QCOMPARE(b.call("3101abcd"), QByteArray("7f3131"));
    }

    void eraseNeedsTheFingerprint() {
        Bench b(small());
        QCOMPARE(b.call("1002"), QByteArray("5002003201f4"));
        const auto seed = b.send(bytes("2701")).reply;
        QVERIFY(seed && seed->size() == 6);
        QCOMPARE(hex(b.send(cat(bytes("2702"), UdsServer::expectedKey(std::span(*seed).subspan(2), 1))).reply),
                 QByteArray("6702"));
        QCOMPARE(b.call("3101ff00440001000000004000"), QByteArray("7f3122"));
    }

    void fullDownloadWithCounterWrapThenReset() {
        Bench b(small());
        QVERIFY(b.unlock());
        const Bytes data = image(0x4000, "2.0.0");
        QCOMPARE(program(b, data), QByteArray("77"));
        QCOMPARE(b.call("22f189"), QByteArray("62f189")); // erased: no valid application yet
        QCOMPARE(hex(b.send(cat(bytes("31010202"), be32(crc32(data) ^ 1))).reply), QByteArray("7101020201"));
        QCOMPARE(hex(b.send(cat(bytes("31010202"), be32(crc32(data)))).reply), QByteArray("7101020200"));
        QCOMPARE(b.call("3101ff01"), QByteArray("7101ff0100"));
        QVERIFY(b.flash->valid(0));
        const auto reset = b.send(bytes("1101"));
        QCOMPARE(hex(reset.reply), QByteArray("5101"));
        QVERIFY(reset.action == Action::Reset); // the transport keeps the ECU away for its boot time
        QCOMPARE(b.server->mode(), Mode::Application);
        QCOMPARE(b.call("22f189"), QByteArray("62f189") + QByteArray("2.0.0").toHex());
    }

    void repeatedBlockIsAcknowledgedNotWrittenAndOthersAreWrongCounter() {
        Bench b(small());
        QVERIFY(b.unlock());
        QCOMPARE(b.call("3101ff00440001000000004000"), QByteArray("7101ff0000"));
        QCOMPARE(b.call("3400440001000000000020"), QByteArray("74200012"));
        QCOMPARE(b.call("3601"), QByteArray("7f3613"));
        QCOMPARE(b.call("36010102030405060708090a0b0c0d0e0f10"), QByteArray("7601"));
        QCOMPARE(b.call("3601ffffffffffffffffffffffffffffffff"), QByteArray("7601"));       // repeat: not written
        QCOMPARE(b.call("3603000000000000000000000000000000000000"), QByteArray("7f3613")); // longer than 0x12
        QCOMPARE(b.call("360300"), QByteArray("7f3673"));
        QCOMPARE(b.call("37"), QByteArray("7f3724")); // 16 of 32 bytes
        QCOMPARE(b.call("3602111111111111111111111111111111112222"), QByteArray("7f3613"));
        QCOMPARE(b.call("36021111111111111111111111111111111122"), QByteArray("7f3613"));
        QCOMPARE(b.call("360211111111111111111111111111111111"), QByteArray("7602"));
        QCOMPARE(b.call("360333"), QByteArray("7f3671")); // beyond the requested size
        QCOMPARE(b.call("37"), QByteArray("77"));
        Bytes expected = bytes("0102030405060708090a0b0c0d0e0f10");
        expected.resize(32, 0x11);
        QCOMPARE(b.flash->crc32(0, 0, 32), crc32(expected));
        QCOMPARE(b.call("3101ff01"), QByteArray("7101ff0101")); // not verified: inconsistent
    }

    void eraseLeavesTheEcuInItsBootloader() {
        Bench b(small());
        QVERIFY(b.unlock());
        const auto erase = b.send(bytes("3101ff00440001000000004000"));
        QCOMPARE(erase.delay.count(), qint64(300)); // 16 KiB * 2 ms/KiB < the 300 ms floor
        b.reopen();                                 // power cycle
        QCOMPARE(b.server->mode(), Mode::Bootloader);
        QCOMPARE(b.call("22f186f189"), QByteArray("62f18602f189"));
        QCOMPARE(b.call("1001", 6000), QByteArray("5001003201f4"));
        QCOMPARE(b.server->mode(), Mode::Bootloader);
        QCOMPARE(b.call("3e00", 6000), QByteArray("7e00"));
        QCOMPARE(b.call("22f186"), QByteArray("62f18602")); // S3 falls back to programming: no application
    }

    void s3StartsWhenALongReplyIsSent() {
        EcuConfig c = small();
        c.eraseMinMs = 6000; // longer than S3
        Bench b(c);
        QVERIFY(b.unlock());
        QCOMPARE(b.send(bytes("3101ff00440001000000004000")).delay.count(), qint64(6000));
        // The reply goes out 6 s later; the tester's next request 1 s after it is within S3.
        QCOMPARE(b.call("3400440001000000000010", 7000), QByteArray("74200012"));
    }

    void dualBankSwitchAndBack() {
        Bench b(small(2));
        QVERIFY(b.unlock());
        QCOMPARE(b.call("3101021001"), QByteArray("7f3122")); // bank 1 not valid yet
        const Bytes data = image(0x4000, "3.1.0");
        QCOMPARE(program(b, data), QByteArray("77"));
        QCOMPARE(hex(b.send(cat(bytes("31010202"), be32(crc32(data)))).reply), QByteArray("7101020200"));
        QCOMPARE(b.call("3101ff01"), QByteArray("7101ff0100"));
        QCOMPARE(b.call("22f189"), QByteArray("62f189") + QByteArray("1.0.0").toHex()); // still bank 0
        QCOMPARE(b.call("3101021001"), QByteArray("7101021000"));
        QCOMPARE(b.call("1101"), QByteArray("5101"));
        QCOMPARE(b.call("22f189fd00"), QByteArray("62f189") + QByteArray("3.1.0").toHex() + "fd000101010100");
        QVERIFY(b.unlock());
        QCOMPARE(b.call("3101021000"), QByteArray("7101021000")); // rollback: the old bank
        QCOMPARE(b.call("1101"), QByteArray("5101"));
        QCOMPARE(b.call("22f189"), QByteArray("62f189") + QByteArray("1.0.0").toHex());
        QCOMPARE(b.call("3101021002"), QByteArray("7f3122")); // default session first
    }

    void suppressedAndFunctionalReplies() {
        Bench b(small());
        QVERIFY(!b.send(bytes("3e80")).reply);
        QVERIFY(b.send(bytes("1083")).reply.has_value() == false);
        QCOMPARE(b.call("8582"), QByteArray("(none)"));
        QCOMPARE(b.call("288301"), QByteArray("(none)"));
        QCOMPARE(b.call("280001"), QByteArray("6800"));
        QCOMPARE(b.call("8501"), QByteArray("c501"));
        QVERIFY(!b.send(bytes("99"), 1, true).reply); // serviceNotSupported: silent when functional
        QCOMPARE(hex(b.send(bytes("3e"), 1, true).reply), QByteArray("7f3e13")); // other NRCs are sent
        QCOMPARE(b.call("31010203"), QByteArray("7101020300"));
    }

    void injectedNrcAtTheChosenOccurrence() {
        EcuConfig c = small();
        c.faults.nrcs.push_back({0x22, 0xF189, 2, 0x31});
        c.faults.nrcs.push_back({0x11, std::nullopt, 1, 0x22});
        Bench b(c);
        QCOMPARE(b.call("22f189").left(6), QByteArray("62f189"));
        QCOMPARE(b.call("22f191").left(6), QByteArray("62f191"));
        QCOMPARE(b.call("22f189"), QByteArray("7f2231"));
        QCOMPARE(b.call("22f189").left(6), QByteArray("62f189"));
        QCOMPARE(b.call("1101"), QByteArray("7f1122"));
        QCOMPARE(b.call("1101"), QByteArray("5101"));
    }

    void transferFaults() {
        EcuConfig c = small();
        c.faults.wrongCounterAtBlock = 2;
        c.faults.dropAfterBlocks = 3;
        c.faults.powerLossAtBlock = 5;
        c.faults.slowMs = 70;
        Bench b(c);
        QVERIFY(b.unlock());
        QCOMPARE(b.send(bytes("3101ff00440001000000004000")).delay.count(), qint64(370));
        const auto start = b.send(bytes("3400440001000000000100"));
        QCOMPARE(hex(start.reply), QByteArray("74200012"));
        QCOMPARE(start.delay.count(), qint64(70));
        const Bytes block = bytes("000102030405060708090a0b0c0d0e0f");
        QCOMPARE(hex(b.send(cat({0x36, 0x01}, block)).reply), QByteArray("7601"));
        QCOMPARE(hex(b.send(cat({0x36, 0x02}, block)).reply), QByteArray("7f3673"));
        const auto dropped = b.send(cat({0x36, 0x02}, block));
        QVERIFY(dropped.action == Action::DropConnection && !dropped.reply);
        QCOMPARE(hex(b.send(cat({0x36, 0x02}, block)).reply), QByteArray("7602")); // written before the drop: a repeat
        const auto lost = b.send(cat({0x36, 0x03}, block));
        QVERIFY(lost.action == Action::PowerLoss && !lost.reply);
        QCOMPARE(b.flash->crc32(0, 32, 16), crc32(Bytes(16, 0xFF))); // block 3 never written
    }

    void rejectKeyFault() {
        EcuConfig c = small();
        c.faults.rejectKey = true;
        Bench b(c);
        QVERIFY(!b.unlock());
        QCOMPARE(b.flash->attempts(), uint8_t(1));
    }
};

QTEST_APPLESS_MAIN(TestEcusimUds)
#include "tst_ecusim_uds.moc"
