// Short messages over MQTT 5 against a real mosquitto (tests/integration/lib/mosquitto.sh):
// the uplink from a real store delivers every item, keys make repeats
// recognisable, a broker restart and a vehicle offline for a while lose
// nothing; TLS pinning, mTLS and credentials fail with clear errors; an
// expired command is dropped (docs/data-gathering.md, "MQTT").
#include "gathering/mqtt/downlink.h"
#include "gathering/mqtt/pahomessagelink.h"
#include "gathering/mqtt/uplink.h"
#include "gathering/store.h"
#include "mosquittobroker.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace conduit::gathering;
using namespace conduit::gathering::mqtt;
using L = MosquittoBroker::Listener;

namespace {

constexpr int kTimeoutMs = 30000;
const QString kVehicle = QStringLiteral("vin-0001");

// The fleet's side: subscribes to every vehicle's data and counts keys.
struct Fleet {
    std::unique_ptr<PahoMessageLink> link;
    QHash<QString, int> keys;        // key -> times received
    QHash<QString, QByteArray> body; // key -> payload
    QList<Priority> order;           // priority of each message, as received
    std::function<void()> onMessage;

    int distinct() const { return int(keys.size()); }
    int repeats() const {
        int n = 0;
        for (int c : keys) n += c - 1;
        return n;
    }
};

LinkConfig plainConfig(const MosquittoBroker &b, const QString &clientId) {
    LinkConfig c;
    c.brokerUri = b.uri(L::Plain);
    c.clientId = clientId;
    c.backoffMinMs = 50;
    c.backoffMaxMs = 500;
    return c;
}

Item shortItem(int n, Priority p, DataClass c) {
    Item i;
    i.kind = ItemKind::SignalWindow;
    i.campaignId = QStringLiteral("campaign-1");
    i.dataClass = c;
    i.priority = p;
    i.bytes = "payload-" + QByteArray::number(n);
    return i;
}

} // namespace

class TestMqttLink : public QObject {
    Q_OBJECT

private:
    MosquittoBroker broker_;
    std::unique_ptr<QTemporaryDir> storeDir_;
    std::unique_ptr<Store> store_;
    QHash<qint64, QByteArray> expected_; // store id -> payload
    Topics topics_ = *Topics::forVehicle(kVehicle);
    int fleetSerial_ = 0;

    std::unique_ptr<PahoMessageLink> makeLink(const LinkConfig &c) {
        QString error;
        auto link = PahoMessageLink::create(c, &error);
        if (!link) qWarning().noquote() << error;
        return link;
    }

    // A fleet subscriber whose subscription the broker has granted.
    std::unique_ptr<Fleet> fleet() {
        auto f = std::make_unique<Fleet>();
        f->link = makeLink(plainConfig(broker_, QStringLiteral("fleet-%1").arg(++fleetSerial_)));
        Fleet *raw = f.get();
        QObject::connect(f->link.get(), &MessageLink::received, f->link.get(), [raw](const IncomingMessage &m) {
            const QString key = m.property(QString::fromLatin1(property::kKey));
            raw->keys[key] += 1;
            raw->body[key] = m.payload;
            raw->order.append(
                priorityFromName(m.property(QString::fromLatin1(property::kPriority))).value_or(Priority::Bulk));
            if (raw->onMessage) raw->onMessage();
        });
        QSignalSpy granted(f->link.get(), &MessageLink::subscribed);
        f->link->subscribe(Topics::allData());
        f->link->start();
        if (!granted.wait(kTimeoutMs)) return nullptr;
        return f;
    }

    void putItems(int n) {
        QList<Item> items;
        for (int i = 0; i < n; ++i) items.append(shortItem(i, kPriorities[i % 5], kDataClasses[i % 5]));
        QList<qint64> ids;
        StoreFailure f;
        QVERIFY2(store_->put(items, &ids, &f), qPrintable(f.message));
        for (int i = 0; i < n; ++i) expected_.insert(ids.at(i), items.at(i).bytes);
    }

    qint64 pending() {
        Usage u;
        StoreFailure f;
        if (!store_->usage(&u, &f)) return -1;
        return u.items;
    }

    // Every stored item reached the fleet with its payload, under its key.
    void checkAllReceived(const Fleet &f) {
        QCOMPARE(f.distinct(), expected_.size());
        for (auto it = expected_.cbegin(); it != expected_.cend(); ++it) {
            const QString key = topics_.key(it.key());
            QVERIFY2(f.keys.contains(key), qPrintable(key));
            QCOMPARE(f.body.value(key), it.value());
        }
    }

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(broker_.configure(&error), qPrintable(error));
        QVERIFY2(broker_.start(&error), qPrintable(error));
    }

    void init() {
        QString error;
        QVERIFY2(broker_.start(&error), qPrintable(error));
        storeDir_ = std::make_unique<QTemporaryDir>();
        store_ = std::make_unique<Store>(storeDir_->path(), Store::Config{});
        StoreFailure f;
        QVERIFY2(store_->open(&f), qPrintable(f.message));
        expected_.clear();
    }

    void cleanup() {
        store_.reset();
        storeDir_.reset();
    }

    void deliversEachOnceInPriorityOrder() {
        putItems(60);
        auto fleet = this->fleet();
        QVERIFY(fleet);
        auto link = makeLink(plainConfig(broker_, QStringLiteral("conduit-a")));
        QVERIFY(link);
        Uplink uplink(*store_, *link, topics_);
        link->start();
        uplink.start();
        QTRY_VERIFY_WITH_TIMEOUT(fleet->distinct() == 60 && pending() == 0, kTimeoutMs);
        checkAllReceived(*fleet);
        QCOMPARE(fleet->repeats(), 0);
        // next() hands out by priority; QoS 1 on one connection keeps the order.
        for (qsizetype i = 1; i < fleet->order.size(); ++i) QVERIFY(fleet->order[i - 1] >= fleet->order[i]);
        QCOMPARE(fleet->order.first(), Priority::Safety);
        QCOMPARE(uplink.counters().acknowledged, 60);
        QCOMPARE(uplink.counters().failed, 0);
    }

    void brokerRestartMidStreamLosesNothing() {
        const int n = 400;
        putItems(n);
        auto fleet = this->fleet();
        QVERIFY(fleet);
        bool restarted = false;
        QString error;
        fleet->onMessage = [&] {
            if (restarted || fleet->distinct() < 50) return;
            restarted = true;
            QVERIFY(broker_.stop());
            QVERIFY2(broker_.start(&error), qPrintable(error));
        };
        auto link = makeLink(plainConfig(broker_, QStringLiteral("conduit-b")));
        QVERIFY(link);
        QSignalSpy failures(link.get(), &MessageLink::failed);
        Uplink uplink(*store_, *link, topics_);
        link->start();
        uplink.start();
        QTRY_VERIFY_WITH_TIMEOUT(fleet->distinct() == n && pending() == 0, 2 * kTimeoutMs);
        QVERIFY(restarted);
        checkAllReceived(*fleet);
        // The vehicle saw the broker go.
        QVERIFY(!failures.isEmpty());
        QCOMPARE(failures.first().at(0).value<LinkFailure>().error, LinkError::ConnectionLost);
        QVERIFY2(failures.first().at(0).value<LinkFailure>().message.contains(broker_.uri(L::Plain)),
                 qPrintable(failures.first().at(0).value<LinkFailure>().message));
        // Once in the store: every item acknowledged exactly once.
        QCOMPARE(uplink.counters().acknowledged, n);
        qInfo() << "repeats on the wire after the restart:" << fleet->repeats()
                << "publishes cut:" << uplink.counters().failed;
    }

    void offlineThenOnlineDeliversAllOnce() {
        auto fleet = this->fleet(); // its session (and subscription) outlives the broker's stop
        QVERIFY(fleet);
        QVERIFY(broker_.stop());
        auto link = makeLink(plainConfig(broker_, QStringLiteral("conduit-c")));
        QVERIFY(link);
        QSignalSpy failures(link.get(), &MessageLink::failed);
        Uplink uplink(*store_, *link, topics_);
        link->start();
        uplink.start();
        QTRY_VERIFY_WITH_TIMEOUT(failures.size() >= 3, kTimeoutMs); // retrying, with backoff
        const auto first = failures.first().at(0).value<LinkFailure>();
        QCOMPARE(first.error, LinkError::Unreachable);
        QVERIFY2(first.message.contains(broker_.uri(L::Plain)), qPrintable(first.message));
        putItems(100);
        uplink.poke();
        QCOMPARE(pending(), 100); // waiting in the store, nothing lost, nothing acknowledged
        QCOMPARE(uplink.counters().published, 0);
        QString error;
        QVERIFY2(broker_.start(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(fleet->distinct() == 100 && pending() == 0, kTimeoutMs);
        checkAllReceived(*fleet);
        QCOMPARE(fleet->repeats(), 0); // nothing was in flight when the broker went
        QCOMPARE(uplink.counters().acknowledged, 100);
    }

    void mutualTlsAcceptsTheVehicleCertificate() {
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-d"));
        c.brokerUri = broker_.uri(L::Mtls);
        c.caFile = broker_.file(QStringLiteral("ca.pem"));
        c.certFile = broker_.file(QStringLiteral("client.pem"));
        c.keyFile = broker_.file(QStringLiteral("client.key"));
        auto link = makeLink(c);
        QVERIFY(link);
        link->start();
        QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kTimeoutMs);
        QSignalSpy acked(link.get(), &MessageLink::published);
        const quint64 ref = link->publish({topics_.status(), "probe", {}, 0, false});
        QVERIFY(acked.wait(kTimeoutMs));
        QCOMPARE(acked.first().at(0).toULongLong(), ref);
    }

    void mutualTlsRefusesAForeignCertificate() {
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-e"));
        c.brokerUri = broker_.uri(L::Mtls);
        c.caFile = broker_.file(QStringLiteral("ca.pem"));
        c.certFile = broker_.file(QStringLiteral("rogue-client.pem"));
        c.keyFile = broker_.file(QStringLiteral("rogue-client.key"));
        auto link = makeLink(c);
        QVERIFY(link);
        QSignalSpy failures(link.get(), &MessageLink::failed);
        QSignalSpy states(link.get(), &MessageLink::stateChanged);
        link->start();
        QVERIFY(failures.wait(kTimeoutMs));
        const auto f = failures.first().at(0).value<LinkFailure>();
        qInfo().noquote() << "foreign client certificate:" << nameOf(f.error) << f.message;
        QCOMPARE(f.error, LinkError::Tls);
        QVERIFY2(f.message.contains(broker_.uri(L::Mtls)), qPrintable(f.message));
        for (const auto &s : states) QVERIFY(s.at(0).value<LinkState>() != LinkState::Connected);
        link->stop();
        QCOMPARE(link->state(), LinkState::Stopped);
    }

    void tlsRefusesABrokerSignedByAnotherCa() {
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-f"));
        c.brokerUri = broker_.uri(L::Tls);
        c.caFile = broker_.file(QStringLiteral("rogue-ca.pem")); // pinned to the wrong CA
        c.userName = QStringLiteral("conduit");
        c.password = "secret";
        auto link = makeLink(c);
        QVERIFY(link);
        QSignalSpy failures(link.get(), &MessageLink::failed);
        link->start();
        QVERIFY(failures.wait(kTimeoutMs));
        const auto f = failures.first().at(0).value<LinkFailure>();
        qInfo().noquote() << "untrusted broker:" << nameOf(f.error) << f.message;
        QCOMPARE(f.error, LinkError::Tls);
        QVERIFY2(f.message.contains(QLatin1String("certificate verify failed")), qPrintable(f.message));
    }

    void credentialsRefusedAndAccepted() {
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-g"));
        c.brokerUri = broker_.uri(L::Tls);
        c.caFile = broker_.file(QStringLiteral("ca.pem"));
        c.userName = QStringLiteral("conduit");
        c.password = "wrong";
        auto bad = makeLink(c);
        QVERIFY(bad);
        QSignalSpy failures(bad.get(), &MessageLink::failed);
        bad->start();
        QVERIFY(failures.wait(kTimeoutMs));
        const auto f = failures.first().at(0).value<LinkFailure>();
        qInfo().noquote() << "wrong password:" << nameOf(f.error) << f.message;
        QCOMPARE(f.error, LinkError::AuthRefused);
        QVERIFY2(f.message.contains(QLatin1String("refused the credentials")), qPrintable(f.message));
        bad->stop();

        c.password = "secret";
        auto good = makeLink(c);
        QVERIFY(good);
        good->start();
        QTRY_COMPARE_WITH_TIMEOUT(good->state(), LinkState::Connected, kTimeoutMs);
    }

    void unusableConfigurationIsRefusedUpFront() {
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-h"));
        c.brokerUri = broker_.uri(L::Tls);
        QString error;
        QVERIFY(!PahoMessageLink::create(c, &error));
        QVERIFY2(error.contains(QLatin1String("no CA file")), qPrintable(error));
        c.caFile = QStringLiteral("/nonexistent/ca.pem");
        QVERIFY(!PahoMessageLink::create(c, &error));
        QVERIFY2(error.contains(QLatin1String("/nonexistent/ca.pem")), qPrintable(error));
        c.brokerUri = QStringLiteral("http://127.0.0.1:1");
        QVERIFY(!PahoMessageLink::create(c, &error));
        QVERIFY2(error.contains(QLatin1String("not tcp://")), qPrintable(error));
    }

    void expiredCommandIsDroppedAndCounted() {
        auto vehicle = makeLink(plainConfig(broker_, QStringLiteral("conduit-i")));
        QVERIFY(vehicle);
        QList<QPair<Downstream, QByteArray>> handed;
        Downlink downlink(*vehicle, topics_, [&](Downstream d, const IncomingMessage &m) {
            handed.append({d, m.payload});
        });
        QSignalSpy granted(vehicle.get(), &MessageLink::subscribed);
        downlink.start();
        vehicle->start();
        QTRY_COMPARE_WITH_TIMEOUT(granted.size(), 2, kTimeoutMs);

        auto fleet = makeLink(plainConfig(broker_, QStringLiteral("fleet-cmd")));
        QVERIFY(fleet);
        fleet->start();
        QTRY_COMPARE_WITH_TIMEOUT(fleet->state(), LinkState::Connected, kTimeoutMs);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString expiresAt = QString::fromLatin1(property::kExpiresAt);
        const QString commands = topics_.downstream(Downstream::Commands);
        fleet->publish({commands, "stale", {{expiresAt, QString::number(now - 1000)}}, 60, false});
        fleet->publish({commands, "garbled", {{expiresAt, QStringLiteral("soon")}}, 60, false});
        fleet->publish({commands, "fresh", {{expiresAt, QString::number(now + 60000)}}, 60, false});
        fleet->publish({topics_.downstream(Downstream::Campaigns), "campaign", {}, 0, false});
        // One publisher, one subscriber, QoS 1: delivered in order, so once
        // the campaign is in, the stale command has been seen.
        QTRY_VERIFY_WITH_TIMEOUT(handed.size() == 2, kTimeoutMs);
        QCOMPARE(handed.at(0), qMakePair(Downstream::Commands, QByteArray("fresh")));
        QCOMPARE(handed.at(1), qMakePair(Downstream::Campaigns, QByteArray("campaign")));
        QCOMPARE(downlink.counters().expired, 1);
        QCOMPARE(downlink.counters().malformed, 1);
        QCOMPARE(downlink.counters().handed, 2);
    }

    void statusTopicSaysOnlineThenOffline() {
        auto fleet = makeLink(plainConfig(broker_, QStringLiteral("fleet-status")));
        QVERIFY(fleet);
        QStringList seen;
        connect(fleet.get(), &MessageLink::received, this, [&](const IncomingMessage &m) {
            if (m.topic == topics_.status()) seen.append(QString::fromUtf8(m.payload));
        });
        QSignalSpy granted(fleet.get(), &MessageLink::subscribed);
        fleet->subscribe(topics_.status());
        fleet->start();
        QVERIFY(granted.wait(kTimeoutMs));
        LinkConfig c = plainConfig(broker_, QStringLiteral("conduit-k"));
        c.statusTopic = topics_.status();
        auto vehicle = makeLink(c);
        QVERIFY(vehicle);
        vehicle->start();
        QTRY_VERIFY_WITH_TIMEOUT(seen.contains(QLatin1String("online")), kTimeoutMs);
        vehicle->stop();
        QTRY_COMPARE_WITH_TIMEOUT(seen.last(), QStringLiteral("offline"), kTimeoutMs);
        // Destroyed while connected (conduitd shutting down): offline too.
        vehicle.reset();
        auto again = makeLink(c);
        again->start();
        QTRY_COMPARE_WITH_TIMEOUT(seen.last(), QStringLiteral("online"), kTimeoutMs);
        again.reset();
        QTRY_COMPARE_WITH_TIMEOUT(seen.last(), QStringLiteral("offline"), kTimeoutMs);
        fleet->stop();
    }

    void stopEndsReconnects() {
        QVERIFY(broker_.stop());
        auto link = makeLink(plainConfig(broker_, QStringLiteral("conduit-j")));
        QVERIFY(link);
        QSignalSpy failures(link.get(), &MessageLink::failed);
        link->start();
        QVERIFY(failures.wait(kTimeoutMs));
        link->stop();
        QCOMPARE(link->state(), LinkState::Stopped);
        const int seen = int(failures.size());
        QString error;
        QVERIFY2(broker_.start(&error), qPrintable(error));
        // Longer than the backoff's maximum: no attempt, so never connected.
        QVERIFY(!QTest::qWaitFor([&] { return link->state() != LinkState::Stopped; }, 1500));
        QCOMPARE(int(failures.size()), seen);
    }
};

QTEST_GUILESS_MAIN(TestMqttLink)
#include "tst_mqttlink.moc"
