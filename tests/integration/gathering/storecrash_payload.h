// The payload of item `seq` in the store crash test: its length varies
// (some stay in the database, some become blob files: the writer's inline
// limit is 1024) and its bytes depend on seq, so a torn or swapped payload
// is seen.
#pragma once

#include <QByteArray>

inline QByteArray storecrashPayload(int seq) {
    const int size = 16 + (seq * 7919) % 6000;
    QByteArray out(size, Qt::Uninitialized);
    quint32 x = 2166136261u ^ quint32(seq);
    for (int i = 0; i < size; ++i) {
        x = x * 1664525u + 1013904223u;
        out[i] = char(x >> 24);
    }
    return out;
}
