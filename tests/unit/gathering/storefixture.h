// Shared by the store tests: a store in a temporary directory on a clock
// the test moves, and small item builders.
#pragma once

#include "gathering/store.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>

#include <memory>

namespace conduit::gathering::test {

struct StoreFixture {
    QTemporaryDir dir;
    qint64 clockMs = 1'800'000'000'000;
    Store::Config config;
    std::unique_ptr<Store> store;

    StoreFixture() {
        config.clock = [this] { return clockMs; };
    }

    // (Re)opens the store, as after a restart.
    bool open(StoreFailure *f = nullptr) {
        store.reset();
        store = std::make_unique<Store>(dir.filePath(QStringLiteral("store")), config);
        return store->open(f);
    }
    QString blobsDir() const { return dir.filePath(QStringLiteral("store/blobs")); }
    int blobFiles() const { return int(QDir(blobsDir()).entryList(QDir::Files | QDir::Hidden).size()); }
    // True when any file of the store holds `needle`.
    bool onDisk(const QByteArray &needle) const {
        QDirIterator it(dir.filePath(QStringLiteral("store")), QDir::Files | QDir::Hidden,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle)) return true;
        }
        return false;
    }
};

inline Item item(QByteArray bytes, Priority p = Priority::Normal, DataClass c = DataClass::Telemetry,
                 QString campaign = QStringLiteral("campaign-a")) {
    Item i;
    i.kind = ItemKind::SignalWindow;
    i.campaignId = std::move(campaign);
    i.dataClass = c;
    i.priority = p;
    i.bytes = std::move(bytes);
    return i;
}

} // namespace conduit::gathering::test
