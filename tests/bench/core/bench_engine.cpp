// Engine overhead: a campaign of 20 devices on instant fake agents, from
// consent to done. Reports wall time, time spent in journal fsyncs (measured
// by a second run with fsync-free journal appends is not possible, so the
// journal is timed separately), journal bytes and fsyncs per campaign.
#include "../../unit/core/fakegateway.h"

#include "core/campaignengine.h"
#include "core/vehicleprovider.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace conduit::core;

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int devices = 20, runs = 30;
    std::vector<double> total, fsyncMs;
    quint64 bytes = 0, fsyncs = 0;
    for (int run = 0; run < runs; ++run) {
        QTemporaryDir dir;
        Journal journal(dir.filePath(QStringLiteral("journal")));
        QString error;
        if (!journal.open(&error)) return 1;
        FakeGateway gateway;
        MemoryPayloads payloads;
        VehicleState vehicle;
        simulateParkedCar(&vehicle);
        Campaign c;
        c.id = QStringLiteral("bench-%1").arg(run);
        for (int i = 0; i < devices; ++i) {
            const QString id = QStringLiteral("ecu-%1").arg(i);
            gateway.add(id);
            CampaignTarget t;
            t.deviceId = id;
            t.hardwareId = QStringLiteral("hw");
            t.targetName = id + QStringLiteral(".img");
            t.version = QStringLiteral("2.0");
            t.phase = i % 4;
            payloads.files[t.targetName] = QByteArray(4096, 'x');
            t.length = 4096;
            c.targets << t;
        }
        CampaignEngine::Config cfg;
        cfg.autoConsentDownload = cfg.autoConsentInstall = true;
        CampaignEngine engine(&journal, &gateway, &payloads, &vehicle, cfg);
        QElapsedTimer t;
        QObject::connect(&engine, &CampaignEngine::finished, [&](const CampaignEngine::Result &r) {
            total.push_back(t.nsecsElapsed() / 1e6);
            if (r.outcome != Outcome::Success)
                std::fprintf(stderr, "campaign failed: %s\n", qPrintable(r.failure.reason));
            QCoreApplication::exit(0);
        });
        t.start();
        engine.submit(c);
        QCoreApplication::exec();
        bytes = journal.bytesWritten();
        fsyncs = journal.fsyncs();
        // What those fsyncs cost on this disk, measured on the same journal.
        QElapsedTimer ft;
        ft.start();
        for (quint64 i = 0; i < fsyncs; ++i) journal.append({{"type", "probe"}}, true, &error);
        fsyncMs.push_back(ft.nsecsElapsed() / 1e6);
    }
    std::sort(total.begin(), total.end());
    std::sort(fsyncMs.begin(), fsyncMs.end());
    const double med = total[total.size() / 2], fs = fsyncMs[fsyncMs.size() / 2];
    std::printf("devices=%d runs=%d median_total_ms=%.2f median_fsync_ms=%.2f median_engine_ms_excluding_fsync=%.2f "
                "journal_bytes=%llu fsyncs=%llu\n",
                devices, runs, med, fs, med - fs, static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(fsyncs));
    return 0;
}
