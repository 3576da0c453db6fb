// The store's contract (gathering/store.h): durable ids, bounds and
// eviction, priority order with leases, acknowledgement, sweep after a cut.
#include "storefixture.h"

#include <QCryptographicHash>
#include <QTest>

using namespace conduit::gathering;
using namespace conduit::gathering::test;

class TestStore : public QObject {
    Q_OBJECT
private:
    static QList<qint64> ids(const QList<StoredItem> &items) {
        QList<qint64> out;
        for (const StoredItem &i : items) out << i.id;
        return out;
    }

private slots:
    void itemsSurviveReopenWithTheirPayload() {
        StoreFixture s;
        s.config.inlineLimit = 100;
        QVERIFY(s.open());
        qint64 small = 0, large = 0;
        StoreFailure f;
        Item inl = item("inline payload", Priority::High, DataClass::Logs);
        inl.kind = ItemKind::LogWindow;
        inl.createdMs = s.clockMs - 5;
        inl.expiresMs = s.clockMs + 1000;
        QVERIFY2(s.store->put(inl, &small, &f), qPrintable(f.message));
        const QByteArray big(1000, 'b');
        QVERIFY(s.store->put(item(big), &large, &f));
        QVERIFY(small > 0 && large > small);
        QVERIFY(s.open());
        StoredItem got;
        bool found = false;
        QVERIFY(s.store->item(small, &got, &found, &f));
        QVERIFY(found);
        QCOMPARE(got.bytes, QByteArray("inline payload"));
        QCOMPARE(got.kind, ItemKind::LogWindow);
        QCOMPARE(got.dataClass, DataClass::Logs);
        QCOMPARE(got.priority, Priority::High);
        QCOMPARE(got.campaignId, QStringLiteral("campaign-a"));
        QCOMPARE(got.createdMs, s.clockMs - 5);
        QCOMPARE(got.expiresMs, s.clockMs + 1000);
        QCOMPARE(got.sha256, QCryptographicHash::hash("inline payload", QCryptographicHash::Sha256));
        QVERIFY(got.blobPath.isEmpty());
        QVERIFY(s.store->item(large, &got, &found, &f));
        QVERIFY(found);
        QVERIFY(got.bytes.isEmpty());
        QFile file(got.blobPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), big);
        QCOMPARE(got.size, qint64(1000));
        QCOMPARE(got.sha256, QCryptographicHash::hash(big, QCryptographicHash::Sha256));
        QCOMPARE(got.expiresMs, s.clockMs + s.config.defaultRetentionMs);
    }
    void aFileIsCopiedIn() {
        StoreFixture s;
        QVERIFY(s.open());
        const QString source = s.dir.filePath(QStringLiteral("clip.mp4"));
        QFile out(source);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QByteArray(3000, 'c'));
        out.close();
        Item i;
        i.campaignId = QStringLiteral("c");
        i.dataClass = DataClass::Camera;
        i.sourcePath = source;
        qint64 id = 0;
        StoreFailure f;
        QVERIFY2(s.store->put(i, &id, &f), qPrintable(f.message));
        QVERIFY(QFile::remove(source));
        StoredItem got;
        bool found = false;
        QVERIFY(s.store->item(id, &got, &found, &f) && found);
        QFile in(got.blobPath);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QCOMPARE(in.readAll(), QByteArray(3000, 'c'));
    }
    void invalidItemsAreRefused() {
        StoreFixture s;
        QVERIFY(s.open());
        qint64 id = 0;
        StoreFailure f;
        Item none = item(QByteArray());
        QVERIFY(!s.store->put(none, &id, &f));
        QCOMPARE(f.code, StoreError::Invalid);
        Item both = item("x");
        both.sourcePath = QStringLiteral("/etc/hostname");
        QVERIFY(!s.store->put(both, &id, &f));
        QCOMPARE(f.code, StoreError::Invalid);
        Item missing;
        missing.campaignId = QStringLiteral("c");
        missing.sourcePath = s.dir.filePath(QStringLiteral("absent"));
        QVERIFY(!s.store->put(missing, &id, &f));
        QCOMPARE(f.code, StoreError::Invalid);
        QVERIFY2(f.message.contains(QLatin1String("absent")), qPrintable(f.message));
        QVERIFY(!s.store->put(item("x", Priority::Normal, DataClass::Telemetry, QString()), &id, &f));
        QCOMPARE(f.code, StoreError::Invalid);
    }
    void nextIsPriorityThenAge() {
        StoreFixture s;
        QVERIFY(s.open());
        QList<qint64> id(4);
        StoreFailure f;
        Item a = item("a", Priority::Low), b = item("b", Priority::Safety), c = item("c", Priority::Low),
             d = item("d", Priority::Normal);
        a.createdMs = s.clockMs - 100;
        c.createdMs = s.clockMs - 300; // older than a: goes first among the low ones
        b.createdMs = s.clockMs;
        d.createdMs = s.clockMs - 200;
        QVERIFY(s.store->put({a, b, c, d}, &id, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1000, &out, &f));
        QCOMPARE(ids(out), (QList<qint64>{id[1], id[3], id[2], id[0]}));
    }
    void aLeasedItemIsNotHandedOutTwice() {
        StoreFixture s;
        QVERIFY(s.open());
        QList<qint64> id;
        StoreFailure f;
        QVERIFY(s.store->put({item("1"), item("2"), item("3")}, &id, &f));
        QList<StoredItem> first, second, third;
        QVERIFY(s.store->next(2, 1000, &first, &f));
        QCOMPARE(ids(first), (QList<qint64>{id[0], id[1]}));
        QCOMPARE(first[0].leaseUntilMs, s.clockMs + 1000);
        QVERIFY(s.store->next(10, 1000, &second, &f));
        QCOMPARE(ids(second), QList<qint64>{id[2]});
        QVERIFY(s.store->next(10, 1000, &third, &f));
        QVERIFY(third.isEmpty());
        // released: back at once; lease ended: back too.
        s.store->release(id[1]);
        QVERIFY(s.store->next(10, 1000, &third, &f));
        QCOMPARE(ids(third), QList<qint64>{id[1]});
        s.clockMs += 1000;
        QVERIFY(s.store->next(10, 1000, &third, &f));
        QCOMPARE(ids(third), (QList<qint64>{id[0], id[1], id[2]}));
    }
    void aRestartEndsLeasesAndAcknowledgedItemsStayGone() {
        StoreFixture s;
        s.config.inlineLimit = 4;
        QVERIFY(s.open());
        QList<qint64> id;
        StoreFailure f;
        QVERIFY(s.store->put({item("first, a blob"), item("2")}, &id, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 60'000, &out, &f));
        QCOMPARE(out.size(), 2);
        QVERIFY(!out[0].blobPath.isEmpty());
        bool found = false;
        QVERIFY(s.store->acknowledge(id[0], &found, &f));
        QVERIFY(found);
        QVERIFY(!QFile::exists(out[0].blobPath));
        QVERIFY(s.store->acknowledge(id[0], &found, &f));
        QVERIFY(!found);
        QVERIFY(s.open());
        QVERIFY(s.store->next(10, 60'000, &out, &f));
        QCOMPARE(ids(out), QList<qint64>{id[1]});
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(1));
        QCOMPARE(u.leased, qint64(1));
        // Ids are never reused, so a late acknowledgement cannot hit a newer item.
        qint64 newer = 0;
        QVERIFY(s.store->put(item("3"), &newer, &f));
        QVERIFY(newer > id[1]);
    }
    void evictionTakesLowestPriorityThenOldest() {
        StoreFixture s;
        s.config.maxBytes = 40;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        QVERIFY(s.store->put({item(QByteArray(10, 'h'), Priority::High), item(QByteArray(10, 'o'), Priority::Low),
                              item(QByteArray(10, 'n'), Priority::Low), item(QByteArray(10, 'm'), Priority::Normal)},
                             &id, &f));
        qint64 extra = 0;
        QVERIFY2(s.store->put(item(QByteArray(15, 'x'), Priority::Normal), &extra, &f), qPrintable(f.message));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        // The two low ones made room (15 bytes need both), oldest first.
        QCOMPARE(ids(out), (QList<qint64>{id[0], id[3], extra}));
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        const auto evicted = u.drops[{DataClass::Telemetry, Priority::Low, DropReason::Evicted}];
        QCOMPARE(evicted.items, qint64(2));
        QCOMPARE(evicted.bytes, qint64(20));
        QCOMPARE(u.bytes, qint64(35));
        // The drop counters survive a restart.
        QVERIFY(s.open());
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE((u.drops[{DataClass::Telemetry, Priority::Low, DropReason::Evicted}].items), qint64(2));
    }
    void neverEvictsHigherPriorityForLower() {
        StoreFixture s;
        s.config.maxBytes = 30;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        QVERIFY(s.store->put({item(QByteArray(10, 'a'), Priority::High), item(QByteArray(10, 'b'), Priority::Low),
                              item(QByteArray(10, 'c'), Priority::High)},
                             &id, &f));
        qint64 x = 0;
        // 20 bytes need the low one and a high one: refused, nothing evicted.
        QVERIFY(!s.store->put(item(QByteArray(20, 'n'), Priority::Normal), &x, &f));
        QCOMPARE(f.code, StoreError::Full);
        QVERIFY2(f.message.contains(QLatin1String("higher priority")), qPrintable(f.message));
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(3));
        // Larger than the whole store: refused up front.
        QVERIFY(!s.store->put(item(QByteArray(31, 's'), Priority::Safety), &x, &f));
        QCOMPARE(f.code, StoreError::Full);
        QVERIFY2(f.message.contains(QLatin1String("larger than")), qPrintable(f.message));
        // Nothing evicted; both refusals counted, also after a restart.
        QVERIFY(s.open());
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(3));
        QCOMPARE(u.drops.size(), size_t(2));
        QCOMPARE((u.drops[{DataClass::Telemetry, Priority::Normal, DropReason::Refused}].bytes), qint64(20));
        QCOMPARE((u.drops[{DataClass::Telemetry, Priority::Safety, DropReason::Refused}].items), qint64(1));
    }
    void theItemCountIsBoundedToo() {
        StoreFixture s;
        s.config.maxItems = 2;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id(3);
        // Within one batch no item makes room for another: refused whole.
        QVERIFY(!s.store->put({item("1"), item("2"), item("3")}, &id, &f));
        QCOMPARE(f.code, StoreError::Full);
        for (int i = 0; i < 3; ++i) QVERIFY(s.store->put(item(QByteArray::number(i)), &id[i], &f));
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(2));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        QCOMPARE(ids(out), (QList<qint64>{id[1], id[2]}));
    }
    void aBatchThatCannotFitLeavesNothing() {
        StoreFixture s;
        s.config.maxBytes = 100;
        s.config.inlineLimit = 10;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        // The first is a blob file; the two together exceed the store and
        // the first may not be evicted for the second.
        QVERIFY(!s.store->put({item(QByteArray(60, 'a')), item(QByteArray(60, 'b'))}, &id, &f));
        QCOMPARE(f.code, StoreError::Full);
        QCOMPARE(s.blobFiles(), 0);
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(0));
    }
    void expiredItemsGoFirstAndAreCounted() {
        StoreFixture s;
        s.config.maxBytes = 20;
        QVERIFY(s.open());
        StoreFailure f;
        Item soon = item(QByteArray(10, 's'), Priority::Safety);
        soon.expiresMs = s.clockMs + 10;
        QList<qint64> id;
        QVERIFY(s.store->put({soon, item(QByteArray(10, 'l'), Priority::Low)}, &id, &f));
        s.clockMs += 10;
        qint64 x = 0;
        QVERIFY(s.store->put(item(QByteArray(10, 'n'), Priority::Low), &x, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        QCOMPARE(ids(out), (QList<qint64>{id[1], x}));
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE((u.drops[{DataClass::Telemetry, Priority::Safety, DropReason::Expired}].items), qint64(1));
        QCOMPARE(u.drops.size(), size_t(1));
        // next() never hands out an expired item either.
        s.clockMs += s.config.defaultRetentionMs;
        QVERIFY(s.store->next(10, 1, &out, &f));
        QVERIFY(out.isEmpty());
    }
    void aClassQuotaEvictsWithinTheClass() {
        StoreFixture s;
        s.config.classQuota[DataClass::Camera] = 20;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        QVERIFY(s.store->put({item(QByteArray(10, 't'), Priority::Bulk),
                              item(QByteArray(10, 'c'), Priority::Normal, DataClass::Camera),
                              item(QByteArray(10, 'd'), Priority::Normal, DataClass::Camera)},
                             &id, &f));
        qint64 x = 0;
        QVERIFY(s.store->put(item(QByteArray(10, 'e'), Priority::Normal, DataClass::Camera), &x, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        // The oldest camera item went, not the (lower priority) telemetry one.
        QCOMPARE(ids(out), (QList<qint64>{id[2], x, id[0]}));
        QVERIFY(!s.store->put(item(QByteArray(21, 'e'), Priority::Safety, DataClass::Camera), &x, &f));
        QCOMPARE(f.code, StoreError::Full);
    }
    void aLeasedItemIsNotEvicted() {
        StoreFixture s;
        s.config.maxBytes = 20;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        QVERIFY(s.store->put({item(QByteArray(10, 'a'), Priority::Low), item(QByteArray(10, 'b'), Priority::Low)}, &id,
                             &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(1, 60'000, &out, &f));
        QCOMPARE(ids(out), QList<qint64>{id[0]});
        qint64 x = 0;
        QVERIFY(s.store->put(item(QByteArray(10, 'c'), Priority::Low), &x, &f));
        bool found = false;
        QVERIFY(s.store->item(id[0], &out.first(), &found, &f));
        QVERIFY(found);
        QVERIFY(s.store->item(id[1], &out.first(), &found, &f));
        QVERIFY(!found);
        QVERIFY(!s.store->put(item(QByteArray(20, 'd'), Priority::Low), &x, &f));
        QCOMPARE(f.code, StoreError::Full);
        QVERIFY2(f.message.contains(QLatin1String("in upload")), qPrintable(f.message));
    }
    void openSweepsWhatACutLeftBehind() {
        StoreFixture s;
        s.config.inlineLimit = 4;
        QVERIFY(s.open());
        StoreFailure f;
        QList<qint64> id;
        QVERIFY(s.store->put({item("kept as a blob"), item("lost its file")}, &id, &f));
        QList<StoredItem> out;
        QVERIFY(s.store->next(10, 1, &out, &f));
        s.store.reset();
        // A blob renamed into place whose row never committed, a temporary
        // one, and a row whose file went missing.
        for (const char *name : {"0123456789abcdef0123456789abcdef.blob", ".tmp-ffff.blob"}) {
            QFile orphan(s.blobsDir() + QLatin1Char('/') + QLatin1String(name));
            QVERIFY(orphan.open(QIODevice::WriteOnly));
        }
        QVERIFY(QFile::remove(out[1].blobPath));
        QCOMPARE(s.blobFiles(), 3);
        QVERIFY(s.open(&f));
        QCOMPARE(s.blobFiles(), 1);
        QVERIFY(s.store->next(10, 1, &out, &f));
        QCOMPARE(ids(out), QList<qint64>{id[0]});
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE((u.drops[{DataClass::Telemetry, Priority::Normal, DropReason::Damaged}].items), qint64(1));
        QCOMPARE(u.items, qint64(1));
    }
    void usageHasTheFigures() {
        StoreFixture s;
        QVERIFY(s.open());
        StoreFailure f;
        Item old = item(QByteArray(7, 'o'), Priority::Bulk, DataClass::Location);
        old.createdMs = s.clockMs - 5000;
        QList<qint64> id;
        QVERIFY(s.store->put({old, item(QByteArray(3, 'n'), Priority::High), item(QByteArray(4, 'm'), Priority::High)},
                             &id, &f));
        Usage u;
        QVERIFY(s.store->usage(&u, &f));
        QCOMPARE(u.items, qint64(3));
        QCOMPARE(u.bytes, qint64(14));
        QCOMPARE((u.pending[{DataClass::Location, Priority::Bulk}].bytes), qint64(7));
        QCOMPARE((u.pending[{DataClass::Telemetry, Priority::High}].items), qint64(2));
        QCOMPARE(u.oldestPendingMs, s.clockMs - 5000);
        QCOMPARE(u.maxBytes, s.config.maxBytes);
        QVERIFY(u.databaseFileBytes > 0);
        QCOMPARE(u.leased, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
