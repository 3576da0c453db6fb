// The process that tst_storecrash cuts: it opens a store and runs a seeded
// sequence of puts (inline, blob, batch, by path) and acknowledgements,
// telling its parent on stdout, with one write(2) per line, what the store
// confirmed:
//   P <id> <seq>   put returned this durable id for the item of seq
//   A <id>         about to acknowledge id
//   a <id>         the acknowledgement returned
//   F <seq> <why>  put refused (a full disk)
// Item seq's payload is storecrash_payload(seq) and its campaign "seq-<n>",
// so the parent can judge every item it finds.
//   storecrash_writer DIR SEED OPS
#include "storecrash_payload.h"

#include "gathering/store.h"

#include <QCoreApplication>
#include <QFile>

#include <random>
#include <unistd.h>

using namespace conduit::gathering;

namespace {

void say(const QByteArray &line) {
    const QByteArray l = line + '\n';
    const ssize_t ignored = ::write(1, l.constData(), size_t(l.size()));
    (void)ignored;
}

Item itemOf(int seq) {
    Item i;
    i.kind = seq % 3 == 0 ? ItemKind::Blob : ItemKind::SignalWindow;
    i.campaignId = QStringLiteral("seq-%1").arg(seq);
    i.dataClass = kDataClasses[seq % 5];
    i.priority = kPriorities[seq % 5];
    i.bytes = storecrashPayload(seq);
    return i;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    if (argc != 4) return 2;
    const QString dir = QString::fromLocal8Bit(argv[1]);
    std::mt19937 rng(uint32_t(atoi(argv[2])));
    const int ops = atoi(argv[3]);
    Store::Config config;
    config.inlineLimit = 1024;
    Store store(dir + QStringLiteral("/store"), config);
    StoreFailure f;
    if (!store.open(&f)) {
        say("O " + f.message.toUtf8());
        return 1;
    }
    int seq = 0;
    for (int op = 0; op < ops; ++op) {
        const int r = int(rng() % 100);
        if (r < 55 || r >= 95) {
            Item item = itemOf(seq);
            if (r >= 95) { // by path: the source lives outside the store
                const QString source = dir + QStringLiteral("/source-%1").arg(seq);
                QFile out(source);
                if (!out.open(QIODevice::WriteOnly) || out.write(item.bytes) != item.bytes.size()) return 3;
                out.close();
                item.bytes = QByteArray();
                item.sourcePath = source;
            }
            qint64 id = 0;
            if (store.put(item, &id, &f))
                say("P " + QByteArray::number(id) + ' ' + QByteArray::number(seq));
            else
                say("F " + QByteArray::number(seq) + ' ' + f.message.toUtf8());
            ++seq;
        } else if (r < 75) {
            QList<Item> batch{itemOf(seq), itemOf(seq + 1), itemOf(seq + 2)};
            QList<qint64> ids;
            if (store.put(batch, &ids, &f))
                for (int i = 0; i < 3; ++i) say("P " + QByteArray::number(ids[i]) + ' ' + QByteArray::number(seq + i));
            else
                say("F " + QByteArray::number(seq) + ' ' + f.message.toUtf8());
            seq += 3;
        } else {
            QList<StoredItem> next;
            if (!store.next(1, 60'000, &next, &f) || next.isEmpty()) continue;
            say("A " + QByteArray::number(next[0].id));
            bool found = false;
            if (store.acknowledge(next[0].id, &found, &f)) say("a " + QByteArray::number(next[0].id));
        }
    }
    return 0;
}
