// The bulk upload side of a host, alone, for tst_bulkscheduler's restart
// test: opens the store in DIR, uploads everything to ENDPOINT on an
// unmetered link, and exits 0 when nothing is left (1 on a failure).
//
//   bulkupload_host DIR ENDPOINT CHUNK_BYTES BANDWIDTH_BYTES_PER_S
//
// Reports on stdout, one line each, flushed: "progress <id> <offset>",
// "delivered <id>", "refused <id>", "failed <id>", and at the end
// "stats <delivered> <resumed> <recreated> <bytes sent>".
#include "gathering/store.h"
#include "gathering/upload/bulkscheduler.h"

#include <QCoreApplication>

#include <cstdio>

using namespace conduit::gathering;

namespace {

struct Unmetered : LinkConditions {
    LinkState current() const override { return {true, false, true}; }
};

void say(const QByteArray &line) {
    std::fputs((line + '\n').constData(), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 5) {
        std::fputs("usage: bulkupload_host DIR ENDPOINT CHUNK_BYTES BANDWIDTH_BYTES_PER_S\n", stderr);
        return 2;
    }
    Store store(args[1], {});
    StoreFailure f;
    if (!store.open(&f)) {
        std::fprintf(stderr, "bulkupload_host: %s\n", qPrintable(f.message));
        return 1;
    }
    Unmetered link;
    BulkConfig config;
    config.tus.endpoint = QUrl(args[2]);
    config.tus.chunkSize = args[3].toLongLong();
    config.tus.bandwidthLimit = args[4].toLongLong();
    config.retry.backoffMs = 50;
    BulkScheduler scheduler(store, link, config);
    int failures = 0;
    QObject::connect(&scheduler, &BulkScheduler::progress, [](qint64 id, qint64 offset, qint64) {
        say("progress " + QByteArray::number(id) + ' ' + QByteArray::number(offset));
    });
    QObject::connect(&scheduler, &BulkScheduler::delivered,
                     [](qint64 id, qint64) { say("delivered " + QByteArray::number(id)); });
    QObject::connect(&scheduler, &BulkScheduler::refused, [&failures](qint64 id, const QString &why) {
        ++failures;
        say("refused " + QByteArray::number(id) + ' ' + why.toUtf8());
    });
    QObject::connect(&scheduler, &BulkScheduler::failed, [&failures](qint64 id, const QString &why) {
        ++failures;
        say("failed " + QByteArray::number(id) + ' ' + why.toUtf8());
    });
    QObject::connect(&scheduler, &BulkScheduler::idle, [&] {
        const auto &s = scheduler.stats();
        say("stats " + QByteArray::number(s.delivered) + ' ' + QByteArray::number(s.resumed) + ' ' +
            QByteArray::number(s.recreated) + ' ' + QByteArray::number(s.bytesSent));
        app.exit(failures ? 1 : 0);
    });
    QMetaObject::invokeMethod(&scheduler, &BulkScheduler::poke, Qt::QueuedConnection);
    return app.exec();
}
