// The OEM seed/key interface: real dlopen of the example library and of
// broken ones, every error named, and the example algorithm against the
// formula of the conventions (the ECU simulator implements it apart).
#include "seedkeylibrary.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace conduit::bootloader;
using Bytes = std::vector<uint8_t>;

namespace {
// key[i] = seed[n-1-i] XOR (0xC3 + level) XOR secret[i % 4]
Bytes conventionKey(const Bytes &seed, uint8_t level) {
    static const uint8_t secret[4] = {0x13, 0x37, 0xC0, 0xDE};
    Bytes key(seed.size());
    for (size_t i = 0; i < seed.size(); ++i)
        key[i] = uint8_t(seed[seed.size() - 1 - i] ^ uint8_t(0xC3 + level) ^ secret[i % 4]);
    return key;
}
} // namespace

class TestSeedKey : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void exampleAlgorithm() {
        SeedKeyError error{};
        auto lib = SeedKeyLibrary::open(SEEDKEY_EXAMPLE, error);
        QVERIFY2(lib, error.message.c_str());
        QVERIFY(lib->hasOptions());
        QCOMPARE(lib->conduitVersion(), std::optional<unsigned>(CONDUIT_SEEDKEY_VERSION));
        QVERIFY(lib->describe().find("GenerateKeyExOpt, seed/key interface 1") != std::string::npos);

        Bytes key;
        // Worked by hand: 04^C4^13, 03^C4^37, 02^C4^C0, 01^C4^DE.
        QVERIFY(!lib->generateKey(Bytes{1, 2, 3, 4}, 0x01, "conduit-example", "", key));
        QVERIFY(key == (Bytes{0xD3, 0xF0, 0x06, 0x1B}));
        for (uint8_t level : {uint8_t(0x01), uint8_t(0x03), uint8_t(0x11), uint8_t(0x7d)})
            for (const Bytes &seed : {Bytes{0xde, 0xad, 0xbe, 0xef}, Bytes{0x5a}, Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
                QVERIFY(!lib->generateKey(seed, level, "conduit-example", "opt=1", key));
                QVERIFY(key == conventionKey(seed, level));
            }
    }

    void exampleRefusals() {
        SeedKeyError error{};
        auto lib = SeedKeyLibrary::open(SEEDKEY_EXAMPLE, error);
        QVERIFY(lib);
        Bytes key;
        auto e = lib->generateKey(Bytes{1, 2, 3, 4}, 0x02, "conduit-example", "", key);
        QVERIFY(e && e->kind == SeedKeyError::Kind::Result && e->result == SeedKeyResult::SecurityLevelInvalid);
        QVERIFY2(e->message.find("returned securityLevelInvalid (2) for level 2") != std::string::npos,
                 e->message.c_str());
        e = lib->generateKey(Bytes{1, 2, 3, 4}, 0x01, "other-oem", "", key);
        QVERIFY(e && e->result == SeedKeyResult::VariantInvalid);
        QVERIFY(e->message.find("variant \"other-oem\"") != std::string::npos);
        e = lib->generateKey(Bytes{1, 2, 3, 4}, 0x01, "conduit-example", "", key, 3);
        QVERIFY(e && e->result == SeedKeyResult::BufferTooSmall);
        QVERIFY(key.empty());
        e = lib->generateKey(Bytes{}, 0x01, "conduit-example", "", key);
        QVERIFY(e && e->result == SeedKeyResult::UnspecifiedError);
    }

    void loadErrors() {
        SeedKeyError error{};
        QVERIFY(!SeedKeyLibrary::open(dir_.filePath("absent.so").toStdString(), error));
        QCOMPARE(error.kind, SeedKeyError::Kind::Load);
        QVERIFY2(error.message.ends_with("absent.so: No such file or directory"), error.message.c_str());

        const std::string text = dir_.filePath("text.so").toStdString();
        std::ofstream(text) << "not an ELF file\n";
        QVERIFY(!SeedKeyLibrary::open(text, error));
        QCOMPARE(error.kind, SeedKeyError::Kind::Load);
        QVERIFY2(error.message.find("does not load: ") != std::string::npos, error.message.c_str());
        QVERIFY(!SeedKeyLibrary::open(dir_.path().toStdString(), error));
        QVERIFY2(error.message.ends_with(": not a regular file"), error.message.c_str());

        QVERIFY(!SeedKeyLibrary::open(SEEDKEY_WRONG_NAME, error));
        QCOMPARE(error.kind, SeedKeyError::Kind::Symbol);
        QVERIFY2(error.message.find("exports neither GenerateKeyExOpt nor GenerateKeyEx") != std::string::npos,
                 error.message.c_str());

        QVERIFY(!SeedKeyLibrary::open(SEEDKEY_VERSION_ZERO, error));
        QCOMPARE(error.kind, SeedKeyError::Kind::Version);
    }

    // A library with GenerateKeyEx only (an existing OEM build): used,
    // refused options, and what it returns checked.
    void plainLibrary() {
        SeedKeyError error{};
        auto lib = SeedKeyLibrary::open(SEEDKEY_PLAIN, error);
        QVERIFY2(lib, error.message.c_str());
        QVERIFY(!lib->hasOptions());
        QVERIFY(!lib->conduitVersion());
        Bytes key;
        QVERIFY(!lib->generateKey(Bytes{0x0f, 0x01}, 1, "any", "", key));
        QVERIFY(key == Bytes{0xf0});
        auto e = lib->generateKey(Bytes{0x0f}, 1, "any", "mode=fast", key);
        QVERIFY(e && e->kind == SeedKeyError::Kind::Options);
        e = lib->generateKey(Bytes{0xff}, 1, "any", "", key, 8);
        QVERIFY(e && e->kind == SeedKeyError::Kind::KeySize);
        QVERIFY2(e->message.find("a key of 9 bytes (buffer 8)") != std::string::npos, e->message.c_str());
        e = lib->generateKey(Bytes{0x00}, 1, "any", "", key);
        QVERIFY(e && e->kind == SeedKeyError::Kind::KeySize);
        e = lib->generateKey(Bytes{0xee}, 1, "any", "", key);
        QVERIFY(e && e->kind == SeedKeyError::Kind::Result && e->result == SeedKeyResult::Unknown);
        QVERIFY2(e->message.find("returned unknown result (7)") != std::string::npos, e->message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSeedKey)
#include "tst_seedkey.moc"
