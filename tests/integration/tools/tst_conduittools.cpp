// conduit-repo and conduitctl run as real processes, the way a release
// engineer and a workshop use them: from nothing to a signed bundle that
// verifies, and every way a bundle can go wrong refused with a non-zero exit
// that names the attack.
#include "toolrun.h"

#include "trust/bundle.h"
#include "trust/trustedstate.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::trust;
using namespace tooltest;

class TestConduitTools : public QObject {
    Q_OBJECT

    QTemporaryDir tmp;
    QString repo, state;
    QByteArray firmwareA, firmwareB;
    const QStringList vehicle{QStringLiteral("--ecu"), QStringLiteral("BCM-1=bcm-c"), QStringLiteral("--ecu"),
                              QStringLiteral("GW-1=gw-1")};

    QString path(const QString &name) const { return tmp.filePath(name); }

    Run repoTool(QStringList args) { return run(QStringLiteral(CONDUIT_REPO_PATH), args); }
    Run ctl(QStringList args) { return run(QStringLiteral(CONDUITCTL_PATH), args); }

    // Expect success of a tool run, with its output in the failure message.
#define EXPECT_OK(r)                                                                                                   \
    do {                                                                                                               \
        const Run r_ = (r);                                                                                            \
        QVERIFY2(r_.exitCode == 0, qPrintable(describe(r_)));                                                          \
    } while (0)

    Run verify(const QString &bundle, QStringList extra = {}) {
        return ctl(QStringList{QStringLiteral("verify"), bundle, QStringLiteral("--state"), state} + vehicle + extra);
    }

    // The host's side of a successful install: verify the bundle and save
    // the new trusted state (what conduitd does after installing it).
    bool acceptOnVehicle(const QString &bundlePath) {
        TrustStore store(state);
        auto trusted = store.load();
        auto bundle = BundleReader::open(bundlePath);
        if (!trusted || !bundle) return false;
        auto d = bundle->metadataSource(QStringLiteral("director"));
        auto i = bundle->metadataSource(QStringLiteral("image"));
        Vehicle v{
            QStringLiteral("VIN"),
            {{QStringLiteral("BCM-1"), QStringLiteral("bcm-c")}, {QStringLiteral("GW-1"), QStringLiteral("gw-1")}}};
        auto update = verifyUptane(*trusted, *d, *i, v, QDateTime::currentDateTimeUtc());
        return update && store.save(update->state);
    }

    // Repository with two targets assigned to the vehicle, signed, provisioned.
    void makeRelease(const QString &counterA = QStringLiteral("3")) {
        EXPECT_OK(repoTool({QStringLiteral("keygen"), QStringLiteral("--seed"), QStringLiteral("aa"),
                            QStringLiteral("--out"), path(QStringLiteral("droot.pem"))}));
        EXPECT_OK(repoTool({QStringLiteral("init"), QStringLiteral("--repo"), repo, QStringLiteral("--seed"),
                            QStringLiteral("c0ffee"), QStringLiteral("--key"),
                            QStringLiteral("director.root=") + path(QStringLiteral("droot.pem"))}));
        EXPECT_OK(
            repoTool({QStringLiteral("add-target"), QStringLiteral("--repo"), repo, path(QStringLiteral("fw-a.bin")),
                      QStringLiteral("--name"), QStringLiteral("bcm/fw-a.bin"), QStringLiteral("--hardware-id"),
                      QStringLiteral("bcm-c"), QStringLiteral("--release-counter"), counterA, QStringLiteral("--phase"),
                      QStringLiteral("1"), QStringLiteral("--require-parked"), QStringLiteral("--min-battery"),
                      QStringLiteral("40")}));
        EXPECT_OK(
            repoTool({QStringLiteral("add-target"), QStringLiteral("--repo"), repo, path(QStringLiteral("fw-b.bin")),
                      QStringLiteral("--name"), QStringLiteral("gw.bin"), QStringLiteral("--hardware-id"),
                      QStringLiteral("gw-1"), QStringLiteral("--release-counter"), QStringLiteral("1"),
                      QStringLiteral("--depends"), QStringLiteral("bcm/fw-a.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("assign"), QStringLiteral("--repo"), repo, QStringLiteral("--ecu"),
                            QStringLiteral("BCM-1"), QStringLiteral("--target"), QStringLiteral("bcm/fw-a.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("assign"), QStringLiteral("--repo"), repo, QStringLiteral("--ecu"),
                            QStringLiteral("GW-1"), QStringLiteral("--target"), QStringLiteral("gw.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        if (!QFile::exists(state)) {
            EXPECT_OK(ctl({QStringLiteral("provision"), QStringLiteral("--state"), state,
                           QStringLiteral("--director-root"), repo + QStringLiteral("/director/metadata/1.root.json"),
                           QStringLiteral("--image-root"), repo + QStringLiteral("/image/metadata/1.root.json")}));
        }
    }

    QString makeBundle(const QString &name) {
        const QString out = path(name);
        const Run r =
            repoTool({QStringLiteral("bundle"), QStringLiteral("--repo"), repo, QStringLiteral("--out"), out});
        if (r.exitCode != 0) qWarning("%s", qPrintable(describe(r)));
        return out;
    }

    // A bundle made by tar (not conduit-repo) whose `entry` is a symbolic
    // link to /etc/shadow, verified against a fresh release. Setup failures
    // show as exit code -2 with the reason in err.
    Run verifyTarWithSymlink(const QString &label, const QString &entry) {
        const QString tar = QStandardPaths::findExecutable(QStringLiteral("tar"));
        if (tar.isEmpty()) return {-2, {}, QStringLiteral("tar not installed (scripts/install-deps installs it)")};
        makeRelease();
        const QString tree = path(label);
        QDir().mkpath(tree + QStringLiteral("/targets"));
        if (!writeAll(tree + QStringLiteral("/bundle.json"),
                      R"({"format":1,"created":"2030-01-01T00:00:00Z","contents":[]})") ||
            !QFile::link(QStringLiteral("/etc/shadow"), tree + u'/' + entry))
            return {-2, {}, QStringLiteral("cannot build the tree in %1").arg(tree)};
        const QString bundle = path(label + QStringLiteral(".bundle"));
        const Run packed = run(tar, {QStringLiteral("--format=ustar"), QStringLiteral("-cf"), bundle,
                                     QStringLiteral("-C"), tree, QStringLiteral("bundle.json"), entry});
        if (packed.exitCode != 0) return {-2, {}, QStringLiteral("tar failed: ") + describe(packed)};
        return verify(bundle);
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp.isValid());
        // Distinct, non-trivial content; the second byte pattern makes any
        // single flipped byte change the hash.
        for (int i = 0; i < 300000; ++i) firmwareA.append(char((i * 7 + i / 251) & 0xff));
        firmwareB = "gateway firmware 1.0\n";
        QVERIFY(writeAll(path(QStringLiteral("fw-a.bin")), firmwareA));
        QVERIFY(writeAll(path(QStringLiteral("fw-b.bin")), firmwareB));
    }

    void init() {
        // A fresh repository and vehicle for every test.
        repo = path(QStringLiteral("repo-%1").arg(QTest::currentTestFunction()));
        state = path(QStringLiteral("state-%1.json").arg(QTest::currentTestFunction()));
        QDir(repo).removeRecursively();
        QFile::remove(state);
    }

    void helpDocumentsEveryCommand() {
        const Run overview = repoTool({QStringLiteral("--help")});
        EXPECT_OK(overview);
        for (const char *command :
             {"keygen", "init", "add-target", "delegate", "assign", "sign", "rotate", "bundle", "publish"}) {
            QVERIFY2(overview.out.contains(QLatin1String(command)), qPrintable(overview.out));
            const Run help = repoTool({QLatin1String(command), QStringLiteral("--help")});
            EXPECT_OK(help);
            QVERIFY2(help.out.contains(QStringLiteral("--repo")) || help.out.contains(QStringLiteral("--out")),
                     qPrintable(help.out));
        }
        const Run ctlOverview = ctl({QStringLiteral("--help")});
        EXPECT_OK(ctlOverview);
        for (const char *command : {"verify", "provision"}) {
            QVERIFY(ctlOverview.out.contains(QLatin1String(command)));
            EXPECT_OK(ctl({QLatin1String(command), QStringLiteral("--help")}));
        }
        QCOMPARE(repoTool({QStringLiteral("frobnicate")}).exitCode, 2);
        QCOMPARE(ctl({QStringLiteral("verify")}).exitCode, 2);
    }

    void keygenIsDeterministicFromSeed() {
        const QString seed = QStringLiteral("000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f");
        const Run a = repoTool({QStringLiteral("keygen"), QStringLiteral("--seed"), seed, QStringLiteral("--out"),
                                path(QStringLiteral("a.pem"))});
        const Run b = repoTool({QStringLiteral("keygen"), QStringLiteral("--seed"), seed, QStringLiteral("--out"),
                                path(QStringLiteral("b.pem"))});
        const Run c = repoTool({QStringLiteral("keygen"), QStringLiteral("--type"), QStringLiteral("ecdsa"),
                                QStringLiteral("--out"), path(QStringLiteral("c.pem"))});
        EXPECT_OK(a);
        EXPECT_OK(b);
        EXPECT_OK(c);
        QCOMPARE(a.out.section(u'\n', 0, 0), b.out.section(u'\n', 0, 0));
        QVERIFY(a.out.startsWith(QStringLiteral("keyid ")));
        QVERIFY(c.out.contains(QStringLiteral("ecdsa")));
        QCOMPARE(QFile::permissions(path(QStringLiteral("a.pem"))) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        QCOMPARE(readAll(path(QStringLiteral("a.pem"))), readAll(path(QStringLiteral("b.pem"))));
    }

    void seededInitIsReproducible() {
        const QStringList common{QStringLiteral("--seed"), QStringLiteral("0123abcd"), QStringLiteral("--now"),
                                 QStringLiteral("2030-01-01T00:00:00Z")};
        EXPECT_OK(repoTool(QStringList{QStringLiteral("init"), QStringLiteral("--repo"), repo + QStringLiteral("-1")} +
                           common));
        EXPECT_OK(repoTool(QStringList{QStringLiteral("init"), QStringLiteral("--repo"), repo + QStringLiteral("-2")} +
                           common));
        EXPECT_OK(repoTool({QStringLiteral("init"), QStringLiteral("--repo"), repo + QStringLiteral("-3"),
                            QStringLiteral("--now"), QStringLiteral("2030-01-01T00:00:00Z")}));
        const QByteArray one = readAll(repo + QStringLiteral("-1/image/metadata/1.root.json"));
        QVERIFY(!one.isEmpty());
        QCOMPARE(readAll(repo + QStringLiteral("-2/image/metadata/1.root.json")), one);
        QVERIFY(readAll(repo + QStringLiteral("-3/image/metadata/1.root.json")) != one); // unseeded: fresh keys
        // Keys stay private to their owner.
        QCOMPARE(QDir(repo + QStringLiteral("-1/keys")).entryList(QDir::Files).size(), 8);
        for (const QFileInfo &key : QDir(repo + QStringLiteral("-1/keys")).entryInfoList(QDir::Files))
            QCOMPARE(key.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteOther),
                     QFileDevice::Permissions());
        // init refuses to overwrite a repository.
        QCOMPARE(repoTool(QStringList{QStringLiteral("init"), QStringLiteral("--repo"), repo + QStringLiteral("-1")} +
                          common)
                     .exitCode,
                 1);
    }

    void fromNothingToVerifiedBundle() {
        makeRelease();
        if (QTest::currentTestFailed()) return;
        const QString bundle = makeBundle(QStringLiteral("release.bundle"));
        const QByteArray stateBefore = readAll(state);

        const Run r = verify(bundle);
        EXPECT_OK(r);
        const QString shaA =
            QString::fromLatin1(QCryptographicHash::hash(firmwareA, QCryptographicHash::Sha256).toHex());
        QVERIFY2(r.out.contains(QStringLiteral("BCM-1\tbcm-c\tbcm/fw-a.bin\t%1\t%2\t3\t1 parked battery>=40%")
                                    .arg(firmwareA.size())
                                    .arg(shaA)),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("GW-1\tgw-1\tgw.bin\t%1").arg(firmwareB.size())), qPrintable(r.out));
        QCOMPARE(readAll(state), stateBefore); // verify never saves

        // The same vehicle from a file; a vehicle lacking an ECU is refused.
        const QString vehicleFile = path(QStringLiteral("vehicle.json"));
        QVERIFY(writeAll(
            vehicleFile,
            R"({"vin":"VIN1","ecus":[{"serial":"BCM-1","hardware_id":"bcm-c"},{"serial":"GW-1","hardware_id":"gw-1"}]})"));
        EXPECT_OK(ctl({QStringLiteral("verify"), bundle, QStringLiteral("--state"), state, QStringLiteral("--vehicle"),
                       vehicleFile}));
        const Run partial = ctl({QStringLiteral("verify"), bundle, QStringLiteral("--state"), state,
                                 QStringLiteral("--ecu"), QStringLiteral("BCM-1=bcm-c")});
        QCOMPARE(partial.exitCode, 1);
        QVERIFY2(partial.err.contains(QStringLiteral("GW-1")), qPrintable(describe(partial)));

        // Standard tools can inspect it.
        const QString tar = QStandardPaths::findExecutable(QStringLiteral("tar"));
        if (!tar.isEmpty()) {
            const Run listing = run(tar, {QStringLiteral("tvf"), bundle});
            EXPECT_OK(listing);
            QVERIFY(listing.out.contains(QStringLiteral("targets/bcm/fw-a.bin")));
            QVERIFY(listing.out.contains(QStringLiteral("director/timestamp.json")));
        }
    }

    void tamperedTargetByteIsRefused() {
        makeRelease();
        const QString bundle = makeBundle(QStringLiteral("tampered.bundle"));
        qint64 offset = -1;
        {
            auto reader = BundleReader::open(bundle);
            QVERIFY(reader.ok());
            offset = reader->target(QStringLiteral("bcm/fw-a.bin"))->dataOffset + 12345;
        }
        QFile file(bundle);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(offset));
        char byte = 0;
        QVERIFY(file.getChar(&byte));
        QVERIFY(file.seek(offset));
        QVERIFY(file.putChar(char(byte ^ 0x01)));
        file.close();

        const Run r = verify(bundle);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ATTACK DETECTED")) && r.err.contains(QStringLiteral("bcm/fw-a.bin")) &&
                     r.err.contains(QStringLiteral("hash does not match")),
                 qPrintable(describe(r)));
        QVERIFY(!r.out.contains(QStringLiteral("VERIFIED")));
    }

    void expiredMetadataIsFreezeAttack() {
        makeRelease();
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo, QStringLiteral("--expires"),
                            QStringLiteral("2")}));
        const QString bundle = makeBundle(QStringLiteral("short.bundle"));
        EXPECT_OK(verify(bundle));
        const QString later = QDateTime::currentDateTimeUtc().addDays(3).toString(Qt::ISODate);
        const Run r = verify(bundle, {QStringLiteral("--time"), later});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("freeze attack")) && r.err.contains(QStringLiteral("expired")),
                 qPrintable(describe(r)));
    }

    void olderBundleIsRollback() {
        makeRelease();
        const QString older = makeBundle(QStringLiteral("v2.bundle"));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        const QString newer = makeBundle(QStringLiteral("v3.bundle"));
        EXPECT_OK(verify(older)); // fine until the vehicle has seen the newer release
        QVERIFY(acceptOnVehicle(newer));
        EXPECT_OK(verify(newer));
        const Run r = verify(older);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ATTACK DETECTED (rollback)")) &&
                     r.err.contains(QStringLiteral("rollback attack")),
                 qPrintable(describe(r)));
    }

    void lowerReleaseCounterIsRollback() {
        makeRelease(QStringLiteral("5"));
        QVERIFY(acceptOnVehicle(makeBundle(QStringLiteral("counter5.bundle"))));
        // A new, properly signed release that downgrades the BCM image.
        EXPECT_OK(
            repoTool({QStringLiteral("add-target"), QStringLiteral("--repo"), repo, path(QStringLiteral("fw-b.bin")),
                      QStringLiteral("--name"), QStringLiteral("bcm/old.bin"), QStringLiteral("--hardware-id"),
                      QStringLiteral("bcm-c"), QStringLiteral("--release-counter"), QStringLiteral("4")}));
        EXPECT_OK(repoTool({QStringLiteral("assign"), QStringLiteral("--repo"), repo, QStringLiteral("--ecu"),
                            QStringLiteral("BCM-1"), QStringLiteral("--target"), QStringLiteral("bcm/old.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        const Run r = verify(makeBundle(QStringLiteral("counter4.bundle")));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("rollback")) && r.err.contains(QStringLiteral("BCM-1")),
                 qPrintable(describe(r)));
    }

    void rotatedKeysStillVerify() {
        makeRelease();
        EXPECT_OK(repoTool({QStringLiteral("rotate"), QStringLiteral("--repo"), repo, QStringLiteral("--role"),
                            QStringLiteral("image.root")}));
        EXPECT_OK(repoTool({QStringLiteral("rotate"), QStringLiteral("--repo"), repo, QStringLiteral("--role"),
                            QStringLiteral("timestamp"), QStringLiteral("--type"), QStringLiteral("ecdsa")}));
        QVERIFY(QFile::exists(repo + QStringLiteral("/image/metadata/3.root.json")));
        const Run r = verify(makeBundle(QStringLiteral("rotated.bundle")));
        EXPECT_OK(r);
    }

    void delegatedTargetVerifies() {
        makeRelease();
        EXPECT_OK(repoTool({QStringLiteral("delegate"), QStringLiteral("--repo"), repo, QStringLiteral("--role"),
                            QStringLiteral("powertrain"), QStringLiteral("--paths"), QStringLiteral("powertrain/*")}));
        const QStringList addEcm{QStringLiteral("add-target"),
                                 QStringLiteral("--repo"),
                                 repo,
                                 path(QStringLiteral("fw-b.bin")),
                                 QStringLiteral("--hardware-id"),
                                 QStringLiteral("ecm-1"),
                                 QStringLiteral("--release-counter"),
                                 QStringLiteral("2"),
                                 QStringLiteral("--role"),
                                 QStringLiteral("powertrain"),
                                 QStringLiteral("--name")};
        // Outside the role's paths: refused.
        QCOMPARE(repoTool(addEcm + QStringList{QStringLiteral("body/ecm.bin")}).exitCode, 1);
        EXPECT_OK(repoTool(addEcm + QStringList{QStringLiteral("powertrain/ecm.bin")}));
        EXPECT_OK(
            repoTool({QStringLiteral("assign"), QStringLiteral("--repo"), repo, QStringLiteral("--ecu"),
                      QStringLiteral("ECM-1"), QStringLiteral("--target"), QStringLiteral("powertrain/ecm.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        const QString bundle = makeBundle(QStringLiteral("delegated.bundle"));
        {
            auto reader = BundleReader::open(bundle);
            QVERIFY(reader.ok());
            auto image = reader->metadataSource(QStringLiteral("image"));
            QVERIFY(image->fetch(QStringLiteral("1.powertrain.json"), 1 << 20)); // the delegated role travels along
        }
        const Run r = verify(bundle, {QStringLiteral("--ecu"), QStringLiteral("ECM-1=ecm-1")});
        EXPECT_OK(r);
        QVERIFY2(r.out.contains(QStringLiteral("ECM-1\tecm-1\tpowertrain/ecm.bin\t%1").arg(firmwareB.size())),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("VERIFIED: 3 target(s)")));
    }

    void wrongVehicleIsRefused() {
        makeRelease();
        const QString bundle = makeBundle(QStringLiteral("vehicle.bundle"));
        const Run r = ctl({QStringLiteral("verify"), bundle, QStringLiteral("--state"), state, QStringLiteral("--ecu"),
                           QStringLiteral("BCM-1=bcm-d"), QStringLiteral("--ecu"), QStringLiteral("GW-1=gw-1")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("wrong hardware id")), qPrintable(describe(r)));
        const Run missing =
            ctl({QStringLiteral("verify"), bundle, QStringLiteral("--state"), path(QStringLiteral("none.json")),
                 QStringLiteral("--ecu"), QStringLiteral("BCM-1=bcm-c")});
        QCOMPARE(missing.exitCode, 3);
    }

    void bundleWithSymlinkFromTarIsRefused() {
        const Run r = verifyTarWithSymlink(QStringLiteral("evil"), QStringLiteral("targets/gw.bin"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("symbolic links are not allowed")) &&
                     r.err.contains(QStringLiteral("targets/gw.bin")),
                 qPrintable(describe(r)));
    }

    // Names from a bundle reach the operator's terminal escaped: an ESC
    // sequence in an entry name once cleared the screen.
    void untrustedNamesAreEscaped() {
        const Run r = verifyTarWithSymlink(QStringLiteral("esc"), QStringLiteral("targets/\x1b[2J\x1b[Hgw.bin\u202e"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(!r.err.contains(QChar(0x1b)) && !r.err.contains(QChar(0x202e)), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("targets/\\x1b[2J\\x1b[Hgw.bin\\u{202e}")), qPrintable(describe(r)));
    }

    void driverInformationIsSignedAndChecked() {
        // Notes as editors write them: CRLF line ends, a final newline.
        QVERIFY(writeAll(path(QStringLiteral("notes-en.txt")), "Smoother braking.\r\nFixes a warning light.\r\n"));
        QVERIFY(writeAll(path(QStringLiteral("notes-de.txt")),
                         "Sanfteres Bremsen.\nBehebt eine Warnleuchte (\xc3\xb6l).\n"));
        QVERIFY(writeAll(path(QStringLiteral("notes-esc.txt")), "red \x1b[31m alert"));
        QVERIFY(writeAll(path(QStringLiteral("notes-latin1.txt")), "\xd6l"));
        const QStringList add{QStringLiteral("add-target"),
                              QStringLiteral("--repo"),
                              repo,
                              path(QStringLiteral("fw-a.bin")),
                              QStringLiteral("--name"),
                              QStringLiteral("bcm/fw-a.bin"),
                              QStringLiteral("--hardware-id"),
                              QStringLiteral("bcm-c"),
                              QStringLiteral("--release-counter"),
                              QStringLiteral("3")};
        EXPECT_OK(repoTool({QStringLiteral("init"), QStringLiteral("--repo"), repo, QStringLiteral("--seed"),
                            QStringLiteral("c0ffee")}));
        const auto refused = [&](const QStringList &extra, const char *message) {
            const Run r = repoTool(add + extra);
            QVERIFY2(r.exitCode == 2 && r.err.contains(QLatin1String(message)), qPrintable(describe(r)));
        };
        refused({QStringLiteral("--install-seconds"), QStringLiteral("86401")},
                "--install-seconds must be an integer 0..86400");
        refused({QStringLiteral("--unusable-seconds"), QStringLiteral("10m")},
                "--unusable-seconds must be an integer 0..86400");
        refused({QStringLiteral("--release-notes"), QStringLiteral("en")}, "--release-notes takes LOCALE=FILE");
        refused({QStringLiteral("--release-notes"), QStringLiteral("english=") + path(QStringLiteral("notes-en.txt"))},
                "\"english\" is not a locale");
        refused({QStringLiteral("--release-notes"), QStringLiteral("en=") + path(QStringLiteral("notes-esc.txt"))},
                "conduit.release_notes.en contains the control character U+001B");
        refused({QStringLiteral("--release-notes"), QStringLiteral("de=") + path(QStringLiteral("notes-latin1.txt"))},
                "is not UTF-8 text");
        refused({QStringLiteral("--release-notes"), QStringLiteral("en=") + path(QStringLiteral("missing.txt"))},
                "cannot read");

        EXPECT_OK(repoTool(add + QStringList{QStringLiteral("--install-seconds"), QStringLiteral("420"),
                                             QStringLiteral("--unusable-seconds"), QStringLiteral("300"),
                                             QStringLiteral("--release-notes"),
                                             QStringLiteral("en=") + path(QStringLiteral("notes-en.txt")),
                                             QStringLiteral("--release-notes"),
                                             QStringLiteral("de=") + path(QStringLiteral("notes-de.txt"))}));
        EXPECT_OK(repoTool({QStringLiteral("assign"), QStringLiteral("--repo"), repo, QStringLiteral("--ecu"),
                            QStringLiteral("BCM-1"), QStringLiteral("--target"), QStringLiteral("bcm/fw-a.bin")}));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        EXPECT_OK(ctl({QStringLiteral("provision"), QStringLiteral("--state"), state, QStringLiteral("--director-root"),
                       repo + QStringLiteral("/director/metadata/1.root.json"), QStringLiteral("--image-root"),
                       repo + QStringLiteral("/image/metadata/1.root.json")}));
        // What the vehicle verifies out of the bundle carries them, signed.
        auto bundle = BundleReader::open(makeBundle(QStringLiteral("notes.bundle")));
        auto trusted = TrustStore(state).load();
        QVERIFY(bundle.ok() && trusted.ok());
        auto d = bundle->metadataSource(QStringLiteral("director"));
        auto i = bundle->metadataSource(QStringLiteral("image"));
        Vehicle v{QStringLiteral("VIN"), {{QStringLiteral("BCM-1"), QStringLiteral("bcm-c")}}};
        auto update = verifyUptane(*trusted, *d, *i, v, QDateTime::currentDateTimeUtc());
        QVERIFY2(update.ok(), update.ok() ? "" : qPrintable(update.error().message));
        const JsonValue &conduit = update->targets.at(0).imageCustom["conduit"];
        QCOMPARE(conduit["install_seconds"].toInteger(), qint64(420));
        QCOMPARE(conduit["unusable_seconds"].toInteger(), qint64(300));
        QCOMPARE(conduit["release_notes"]["en"].toString(),
                 QStringLiteral("Smoother braking.\nFixes a warning light."));
        QCOMPARE(conduit["release_notes"]["de"].toString(),
                 QString::fromUtf8("Sanfteres Bremsen.\nBehebt eine Warnleuchte (\xc3\xb6l)."));
        EXPECT_OK(verify(path(QStringLiteral("notes.bundle"))));

        // Signed by another tool, out of range: the workshop check refuses
        // what the host would refuse.
        const QString staged = repo + QStringLiteral("/image/state.json");
        QByteArray json = readAll(staged);
        QVERIFY(json.contains("\"install_seconds\":420"));
        QVERIFY(writeAll(staged, json.replace("\"install_seconds\":420", "\"install_seconds\":100000")));
        EXPECT_OK(repoTool({QStringLiteral("sign"), QStringLiteral("--repo"), repo}));
        const Run r = verify(makeBundle(QStringLiteral("bad-notes.bundle")));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String(
                     "REJECTED (malformed): target bcm/fw-a.bin: conduit.install_seconds must be an integer 0..86400")),
                 qPrintable(describe(r)));
    }

    void publishWritesTufLayout() {
        makeRelease();
        const QString out = path(QStringLiteral("published"));
        EXPECT_OK(repoTool({QStringLiteral("publish"), QStringLiteral("--repo"), repo, QStringLiteral("--out"), out}));
        const QString shaB =
            QString::fromLatin1(QCryptographicHash::hash(firmwareB, QCryptographicHash::Sha256).toHex());
        QCOMPARE(readAll(out + QStringLiteral("/image/targets/") + shaB + QStringLiteral(".gw.bin")), firmwareB);
        // A TUF client reads the directories as they would be served.
        auto trusted = TrustStore(state).load();
        QVERIFY(trusted.ok());
        DirectorySource director(out + QStringLiteral("/director"));
        DirectorySource image(out + QStringLiteral("/image"));
        Vehicle v{
            QStringLiteral("VIN"),
            {{QStringLiteral("BCM-1"), QStringLiteral("bcm-c")}, {QStringLiteral("GW-1"), QStringLiteral("gw-1")}}};
        auto update = verifyUptane(*trusted, director, image, v, QDateTime::currentDateTimeUtc());
        QVERIFY2(update.ok(), update.ok() ? "" : qPrintable(update.error().message));
        QCOMPARE(update->targets.size(), size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestConduitTools)
#include "tst_conduittools.moc"
