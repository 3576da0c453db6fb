// The offline bundle: a round trip through BundleWriter/BundleReader and
// verifyUptane, and one test per hardening rule of the reader. Hostile
// archives are built here with an independent ustar encoder, so a bug in the
// production encoder cannot hide one in the reader.
#include "trust/bundle.h"
#include "trust/repositorybuilder.h"
#include "trust/ustar_p.h"

#include <QBuffer>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <QTimeZone>
#include <sys/stat.h>

#include <cstring>

using namespace conduit::trust;

// QVERIFY for Status/Result, printing the error.
#define QVERIFY_RESULT(expr)                                                                                           \
    do {                                                                                                               \
        auto r_ = (expr);                                                                                              \
        QVERIFY2(r_.ok(), r_.ok() ? "" : qPrintable(r_.error().message));                                              \
    } while (0)

namespace {

const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

JsonValue obj(JsonValue::Object o) { return JsonValue(std::move(o)); }

// A hand-rolled ustar writer whose every field the test controls.
struct RawEntry {
    QByteArray name;
    char type = '0';
    QByteArray data;
    QByteArray prefix;
    QByteArray linkName;
    std::optional<qint64> claimedSize; // header size different from data
};

void putOctal(char *field, int width, qint64 value) {
    const QByteArray digits = QByteArray::number(value, 8).rightJustified(width - 1, '0');
    std::memcpy(field, digits.constData(), size_t(digits.size()));
}

QByteArray rawHeader(const RawEntry &e) {
    QByteArray h(512, '\0');
    char *b = h.data();
    std::memcpy(b, e.name.constData(), size_t(qMin<qsizetype>(e.name.size(), 100)));
    putOctal(b + 100, 8, e.type == '5' ? 0755 : 0644);
    putOctal(b + 108, 8, 0);
    putOctal(b + 116, 8, 0);
    putOctal(b + 124, 12, e.claimedSize.value_or(e.data.size()));
    putOctal(b + 136, 12, 1893499200);
    b[156] = e.type;
    std::memcpy(b + 157, e.linkName.constData(), size_t(e.linkName.size()));
    std::memcpy(b + 257,
                "ustar\0"
                "00",
                8);
    std::memcpy(b + 345, e.prefix.constData(), size_t(e.prefix.size()));
    std::memset(b + 148, ' ', 8);
    unsigned sum = 0;
    for (char c : h) sum += static_cast<unsigned char>(c);
    putOctal(b + 148, 7, sum);
    return h;
}

QByteArray indexFor(const std::vector<RawEntry> &entries) {
    JsonValue::Array contents;
    for (const RawEntry &e : entries) {
        if (e.type == '0' && e.name != "bundle.json")
            contents.emplace_back(obj(
                {{"path", JsonValue(std::string(e.name.constData()))}, {"length", JsonValue(qint64(e.data.size()))}}));
    }
    return compactJson(obj(
        {{"format", JsonValue(1)}, {"created", "2030-01-01T12:00:00Z"}, {"contents", JsonValue(std::move(contents))}}));
}

// bundle.json (listing the regular files) followed by `entries`.
QByteArray rawArchive(std::vector<RawEntry> entries, bool withIndex = true, bool withEnd = true) {
    if (withIndex) entries.insert(entries.begin(), RawEntry{"bundle.json", '0', indexFor(entries)});
    QByteArray out;
    for (const RawEntry &e : entries) {
        out += rawHeader(e);
        out += e.data;
        out += QByteArray((512 - e.data.size() % 512) % 512, '\0');
    }
    if (withEnd) out += QByteArray(1024, '\0');
    return out;
}

Result<BundleReader> openBytes(const QByteArray &bytes, const BundleLimits &limits = {}) {
    auto buffer = std::make_shared<QBuffer>();
    buffer->setData(bytes);
    buffer->open(QIODevice::ReadOnly);
    return BundleReader::open(std::shared_ptr<QIODevice>(buffer), limits);
}

} // namespace

class TestBundle : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    std::unique_ptr<RepositoryBuilder> director, image;
    MemorySource directorSource, imageSource;
    Vehicle vehicle{
        QStringLiteral("VIN1"),
        {{QStringLiteral("ECU-1"), QStringLiteral("hw-a")}, {QStringLiteral("ECU-2"), QStringLiteral("hw-b")}}};
    QByteArray imageA = QByteArray(700000, 'a') + "end of image a";
    QByteArray imageB = "firmware b";

    void assign(const QString &name, const QByteArray &content, const QString &ecu, const QString &hw) {
        image->addTarget(name, content,
                         obj({{"hardware_ids", JsonValue::array({hw})}, {"release_counter", JsonValue(1)}}));
        director->addTarget(name, content,
                            obj({{"ecu_identifiers", obj({{ecu.toStdString(), obj({{"hardware_id", JsonValue(hw)}})}})},
                                 {"release_counter", JsonValue(1)}}));
    }

    // A bundle of the current release; `imageBytes` replaces target contents.
    static void must(const Status &status) {
        if (!status) qFatal("bundle setup failed: %s", qPrintable(status.error().message));
    }

    QString writeBundle(const QString &fileName, std::map<QString, QByteArray> imageBytes = {}) {
        directorSource = {};
        imageSource = {};
        director->publish(directorSource);
        image->publish(imageSource);
        BundleWriter writer;
        for (const QString &name : directorSource.names())
            must(writer.addMetadata(QStringLiteral("director"), name, *directorSource.file(name)));
        for (const QString &name : imageSource.names())
            must(writer.addMetadata(QStringLiteral("image"), name, *imageSource.file(name)));
        imageBytes.try_emplace(QStringLiteral("ecu/a.bin"), imageA);
        imageBytes.try_emplace(QStringLiteral("b.bin"), imageB);
        for (const auto &[name, bytes] : imageBytes) must(writer.addTargetBytes(name, bytes));
        const QString path = dir.filePath(fileName);
        must(writer.write(path, kNow, QStringLiteral("tst_bundle")));
        return path;
    }

    Result<TrustedState> provisioned() { return provisionTrustedState(director->initialRoot(), image->initialRoot()); }

    static void expectError(const QByteArray &archive, const QString &fragment, const BundleLimits &limits = {}) {
        auto reader = openBytes(archive, limits);
        QVERIFY2(!reader.ok(), qPrintable(QStringLiteral("accepted; expected: ") + fragment));
        QVERIFY2(reader.error().message.contains(fragment), qPrintable(reader.error().message));
    }

private slots:
    void init() {
        director = std::make_unique<RepositoryBuilder>(QStringLiteral("bundle-director"), kNow);
        image = std::make_unique<RepositoryBuilder>(QStringLiteral("bundle-image"), kNow);
        assign(QStringLiteral("ecu/a.bin"), imageA, QStringLiteral("ECU-1"), QStringLiteral("hw-a"));
        assign(QStringLiteral("b.bin"), imageB, QStringLiteral("ECU-2"), QStringLiteral("hw-b"));
    }

    void roundTripVerifies() {
        const QString path = writeBundle(QStringLiteral("good.bundle"));
        auto reader = BundleReader::open(path);
        QVERIFY_RESULT(reader);
        QCOMPARE(reader->format(), 1);
        QCOMPARE(reader->created(), kNow);
        QCOMPARE(reader->entries().front().path, QStringLiteral("bundle.json"));

        auto trusted = provisioned();
        QVERIFY_RESULT(trusted);
        auto directorMeta = reader->metadataSource(QStringLiteral("director"));
        auto imageMeta = reader->metadataSource(QStringLiteral("image"));
        auto update = verifyUptane(*trusted, *directorMeta, *imageMeta, vehicle, kNow);
        QVERIFY_RESULT(update);
        QCOMPARE(update->targets.size(), size_t(2));
        for (const VerifiedTarget &target : update->targets) QVERIFY_RESULT(verifyBundledTarget(*reader, target));

        const BundleEntry *a = reader->target(QStringLiteral("ecu/a.bin"));
        QVERIFY(a);
        auto device = reader->openEntry(*a);
        QCOMPARE(device->size(), qint64(imageA.size()));
        QCOMPARE(device->readAll(), imageA); // the window stops at the entry's end
        QVERIFY(!reader->target(QStringLiteral("missing.bin")));
    }

    void deterministicOutput() {
        const QString one = writeBundle(QStringLiteral("one.bundle"));
        const QString two = writeBundle(QStringLiteral("two.bundle"));
        QFile a(one), b(two);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), b.readAll());
    }

    void longNamesUsePrefixField() {
        const QString longName = QStringLiteral("vendor-with-a-long-name/") + QString(90, u'd') + QStringLiteral("/") +
                                 QString(60, u'f') + QStringLiteral(".bin");
        QVERIFY(longName.size() > 100);
        BundleWriter writer;
        QVERIFY_RESULT(writer.addTargetBytes(longName, "long"));
        const QString path = dir.filePath(QStringLiteral("long-names.bundle"));
        QVERIFY_RESULT(writer.write(path, kNow));
        auto reader = BundleReader::open(path);
        QVERIFY_RESULT(reader);
        const BundleEntry *entry = reader->target(longName);
        QVERIFY(entry);
        QCOMPARE(reader->openEntry(*entry)->readAll(), QByteArray("long"));

        BundleWriter tooLong;
        QVERIFY_RESULT(tooLong.addTargetBytes(QString(300, u'x'), "x"));
        auto refused = tooLong.write(dir.filePath(QStringLiteral("too-long.bundle")), kNow);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QStringLiteral("path too long")),
                 qPrintable(refused.error().message));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("too-long.bundle")))); // nothing half-written
    }

    void sizesBeyondEightGiBRoundTrip() {
        // 11 octal digits stop at 8 GiB - 1; larger images use all 12 digits.
        for (qint64 size : {qint64(0), qint64(1) << 33, (qint64(1) << 36) - 1}) {
            auto header = ustar::encodeHeader("targets/big.img", false, size, 0);
            QVERIFY_RESULT(header);
            auto decoded = ustar::decodeHeader(header->constData());
            QVERIFY_RESULT(decoded);
            QCOMPARE(decoded->size, size);
        }
        QVERIFY(!ustar::encodeHeader("targets/big.img", false, qint64(1) << 36, 0).ok());
    }

    void tarListsBundle() {
        const QString tar = QStandardPaths::findExecutable(QStringLiteral("tar"));
        if (tar.isEmpty()) QFAIL("tar not installed (scripts/install-deps installs it)");
        const QString path = writeBundle(QStringLiteral("listed.bundle"));
        QProcess process;
        process.start(tar, {QStringLiteral("tvf"), path});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        const QString listing = QString::fromUtf8(process.readAllStandardOutput());
        const QStringList lines = listing.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.first().endsWith(QLatin1String("bundle.json")), qPrintable(listing));
        for (const char *expected : {"director/1.root.json", "director/timestamp.json", "image/1.targets.json",
                                     "targets/ecu/a.bin", "targets/b.bin"})
            QVERIFY2(listing.contains(QLatin1String(expected)), qPrintable(listing));
        QVERIFY2(listing.contains(QStringLiteral("%1").arg(imageA.size())), qPrintable(listing));
    }

    void tamperedTargetDetected() {
        QByteArray evil = imageA;
        evil[1000] = 'b';
        const QString path = writeBundle(QStringLiteral("tampered.bundle"), {{QStringLiteral("ecu/a.bin"), evil}});
        auto reader = BundleReader::open(path);
        QVERIFY_RESULT(reader);
        auto trusted = provisioned();
        auto d = reader->metadataSource(QStringLiteral("director"));
        auto i = reader->metadataSource(QStringLiteral("image"));
        auto update = verifyUptane(*trusted, *d, *i, vehicle, kNow);
        QVERIFY_RESULT(update);
        bool refused = false;
        for (const VerifiedTarget &target : update->targets) {
            auto checked = verifyBundledTarget(*reader, target);
            if (target.name == QLatin1String("ecu/a.bin")) {
                QVERIFY(!checked.ok());
                QCOMPARE(checked.error().kind, TrustErrorKind::ImageMismatch);
                refused = true;
            } else {
                QVERIFY_RESULT(checked);
            }
        }
        QVERIFY(refused);
    }

    void longerTargetIsEndlessData() {
        const QString path = writeBundle(QStringLiteral("long.bundle"), {{QStringLiteral("b.bin"), imageB + "x"}});
        auto reader = BundleReader::open(path);
        QVERIFY_RESULT(reader);
        VerifiedTarget target;
        target.name = QStringLiteral("b.bin");
        target.length = imageB.size();
        target.hashes = {{QStringLiteral("sha256"), sha256Hex(imageB)}};
        auto checked = verifyBundledTarget(*reader, target);
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().kind, TrustErrorKind::EndlessData);
        // The host's check before an install (BundleCampaign) says the same,
        // without reading the image.
        auto image = bundledImage(*reader, target);
        QVERIFY(!image.ok());
        QCOMPARE(image.error().kind, TrustErrorKind::EndlessData);
        target.length = imageB.size() + 2;
        image = bundledImage(*reader, target);
        QVERIFY(!image.ok());
        QCOMPARE(image.error().kind, TrustErrorKind::ImageMismatch);
        target.length = imageB.size() + 1;
        QVERIFY(bundledImage(*reader, target).ok());
    }

    void metadataSourceStopsAtLimit() {
        auto reader = BundleReader::open(writeBundle(QStringLiteral("limit.bundle")));
        QVERIFY_RESULT(reader);
        auto source = reader->metadataSource(QStringLiteral("image"));
        auto root = source->fetch(QStringLiteral("1.root.json"), 10);
        QVERIFY(root);
        QCOMPARE(root->size(), 11);
        QVERIFY(!source->fetch(QStringLiteral("../director/1.root.json"), 1000));
        QVERIFY(!source->fetch(QStringLiteral("9.root.json"), 1000));
    }

    void minimalHandBuiltArchiveOpens() {
        // Positive control for the hostile cases below: the same encoder, valid input.
        auto reader = openBytes(
            rawArchive({{"director", '5'}, {"director/1.root.json", '0', "{}"}, {"targets/x/y.bin", '0', "data"}}));
        QVERIFY_RESULT(reader);
        QCOMPARE(reader->entries().size(), size_t(4));
        QVERIFY(reader->target(QStringLiteral("x/y.bin")));
    }

    void refusesPathTraversal_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("prefix");
        QTest::newRow("dotdot") << QByteArray("targets/../../etc/passwd") << QByteArray();
        QTest::newRow("leading dotdot") << QByteArray("../bundle.json") << QByteArray();
        QTest::newRow("absolute") << QByteArray("/etc/passwd") << QByteArray();
        QTest::newRow("absolute prefix") << QByteArray("passwd") << QByteArray("/etc");
        QTest::newRow("dotdot in prefix") << QByteArray("x.bin") << QByteArray("targets/..");
        QTest::newRow("backslash") << QByteArray("targets\\..\\x") << QByteArray();
        QTest::newRow("dot segment") << QByteArray("targets/./x") << QByteArray();
        QTest::newRow("empty segment") << QByteArray("targets//x") << QByteArray();
        QTest::newRow("control char") << QByteArray("targets/a\x01") << QByteArray();
    }
    void refusesPathTraversal() {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, prefix);
        expectError(rawArchive({{name, '0', "x", prefix}}), QStringLiteral("path traversal"));
    }

    void refusesNulInName() {
        QByteArray name("targets/a.bin\0../../x", 21);
        expectError(rawArchive({{name, '0', "x"}}), QStringLiteral("NUL byte inside the entry name"));
    }

    void refusesInvalidUtf8Name() {
        expectError(rawArchive({{"targets/\xff\xfe", '0', "x"}}), QStringLiteral("not valid UTF-8"));
    }

    void refusesLinksAndSpecialFiles_data() {
        QTest::addColumn<char>("type");
        QTest::addColumn<QString>("message");
        QTest::newRow("symlink") << '2' << QStringLiteral("symbolic links are not allowed");
        QTest::newRow("hardlink") << '1' << QStringLiteral("hard links are not allowed");
        QTest::newRow("char device") << '3' << QStringLiteral("device nodes are not allowed");
        QTest::newRow("block device") << '4' << QStringLiteral("device nodes are not allowed");
        QTest::newRow("fifo") << '6' << QStringLiteral("FIFOs are not allowed");
        QTest::newRow("pax header") << 'x' << QStringLiteral("extension headers are not allowed");
        QTest::newRow("gnu long name") << 'L' << QStringLiteral("extension headers are not allowed");
        QTest::newRow("unknown") << 'Z' << QStringLiteral("unsupported entry type");
    }
    void refusesLinksAndSpecialFiles() {
        QFETCH(char, type);
        QFETCH(QString, message);
        RawEntry e{"targets/a.bin", type, QByteArray(), QByteArray(),
                   type == '1' || type == '2' ? QByteArray("/etc/shadow") : QByteArray()};
        expectError(rawArchive({e}), message);
        // The message names the entry.
        expectError(rawArchive({e}), QStringLiteral("targets/a.bin"));
    }

    // A path that is no regular file is refused at once: a FIFO with no
    // writer blocked open() for ever (conduitd's event loop with it).
    void refusesPathsThatAreNotRegularFiles() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString fifo = dir.filePath(QStringLiteral("bundle.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        for (const QString &path : {fifo, dir.path(), QStringLiteral("/dev/null")}) {
            auto r = BundleReader::open(path);
            QVERIFY2(!r, qPrintable(path));
            QCOMPARE(r.error().message, QStringLiteral("bundle %1 is not a regular file").arg(path));
        }
        auto missing = BundleReader::open(dir.filePath(QStringLiteral("none.bundle")));
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, TrustErrorKind::Missing);
    }

    void refusesLinkNameOnFile() {
        expectError(rawArchive({{"targets/a.bin", '0', "x", QByteArray(), "/etc/shadow"}}),
                    QStringLiteral("link name"));
    }

    void refusesOversizedEntries() {
        BundleLimits limits;
        limits.maxMetadataBytes = 100;
        limits.maxTargetBytes = 1000;
        expectError(rawArchive({{"director/1.root.json", '0', QByteArray(101, ' ')}}),
                    QStringLiteral("over the limit of 100"), limits);
        expectError(rawArchive({{"targets/a.bin", '0', QByteArray(1001, 'x')}}),
                    QStringLiteral("over the limit of 1000"), limits);
        QVERIFY_RESULT(openBytes(rawArchive({{"targets/a.bin", '0', QByteArray(1000, 'x')}}), limits));
        limits.maxIndexBytes = 10;
        expectError(rawArchive({}), QStringLiteral("\"bundle.json\": "), limits);
        // A size claim far past the end is refused before anything is read.
        expectError(rawArchive({{"targets/a.bin", '0', "x", {}, {}, qint64(60) << 30}}),
                    QStringLiteral("over the limit"), limits);
    }

    void refusesTruncation() {
        // Header claims more than the file holds.
        expectError(rawArchive({{"targets/a.bin", '0', "abc", {}, {}, 4096}}),
                    QStringLiteral("truncated: the header says 4096 bytes"));
        // No end-of-archive marker.
        expectError(rawArchive({{"targets/a.bin", '0', "abc"}}, true, false),
                    QStringLiteral("no end-of-archive marker"));
        // Cut in the middle of a header.
        const QByteArray good = rawArchive({{"targets/a.bin", '0', "abc"}}, true, false);
        expectError(good.left(good.size() - 600), QStringLiteral("truncated"));
        expectError(QByteArray(), QStringLiteral("truncated"));
    }

    void refusesBadChecksum() {
        QByteArray archive = rawArchive({{"targets/a.bin", '0', "abc"}});
        const qsizetype second = 512 + ((indexFor({{"targets/a.bin", '0', "abc"}}).size() + 511) / 512) * 512;
        archive[second + 10] = 'X'; // inside the name of the second header
        expectError(archive, QStringLiteral("header checksum mismatch"));
        // The production writer's checksums are verified too.
        QFile file(writeBundle(QStringLiteral("checksum.bundle")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray written = file.readAll();
        QVERIFY_RESULT(openBytes(written));
        written[124] = written[124] == '0' ? '1' : '0'; // size field of bundle.json
        expectError(written, QStringLiteral("header checksum mismatch"));
    }

    void refusesNonUstarMagic() {
        QByteArray archive = rawArchive({});
        std::memcpy(archive.data() + 257, "ustar  \0", 8); // GNU magic
        expectError(archive, QStringLiteral("not a POSIX ustar header"));
    }

    void refusesDuplicates() {
        expectError(rawArchive({{"targets/a.bin", '0', "one"}, {"targets/a.bin", '0', "two"}}),
                    QStringLiteral("duplicate entry"));
        expectError(rawArchive({{"director", '5'}, {"director/", '5'}}), QStringLiteral("duplicate entry"));
        expectError(rawArchive({{"targets/a", '0', "one"}, {"targets/a/b", '0', "two"}}),
                    QStringLiteral("below the file"));
        expectError(rawArchive({{"targets/a/b", '0', "one"}, {"targets/a", '0', "two"}}),
                    QStringLiteral("a file where a directory is used"));
    }

    void refusesTooManyEntries() {
        BundleLimits limits;
        limits.maxEntries = 3;
        QVERIFY_RESULT(openBytes(rawArchive({{"targets/a", '0', "1"}, {"targets/b", '0', "2"}}), limits));
        expectError(rawArchive({{"targets/a", '0', "1"}, {"targets/b", '0', "2"}, {"targets/c", '0', "3"}}),
                    QStringLiteral("more than 3 entries"), limits);
    }

    void refusesUnexpectedLayout() {
        expectError(rawArchive({{"etc/passwd", '0', "x"}}), QStringLiteral("unexpected entry"));
        expectError(rawArchive({{"director/sub/1.root.json", '0', "x"}}), QStringLiteral("unexpected entry"));
        expectError(rawArchive({{"director/1.root.txt", '0', "x"}}), QStringLiteral("unexpected entry"));
        expectError(rawArchive({{"etc", '5'}}), QStringLiteral("unexpected directory"));
        expectError(rawArchive({{"targets/a.bin", '0', "x"}}, false),
                    QStringLiteral("the first entry must be bundle.json"));
    }

    void refusesIndexMismatch() {
        std::vector<RawEntry> entries{{"targets/a.bin", '0', "abc"}};
        QByteArray index = indexFor(entries);
        // Entry not listed.
        std::vector<RawEntry> withIndex{{"bundle.json", '0', indexFor({})}, {"targets/a.bin", '0', "abc"}};
        expectError(rawArchive(withIndex, false), QStringLiteral("not listed in bundle.json"));
        // Listed but missing.
        expectError(rawArchive({{"bundle.json", '0', index}}, false),
                    QStringLiteral("which the archive does not contain"));
        // Length differs.
        withIndex = {{"bundle.json", '0', index}, {"targets/a.bin", '0', "abcd"}};
        expectError(rawArchive(withIndex, false), QStringLiteral("4 bytes, bundle.json lists 3"));
        // Unsupported format, invalid JSON.
        withIndex = {{"bundle.json", '0', R"({"format":2,"created":"2030-01-01T12:00:00Z","contents":[]})"}};
        expectError(rawArchive(withIndex, false), QStringLiteral("bundle format 2 is not supported"));
        withIndex = {{"bundle.json", '0', R"({"format":1,"format":1})"}};
        expectError(rawArchive(withIndex, false), QStringLiteral("bundle.json: malformed"));
    }

    void refusesTrailingData() {
        QByteArray archive = rawArchive({});
        QVERIFY_RESULT(openBytes(archive + QByteArray(9216, '\0'))); // tar record padding is fine
        expectError(archive + "garbage", QStringLiteral("non-zero data after the end"));
    }
};

QTEST_GUILESS_MAIN(TestBundle)
#include "tst_bundle.moc"
