// DoIP vehicle discovery over UDP on loopback: a unicast identification
// request answered by an in-test entity, an unsolicited announcement, and a
// malformed datagram, collected together.
#include "doipdiscovery.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

using namespace conduit::bootloader;
using namespace conduit::bootloader::doip;
using namespace std::chrono_literals;

class TestDoipDiscovery : public QObject {
    Q_OBJECT

private slots:
    // Unicast identification request and an unsolicited announcement, both collected.
    void discovery() {
        const int entity = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        QVERIFY(::bind(entity, reinterpret_cast<sockaddr *>(&sa), len) == 0);
        getsockname(entity, reinterpret_cast<sockaddr *>(&sa), &len);
        timeval tv{5, 0};
        setsockopt(entity, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

        DiscoveryOptions options;
        options.address = "127.0.0.1";
        options.port = ntohs(sa.sin_port);
        options.bindAddress = "127.0.0.1";
        options.announcementPort = 0;
        options.wait = 5s;
        std::optional<TransportError> error;
        auto discovery = DoipDiscovery::create(options, error);
        QVERIFY2(discovery, error ? error->message.c_str() : "");
        QVERIFY(discovery->announcementPort());

        VehicleAnnouncement a{"CONDUITSIM0000001", 0x2000, {0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, {}, 0, std::nullopt};
        sockaddr_in to = sa;
        to.sin_port = htons(*discovery->announcementPort());
        const Bytes unsolicited = encode(Version::Iso2012, PayloadType::VehicleAnnouncement, encodeAnnouncement(a));
        ::sendto(entity, unsolicited.data(), unsolicited.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);

        QVERIFY(!discovery->sendRequest());
        uint8_t buf[64];
        sockaddr_in from{};
        len = sizeof from;
        const ssize_t n = ::recvfrom(entity, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &len);
        QCOMPARE(n, ssize_t(8));
        QCOMPARE(Bytes(buf, buf + 8), encode(Version::Iso2012, PayloadType::VehicleIdentificationRequest, {}));
        a.logicalAddress = 0x1000;
        const Bytes answer = encode(Version::Iso2012, PayloadType::VehicleAnnouncement, encodeAnnouncement(a));
        ::sendto(entity, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr *>(&from), len);
        const Bytes garbage{0x02, 0xFD, 0x00, 0x04, 0, 0, 0, 1, 0};
        ::sendto(entity, garbage.data(), garbage.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);

        auto found = discovery->collect(Clock::now() + 5s);
        ::close(entity);
        // The answer ends the wait; the announcement sent before it is there too.
        QCOMPARE(found.size(), size_t(2));
        std::sort(found.begin(), found.end(), [](const auto &x, const auto &y) {
            return x.announcement.logicalAddress < y.announcement.logicalAddress;
        });
        QCOMPARE(found[0].address, std::string("127.0.0.1"));
        QCOMPARE(found[0].announcement.logicalAddress, uint16_t(0x1000));
        QCOMPARE(found[0].announcement.vin, std::string("CONDUITSIM0000001"));
        QCOMPARE(found[1].announcement.logicalAddress, uint16_t(0x2000));
    }
};

QTEST_APPLESS_MAIN(TestDoipDiscovery)
#include "tst_doipdiscovery.moc"
