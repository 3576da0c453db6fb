// Test images for the flash unit tests: reproducible random bytes, and an
// independent SHA-256 (Qt's) to check the agent's own against.
#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QRandomGenerator>

#include <string>

namespace flashtest {

inline QByteArray randomBytes(qsizetype size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qsizetype i = 0; i < size; ++i) b[i] = char(gen.generate() & 0xff);
    return b;
}

inline std::string qtSha(const QByteArray &b) {
    return QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex().toStdString();
}

} // namespace flashtest
