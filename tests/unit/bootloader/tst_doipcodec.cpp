#include "proto/doip.h"

#include <QTest>

#include <functional>

using namespace conduit::bootloader::doip;

namespace {

// One decoder under test: its name for failure messages, a valid payload,
// the lengths it accepts, and the decode itself (true when it decoded).
struct Decoder {
    const char *name;
    std::function<bool(std::span<const uint8_t>, std::string &)> decode;
    std::vector<size_t> accepted; // exact lengths, or {min, SIZE_MAX} for "at least"
};

template <typename F>
std::function<bool(std::span<const uint8_t>, std::string &)> wrap(F f) {
    return [f](std::span<const uint8_t> p, std::string &e) { return f(p, e).has_value(); };
}

bool accepts(const Decoder &d, size_t n) {
    if (d.accepted.size() == 2 && d.accepted[1] == SIZE_MAX) return n >= d.accepted[0];
    return std::find(d.accepted.begin(), d.accepted.end(), n) != d.accepted.end();
}

Bytes bytesOf(std::initializer_list<int> v) {
    Bytes out;
    for (int b : v) out.push_back(static_cast<uint8_t>(b));
    return out;
}

} // namespace

class TestDoipCodec : public QObject {
    Q_OBJECT

private slots:
    void header() {
        const Bytes m = encode(Version::Iso2012, PayloadType::DiagnosticMessage, bytesOf({1, 2, 3}));
        QCOMPARE(m, bytesOf({0x02, 0xFD, 0x80, 0x01, 0, 0, 0, 3, 1, 2, 3}));
        GenericNackCode nack{};
        auto h = decodeHeader(std::span<const uint8_t, kHeaderSize>(m.data(), kHeaderSize), nack);
        QVERIFY(h);
        QCOMPARE(h->version, Version::Iso2012);
        QCOMPARE(h->type, uint16_t(0x8001));
        QCOMPARE(h->length, uint32_t(3));

        const Bytes v2019 = encode(Version::Iso2019, PayloadType::AliveCheckRequest, {});
        QVERIFY(decodeHeader(std::span<const uint8_t, kHeaderSize>(v2019.data(), kHeaderSize), nack));

        // The inverse must match, the version must be known, and 0xFF only opens identification requests.
        for (const Bytes &bad :
             {bytesOf({0x02, 0xFC, 0x80, 0x01, 0, 0, 0, 0}), bytesOf({0x04, 0xFB, 0, 5, 0, 0, 0, 0}),
              bytesOf({0x00, 0xFF, 0, 5, 0, 0, 0, 0}), bytesOf({0xFF, 0x00, 0x80, 0x01, 0, 0, 0, 0})}) {
            nack = GenericNackCode::OutOfMemory;
            QVERIFY(!decodeHeader(std::span<const uint8_t, kHeaderSize>(bad.data(), kHeaderSize), nack));
            QCOMPARE(nack, GenericNackCode::IncorrectPattern);
        }
        const Bytes any = bytesOf({0xFF, 0x00, 0x00, 0x01, 0, 0, 0, 0});
        QVERIFY(decodeHeader(std::span<const uint8_t, kHeaderSize>(any.data(), kHeaderSize), nack));
    }

    void names() {
        QCOMPARE(routingCodeName(0x04), std::string("missing authentication"));
        QCOMPARE(describeRoutingCode(0x04), std::string("missing authentication (0x04)"));
        QCOMPARE(describeRoutingCode(0x0A), std::string("reserved (0x0a)"));
        QCOMPARE(describeRoutingCode(0xE3), std::string("manufacturer-specific (0xe3)"));
        QCOMPARE(describeGenericNack(0x04), std::string("invalid payload length (0x04)"));
        QCOMPARE(describeDiagnosticNack(0x03), std::string("unknown target address (0x03)"));
        QCOMPARE(describeDiagnosticNack(0x00), std::string("reserved (0x00)"));
        QCOMPARE(payloadTypeName(0x8001), std::string("diagnostic message"));
        QCOMPARE(payloadTypeName(0x1234), std::string("reserved payload type (0x1234)"));
        QCOMPARE(payloadTypeName(0xF001), std::string("manufacturer-specific payload type (0xf001)"));
        for (uint8_t c : {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11})
            QVERIFY2(routingCodeName(c).find("reserved") == std::string::npos, describeRoutingCode(c).c_str());
        for (uint8_t c = 0x02; c <= 0x08; ++c) QVERIFY(diagnosticNackName(c).find("reserved") == std::string::npos);
        for (uint8_t c = 0x00; c <= 0x04; ++c) QVERIFY(genericNackName(c).find("reserved") == std::string::npos);
    }

    // Every payload: encode, decode, the same fields back; optional fields both ways.
    void roundTrips() {
        std::string error;
        VehicleAnnouncement a{
            "CONDUITSIM0000001", 0x1000, {0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, {0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, 0x00,
            std::nullopt};
        for (auto sync : {std::optional<uint8_t>{}, std::optional<uint8_t>{0x10}}) {
            a.syncStatus = sync;
            const Bytes p = encodeAnnouncement(a);
            QCOMPARE(p.size(), size_t(sync ? 33 : 32));
            auto d = decodeAnnouncement(p, error);
            QVERIFY2(d, error.c_str());
            QCOMPARE(d->vin, a.vin);
            QCOMPARE(d->logicalAddress, a.logicalAddress);
            QVERIFY(d->eid == a.eid && d->gid == a.gid);
            QCOMPARE(d->furtherAction, a.furtherAction);
            QCOMPARE(d->syncStatus, a.syncStatus);
        }
        for (auto oem : {std::optional<uint32_t>{}, std::optional<uint32_t>{0xCAFEBABE}}) {
            RoutingActivationRequest r{0x0E00, 0xE0, oem};
            const Bytes p = encodeRoutingRequest(r);
            QCOMPARE(p.size(), size_t(oem ? 11 : 7));
            auto d = decodeRoutingRequest(p, error);
            QVERIFY2(d, error.c_str());
            QCOMPARE(d->sourceAddress, r.sourceAddress);
            QCOMPARE(d->activationType, r.activationType);
            QCOMPARE(d->oemSpecific, r.oemSpecific);

            RoutingActivationResponse s{0x0E00, 0x1000, 0x11, oem};
            const Bytes q = encodeRoutingResponse(s);
            QCOMPARE(q.size(), size_t(oem ? 13 : 9));
            auto e = decodeRoutingResponse(q, error);
            QVERIFY2(e, error.c_str());
            QCOMPARE(e->testerAddress, s.testerAddress);
            QCOMPARE(e->entityAddress, s.entityAddress);
            QCOMPARE(e->code, s.code);
            QCOMPARE(e->oemSpecific, s.oemSpecific);
        }
        QCOMPARE(decodeAliveCheckResponse(encodeAliveCheckResponse(0x0E00), error), std::optional<uint16_t>(0x0E00));
        for (auto max : {std::optional<uint32_t>{}, std::optional<uint32_t>{4096}}) {
            EntityStatus s{0, 4, 1, max};
            auto d = decodeEntityStatus(encodeEntityStatus(s), error);
            QVERIFY2(d, error.c_str());
            QCOMPARE(d->nodeType, s.nodeType);
            QCOMPARE(d->maxSockets, s.maxSockets);
            QCOMPARE(d->openSockets, s.openSockets);
            QCOMPARE(d->maxDataSize, s.maxDataSize);
        }
        DiagnosticMessage m{0x0E00, 0x1001, bytesOf({0x10, 0x02})};
        auto dm = decodeDiagnostic(encodeDiagnostic(m), error);
        QVERIFY2(dm, error.c_str());
        QCOMPARE(dm->source, m.source);
        QCOMPARE(dm->target, m.target);
        QCOMPARE(dm->userData, m.userData);
        // The head written before the caller's UDS bytes is the whole message's start.
        for (Version v : {Version::Iso2012, Version::Iso2019}) {
            const Bytes whole = encode(v, PayloadType::DiagnosticMessage, encodeDiagnostic(m));
            const auto head = encodeDiagnosticHead(v, m.source, m.target, m.userData.size());
            QCOMPARE(Bytes(whole.begin(), whole.begin() + kDiagnosticHeadSize), Bytes(head.begin(), head.end()));
            QCOMPARE(Bytes(whole.begin() + kDiagnosticHeadSize, whole.end()), m.userData);
        }
        for (const Bytes &previous : {Bytes{}, bytesOf({0x10, 0x02})}) {
            DiagnosticAck k{0x1001, 0x0E00, 0x03, previous};
            auto d = decodeDiagnosticAck(encodeDiagnosticAck(k), error);
            QVERIFY2(d, error.c_str());
            QCOMPARE(d->source, k.source);
            QCOMPARE(d->target, k.target);
            QCOMPARE(d->code, k.code);
            QCOMPARE(d->previous, k.previous);
        }
        QCOMPARE(decodeGenericNack(encodeGenericNack(GenericNackCode::InvalidPayloadLength), error),
                 std::optional<uint8_t>(0x04));
        const std::array<uint8_t, 6> eid{0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
        QCOMPARE(decodeIdentificationRequestByEid(encodeIdentificationRequestByEid(eid), error), std::optional(eid));
        QCOMPARE(decodeIdentificationRequestByVin(encodeIdentificationRequestByVin("CONDUITSIM0000001"), error),
                 std::optional<std::string>("CONDUITSIM0000001"));
        QVERIFY(checkEmpty({}, PayloadType::AliveCheckRequest, error));
    }

    // Every decoder refuses every wrong length (0..40 bytes) with a message naming the payload.
    void wrongLengths() {
        const std::vector<Decoder> decoders = {
            {"vehicle announcement", wrap(decodeAnnouncement), {32, 33}},
            {"routing activation request", wrap(decodeRoutingRequest), {7, 11}},
            {"routing activation response", wrap(decodeRoutingResponse), {9, 13}},
            {"alive check response", wrap(decodeAliveCheckResponse), {2}},
            {"entity status response", wrap(decodeEntityStatus), {3, 7}},
            {"diagnostic message", wrap(decodeDiagnostic), {5, SIZE_MAX}},
            {"diagnostic message acknowledgement", wrap(decodeDiagnosticAck), {5, SIZE_MAX}},
            {"generic NACK", wrap(decodeGenericNack), {1}},
            {"vehicle identification request with EID", wrap(decodeIdentificationRequestByEid), {6}},
            {"vehicle identification request with VIN", wrap(decodeIdentificationRequestByVin), {17}},
            {"diagnostic power mode response", wrap(decodePowerModeResponse), {1}},
            {"alive check request",
             [](std::span<const uint8_t> p, std::string &e) {
                 return checkEmpty(p, PayloadType::AliveCheckRequest, e);
             },
             {0}},
        };
        const Bytes zeros(40, 0);
        for (const auto &d : decoders) {
            for (size_t n = 0; n <= zeros.size(); ++n) {
                std::string error;
                const bool ok = d.decode(std::span(zeros.data(), n), error);
                QVERIFY2(ok == accepts(d, n), (std::string(d.name) + " at " + std::to_string(n)).c_str());
                if (!ok) QVERIFY2(error.rfind(d.name, 0) == 0, error.c_str());
            }
        }
    }

    void streamByteByByte() {
        const Bytes a = encode(Version::Iso2012, PayloadType::DiagnosticMessage,
                               encodeDiagnostic({0x1001, 0x0E00, bytesOf({0x50, 0x02, 0, 50, 1, 0xF4})}));
        const Bytes b = encode(Version::Iso2019, PayloadType::AliveCheckRequest, {});
        const Bytes c =
            encode(Version::Iso2012, PayloadType::DiagnosticAck, encodeDiagnosticAck({0x1001, 0x0E00, 0, {}}));
        Bytes stream = a;
        stream.insert(stream.end(), b.begin(), b.end());
        stream.insert(stream.end(), c.begin(), c.end());

        StreamParser parser;
        std::vector<Message> got;
        for (uint8_t byte : stream) {
            parser.feed(std::span(&byte, 1));
            Message m;
            GenericNackCode nack{};
            StreamParser::Status s;
            while ((s = parser.next(m, nack)) == StreamParser::Status::Message) got.push_back(m);
            QCOMPARE(s, StreamParser::Status::NeedMore);
        }
        QCOMPARE(got.size(), size_t(3));
        QCOMPARE(got[0].type, uint16_t(0x8001));
        QCOMPARE(got[0].payload, Bytes(a.begin() + 8, a.end()));
        QCOMPARE(got[1].version, Version::Iso2019);
        QCOMPARE(got[1].type, uint16_t(0x0007));
        QVERIFY(got[1].payload.empty());
        QCOMPARE(got[2].type, uint16_t(0x8002));
        QCOMPARE(parser.buffered(), size_t(0));
    }

    // Many messages in one feed, then one split at every possible point.
    void streamCoalescedAndSplit() {
        Bytes stream;
        for (int i = 0; i < 50; ++i) {
            const Bytes m = encode(Version::Iso2012, PayloadType::DiagnosticMessage,
                                   encodeDiagnostic({0x1001, 0x0E00, Bytes(size_t(1 + i * 7), uint8_t(i))}));
            stream.insert(stream.end(), m.begin(), m.end());
        }
        StreamParser parser;
        parser.feed(stream);
        Message m;
        GenericNackCode nack{};
        for (int i = 0; i < 50; ++i) {
            QCOMPARE(parser.next(m, nack), StreamParser::Status::Message);
            QCOMPARE(m.payload.size(), size_t(4 + 1 + i * 7));
            QCOMPARE(m.payload.back(), uint8_t(i));
        }
        QCOMPARE(parser.next(m, nack), StreamParser::Status::NeedMore);

        const Bytes one = encode(Version::Iso2012, PayloadType::RoutingActivationResponse,
                                 encodeRoutingResponse({0x0E00, 0x1000, 0x10, std::nullopt}));
        for (size_t cut = 0; cut <= one.size(); ++cut) {
            StreamParser p;
            p.feed(std::span(one.data(), cut));
            if (cut < one.size()) QCOMPARE(p.next(m, nack), StreamParser::Status::NeedMore);
            p.feed(std::span(one.data() + cut, one.size() - cut));
            QCOMPARE(p.next(m, nack), StreamParser::Status::Message);
            QCOMPARE(m.payload, Bytes(one.begin() + 8, one.end()));
        }
    }

    // An oversized message is reported once, its payload dropped as it comes
    // (never buffered), and the stream goes on with the next message.
    void streamOversizeSkip() {
        StreamParser parser(64);
        const Bytes big = encode(Version::Iso2012, PayloadType::DiagnosticMessage, Bytes(1000, 0xAA));
        const Bytes after = encode(Version::Iso2012, PayloadType::AliveCheckResponse, encodeAliveCheckResponse(0x0E00));
        Message m;
        GenericNackCode nack{};
        parser.feed(std::span(big.data(), 20));
        QCOMPARE(parser.next(m, nack), StreamParser::Status::Skipped);
        QCOMPARE(nack, GenericNackCode::MessageTooLarge);
        QCOMPARE(parser.buffered(), size_t(0));
        for (size_t pos = 20; pos < big.size(); pos += 100) {
            parser.feed(std::span(big.data() + pos, std::min<size_t>(100, big.size() - pos)));
            QCOMPARE(parser.buffered(), size_t(0));
            QCOMPARE(parser.next(m, nack), StreamParser::Status::NeedMore);
        }
        parser.feed(after);
        QCOMPARE(parser.next(m, nack), StreamParser::Status::Message);
        QCOMPARE(m.type, uint16_t(0x0008));

        // Oversized message and its successor in one feed.
        StreamParser p2(64);
        Bytes both = big;
        both.insert(both.end(), after.begin(), after.end());
        p2.feed(both);
        QCOMPARE(p2.next(m, nack), StreamParser::Status::Skipped);
        QCOMPARE(p2.next(m, nack), StreamParser::Status::Message);
        QCOMPARE(m.type, uint16_t(0x0008));
    }

    void streamBadPatternFatal() {
        StreamParser parser;
        const Bytes good = encode(Version::Iso2012, PayloadType::AliveCheckRequest, {});
        Bytes stream = good;
        const Bytes bad = bytesOf({0x02, 0x02, 0x00, 0x07, 0, 0, 0, 0});
        stream.insert(stream.end(), bad.begin(), bad.end());
        stream.insert(stream.end(), good.begin(), good.end());
        parser.feed(stream);
        Message m;
        GenericNackCode nack{};
        QCOMPARE(parser.next(m, nack), StreamParser::Status::Message);
        QCOMPARE(parser.next(m, nack), StreamParser::Status::Fatal);
        QCOMPARE(nack, GenericNackCode::IncorrectPattern);
        // Fatal sticks: nothing after a bad header is trusted.
        parser.feed(good);
        QCOMPARE(parser.next(m, nack), StreamParser::Status::Fatal);
    }
};

QTEST_APPLESS_MAIN(TestDoipCodec)
#include "tst_doipcodec.moc"
