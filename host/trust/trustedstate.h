// What the vehicle trusts between updates, and its atomic, forward-only
// persistence. One JSON file (canonical form):
//   { "format": 1, "director": {...}, "image": {...},
//     "last_trusted_time": "2030-01-01T00:00:00Z", "release_counters": {"ECU": 3} }
#pragma once

#include "trust/repository.h"

namespace conduit::trust {

struct TrustedState {
    RepositoryState director;
    RepositoryState image;
    QDateTime lastTrustedTime;                 // invalid until the first update
    std::map<QString, qint64> releaseCounters; // ECU serial -> release counter

    JsonValue toJson() const;
    static Result<TrustedState> fromJson(const JsonValue &json);
    bool operator==(const TrustedState &other) const;
};

// The state of a freshly provisioned vehicle: the two roots it ships with.
Result<TrustedState> provisionTrustedState(const QByteArray &directorRoot, const QByteArray &imageRoot);

// Refuses a successor that moves anything backwards: root versions, the
// last trusted time, a release counter, or (under an unchanged root) the
// timestamp and snapshot versions.
Status checkMovesForward(const TrustedState &stored, const TrustedState &next);

class TrustStore {
public:
    explicit TrustStore(QString path) : m_path(std::move(path)) {}
    QString path() const { return m_path; }

    bool exists() const;
    Result<TrustedState> load() const;
    // Write temp file, fsync, rename over the old one, fsync the directory.
    // Refused (file untouched) if the new state moves backwards.
    Status save(const TrustedState &state) const;

private:
    QString m_path;
};

} // namespace conduit::trust
