// The cost of one signal change with many campaigns armed
// (docs/benchmarks.md, "Data gathering: campaigns"): 50 condition campaigns,
// each collecting 4 of 20 signals and triggering on a condition over 3 of
// them; every change is recorded in the rings of the campaigns that collect
// the signal and re-evaluates the conditions that use it.
//   bench_campaigns [CHANGES] [THRESHOLD]   (defaults 2 000 000 and 95; 100: no trigger ever)
#include "gathering/campaign/collection.h"
#include "gathering/campaign/triggerengine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <cstdio>
#include <random>

using namespace conduit::gathering;
using namespace conduit::gathering::campaign;
using conduit::trust::JsonValue;

namespace {

constexpr int kCampaigns = 50;
constexpr int kSignals = 20;
constexpr qint64 kNowMs = 1796086800000; // 2026-12-01T01:00:00Z

class NullSink : public ItemSink {
public:
    bool put(const QList<Item> &items, QList<qint64> *, StoreFailure *) override {
        stored += items.size();
        return true;
    }
    qint64 stored = 0;
};

QString signal(int i) { return QStringLiteral("Vehicle.Bench.S%1").arg(i); }

JsonValue document(int n, int threshold) {
    const int a = n % kSignals, b = (n * 7 + 3) % kSignals, c = (n * 13 + 5) % kSignals, d = (n * 3 + 11) % kSignals;
    QStringList collected{signal(a), signal(b), signal(c), signal(d)};
    collected.removeDuplicates();
    const QString condition =
        QStringLiteral("%1 > %4 && (%2 < 10 || !(%3 == 50))").arg(signal(a), signal(b), signal(c)).arg(threshold);
    return JsonValue(JsonValue::Object{
        {"_type", JsonValue("campaign")},
        {"spec_version", JsonValue("1.0")},
        {"id", JsonValue(QStringLiteral("bench-%1").arg(n))},
        {"version", JsonValue(1)},
        {"expires", JsonValue("2027-01-01T00:00:00Z")},
        {"scope", JsonValue(JsonValue::Object{{"vehicles", JsonValue::array({QStringLiteral("*")})}})},
        {"collect", JsonValue(JsonValue::Object{{"signals", JsonValue::array(collected)}})},
        {"trigger",
         JsonValue(JsonValue::Object{{"condition", JsonValue(condition)}, {"min_interval_ms", JsonValue(10000)}})},
        {"window", JsonValue(JsonValue::Object{{"pre_ms", JsonValue(5000)}, {"post_ms", JsonValue(2000)}})},
        {"priority", JsonValue("normal")},
        {"data_class", JsonValue("telemetry")},
        {"upload", JsonValue("any")},
    });
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("conduit.*.info=false"));
    const qint64 changes = argc > 1 ? QByteArray(argv[1]).toLongLong() : 2000000;
    // Values are 0..100: 95 lets conditions fire now and then, 100 never.
    const int threshold = argc > 2 ? QByteArray(argv[2]).toInt() : 95;
    QTemporaryDir dir;
    const auto key = *conduit::trust::SigningKey::ed25519FromSeed(QByteArray(32, 'b'));
    qint64 now = kNowMs;
    NullSink sink;
    CampaignCollection::Config config{dir.path(),
                                      {QStringLiteral("BENCH"), {}},
                                      *CampaignKeys::parse(CampaignKeys::serialize({key.publicKey()}, 1)),
                                      {},
                                      20000,
                                      1 << 20,
                                      [&] { return now; }};
    auto collection = CampaignCollection::open(config, {&sink, nullptr, nullptr, {}});
    if (!collection) return std::fprintf(stderr, "%s\n", qPrintable(collection.error().message)), 1;
    for (int n = 0; n < kCampaigns; ++n) {
        auto accepted =
            (*collection)->accept(*signCampaign(conduit::trust::compactJson(document(n, threshold)), {key}));
        if (!accepted) return std::fprintf(stderr, "%s\n", qPrintable(accepted.error().message)), 1;
    }
    QStringList names;
    for (int i = 0; i < kSignals; ++i) names.append(signal(i));
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> pick(0, kSignals - 1), value(0, 100);
    // 10 000 changes per simulated second, a tick every 10 ms.
    QElapsedTimer timer;
    timer.start();
    for (qint64 i = 0; i < changes; ++i) {
        if (i % 100 == 0) {
            now += 10;
            (*collection)->tick();
        }
        (*collection)->onSignal(names[pick(rng)], value(rng), now);
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    std::printf("campaigns %d, signals %d, changes %lld in %.2f s: %.0f ns per change (%.0f changes/s); "
                "triggers %lld, bundles %lld\n",
                kCampaigns, kSignals, changes, seconds, seconds * 1e9 / double(changes), double(changes) / seconds,
                (*collection)->counters().triggers, (*collection)->counters().bundles);

    // The trigger engine alone: condition evaluation, no rings, no bundles.
    TriggerEngine engine;
    for (int n = 0; n < kCampaigns; ++n) engine.add(*parseCampaign(document(n, threshold)), -1, kNowMs);
    qint64 fired = 0;
    timer.restart();
    for (qint64 i = 0; i < changes; ++i) fired += qint64(engine.onSignal(names[pick(rng)], value(rng), now).size());
    const double engineSeconds = double(timer.nsecsElapsed()) / 1e9;
    std::printf("trigger engine alone: %.0f ns per change (%lld firings)\n", engineSeconds * 1e9 / double(changes),
                fired);
    return 0;
}
