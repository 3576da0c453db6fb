// Shared by the engine's sources (campaignengine.cpp, campaigncommit.cpp,
// campaignrecovery.cpp): how a journal record is made, and the failure of a
// journal that cannot be written.
#pragma once

#include "failure.h"

#include <QDateTime>
#include <QJsonObject>

namespace conduit::core {

inline Failure journalFailure() {
    return {Failure::Step::Journal, Failure::Kind::HostError, {}, QStringLiteral("journal not writable")};
}

inline QJsonObject record(const QString &type, QJsonObject fields = {}) {
    fields.insert(QStringLiteral("type"), type);
    fields.insert(QStringLiteral("at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    return fields;
}

} // namespace conduit::core
