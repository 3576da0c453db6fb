// "Delete my data": a deletion by data class or by campaign removes the
// items' bytes from every file of the store (database, WAL, blob files),
// and leaves the rest.
#include "storefixture.h"

#include <QTest>

using namespace conduit::gathering;
using namespace conduit::gathering::test;

class TestStoreDeletion : public QObject {
    Q_OBJECT
private:
    // A payload nobody else writes, large enough to span overflow pages.
    static QByteArray marker(const char *tag, int size) {
        QByteArray m = QByteArray("MARKER-") + tag + '-';
        while (m.size() < size) m += QByteArray(tag) + QByteArray::number(m.size()) + ';';
        return m;
    }

private slots:
    void deletingAClassRemovesItsBytesFromDisk() {
        StoreFixture s;
        s.config.inlineLimit = 8 << 10;
        QVERIFY(s.open());
        StoreFailure f;
        const QByteArray smallPos = marker("position", 200), largePos = marker("route", 20000),
                         clip = marker("clip", 30000), keep = marker("speed", 300);
        QList<qint64> id;
        Item file = item(clip, Priority::High, DataClass::Camera);
        QVERIFY(s.store->put({item(smallPos, Priority::Low, DataClass::Location), item(keep),
                              item(largePos, Priority::High, DataClass::Location), file},
                             &id, &f));
        // Inline payloads are in the WAL or the database now; make sure some
        // reached the database file too (as a checkpoint would).
        s.open();
        QVERIFY(s.onDisk(smallPos) && s.onDisk(largePos) && s.onDisk(clip));
        Removal removed;
        QVERIFY2(s.store->deleteClass(DataClass::Location, &removed, &f), qPrintable(f.message));
        QCOMPARE(removed.items, qint64(2));
        QCOMPARE(removed.bytes, qint64(smallPos.size() + largePos.size()));
        QVERIFY(s.store->deleteClass(DataClass::Camera, &removed, &f));
        QCOMPARE(removed.items, qint64(1));
        QVERIFY(!s.onDisk(smallPos));
        QVERIFY(!s.onDisk(largePos));
        QVERIFY(!s.onDisk(clip));
        QCOMPARE(s.blobFiles(), 0); // the clip was the only blob file
        // Also after the store is closed (nothing pending in memory).
        s.store.reset();
        QVERIFY(!s.onDisk(smallPos.left(40)) && !s.onDisk(largePos.left(40)));
        QVERIFY(s.onDisk(keep));
        QVERIFY(s.open());
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(1));
        QCOMPARE((u.drops[{DataClass::Location, Priority::High, DropReason::Deleted}].items), qint64(1));
        QCOMPARE((u.drops[{DataClass::Location, Priority::Low, DropReason::Deleted}].items), qint64(1));
    }
    void deletingACampaignLeavesTheOthers() {
        StoreFixture s;
        s.config.inlineLimit = 100;
        QVERIFY(s.open());
        StoreFailure f;
        const QByteArray a1 = marker("alpha", 500), a2 = marker("alphablob", 5000), b = marker("beta", 500);
        QList<qint64> id;
        QVERIFY(s.store->put({item(a1, Priority::Normal, DataClass::Logs, QStringLiteral("alpha")),
                              item(a2, Priority::Normal, DataClass::Diagnostics, QStringLiteral("alpha")),
                              item(b, Priority::Normal, DataClass::Logs, QStringLiteral("beta"))},
                             &id, &f));
        Removal removed;
        QVERIFY(s.store->deleteCampaign(QStringLiteral("alpha"), &removed, &f));
        QCOMPARE(removed.items, qint64(2));
        s.store.reset();
        QVERIFY(!s.onDisk(a1.left(60)));
        QVERIFY(!s.onDisk(a2.left(60)));
        QVERIFY(s.onDisk(b.left(60)));
        QCOMPARE(s.blobFiles(), 1); // beta's
        QVERIFY(s.open());
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].id, id[2]);
        QCOMPARE(out[0].size, qint64(b.size()));
    }
    // An upload in flight does not keep data the driver deleted: the
    // leased item goes too, and its late acknowledgement finds nothing.
    void aLeasedItemIsDeletedToo() {
        StoreFixture s;
        QVERIFY(s.open());
        StoreFailure f;
        qint64 id = 0;
        QVERIFY(s.store->put(item(marker("lease", 100), Priority::Safety, DataClass::Camera), &id, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(1, 60'000, &out, &f));
        QCOMPARE(out.size(), 1);
        Removal removed;
        QVERIFY(s.store->deleteClass(DataClass::Camera, &removed, &f));
        QCOMPARE(removed.items, qint64(1));
        bool found = true;
        QVERIFY(s.store->acknowledge(id, &found, &f));
        QVERIFY(!found);
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.leased, qint64(0));
        QCOMPARE(u.items, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestStoreDeletion)
#include "tst_storedeletion.moc"
