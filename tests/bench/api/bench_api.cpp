// Control API figures (run under dbus-run-session by run.sh):
//   startup: conduitd start to io.conduit.Host acquired, N runs
//   campaign CONF BUNDLE: D-Bus signals and bytes seen during one campaign,
//            and the spacing of Progress signals (the rate limit keeps it
//            >= 250 ms)
//   latency CONF BUNDLE RUNS: for every Progress signal of RUNS campaigns,
//            the time from the engine change it carries to its arrival here
//            (latency.h)
#include "latency.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusInterface>
#include <QDBusServiceWatcher>
#include <QElapsedTimer>
#include <QProcess>

#include <algorithm>
#include <cstdio>

namespace {
const QString kService = QStringLiteral("io.conduit.Host");

class Counter : public QObject {
    Q_OBJECT
public:
    int signals_ = 0, progress = 0;
    qint64 bytes = 0;
    QElapsedTimer clock;
    std::vector<qint64> progressAt;
public slots:
    void onAny(const QString &s) {
        ++signals_;
        bytes += s.size();
    }
    void onProgress(qulonglong, qulonglong, int, const QString &devices) {
        ++signals_;
        ++progress;
        bytes += devices.size() + 20;
        progressAt.push_back(clock.elapsed());
    }
    void onConsent(const QString &kind, const QString &c) {
        ++signals_;
        bytes += c.size();
        QDBusInterface(kService, QStringLiteral("/io/conduit/Host"), QStringLiteral("io.conduit.Host1"))
            .call(QStringLiteral("Accept"), kind);
    }
    void onFinished(const QString &r) {
        ++signals_;
        bytes += r.size();
        QCoreApplication::exit(0);
    }
};
} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    const QString conduitd = QStringLiteral(CONDUIT_BIN_DIR "/conduitd");
    if (a.size() >= 3 && a[1] == QLatin1String("startup")) {
        std::vector<double> ms;
        for (int i = 0; i < a[2].toInt(); ++i) {
            QDBusServiceWatcher w(kService, QDBusConnection::sessionBus(), QDBusServiceWatcher::WatchForRegistration);
            QProcess p;
            QElapsedTimer t;
            QObject::connect(&w, &QDBusServiceWatcher::serviceRegistered, [&] {
                ms.push_back(t.nsecsElapsed() / 1e6);
                QCoreApplication::exit(0);
            });
            t.start();
            p.start(conduitd, a.mid(3));
            QCoreApplication::exec();
            p.terminate();
            p.waitForFinished(5000);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("startup runs=%zu median_ms=%.1f p90_ms=%.1f max_ms=%.1f\n", ms.size(), ms[ms.size() / 2],
                    ms[ms.size() * 9 / 10], ms.back());
        return 0;
    }
    if (a.size() == 4 && a[1] == QLatin1String("campaign")) {
        QDBusServiceWatcher w(kService, QDBusConnection::sessionBus(), QDBusServiceWatcher::WatchForRegistration);
        QProcess p;
        QObject::connect(&w, &QDBusServiceWatcher::serviceRegistered, [] { QCoreApplication::exit(0); });
        p.start(conduitd, {QStringLiteral("--config"), a[2]});
        QCoreApplication::exec();
        Counter c;
        auto bus = QDBusConnection::sessionBus();
        const QString path = QStringLiteral("/io/conduit/Host"), iface = QStringLiteral("io.conduit.Host1");
        bus.connect(kService, path, iface, QStringLiteral("StateChanged"), &c, SLOT(onAny(QString)));
        bus.connect(kService, path, iface, QStringLiteral("Progress"), &c,
                    SLOT(onProgress(qulonglong, qulonglong, int, QString)));
        bus.connect(kService, path, iface, QStringLiteral("ConsentRequested"), &c, SLOT(onConsent(QString, QString)));
        bus.connect(kService, path, iface, QStringLiteral("CampaignFinished"), &c, SLOT(onFinished(QString)));
        c.clock.start();
        QDBusInterface(kService, path, iface).call(QStringLiteral("InstallBundle"), a[3]);
        QCoreApplication::exec();
        qint64 minGap = -1;
        for (size_t i = 1; i < c.progressAt.size(); ++i) {
            const qint64 gap = c.progressAt[i] - c.progressAt[i - 1];
            if (minGap < 0 || gap < minGap) minGap = gap;
        }
        std::printf(
            "campaign seconds=%.2f signals=%d progress_signals=%d min_progress_gap_ms=%lld payload_bytes=%lld\n",
            c.clock.elapsed() / 1000.0, c.signals_, c.progress, static_cast<long long>(minGap),
            static_cast<long long>(c.bytes));
        p.terminate();
        p.waitForFinished(5000);
        return 0;
    }
    if (a.size() == 5 && a[1] == QLatin1String("latency"))
        return bench::progressLatency(conduitd, a[2], a[3], a[4].toInt());
    std::fprintf(stderr,
                 "usage: bench_api startup N [conduitd args] | campaign CONF BUNDLE | latency CONF BUNDLE RUNS\n");
    return 2;
}

#include "bench_api.moc"
