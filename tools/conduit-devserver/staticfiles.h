// Files served from disk: artifacts and the TUF repository directories.
// One Range parser for both (single range; 206 + Content-Range; 416).
#pragma once

#include "httpmessage.h"

#include <optional>

namespace conduit::devserver {

// GET/HEAD answer for `size` bytes of `path`, honouring Range, If-Range and
// If-Match against `etag` (quoted). The body is streamed later from disk.
HttpResponse fileResponse(const HttpRequest &request, const QString &path, qint64 size, const QByteArray &etag,
                          const QByteArray &contentType);

// The file named by `segments` inside `root`, or nullopt when it does not
// exist, is not a regular file, or would leave root (.., symlinks out of it).
std::optional<QString> resolveUnder(const QString &root, const QStringList &segments);

} // namespace conduit::devserver
