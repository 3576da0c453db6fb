// The ISO-TP link's configuration checks and the kernel errors it names,
// without CAN hardware. The link on real kernel CAN (vcan, can-isotp,
// can-utils as the peer): bootloader.isotp_qemu.
#include "isotplink.h"

#include <QTest>

#include <cerrno>

using namespace conduit::bootloader;

class TestIsoTpLink : public QObject {
    Q_OBJECT

private slots:
    void configChecks() {
        IsoTpConfig c;
        QVERIFY(!checkIsoTpConfig(c));
        c.txId = 0x18da10f1;
        auto e = checkIsoTpConfig(c);
        QVERIFY(e && e->kind == TransportErrorKind::Configuration);
        QVERIFY2(e->message.find("does not fit 11 (set extended ids for 29) bits") != std::string::npos,
                 e->message.c_str());
        c.extendedIds = true;
        c.rxId = 0x18daf110;
        c.functionalId = 0x18db33f1;
        QVERIFY(!checkIsoTpConfig(c));
        c = {};
        c.rxId = c.txId;
        QVERIFY(checkIsoTpConfig(c));
        c = {};
        c.canFd = true;
        c.fdDataLength = 40;
        e = checkIsoTpConfig(c);
        QVERIFY(e && e->message.find("is not one of 8, 12, 16, 20, 24, 32, 48, 64") != std::string::npos);
        c.fdDataLength = 64;
        QVERIFY(!checkIsoTpConfig(c));
        c.stMin = 0x80;
        QVERIFY(checkIsoTpConfig(c));
        c.stMin = 0xf3;
        QVERIFY(!checkIsoTpConfig(c));
        c.interface = std::string(20, 'x');
        QVERIFY(checkIsoTpConfig(c));
    }

    void kernelErrorsNamed() {
        const IsoTpConfig c;
        struct Case {
            int err;
            const char *what;
            TransportErrorKind kind;
            const char *text;
        };
        const Case cases[] = {
            {ECOMM, "send", TransportErrorKind::Timeout, "no flow control or consecutive frame in time"},
            {ETIMEDOUT, "receive", TransportErrorKind::Timeout, "timed out"},
            {EILSEQ, "receive", TransportErrorKind::Protocol, "wrong sequence number"},
            {EMSGSIZE, "receive", TransportErrorKind::Protocol, "overflow"},
            {EBADMSG, "receive", TransportErrorKind::Protocol, "bad padding"},
            {ENETDOWN, "send", TransportErrorKind::ConnectionLost, "can0 is down"},
            {ENODEV, "send", TransportErrorKind::ConnectionLost, "can0 is gone"},
            {ENODEV, "bind", TransportErrorKind::Configuration, "can0 is not a CAN interface"},
            {ENOBUFS, "send", TransportErrorKind::ConnectionLost, "transmit queue is full"},
            {EAFNOSUPPORT, "socket", TransportErrorKind::Configuration, "load the can-isotp module"},
            {EADDRNOTAVAIL, "bind", TransportErrorKind::Configuration, "refused the ISO-TP addressing"},
            {EADDRNOTAVAIL, "receive", TransportErrorKind::ConnectionLost,
             "can0 is gone"}, // unbound when its interface went
        };
        for (const Case &k : cases) {
            const TransportError e = isoTpError(k.err, k.what, c);
            QCOMPARE(int(e.kind), int(k.kind));
            QVERIFY2(e.message.find(k.text) != std::string::npos, e.message.c_str());
            QVERIFY2(e.message.starts_with(std::string("isotp can0 7e0/7e8 ") + k.what + ": "), e.message.c_str());
        }
    }

    // Without a CAN interface of that name, or on a kernel without CAN,
    // open() fails with a configuration error that says why.
    void openFailsClearly() {
        IsoTpConfig c;
        c.interface = "nocan-if9";
        TransportError error{};
        QVERIFY(!IsoTpLink::open(c, error));
        QCOMPARE(int(error.kind), int(TransportErrorKind::Configuration));
        QVERIFY2(error.message.find("CAN interface nocan-if9: No such device") != std::string::npos,
                 error.message.c_str());
        c.interface = "lo"; // exists everywhere, never a CAN interface
        QVERIFY(!IsoTpLink::open(c, error));
        QCOMPARE(int(error.kind), int(TransportErrorKind::Configuration));
        QVERIFY2(error.message.find("load the can-isotp module") != std::string::npos ||
                     error.message.find("lo is not a CAN interface") != std::string::npos,
                 error.message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestIsoTpLink)
#include "tst_isotplink.moc"
