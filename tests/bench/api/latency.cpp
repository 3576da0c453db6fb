#include "latency.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTimer>

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace bench {

namespace {

const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
const QString kIface = QStringLiteral("io.conduit.Host1");

qint64 monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The client: receives the signals as the HMI bridge does (a slot on the
// bus connection, no blocking calls that would hold signals back).
class Client : public QObject {
    Q_OBJECT
public:
    struct Arrival {
        qint64 ns;
        quint64 done;
    };
    std::vector<Arrival> arrivals;
    QString bundle;
    int runsLeft = 0;
    QString failure;

    void install() { call(QStringLiteral("InstallBundle"), bundle); }

public slots:
    void onProgress(qulonglong done, qulonglong, int, const QString &) {
        arrivals.push_back({monotonicNs(), done}); // before anything else
    }
    void onConsent(const QString &kind, const QString &) { call(QStringLiteral("Accept"), kind); }
    void onFinished(const QString &result) {
        if (!result.contains(QLatin1String("\"outcome\":\"success\""))) failure = result;
        if (--runsLeft > 0 && failure.isEmpty())
            install();
        else
            QCoreApplication::exit(0);
    }

private:
    void call(const QString &method, const QString &arg) {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kIface, method);
        m << arg;
        auto *w = new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(m), this);
        connect(w, &QDBusPendingCallWatcher::finished, this, [this, method](QDBusPendingCallWatcher *w) {
            if (w->isError()) {
                failure = method + QStringLiteral(": ") + w->error().message();
                QCoreApplication::exit(1);
            }
            w->deleteLater();
        });
    }
};

struct Stats {
    size_t n = 0;
    double p50 = 0, p99 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
    Stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.n = v.size();
    s.p50 = v[(v.size() - 1) / 2];
    s.p99 = v[size_t(std::ceil(0.99 * double(v.size()))) - 1];
    s.max = v.back();
    return s;
}

void print(const char *what, const Stats &s) {
    std::printf("latency %s signals=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", what, s.n, s.p50, s.p99, s.max);
}

} // namespace

int progressLatency(const QString &conduitd, const QString &config, const QString &bundle, int runs) {
    QProcess host;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_LOGGING_RULES"),
               QStringLiteral("conduit.*.debug=false;conduit.api.timing.debug=true"));
    host.setProcessEnvironment(env);
    QDBusServiceWatcher watcher(kService, QDBusConnection::sessionBus(), QDBusServiceWatcher::WatchForRegistration);
    QObject::connect(&watcher, &QDBusServiceWatcher::serviceRegistered, [] { QCoreApplication::exit(0); });
    host.start(conduitd, {QStringLiteral("--config"), config});
    QCoreApplication::exec();

    Client client;
    client.bundle = bundle;
    client.runsLeft = runs;
    auto bus = QDBusConnection::sessionBus();
    bus.connect(kService, kPath, kIface, QStringLiteral("Progress"), &client,
                SLOT(onProgress(qulonglong, qulonglong, int, QString)));
    bus.connect(kService, kPath, kIface, QStringLiteral("ConsentRequested"), &client,
                SLOT(onConsent(QString, QString)));
    bus.connect(kService, kPath, kIface, QStringLiteral("CampaignFinished"), &client, SLOT(onFinished(QString)));
    QTimer::singleShot(600000, [&client] {
        client.failure = QStringLiteral("no result within 10 minutes");
        QCoreApplication::exit(1);
    });
    client.install();
    QCoreApplication::exec();
    host.terminate();
    host.waitForFinished(10000);
    if (!client.failure.isEmpty()) {
        std::fprintf(stderr, "bench_api latency: %s\n", qPrintable(client.failure));
        return 1;
    }

    // One line per Progress signal sent, in order; the bus keeps one
    // sender's order, so the i-th line is the i-th arrival.
    static const QRegularExpression line(
        QStringLiteral("progress seq=(\\d+) done=(\\d+) first_change_ns=(\\d+) last_change_ns=(\\d+) sent_ns=(\\d+)"));
    std::vector<double> carried, first, delivery;
    size_t lines = 0, mismatched = 0;
    auto it = line.globalMatch(QString::fromUtf8(host.readAllStandardError()));
    while (it.hasNext()) {
        const auto m = it.next();
        if (lines >= client.arrivals.size()) break;
        const Client::Arrival &a = client.arrivals[lines++];
        if (m.captured(2).toULongLong() != a.done) ++mismatched;
        carried.push_back(double(a.ns - m.captured(4).toLongLong()) / 1e6);
        first.push_back(double(a.ns - m.captured(3).toLongLong()) / 1e6);
        delivery.push_back(double(a.ns - m.captured(5).toLongLong()) / 1e6);
    }
    std::printf("latency runs=%d signals_received=%zu matched=%zu mismatched=%zu\n", runs, client.arrivals.size(),
                lines, mismatched);
    if (lines != client.arrivals.size() || mismatched || lines == 0) {
        std::fprintf(stderr, "bench_api latency: host log and signals do not match (enable conduit.api.timing?)\n");
        return 1;
    }
    print("engine_change_to_client", stats(carried));
    print("first_unsent_change_to_client", stats(first));
    print("emitted_to_client", stats(delivery));
    return 0;
}

} // namespace bench

#include "latency.moc"
