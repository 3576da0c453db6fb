// Captured frames through the gathering service's ingestion into the real
// store on its thread (docs/benchmarks.md, "Data gathering: captured frames"):
// frames of FRAME bytes from one stream, batched into items of BATCH KiB,
// for SECONDS; the producer waits while the store's backlog is over half
// full (measuring what the store sustains), then once more without waiting
// (measuring what a faster producer loses, counted as backlog drops).
// Usage: bench_capture [FRAME=4096] [BATCH_KIB=1024] [SECONDS=5]
#include "captureingest.h"
#include "storeworker.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>

using namespace conduit::gathering;

namespace {

struct Run {
    qint64 frames = 0, stored = 0, dropped = 0;
    double seconds = 0;
};

Run run(qint64 frameSize, qint64 batchKib, int seconds, bool wait) {
    QTemporaryDir dir;
    ConsentBook consent(dir.filePath(QStringLiteral("consent.json")));
    QString e;
    consent.load(&e);
    consent.set(DataClass::Camera, true, &e);
    Store::Config sc;
    sc.maxBytes = 4ll << 30;
    const qint64 backlog = 16 << 20;
    Run r;
    {
        StoreWorker worker(dir.filePath(QStringLiteral("store")), sc, backlog);
        QObject::connect(&worker, &StoreWorker::stored, [&](DataClass, qint64 frames, qint64) { r.stored += frames; });
        bool opened = false;
        worker.run([&](Store &s) { opened = s.open(nullptr); });
        if (!opened) return r;
        QElapsedTimer clock;
        clock.start();
        CaptureIngest::Config c;
        c.batchBytes = batchKib << 10;
        CaptureIngest in(
            c, &consent, [&](const Item &item, qint64 frames) { return worker.offer(item, frames); },
            [&] { return clock.elapsed(); });
        CaptureRequest req;
        req.deviceId = QStringLiteral("cam-1");
        req.stream = QStringLiteral("front");
        req.campaignId = QStringLiteral("bench");
        req.dataClass = DataClass::Camera;
        in.begin(QStringLiteral("agent"), req);
        const QByteArray frame(frameSize, 'f');
        while (clock.elapsed() < seconds * 1000) {
            for (int i = 0; i < 64; ++i)
                in.frame(QStringLiteral("agent"), QStringLiteral("front"), frame, clock.nsecsElapsed());
            r.frames += 64;
            while (wait && worker.backlogBytes() > backlog / 2) QThread::usleep(200);
            QCoreApplication::processEvents();
        }
        in.flushAll();
        r.seconds = clock.elapsed() / 1000.0;
        auto it = in.drops().find({DataClass::Camera, FrameDrop::Backlog});
        r.dropped = it == in.drops().end() ? 0 : it->second.frames;
    } // the worker drains its backlog
    QCoreApplication::processEvents();
    return r;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const qint64 frame = argc > 1 ? atoll(argv[1]) : 4096;
    const qint64 batch = argc > 2 ? atoll(argv[2]) : 1024;
    const int seconds = argc > 3 ? atoi(argv[3]) : 5;
    for (bool wait : {true, false}) {
        const Run r = run(frame, batch, seconds, wait);
        std::printf("%s: %lld frames of %lld B in %.1f s: %.0f frames/s offered, %.1f MiB/s stored, %lld dropped "
                    "(backlog)\n",
                    wait ? "producer paced by the store" : "producer not paced", (long long)r.frames, (long long)frame,
                    r.seconds, r.frames / r.seconds, double(r.stored) * frame / r.seconds / 1048576.0,
                    (long long)r.dropped);
    }
    return 0;
}
