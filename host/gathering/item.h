// The vocabulary of data gathering's store: what an item is (its kind, data
// class, priority, retention), as typed values. Names exist only at the
// edges (nameOf/valueOf below: logs, the future D-Bus API and CLI); inside
// the store the enums are stored as their integer values, which are
// therefore an on-disk contract: never renumber, only append.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace conduit::gathering {

// What an item holds (issue 15: signal windows, log windows, clips and
// diagnostic files).
enum class ItemKind : quint8 {
    SignalWindow = 1, // a batch of signal samples (samplebatch.h)
    LogWindow = 2,    // log lines of a time range
    Blob = 3,         // an opaque file: a camera clip, a diagnostic dump
};

// The driver decides per data class what may be kept and what may leave
// (privacy is not built yet); "delete my data" deletes a class.
enum class DataClass : quint8 {
    Telemetry = 1,   // vehicle signals that do not identify a person
    Location = 2,    // position, route: personal data
    Camera = 3,      // images and clips: personal data
    Diagnostics = 4, // DTCs, diagnostic files of devices
    Logs = 5,        // host and agent logs
};
inline constexpr DataClass kDataClasses[] = {DataClass::Telemetry, DataClass::Location, DataClass::Camera,
                                             DataClass::Diagnostics, DataClass::Logs};

// Higher is sent first and evicted last. An item is never evicted to make
// room for one of lower priority.
enum class Priority : quint8 {
    Bulk = 0, // sent when the policy allows (parked, unmetered link)
    Low = 1,
    Normal = 2,
    High = 3,
    Safety = 4, // safety events: first out, last evicted
};
inline constexpr Priority kPriorities[] = {Priority::Bulk, Priority::Low, Priority::Normal, Priority::High,
                                           Priority::Safety};

// Why an item left the store without being delivered (the drop counters).
enum class DropReason : quint8 {
    Evicted = 1, // made room for an item of the same or higher priority
    Expired = 2, // its retention ran out
    Deleted = 3, // a deletion request (by data class or by campaign)
    Damaged = 4, // found incomplete when the store was opened (never expected)
    Refused = 5, // never stored: no room even after eviction (StoreError::Full)
};
inline constexpr DropReason kDropReasons[] = {DropReason::Evicted, DropReason::Expired, DropReason::Deleted,
                                              DropReason::Damaged, DropReason::Refused};

QString nameOf(ItemKind v);
QString nameOf(DataClass v);
QString nameOf(Priority v);
QString nameOf(DropReason v);
std::optional<ItemKind> itemKindFromName(QStringView name);
std::optional<DataClass> dataClassFromName(QStringView name);
std::optional<Priority> priorityFromName(QStringView name);
// The integers stored on disk, checked when read back.
std::optional<ItemKind> itemKindFromInt(qint64 v);
std::optional<DataClass> dataClassFromInt(qint64 v);
std::optional<Priority> priorityFromInt(qint64 v);

// An item offered to the store. Exactly one of `bytes` and `sourcePath`
// holds the payload; a path is copied into the store (the source may go
// away after put() returns).
struct Item {
    ItemKind kind = ItemKind::Blob;
    QString campaignId;
    DataClass dataClass = DataClass::Telemetry;
    Priority priority = Priority::Normal;
    qint64 createdMs = 0; // wall clock, ms since the epoch; 0: now
    qint64 expiresMs = 0; // retention: gone (dropped, Expired) at this time; 0: the store's default retention
    QByteArray bytes;
    QString sourcePath;
};

// An item as the store hands it out (next()).
struct StoredItem {
    qint64 id = 0; // durable, never reused
    ItemKind kind = ItemKind::Blob;
    QString campaignId;
    DataClass dataClass = DataClass::Telemetry;
    Priority priority = Priority::Normal;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
    qint64 size = 0;   // payload bytes
    QByteArray sha256; // of the payload (32 bytes), for end-to-end checks
    QByteArray bytes;  // the payload, when kept in the database
    QString blobPath;  // the payload file, when kept beside it (open it, do not move it)
    qint64 leaseUntilMs = 0;
};

} // namespace conduit::gathering
