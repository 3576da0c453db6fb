// hawkBit DDI v1 documents, as the device sees them (docs/upstream.md).
// Everything here comes from the network: parsers are strict, bounded, and
// say what is wrong; builders produce the feedback bodies the server expects.
#pragma once

#include "error/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace conduit::upstream::ddi {

constexpr qsizetype kMaxDocumentBytes = 1 << 20;
constexpr int kMaxChunks = 256;
constexpr int kMaxArtifactsPerChunk = 256;

// GET /{tenant}/controller/v1/{controllerId}
struct Base {
    int pollSeconds = 300; // config.polling.sleep
    QUrl deploymentBase, cancelAction, configData, installedBase, confirmationBase;
};

enum class Handling { Skip, Attempt, Forced };

struct Artifact {
    QString filename;
    qint64 size = -1;
    QString sha1, md5, sha256;
    QUrl download;     // https
    QUrl downloadHttp; // plain http
};

struct Chunk {
    QString part; // routes to a device type / target
    QString version;
    QString name;
    QMap<QString, QString> metadata;
    QList<Artifact> artifacts;
};

// GET deploymentBase/{actionId} (or confirmationBase/{actionId})
struct Deployment {
    QString actionId;
    Handling download = Handling::Attempt;
    Handling update = Handling::Attempt;
    std::optional<bool> maintenanceWindowAvailable; // absent: no window
    QList<Chunk> chunks;
    QStringList history; // actionHistory.messages
};

// GET cancelAction/{id}
struct CancelAction {
    QString actionId;
    QString stopId;
};

// What is wrong with a document the server sent: the error domain of the
// parsers (error/result.h); the message names the field and the value.
enum class DocumentError {
    TooLarge,     // above kMaxDocumentBytes
    NotJson,      // not JSON, or not an object
    MissingField, // a required member is absent or empty
    BadValue,     // a member holds a value the DDI API does not allow
    TooMany,      // more chunks or artifacts than the bounds
};
QString nameOf(DocumentError e); // "too-large", ...: logs and tests
template <typename T>
using Parsed = error::Result<T, DocumentError>;

Parsed<Base> parseBase(const QByteArray &json, const QUrl &baseUrl);
Parsed<Deployment> parseDeployment(const QByteArray &json, const QUrl &baseUrl);
Parsed<CancelAction> parseCancel(const QByteArray &json);
// "HH:MM:SS" -> seconds, -1 when malformed.
int parseSleep(const QString &s);
// The action id in a deploymentBase/cancelAction/confirmationBase link.
QString actionIdFromLink(const QUrl &link);

// Feedback bodies (POST .../feedback)
enum class Execution { Proceeding, Downloading, Downloaded, Scheduled, Resumed, Closed, Canceled, Rejected };
enum class Finished { None, Success, Failure };
const char *executionName(Execution e);
QJsonObject feedback(Execution execution, Finished finished, const QStringList &details,
                     std::optional<std::pair<int, int>> progress = std::nullopt);
QJsonObject confirmation(bool confirmed, const QStringList &details);
QJsonObject configData(const QMap<QString, QString> &attributes);

} // namespace conduit::upstream::ddi
