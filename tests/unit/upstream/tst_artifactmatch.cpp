// Artifact ↔ target matching (host/upstream/artifactmatch.h), rule by rule:
// what the server offers never decides what is installed, only which link
// fetches the bytes Uptane verified.
#include "upstream/artifactmatch.h"

#include <QTest>

using namespace conduit;
using upstream::ArtifactMatch;
using upstream::ArtifactPolicy;
using upstream::ArtifactRefusal;
using upstream::IgnoredArtifact;
using upstream::OfferedArtifact;

namespace {

QString hashOf(char c) { return QString(64, QLatin1Char(c)); }

trust::VerifiedTarget target(const char *serial, const char *name, qint64 length, char hash) {
    trust::VerifiedTarget t;
    t.ecuSerial = QLatin1String(serial);
    t.name = QLatin1String(name);
    t.length = length;
    t.hashes[QStringLiteral("sha256")] = hashOf(hash);
    return t;
}

OfferedArtifact artifact(const char *name, qint64 size, char hash) {
    return {QLatin1String(name), size, hashOf(hash), QStringLiteral("ecus")};
}

const std::vector<trust::VerifiedTarget> kTargets{target("gw-1", "gw-2.img", 100, 'a'),
                                                  target("bcm-1", "bcm-5.bin", 200, 'b')};

ArtifactMatch matched(const QList<OfferedArtifact> &offered, ArtifactPolicy policy = ArtifactPolicy::IgnoreUnsigned,
                      const std::vector<trust::VerifiedTarget> &targets = kTargets) {
    auto r = upstream::matchArtifacts(targets, offered, policy);
    if (!r) qWarning("unexpected refusal: %s", qPrintable(r.error().message));
    return r ? *r : ArtifactMatch{{{QStringLiteral("refused"), -1}}, {}};
}

error::DomainError<ArtifactRefusal> refused(const QList<OfferedArtifact> &offered,
                                            ArtifactPolicy policy = ArtifactPolicy::IgnoreUnsigned,
                                            const std::vector<trust::VerifiedTarget> &targets = kTargets) {
    auto r = upstream::matchArtifacts(targets, offered, policy);
    return r ? error::DomainError<ArtifactRefusal>{ArtifactRefusal(-1), {}} : r.error();
}

} // namespace

class TestArtifactMatch : public QObject {
    Q_OBJECT

private slots:
    void exactMatchByLengthAndHashNotByName() {
        // The file names do not count: the second artifact carries gw-2.img.
        const auto m = matched({artifact("bcm.bin", 200, 'b'), artifact("any-name", 100, 'a')});
        QCOMPARE(m.artifactOf,
                 (std::map<QString, int>{{QStringLiteral("gw-2.img"), 1}, {QStringLiteral("bcm-5.bin"), 0}}));
        QVERIFY(m.ignored.isEmpty());
    }

    void oneArtifactCarriesEveryTargetWithItsBytes() {
        // Two ECUs flashed with one image: one artifact is enough.
        const std::vector<trust::VerifiedTarget> twins{target("ecu-1", "fw-a.bin", 100, 'a'),
                                                       target("ecu-2", "fw-b.bin", 100, 'a')};
        const auto m = matched({artifact("fw.bin", 100, 'a')}, ArtifactPolicy::RefuseUnsigned, twins);
        QCOMPARE(m.artifactOf,
                 (std::map<QString, int>{{QStringLiteral("fw-a.bin"), 0}, {QStringLiteral("fw-b.bin"), 0}}));
    }

    void extraArtifactIgnoredAndListed() {
        const QList<OfferedArtifact> offered{artifact("gw-2.img", 100, 'a'), artifact("notes.sig", 812, 'c'),
                                             artifact("bcm-5.bin", 200, 'b')};
        const auto m = matched(offered);
        QCOMPARE(m.artifactOf.size(), size_t(2));
        QCOMPARE(m.ignored, (QList<IgnoredArtifact>{{1, IgnoredArtifact::Why::NoSignedTarget, {}}}));
        QCOMPARE(upstream::describeArtifact(offered.at(1)),
                 QStringLiteral("artifact notes.sig (812 bytes, sha256 %1) in ecus").arg(hashOf('c')));
    }

    void extraArtifactRefusedWhenStrict() {
        const auto r =
            refused({artifact("gw-2.img", 100, 'a'), artifact("notes.sig", 812, 'c'), artifact("bcm-5.bin", 200, 'b')},
                    ArtifactPolicy::RefuseUnsigned);
        QCOMPARE(r.kind, ArtifactRefusal::Unsigned);
        QCOMPARE(upstream::nameOf(r.kind), QStringLiteral("unsigned"));
        QCOMPARE(r.message,
                 QStringLiteral("artifact notes.sig (812 bytes, sha256 %1) in ecus matches no target signed for this "
                                "vehicle: refused as an attack")
                     .arg(hashOf('c')));
    }

    void sameNameOtherBytesIsAnAttackInEitherMode_data() {
        QTest::addColumn<ArtifactPolicy>("policy");
        QTest::newRow("lenient") << ArtifactPolicy::IgnoreUnsigned;
        QTest::newRow("strict") << ArtifactPolicy::RefuseUnsigned;
    }
    void sameNameOtherBytesIsAnAttackInEitherMode() {
        QFETCH(ArtifactPolicy, policy);
        // The right bytes are offered too: the impostor is still refused.
        const auto r = refused(
            {artifact("gw-2.img", 100, 'a'), artifact("bcm-5.bin", 200, 'e'), artifact("b.bin", 200, 'b')}, policy);
        QCOMPARE(r.kind, ArtifactRefusal::ImpersonatesTarget);
        QCOMPARE(r.message,
                 QStringLiteral("artifact bcm-5.bin (200 bytes, sha256 %1) in ecus matches no target signed for this "
                                "vehicle: refused as an attack")
                     .arg(hashOf('e')));
    }

    void signedHashWithOtherLengthIsAnAttack() {
        // Lenient, and named like no target: still refused, never ignored.
        const auto r = refused({artifact("gw-2.img", 100, 'a'), artifact("other.bin", 201, 'b')});
        QCOMPARE(r.kind, ArtifactRefusal::LengthMismatch);
        QCOMPARE(r.message,
                 QStringLiteral("artifact other.bin (201 bytes, sha256 %1) in ecus has the SHA-256 of target bcm-5.bin "
                                "but not its signed length of 200 bytes: refused as an attack")
                     .arg(hashOf('b')));
    }

    void missingArtifactForASignedTarget() {
        const auto r = refused({artifact("gw-2.img", 100, 'a'), artifact("bcm-6.bin", 300, 'f')});
        QCOMPARE(r.kind, ArtifactRefusal::MissingArtifact);
        QCOMPARE(r.message,
                 QStringLiteral("target bcm-5.bin for ECU bcm-1 is signed but the server offers no artifact for it "
                                "(offered instead: artifact bcm-6.bin (300 bytes, sha256 %1) in ecus)")
                     .arg(hashOf('f')));
        const auto none = refused({});
        QCOMPARE(none.kind, ArtifactRefusal::MissingArtifact);
        QCOMPARE(none.message,
                 QStringLiteral("target gw-2.img for ECU gw-1 is signed but the server offers no artifact for it"));
    }

    void targetWithoutSha256IsNeverCarried() {
        auto t = target("gw-1", "gw-2.img", 100, 'a');
        t.hashes = {{QStringLiteral("sha512"), QString(128, QLatin1Char('a'))}};
        const auto r = refused({artifact("gw-2.img", 100, 'a')}, ArtifactPolicy::IgnoreUnsigned, {t});
        QCOMPARE(r.kind, ArtifactRefusal::ImpersonatesTarget);
    }

    void duplicateArtifactsTheFirstCarriesTheTarget() {
        // The same image in two chunks: the first offered is the one fetched,
        // the other is listed and never downloaded.
        const QList<OfferedArtifact> offered{artifact("gw-2.img", 100, 'a'), artifact("bcm-5.bin", 200, 'b'),
                                             artifact("copy.img", 100, 'a')};
        for (ArtifactPolicy policy : {ArtifactPolicy::IgnoreUnsigned, ArtifactPolicy::RefuseUnsigned}) {
            const auto m = matched(offered, policy);
            QCOMPARE(m.artifactOf.at(QStringLiteral("gw-2.img")), 0);
            QCOMPARE(m.ignored,
                     (QList<IgnoredArtifact>{{2, IgnoredArtifact::Why::Duplicate, QStringLiteral("gw-2.img")}}));
        }
    }

    void refusesAtTheFirstOffendingArtifact() {
        // Offer order decides which reason is given; nothing after is matched.
        const auto r =
            refused({artifact("x.sig", 10, 'c'), artifact("gw-2.img", 1, 'd')}, ArtifactPolicy::RefuseUnsigned);
        QCOMPARE(r.kind, ArtifactRefusal::Unsigned);
        QCOMPARE(upstream::nameOf(r.kind), QStringLiteral("unsigned"));
        QVERIFY2(r.message.startsWith(QStringLiteral("artifact x.sig ")), qPrintable(r.message));
    }
};

QTEST_GUILESS_MAIN(TestArtifactMatch)
#include "tst_artifactmatch.moc"
