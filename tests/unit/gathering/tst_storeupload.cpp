// The store's upload states (schema 2) and the migration of a schema-1
// store; next() with a Selection.
#include "storefixture.h"

#include <QTest>

#include <sqlite3.h>

using namespace conduit::gathering;
using namespace conduit::gathering::test;

namespace {

// The first schema exactly as the first release of the store created it,
// with one item in it.
const char *const kSchema1 =
    "CREATE TABLE items("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, campaign TEXT NOT NULL,"
    " class INTEGER NOT NULL, priority INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, size INTEGER NOT NULL, sha256 BLOB NOT NULL, payload BLOB, blob TEXT);"
    "CREATE INDEX items_send ON items(priority DESC, created_ms, id);"
    "CREATE INDEX items_evict ON items(priority, created_ms, id);"
    "CREATE INDEX items_expiry ON items(expires_ms);"
    "CREATE INDEX items_class ON items(class);"
    "CREATE INDEX items_campaign ON items(campaign);"
    "CREATE TABLE drops(class INTEGER NOT NULL, priority INTEGER NOT NULL, reason INTEGER NOT NULL,"
    " items INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(class, priority, reason));"
    "INSERT INTO items(kind, campaign, class, priority, created_ms, expires_ms, size, sha256, payload)"
    " VALUES(3, 'old-campaign', 4, 0, 1800000000000, 1900000000000, 3,"
    " x'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'abc');"
    "PRAGMA user_version=1;";

} // namespace

class StoreUploadTest : public QObject {
    Q_OBJECT

private slots:
    void schema1IsMigratedWithItsItems() {
        StoreFixture fx;
        QVERIFY(QDir().mkpath(fx.dir.filePath(QStringLiteral("store"))));
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(fx.dir.filePath(QStringLiteral("store/store.db"))).constData(), &db),
                 SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, kSchema1, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);

        StoreFailure f;
        QVERIFY2(fx.open(&f), qPrintable(f.message));
        QList<StoredItem> items;
        QVERIFY(fx.store->next(10, 1000, &items, &f));
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].bytes, QByteArray("abc"));
        QCOMPARE(items[0].campaignId, QStringLiteral("old-campaign"));
        QCOMPARE(items[0].priority, Priority::Bulk);
        UploadState state;
        bool found = true;
        QVERIFY(fx.store->uploadState(items[0].id, &state, &found, &f));
        QVERIFY(!found);
        QVERIFY(
            fx.store->saveUploadState(items[0].id, {QStringLiteral("http://127.0.0.1:1/files/x"), 2, 5}, &found, &f));
        QVERIFY(found);
        QVERIFY(fx.open(&f)); // reopened at schema 2: nothing migrated twice
        QVERIFY(fx.store->uploadState(items[0].id, &state, &found, &f));
        QVERIFY(found);
        QCOMPARE(state.offset, qint64(2));
    }

    void stateIsDurableAndGoesWithItsItem() {
        StoreFixture fx;
        StoreFailure f;
        QVERIFY(fx.open(&f));
        qint64 a = 0, b = 0;
        QVERIFY(fx.store->put(item("first"), &a, &f));
        QVERIFY(fx.store->put(item("second"), &b, &f));
        bool found = false;
        QVERIFY(fx.store->saveUploadState(a, {QStringLiteral("http://h/files/1"), 100, 7}, &found, &f));
        QVERIFY(found);
        QVERIFY(fx.store->saveUploadState(a, {QStringLiteral("http://h/files/1"), 200, 8}, &found, &f));
        QVERIFY(fx.store->saveUploadState(b, {QStringLiteral("http://h/files/2"), 1, 0}, &found, &f));
        QVERIFY(fx.open(&f)); // a restart
        UploadState state;
        QVERIFY(fx.store->uploadState(a, &state, &found, &f));
        QVERIFY(found);
        QCOMPARE(state.url, QStringLiteral("http://h/files/1"));
        QCOMPARE(state.offset, qint64(200));
        QCOMPARE(state.expiresMs, qint64(8));

        QVERIFY(fx.store->acknowledge(a, &found, &f));
        QVERIFY(fx.store->uploadState(a, &state, &found, &f));
        QVERIFY(!found);
        // A late progress report of an acknowledged item is not kept.
        QVERIFY(fx.store->saveUploadState(a, {QStringLiteral("http://h/files/1"), 300, 0}, &found, &f));
        QVERIFY(!found);
        QVERIFY(fx.store->uploadState(a, &state, &found, &f));
        QVERIFY(!found);

        Removal removed;
        QVERIFY(fx.store->deleteClass(DataClass::Telemetry, &removed, &f));
        QVERIFY(fx.store->uploadState(b, &state, &found, &f));
        QVERIFY(!found);
    }

    void clearForgetsTheUpload() {
        StoreFixture fx;
        StoreFailure f;
        QVERIFY(fx.open(&f));
        qint64 a = 0;
        QVERIFY(fx.store->put(item("x"), &a, &f));
        bool found = false;
        QVERIFY(fx.store->saveUploadState(a, {QStringLiteral("http://h/files/1"), 0, 0}, &found, &f));
        QVERIFY(fx.store->clearUploadState(a, &f));
        UploadState state;
        QVERIFY(fx.store->uploadState(a, &state, &found, &f));
        QVERIFY(!found);
    }

    void selectionTakesKindsSizesAndPriorities() {
        StoreFixture fx;
        StoreFailure f;
        QVERIFY(fx.open(&f));
        Item small = item("small", Priority::Safety);
        Item blob = item("blob", Priority::Bulk);
        blob.kind = ItemKind::Blob;
        Item large = item(QByteArray(1000, 'l'), Priority::High);
        qint64 idSmall = 0, idBlob = 0, idLarge = 0;
        QVERIFY(fx.store->put(small, &idSmall, &f));
        QVERIFY(fx.store->put(blob, &idBlob, &f));
        QVERIFY(fx.store->put(large, &idLarge, &f));
        const Selection bulk{{ItemKind::Blob}, 1000, Priority::Bulk};
        QList<StoredItem> out;
        QVERIFY(fx.store->next(10, 1000, bulk, &out, &f));
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[0].id, idLarge); // priority order
        QCOMPARE(out[1].id, idBlob);
        fx.store->release(idLarge);
        fx.store->release(idBlob);
        const Selection urgent{{ItemKind::Blob}, 1000, Priority::High};
        QVERIFY(fx.store->next(10, 1000, urgent, &out, &f));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].id, idLarge);
        fx.store->release(idLarge);
        // The complement, as the MQTT connector would take it.
        const Selection messages{{ItemKind::SignalWindow}, 0, Priority::Bulk, 999};
        QVERIFY(fx.store->next(10, 1000, messages, &out, &f));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].id, idSmall);
    }
};

QTEST_GUILESS_MAIN(StoreUploadTest)
#include "tst_storeupload.moc"
