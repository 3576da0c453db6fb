// The IPC wire format: headers, field lists and the frame splitter.
#include "ipc/wire.h"
#include <conduit/agent.h>

#include <QTest>

using namespace conduit::ipc;

class TestWire : public QObject {
    Q_OBJECT
private slots:
    void fieldsRoundTrip() {
        Fields f;
        f.put(Tag::DeviceId, "ecu-1").putU64(Tag::Length, 1ull << 40).putI64(Tag::Code, -14);
        auto d = Fields::decode(f.encode(), nullptr);
        QVERIFY(d);
        QCOMPARE(d->strOr(Tag::DeviceId), std::string("ecu-1"));
        QCOMPARE(*d->u64(Tag::Length), 1ull << 40);
        QCOMPARE(*d->i64(Tag::Code), int64_t(-14));
        QVERIFY(!d->has(Tag::Sha256));
    }
    void rejectsDuplicateTag() {
        std::string bytes = Fields().put(Tag::Name, "a").encode();
        bytes += bytes;
        std::string error;
        QVERIFY(!Fields::decode(bytes, &error));
        QVERIFY(error.find("duplicate") != std::string::npos);
    }
    void rejectsTruncatedField() {
        std::string bytes = Fields().put(Tag::Name, "abcdef").encode();
        bytes.pop_back();
        std::string error;
        QVERIFY(!Fields::decode(bytes, &error));
        QVERIFY(error.find("beyond") != std::string::npos);
        QVERIFY(!Fields::decode(std::string_view("\x01\x00\x02", 3), &error));
    }
    void rejectsShortIntegers() {
        Fields f;
        f.put(Tag::Length, "abc"); // an integer tag with 3 bytes
        std::string error;
        QVERIFY(!Fields::decode(f.encode(), &error));
        QVERIFY(error.find("not 8 bytes") != std::string::npos);
    }
    void headerValidation_data() {
        QTest::addColumn<int>("corrupt");
        QTest::addColumn<int>("expected");
        QTest::newRow("magic") << 0 << int(HeaderError::BadMagic);
        QTest::newRow("type") << 4 << int(HeaderError::UnknownType);
        QTest::newRow("flags") << 6 << int(HeaderError::BadFlags);
        QTest::newRow("length") << 15 << int(HeaderError::TooLarge);
    }
    void headerValidation() {
        QFETCH(int, corrupt);
        QFETCH(int, expected);
        std::string frame = makeFrame(FrameType::Log, 7, std::string_view("x"));
        FrameHeader h;
        QCOMPARE(int(decodeHeader(reinterpret_cast<const unsigned char *>(frame.data()), h)), int(HeaderError::None));
        QCOMPARE(h.request, 7u);
        frame[corrupt] = char(0x7f);
        QCOMPARE(int(decodeHeader(reinterpret_cast<const unsigned char *>(frame.data()), h)), expected);
    }
    void readerSplitsAcrossArbitraryBoundaries() {
        std::string stream;
        for (uint32_t i = 1; i <= 50; ++i)
            stream += makeFrame(FrameType::Progress, i, Fields().putU64(Tag::Done, i * 3));
        FrameReader r;
        uint32_t seen = 0;
        // Feed in odd-sized pieces so headers and payloads are split.
        for (size_t pos = 0; pos < stream.size(); pos += 7) {
            r.append(stream.data() + pos, std::min<size_t>(7, stream.size() - pos));
            while (auto f = r.next()) {
                ++seen;
                QCOMPARE(f->header.request, seen);
                QCOMPARE(*Fields::decode(f->payload, nullptr)->u64(Tag::Done), uint64_t(seen * 3));
            }
        }
        QCOMPARE(seen, 50u);
        QCOMPARE(r.buffered(), size_t(0));
    }
    void readerStopsAtGarbage() {
        FrameReader r;
        const std::string good = makeFrame(FrameType::Log, 1, std::string_view{});
        r.append(good.data(), good.size());
        r.append("garbage garbage!", 16);
        QVERIFY(r.next());
        QVERIFY(!r.next());
        QCOMPARE(r.error(), std::string("bad frame magic"));
        r.append(good.data(), good.size());
        QVERIFY(!r.next()); // a broken stream stays broken
    }

    // A failure without a message of its own is shown by name, not as
    // "code -7".
    void resultCodesHaveNames() {
        QCOMPARE(QString::fromStdString(resultText(CONDUIT_E_IO)),
                 QStringLiteral("CONDUIT_E_IO (read/write failure on the device)"));
        QCOMPARE(QString::fromStdString(resultText(CONDUIT_E_NO_SPACE)),
                 QStringLiteral("CONDUIT_E_NO_SPACE (staging area too small)"));
        QCOMPARE(QString::fromStdString(resultText(-1003)), QStringLiteral("vendor code -1003"));
        QCOMPARE(QString::fromStdString(resultText(7)), QStringLiteral("unknown code 7"));
        for (int code = CONDUIT_E_ABI; code <= CONDUIT_OK; ++code)
            QVERIFY2(resultText(code).rfind("CONDUIT_", 0) == 0, resultText(code).c_str());
    }
};

QTEST_APPLESS_MAIN(TestWire)
#include "tst_wire.moc"
