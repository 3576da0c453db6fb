// The bootloader agent's image formats: Intel HEX and S-record records,
// their checks and errors (with line numbers), segment merging, limits,
// format detection, and streaming of a large image in any chunking.
#include "image/imageparser.h"
#include "image/imagewriter.h"
#include "json.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <fstream>

using namespace conduit::bootloader::image;

namespace {

std::string hex2(unsigned v) {
    char b[4];
    std::snprintf(b, sizeof b, "%02X", v & 0xffu);
    return b;
}

// An Intel HEX record with its checksum (the encoder the tests trust: the
// checksum makes the sum of all bytes 0 mod 256).
std::string ihex(uint8_t type, uint16_t offset, const Bytes &data) {
    Bytes b{uint8_t(data.size()), uint8_t(offset >> 8), uint8_t(offset), type};
    b.insert(b.end(), data.begin(), data.end());
    unsigned sum = 0;
    std::string line = ":";
    for (uint8_t x : b) sum += x, line += hex2(x);
    return line + hex2(0x100 - (sum & 0xff)) + "\n";
}

// An S-record: count covers address, data and checksum; the checksum is the
// ones' complement of the low byte of their sum.
std::string srec(int type, uint32_t address, const Bytes &data) {
    static const int kAddr[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
    Bytes b{uint8_t(kAddr[type] + data.size() + 1)};
    for (int i = kAddr[type] - 1; i >= 0; --i) b.push_back(uint8_t(address >> (8 * i)));
    b.insert(b.end(), data.begin(), data.end());
    unsigned sum = 0;
    std::string line = "S" + std::to_string(type);
    for (uint8_t x : b) sum += x, line += hex2(x);
    return line + hex2(~sum) + "\n";
}

Bytes ramp(size_t n, uint8_t from = 0) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(from + i);
    return b;
}

std::span<const uint8_t> bytesOf(const std::string &s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

std::optional<ImageError> parse(const std::string &text, ImageFormat format, Image &out, ImageLimits limits = {}) {
    return parseImage(bytesOf(text), format, limits, 0, out);
}

// Parses and expects failure of `kind` with exactly `message`.
void expectError(const std::string &text, ImageFormat format, ImageErrorKind kind, const std::string &message,
                 ImageLimits limits = {}) {
    Image image;
    const auto e = parse(text, format, image, limits);
    QVERIFY2(e, ("accepted: " + text).c_str());
    QCOMPARE(QString::fromStdString(e->message), QString::fromStdString(message));
    QCOMPARE(imageErrorKindName(e->kind), imageErrorKindName(kind));
}

const std::string kEof = ":00000001FF\n";

} // namespace

class TestImage : public QObject {
    Q_OBJECT

private slots:
    void ihexDataMergedAndSorted() {
        // Out of order, with a gap; adjacent records merge into one segment.
        const std::string text =
            ihex(0, 0x0110, ramp(16, 0x10)) + ihex(0, 0x0100, ramp(16)) + ihex(0, 0x0200, ramp(4, 0xa0)) + kEof;
        Image image;
        const auto e = parse(text, ImageFormat::IntelHex, image);
        QVERIFY2(!e, e ? e->message.c_str() : "");
        QCOMPARE(image.format, ImageFormat::IntelHex);
        QCOMPARE(image.segments.size(), size_t(2));
        QCOMPARE(image.segments[0].address, uint64_t(0x100));
        QVERIFY(image.segments[0].data == ramp(32));
        QCOMPARE(image.segments[1].address, uint64_t(0x200));
        QVERIFY(image.segments[1].data == ramp(4, 0xa0));
        QCOMPARE(image.totalBytes(), uint64_t(36));
        QVERIFY(!image.start);
    }

    // A record that fills the gap between two runs joins them, whichever is larger.
    void recordsJoiningRuns() {
        for (size_t firstSize : {size_t(16), size_t(200)}) {
            const std::string text =
                ihex(0, 0x1000, ramp(firstSize)) + ihex(0, 0x1100, ramp(100, 0x80)) +
                ihex(0, uint16_t(0x1000 + firstSize), ramp(0x100 - firstSize, uint8_t(firstSize))) +
                ihex(0, 0x0ff0, ramp(16, 0xf0)) + kEof;
            Image image;
            const auto e = parse(text, ImageFormat::IntelHex, image);
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(image.segments.size(), size_t(1));
            QCOMPARE(image.segments[0].address, uint64_t(0x0ff0));
            Bytes expected = ramp(16, 0xf0);
            const Bytes body = ramp(0x100), tail = ramp(100, 0x80);
            expected.insert(expected.end(), body.begin(), body.end());
            expected.insert(expected.end(), tail.begin(), tail.end());
            QVERIFY(image.segments[0].data == expected);
        }
    }

    // What the writer produces parses back to the same image (the ECU
    // simulator's and demo's images are made with it).
    void writerRoundTrip() {
        Image image;
        image.segments = {Segment{0x0000fff0, ramp(40)}, Segment{0x00030000, ramp(3)},
                          Segment{0x12345678, ramp(70, 5)}};
        image.start = StartAddress{StartAddress::Kind::Linear, 0x12345678};
        image.header = "conduit";
        for (ImageFormat f : {ImageFormat::IntelHex, ImageFormat::SRecord}) {
            const std::string text = f == ImageFormat::IntelHex ? writeIntelHex(image) : writeSRecord(image);
            QCOMPARE(detectImageFormatFromContent(bytesOf(text)), f);
            Image again;
            const auto e = parse(text, f, again);
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(again.segments.size(), image.segments.size());
            for (size_t i = 0; i < image.segments.size(); ++i) {
                QCOMPARE(again.segments[i].address, image.segments[i].address);
                QVERIFY(again.segments[i].data == image.segments[i].data);
            }
            QVERIFY(again.start && again.start->value == 0x12345678);
        }
        Image small;
        small.segments = {Segment{0x100, ramp(2)}};
        QCOMPARE(QString::fromStdString(writeSRecord(small)),
                 QStringLiteral("S0030000FC\nS10501000001F8\nS5030001FB\nS9030000FC\n"));
        QCOMPARE(QString::fromStdString(writeIntelHex(small)), QStringLiteral(":020100000001FC\n:00000001FF\n"));
    }

    void ihexExtendedAddressesAndStart() {
        // 04 sets the upper 16 bits, 02 a segment base (x16); 05 and 03 are kept.
        const std::string linear = ihex(4, 0, {0x00, 0x01}) + ihex(0, 0xfff0, ramp(16)) + ihex(4, 0, {0x00, 0x02}) +
                                   ihex(0, 0x0000, ramp(16, 16)) + ihex(5, 0, {0x00, 0x01, 0x02, 0x03}) + kEof;
        Image image;
        auto e = parse(linear, ImageFormat::IntelHex, image);
        QVERIFY2(!e, e ? e->message.c_str() : "");
        QCOMPARE(image.segments.size(), size_t(1)); // 0x1fff0..0x2000f crosses the block boundary, merged
        QCOMPARE(image.segments[0].address, uint64_t(0x1fff0));
        QVERIFY(image.segments[0].data == ramp(32));
        QVERIFY(image.start && image.start->kind == StartAddress::Kind::Linear && image.start->value == 0x00010203);

        const std::string segment =
            ihex(2, 0, {0x12, 0x34}) + ihex(0, 0x0010, {0xaa, 0xbb}) + ihex(3, 0, {0x12, 0x34, 0x00, 0x10}) + kEof;
        e = parse(segment, ImageFormat::IntelHex, image);
        QVERIFY2(!e, e ? e->message.c_str() : "");
        QCOMPARE(image.segments[0].address, uint64_t(0x12340 + 0x10));
        QVERIFY(image.start && image.start->kind == StartAddress::Kind::SegmentCsIp &&
                image.start->value == 0x12340010);
    }

    void ihexLineEndingsAndCase() {
        std::string crlf = ihex(0, 0x10, ramp(8)) + kEof;
        std::string lower = crlf;
        for (char &c : lower) c = char(std::tolower(c));
        for (size_t at = 0; (at = crlf.find('\n', at)) != std::string::npos; at += 2) crlf.insert(at, "\r");
        std::string noFinalNewline = crlf.substr(0, crlf.size() - 2);
        for (const std::string &text : {crlf, lower, noFinalNewline, "\n" + crlf + "\n\n"}) {
            Image image;
            const auto e = parse(text, ImageFormat::IntelHex, image);
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(image.segments.size(), size_t(1));
            QVERIFY(image.segments[0].data == ramp(8));
        }
    }

    void ihexErrors() {
        const std::string good = ihex(0, 0x0100, ramp(16));
        std::string badSum = good;
        badSum[badSum.size() - 2] = badSum[badSum.size() - 2] == '0' ? '1' : '0';
        // The record's computed checksum is the good one; the text holds another.
        const std::string stated = badSum.substr(badSum.size() - 3, 2), computed = good.substr(good.size() - 3, 2);
        expectError(good + badSum + kEof, ImageFormat::IntelHex, ImageErrorKind::Checksum,
                    "line 2: checksum 0x" + QString::fromStdString(stated).toLower().toStdString() + ", computed 0x" +
                        QString::fromStdString(computed).toLower().toStdString());
        expectError(":0300300002337A1F\n" + kEof, ImageFormat::IntelHex, ImageErrorKind::Checksum,
                    "line 1: checksum 0x1f, computed 0x1e");
        expectError(good, ImageFormat::IntelHex, ImageErrorKind::Structure,
                    "no end-of-file record (:00000001FF) after 1 lines: the file is truncated");
        expectError(good + kEof + good, ImageFormat::IntelHex, ImageErrorKind::Structure,
                    "line 3: data after the end-of-file record of line 2");
        expectError(ihex(6, 0, {}) + kEof, ImageFormat::IntelHex, ImageErrorKind::UnknownRecord,
                    "line 1: record type 0x06 is not an Intel HEX record type (00-05)");
        expectError("0000000000\n", ImageFormat::IntelHex, ImageErrorKind::Syntax, "line 1: a record starts with ':'");
        expectError(":00000001F\n", ImageFormat::IntelHex, ImageErrorKind::Syntax, "line 1: odd number of hex digits");
        expectError(":000000G1FF\n", ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: not a hex digit: 'G' at column 8");
        expectError(":0000 001FF\n", ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: not a hex digit: byte 0x20 at column 6");
        expectError(":0000FF\n", ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: record too short (3 bytes, at least 5)");
        std::string shortened = good;
        shortened.erase(9, 2); // one data byte fewer than the count says
        expectError(shortened + kEof, ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: byte count 0x10 needs a record of 21 bytes, this one has 20");
        expectError(ihex(1, 0, {0}) + kEof, ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: end-of-file record with 1 data bytes, not 0");
        expectError(ihex(4, 0, {1}) + kEof, ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: extended linear address record with 1 data bytes, not 2");
        expectError(ihex(4, 8, {0, 1}) + kEof, ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: extended linear address record with address field 8, not 0");
        expectError(ihex(0, 0xfff8, ramp(16)) + kEof, ImageFormat::IntelHex, ImageErrorKind::Address,
                    "line 1: data record at offset 65528 with 16 bytes wraps past the 64 KiB linear block");
        expectError(ihex(5, 0, {0, 0, 0, 1}) + ihex(5, 0, {0, 0, 0, 2}) + kEof, ImageFormat::IntelHex,
                    ImageErrorKind::Structure, "line 2: a second start address record (the first is on line 1)");
        expectError(ihex(0, 0x100, ramp(16)) + ihex(4, 0, {0, 1}) + ihex(0, 0, ramp(1)) + ihex(4, 0, {0, 0}) +
                        ihex(0, 0x10f, ramp(2)) + kEof,
                    ImageFormat::IntelHex, ImageErrorKind::Overlap,
                    "line 5: data at 0x0000010f..0x00000110 overlaps data at 0x00000100..0x0000010f from line 1");
        expectError(kEof, ImageFormat::IntelHex, ImageErrorKind::Empty, "the image holds no data");
        expectError(":" + std::string(600, '0') + "\n", ImageFormat::IntelHex, ImageErrorKind::Syntax,
                    "line 1: longer than 521 characters (no record of this format is)");
    }

    void srecRecords() {
        const std::string text = srec(0, 0, {'h', 'd', 'r'}) + srec(1, 0x1000, ramp(16)) + srec(2, 0x021000, ramp(8)) +
                                 srec(3, 0x00031000, ramp(4, 9)) + srec(1, 0x1010, ramp(16, 16)) + srec(5, 4, {}) +
                                 srec(9, 0x1000, {});
        Image image;
        auto e = parse(text, ImageFormat::SRecord, image);
        QVERIFY2(!e, e ? e->message.c_str() : "");
        QCOMPARE(image.format, ImageFormat::SRecord);
        QCOMPARE(QString::fromStdString(image.header), QStringLiteral("hdr"));
        QCOMPARE(image.segments.size(), size_t(3));
        QCOMPARE(image.segments[0].address, uint64_t(0x1000));
        QVERIFY(image.segments[0].data == ramp(32));
        QCOMPARE(image.segments[1].address, uint64_t(0x21000));
        QCOMPARE(image.segments[2].address, uint64_t(0x31000));
        QVERIFY(image.start && image.start->value == 0x1000);

        for (int end : {7, 8}) {
            e = parse(srec(3, 0x80000000, ramp(3)) + srec(6, 1, {}) + srec(end, 0x80000000 >> (end == 8 ? 8 : 0), {}),
                      ImageFormat::SRecord, image);
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(image.start->value, end == 7 ? 0x80000000u : 0x00800000u);
            QVERIFY(image.header.empty());
        }
    }

    void srecErrors() {
        const std::string data = srec(1, 0x1000, ramp(16));
        const std::string end = srec(9, 0, {});
        std::string badSum = data;
        badSum[badSum.size() - 2] ^= 1;
        Image image;
        const auto e = parse(badSum + end, ImageFormat::SRecord, image);
        QVERIFY(e && e->kind == ImageErrorKind::Checksum && e->line == 1);
        QVERIFY2(e->message.starts_with("line 1: checksum 0x") && e->message.find(", computed 0x") != std::string::npos,
                 e->message.c_str());
        expectError("S1130000285F245F2212226A000424290008237C2B\n" + end, ImageFormat::SRecord,
                    ImageErrorKind::Checksum, "line 1: checksum 0x2b, computed 0x2a");
        expectError(data + srec(5, 2, {}) + end, ImageFormat::SRecord, ImageErrorKind::Count,
                    "line 2: S5 count 2, the file has 1 data records before it");
        expectError(data, ImageFormat::SRecord, ImageErrorKind::Structure,
                    "no termination record (S7, S8 or S9) after 1 lines: the file is truncated");
        expectError(data + end + data, ImageFormat::SRecord, ImageErrorKind::Structure,
                    "line 3: data after the termination record of line 2");
        expectError(data + srec(0, 0, {}) + end, ImageFormat::SRecord, ImageErrorKind::Structure,
                    "line 2: S0 header record after the first record");
        expectError("S4030000FC\n" + end, ImageFormat::SRecord, ImageErrorKind::UnknownRecord,
                    "line 1: record type S4 is reserved");
        expectError("X1030000FC\n", ImageFormat::SRecord, ImageErrorKind::Syntax,
                    "line 1: a record starts with 'S' and a type digit");
        expectError("S10200FD\n", ImageFormat::SRecord, ImageErrorKind::Syntax,
                    "line 1: S1 record too short for its count, 2 address bytes and checksum");
        expectError("S1050000FA\n", ImageFormat::SRecord, ImageErrorKind::Syntax,
                    "line 1: byte count 0x05 needs 5 bytes after it, the record has 3");
        expectError(data + srec(9, 0, {1}), ImageFormat::SRecord, ImageErrorKind::Syntax,
                    "line 2: S9 record with 1 data bytes, it has none");
        expectError(srec(3, 0xfffffff8, ramp(16)) + end, ImageFormat::SRecord, ImageErrorKind::Address,
                    "line 1: 16 bytes at 0xfffffff8 reach beyond the address space end 0x100000000");
        expectError(data + srec(1, 0x1008, ramp(1)) + end, ImageFormat::SRecord, ImageErrorKind::Overlap,
                    "line 2: data at 0x00001008..0x00001008 overlaps data at 0x00001000..0x0000100f from line 1");
    }

    void rawAndLimits() {
        const Bytes blob = ramp(1000);
        Image image;
        auto e = parseImage(blob, ImageFormat::Raw, {}, 0x10000, image);
        QVERIFY(!e);
        QCOMPARE(image.segments.size(), size_t(1));
        QCOMPARE(image.segments[0].address, uint64_t(0x10000));
        QVERIFY(image.segments[0].data == blob);

        ImageLimits small;
        small.maxBytes = 999;
        e = parseImage(blob, ImageFormat::Raw, small, 0x10000, image);
        QVERIFY(e && e->kind == ImageErrorKind::TooLarge);
        QCOMPARE(QString::fromStdString(e->message), QStringLiteral("the image exceeds the limit of 999 bytes"));
        e = parseImage(blob, ImageFormat::Raw, {}, 0xfffffe00, image);
        QVERIFY(e && e->kind == ImageErrorKind::Address);
        e = parseImage({}, ImageFormat::Raw, {}, 0, image);
        QVERIFY(e && e->kind == ImageErrorKind::Empty);

        small = {};
        small.maxBytes = 20;
        expectError(ihex(0, 0, ramp(16)) + ihex(0, 16, ramp(16)) + kEof, ImageFormat::IntelHex,
                    ImageErrorKind::TooLarge, "line 2: the image exceeds the limit of 20 bytes", small);
        small = {};
        small.maxSegments = 2;
        expectError(ihex(0, 0, ramp(1)) + ihex(0, 2, ramp(1)) + ihex(0, 4, ramp(1)) + kEof, ImageFormat::IntelHex,
                    ImageErrorKind::TooLarge, "line 3: the image has more than 2 separate segments", small);
    }

    void formatDetection() {
        using conduit::plugin::Json;
        auto meta = [](const char *text) {
            Json j;
            std::string error;
            if (!Json::parse(text, j, error)) qFatal("bad test JSON: %s", error.c_str());
            return j;
        };
        const std::string hexText = ihex(0, 0, ramp(4)) + kEof;
        const std::string srecText = srec(1, 0, ramp(4)) + srec(9, 0, {});
        const Bytes binary = {0x7f, 'E', 'L', 'F', 0, 1};
        ImageError error{};
        QCOMPARE(detectImageFormat(meta("{}"), bytesOf(hexText), error), ImageFormat::IntelHex);
        QCOMPARE(detectImageFormat(meta("{}"), bytesOf("\r\n" + srecText), error), ImageFormat::SRecord);
        QCOMPARE(detectImageFormat(meta("{}"), binary, error), ImageFormat::Raw);
        QCOMPARE(detectImageFormatFromContent(bytesOf(":0011")), ImageFormat::Raw); // too short for a record
        QCOMPARE(detectImageFormatFromContent(bytesOf("S1 hello")), ImageFormat::Raw);
        // The signed metadata wins over the content.
        QCOMPARE(detectImageFormat(meta(R"({"format":"raw"})"), bytesOf(hexText), error), ImageFormat::Raw);
        QCOMPARE(detectImageFormat(meta(R"({"format":"srec"})"), binary, error), ImageFormat::SRecord);
        QCOMPARE(detectImageFormat(meta(R"({"format":"ihex"})"), binary, error), ImageFormat::IntelHex);
        QVERIFY(!detectImageFormat(meta(R"({"format":"elf"})"), binary, error));
        QCOMPARE(QString::fromStdString(error.message),
                 QStringLiteral("the custom metadata's \"format\" is \"elf\", not one of \"raw\", \"ihex\", \"srec\""));
        QVERIFY(!detectImageFormat(meta(R"({"format":1})"), binary, error));
        QCOMPARE(error.kind, ImageErrorKind::Metadata);
        for (ImageFormat f : {ImageFormat::Raw, ImageFormat::IntelHex, ImageFormat::SRecord})
            QCOMPARE(parseImageFormatName(imageFormatName(f)), f);
    }

    // Any split of the input gives the same image; a 16 MiB image streams
    // from a file, in descending record order too (merged without quadratic
    // copying: the time is printed, not asserted).
    void streamingAndLargeImages() {
        const std::string text = srec(0, 0, {'x'}) + srec(2, 0x10000, ramp(32)) + srec(2, 0x10020, ramp(32, 32)) +
                                 srec(5, 2, {}) + srec(8, 0x10000, {});
        Image whole;
        QVERIFY(!parse(text, ImageFormat::SRecord, whole));
        for (size_t step : {size_t(1), size_t(3), size_t(7), size_t(64)}) {
            auto parser = makeImageParser(ImageFormat::SRecord, {});
            for (size_t at = 0; at < text.size(); at += step)
                QVERIFY(!parser->feed(bytesOf(text).subspan(at, std::min(step, text.size() - at))));
            Image image;
            QVERIFY(!parser->finish(image));
            QCOMPARE(image.segments.size(), size_t(1));
            QVERIFY(image.segments[0].data == whole.segments[0].data);
        }

        QTemporaryDir dir;
        const size_t size = 16u << 20, record = 32;
        Bytes expected(size);
        for (size_t i = 0; i < size; ++i) expected[i] = uint8_t(i * 7 + (i >> 13));
        for (bool descending : {false, true}) {
            std::string file;
            file.reserve(size / record * 80);
            for (size_t k = 0; k < size / record; ++k) {
                const size_t at = descending ? size - (k + 1) * record : k * record;
                const uint32_t address = uint32_t(0x01000000 + at);
                file += srec(3, address, Bytes(expected.begin() + long(at), expected.begin() + long(at + record)));
            }
            file += srec(7, 0x01000000, {});
            const std::string path = dir.filePath(descending ? "down.s37" : "up.s37").toStdString();
            std::ofstream(path, std::ios::binary) << file;
            QElapsedTimer timer;
            timer.start();
            Image image;
            const auto e = readImageFile(path, ImageFormat::SRecord, {}, 0, image);
            const qint64 ms = timer.elapsed();
            QVERIFY2(!e, e ? e->message.c_str() : "");
            QCOMPARE(image.segments.size(), size_t(1));
            QCOMPARE(image.segments[0].address, uint64_t(0x01000000));
            QVERIFY(image.segments[0].data == expected);
            qInfo("16 MiB S-record (%zu MB of text, %s records): parsed in %lld ms", file.size() >> 20,
                  descending ? "descending" : "ascending", ms);
        }
        Image image;
        const auto e = readImageFile(dir.filePath("absent.hex").toStdString(), ImageFormat::IntelHex, {}, 0, image);
        QVERIFY(e && e->kind == ImageErrorKind::Io);
        QVERIFY2(e->message.find("absent.hex: No such file or directory") != std::string::npos, e->message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestImage)
#include "tst_image.moc"
