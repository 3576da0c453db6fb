// MQTT figures (docs/benchmarks.md, "Data gathering: MQTT"), against a real
// mosquitto on loopback (tests/integration/lib/mosquitto.sh):
//  1. time from "broker back" (listening again after a stop) to the first
//     item delivered (PUBACK, removed from the store), after the link's
//     backoff reached its bound; several runs, median and range;
//  2. QoS 1 messages/s: the uplink from a real store (one durable
//     acknowledgement per item), and the link alone (PUBACKs only).
//   bench_mqtt [RUNS] [MESSAGES] [WINDOW]
#include "gathering/mqtt/pahomessagelink.h"
#include "gathering/mqtt/uplink.h"
#include "gathering/store.h"
#include "mosquittobroker.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>

using namespace conduit::gathering;
using namespace conduit::gathering::mqtt;

namespace {

[[noreturn]] void die(const QString &why) {
    std::fprintf(stderr, "bench_mqtt: %s\n", qPrintable(why));
    std::exit(1);
}

int gWindow = 16;

std::unique_ptr<PahoMessageLink> link(const MosquittoBroker &b, const QString &id) {
    LinkConfig c;
    c.maxInflight = gWindow;
    c.brokerUri = b.uri(MosquittoBroker::Listener::Plain);
    c.clientId = id;
    QString error;
    auto l = PahoMessageLink::create(c, &error);
    if (!l) die(error);
    return l;
}

bool waitFor(const std::function<bool()> &done, int ms = 30000) { return QTest::qWaitFor(done, ms); }

Item shortItem(int n) {
    Item i;
    i.kind = ItemKind::SignalWindow;
    i.campaignId = QStringLiteral("bench");
    i.bytes = QByteArray(200, char('a' + n % 26));
    return i;
}

void reconnect(MosquittoBroker &broker, Store &store, const Topics &topics, int runs) {
    auto l = link(broker, QStringLiteral("bench-reconnect"));
    Uplink up(store, *l, topics);
    qint64 delivered = 0;
    QObject::connect(&up, &Uplink::delivered, [&](qint64) { ++delivered; });
    l->start();
    up.start();
    QList<double> ms;
    for (int r = 0; r < runs; ++r) {
        if (!waitFor([&] { return l->state() == LinkState::Connected; })) die(QStringLiteral("never connected"));
        broker.stop();
        // Down long enough for the backoff to reach its bound (100 ms doubling to 500 ms).
        if (!waitFor([&] { return l->failedAttempts() >= 5; })) die(QStringLiteral("no retries"));
        qint64 id = 0;
        StoreFailure f;
        if (!store.put(shortItem(r), &id, &f)) die(f.message);
        up.poke();
        const qint64 before = delivered;
        QString error;
        if (!broker.start(&error)) die(error);
        QElapsedTimer t;
        t.start();
        double connectedMs = -1;
        const auto c = QObject::connect(l.get(), &MessageLink::stateChanged, [&](LinkState s) {
            if (s == LinkState::Connected) connectedMs = double(t.nsecsElapsed()) / 1e6;
        });
        if (!waitFor([&] { return delivered > before; }))
            die(QStringLiteral("not delivered after the broker came back"));
        ms.append(double(t.nsecsElapsed()) / 1e6);
        QObject::disconnect(c);
        std::printf("  run %d: %.0f ms (connected after %.0f ms)\n", r + 1, ms.last(), connectedMs);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("broker back -> first item delivered: median %.0f ms, range %.0f-%.0f ms (%d runs; goal <= 2000)\n",
                ms.at(ms.size() / 2), ms.first(), ms.last(), runs);
}

void throughputStore(MosquittoBroker &broker, Store &store, const Topics &topics, int n) {
    QList<Item> items;
    for (int i = 0; i < n; ++i) items.append(shortItem(i));
    QList<qint64> ids;
    StoreFailure f;
    if (!store.put(items, &ids, &f)) die(f.message);
    auto l = link(broker, QStringLiteral("bench-uplink"));
    l->start();
    if (!waitFor([&] { return l->state() == LinkState::Connected; })) die(QStringLiteral("never connected"));
    Uplink::Config cfg;
    cfg.window = gWindow;
    Uplink up(store, *l, topics, cfg);
    QElapsedTimer t;
    t.start();
    up.start();
    if (!waitFor([&] { return up.counters().acknowledged >= n; }, 600000)) die(QStringLiteral("uplink stalled"));
    const double s = double(t.nsecsElapsed()) / 1e9;
    std::printf(
        "uplink from the store (QoS 1, window %d, 200-byte items, durable ack each): %d in %.2f s = %.0f msg/s\n",
        std::min(cfg.window, l->inflightLimit()), n, s, n / s);
}

void throughputLink(MosquittoBroker &broker, const Topics &topics, int n) {
    auto l = link(broker, QStringLiteral("bench-link"));
    l->start();
    if (!waitFor([&] { return l->state() == LinkState::Connected; })) die(QStringLiteral("never connected"));
    int acked = 0, sent = 0, failed = 0;
    const OutgoingMessage m{topics.data(DataClass::Telemetry), QByteArray(200, 'x'), {}, 0, false};
    auto fill = [&] {
        while (sent < n && sent - acked - failed < l->inflightLimit()) {
            l->publish(m);
            ++sent;
        }
    };
    QObject::connect(l.get(), &MessageLink::published, [&](quint64) {
        ++acked;
        fill();
    });
    QObject::connect(l.get(), &MessageLink::publishFailed, [&](quint64, const LinkFailure &) {
        ++failed;
        fill();
    });
    QElapsedTimer t;
    t.start();
    fill();
    if (!waitFor([&] { return acked + failed >= n; }, 600000)) die(QStringLiteral("link stalled"));
    const double s = double(t.nsecsElapsed()) / 1e9;
    std::printf("link alone (QoS 1, %d in flight, 200 bytes): %d PUBACKs in %.2f s = %.0f msg/s (%d failed)\n",
                l->inflightLimit(), acked, s, acked / s, failed);
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::atoi(argv[1]) : 7;
    const int n = argc > 2 ? std::atoi(argv[2]) : 5000;
    gWindow = argc > 3 ? std::atoi(argv[3]) : 16;
    MosquittoBroker broker;
    QString error;
    if (!broker.configure(&error) || !broker.start(&error)) die(error);
    QTemporaryDir dir;
    Store store(dir.path(), Store::Config{});
    StoreFailure f;
    if (!store.open(&f)) die(f.message);
    const Topics topics = *Topics::forVehicle(QStringLiteral("bench"));
    reconnect(broker, store, topics, runs);
    throughputStore(broker, store, topics, n);
    throughputLink(broker, topics, n * 4);
    return 0;
}
