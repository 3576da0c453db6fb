// The MQTT uplink and downlink against a fake link and a real store: what
// goes on the wire (topic, key, properties), acknowledgement only after
// PUBACK, release on failure and on a lost connection, bulk items left to
// the tus uploader; the backoff's bounds and the topic layout.
#include "gathering/mqtt/backoff.h"
#include "gathering/mqtt/downlink.h"
#include "gathering/mqtt/topics.h"
#include "gathering/mqtt/uplink.h"
#include "gathering/store.h"

#include <QTemporaryDir>
#include <QTest>

using namespace conduit::gathering;
using namespace conduit::gathering::mqtt;

namespace {

// Records publishes; the test decides their outcome.
class FakeLink final : public MessageLink {
public:
    LinkState s = LinkState::Stopped;
    QList<QPair<quint64, OutgoingMessage>> sent;
    QStringList filters;
    quint64 ref = 0;

    void start() override { setState(LinkState::Connected); }
    void stop() override { setState(LinkState::Stopped); }
    LinkState state() const override { return s; }
    quint64 publish(const OutgoingMessage &m) override {
        sent.append({++ref, m});
        return ref;
    }
    void subscribe(const QString &f) override { filters.append(f); }
    void setState(LinkState n) {
        s = n;
        emit stateChanged(n);
    }
    QString key(qsizetype i) const {
        for (const UserProperty &p : sent.at(i).second.properties)
            if (p.name == QLatin1String(property::kKey)) return p.value;
        return {};
    }
};

Item item(QByteArray bytes, Priority p = Priority::Normal, ItemKind k = ItemKind::SignalWindow) {
    Item i;
    i.kind = k;
    i.campaignId = QStringLiteral("c1");
    i.dataClass = DataClass::Location;
    i.priority = p;
    i.bytes = std::move(bytes);
    return i;
}

} // namespace

class TestMqttUplink : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<Store> store_;
    Topics topics_ = *Topics::forVehicle(QStringLiteral("vin-7"));

    qint64 put(const Item &i) {
        qint64 id = 0;
        StoreFailure f;
        if (!store_->put(i, &id, &f)) qWarning().noquote() << f.message;
        return id;
    }
    qint64 pending() {
        Usage u;
        StoreFailure f;
        return store_->usage(&u, &f) ? u.items : -1;
    }

private slots:
    void init() {
        QVERIFY(dir_.isValid());
        QDir(dir_.path()).removeRecursively();
        QDir().mkpath(dir_.path());
        store_ = std::make_unique<Store>(dir_.path(), Store::Config{});
        StoreFailure f;
        QVERIFY2(store_->open(&f), qPrintable(f.message));
    }
    void cleanup() { store_.reset(); }

    void publishesWithKeyAndAcknowledgesOnlyAfterPuback() {
        const qint64 id = put(item("abc", Priority::High));
        FakeLink link;
        Uplink uplink(*store_, link, topics_);
        uplink.start();
        QVERIFY(link.sent.isEmpty()); // not connected yet
        link.start();
        QCOMPARE(link.sent.size(), 1);
        const OutgoingMessage &m = link.sent.at(0).second;
        QCOMPARE(m.topic, QStringLiteral("conduit/v1/vin-7/data/location"));
        QCOMPARE(m.payload, QByteArray("abc"));
        QCOMPARE(link.key(0), QStringLiteral("vin-7/%1").arg(id));
        QVERIFY(m.expirySeconds > 0); // the store's retention, on the wire
        QCOMPARE(pending(), 1);       // no PUBACK yet: still in the store
        emit link.published(link.sent.at(0).first);
        QCOMPARE(pending(), 0);
        QCOMPARE(uplink.counters().acknowledged, 1);
    }

    void failedOrCutPublishGoesAgainWithTheSameKey() {
        put(item("one"));
        FakeLink link;
        Uplink uplink(*store_, link, topics_, Uplink::Config{.retryAfterFailureMs = 0});
        link.start();
        uplink.start();
        QCOMPARE(link.sent.size(), 1);
        const QString key = link.key(0);
        // The connection breaks: the link reports the publish failed.
        link.setState(LinkState::Disconnected);
        emit link.publishFailed(link.sent.at(0).first, {LinkError::ConnectionLost, QStringLiteral("lost")});
        QCOMPARE(pending(), 1);
        link.setState(LinkState::Connected); // back: sent again
        QCOMPARE(link.sent.size(), 2);
        QCOMPARE(link.key(1), key);
        // A late PUBACK for the first copy changes nothing.
        emit link.published(link.sent.at(0).first);
        QCOMPARE(pending(), 1);
        emit link.published(link.sent.at(1).first);
        QCOMPARE(pending(), 0);
        QCOMPARE(uplink.counters().failed, 1);
        QCOMPARE(uplink.counters().acknowledged, 1);
    }

    void refusedPublishPausesInsteadOfSpinning() {
        put(item("x"));
        FakeLink link;
        Uplink uplink(*store_, link, topics_, Uplink::Config{.retryAfterFailureMs = 200});
        link.start();
        uplink.start();
        QCOMPARE(link.sent.size(), 1);
        emit link.publishFailed(link.sent.at(0).first, {LinkError::PublishFailed, QStringLiteral("quota")});
        uplink.poke();
        QCOMPARE(link.sent.size(), 1); // paused
        QTRY_COMPARE_WITH_TIMEOUT(link.sent.size(), 2, 5000);
    }

    void bulkItemsAreLeftToTheBulkUploader() {
        put(item(QByteArray(300 << 10, 'b'), Priority::Safety)); // above maxPayload: a blob file, tus's
        put(item("clip", Priority::Safety, ItemKind::Blob));
        const qint64 small = put(item("small", Priority::Low));
        const qint64 mid = put(item(QByteArray(100 << 10, 'm'), Priority::Low)); // a blob file, but short
        FakeLink link;
        Uplink uplink(*store_, link, topics_);
        link.start();
        uplink.start();
        QCOMPARE(link.sent.size(), 2);
        QCOMPARE(link.key(0), topics_.key(small));
        QCOMPARE(link.key(1), topics_.key(mid));
        QCOMPARE(link.sent.at(1).second.payload, QByteArray(100 << 10, 'm'));
        QCOMPARE(uplink.counters().skipped, 2);
        // Released, not leased: the bulk uploader gets them at once.
        QList<StoredItem> next;
        StoreFailure f;
        QVERIFY(store_->next(10, 1000, &next, &f));
        QCOMPARE(next.size(), 2);
    }

    void windowBoundsThePublishesInFlight() {
        for (int i = 0; i < 10; ++i) put(item(QByteArray::number(i)));
        FakeLink link;
        Uplink uplink(*store_, link, topics_, Uplink::Config{.window = 4});
        link.start();
        uplink.start();
        QCOMPARE(link.sent.size(), 4);
        emit link.published(link.sent.at(0).first);
        QCOMPARE(link.sent.size(), 5);
        QCOMPARE(uplink.inFlight(), 4);
    }

    void downlinkHandsOnAndDropsExpiredCommands() {
        FakeLink link;
        QList<Downstream> handed;
        Downlink down(
            link, topics_, [&](Downstream d, const IncomingMessage &) { handed.append(d); },
            [] { return qint64(1000); });
        down.start();
        QCOMPARE(link.filters, QStringList({QStringLiteral("conduit/v1/vin-7/campaigns"),
                                            QStringLiteral("conduit/v1/vin-7/commands")}));
        const QString exp = QString::fromLatin1(property::kExpiresAt);
        IncomingMessage m;
        m.topic = topics_.downstream(Downstream::Commands);
        m.properties = {{exp, QStringLiteral("1000")}}; // at the deadline: expired
        emit link.received(m);
        m.properties = {{exp, QStringLiteral("1001")}};
        emit link.received(m);
        m.topic = topics_.downstream(Downstream::Campaigns);
        m.properties = {{exp, QStringLiteral("5")}}; // only commands expire this way
        emit link.received(m);
        m.topic = QStringLiteral("conduit/v1/other/commands");
        emit link.received(m);
        QCOMPARE(handed, QList<Downstream>({Downstream::Commands, Downstream::Campaigns}));
        QCOMPARE(down.counters().expired, 1);
    }

    void backoffDoublesUpToItsBound() {
        Backoff b(100, 1000, [] { return 0.0; });
        QCOMPARE(QList<int>({b.next(), b.next(), b.next(), b.next(), b.next(), b.next()}),
                 QList<int>({100, 200, 400, 800, 1000, 1000}));
        b.reset();
        QCOMPARE(b.next(), 100);
        Backoff jittered(100, 1000, [] { return 0.999; });
        for (int i = 0; i < 8; ++i) {
            const int d = jittered.next();
            QVERIFY(d >= 75 && d <= 1000);
        }
        QVERIFY(jittered.next() >= 750); // never below three quarters of the bound
    }

    void topicLayoutAndVehicleIds() {
        QVERIFY(!Topics::forVehicle(QString()));
        QVERIFY(!Topics::forVehicle(QStringLiteral("a/b")));
        QVERIFY(!Topics::forVehicle(QStringLiteral("a+")));
        QVERIFY(!Topics::forVehicle(QStringLiteral("#")));
        QVERIFY(!Topics::forVehicle(QString(65, u'a')));
        const Topics t = *Topics::forVehicle(QStringLiteral("WVW_1.x-2"));
        QCOMPARE(t.data(DataClass::Telemetry), QStringLiteral("conduit/v1/WVW_1.x-2/data/telemetry"));
        QCOMPARE(t.responses(), QStringLiteral("conduit/v1/WVW_1.x-2/responses"));
        QCOMPARE(t.status(), QStringLiteral("conduit/v1/WVW_1.x-2/status"));
        QCOMPARE(t.downstreamOf(QStringLiteral("conduit/v1/WVW_1.x-2/commands")), Downstream::Commands);
        QVERIFY(!t.downstreamOf(QStringLiteral("conduit/v1/WVW_1.x-2/responses")));
        QCOMPARE(t.key(42), QStringLiteral("WVW_1.x-2/42"));
    }
};

QTEST_GUILESS_MAIN(TestMqttUplink)
#include "tst_mqttuplink.moc"
