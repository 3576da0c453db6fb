// Replacing a small file so that after a power cut it holds either the old
// bytes or the new ones, never a mix or nothing: a temporary file beside it,
// fsync, rename over, fsync of the directory. The journal's compaction and
// the campaign history use it.
#pragma once

#include <QByteArray>
#include <QString>

namespace conduit::core {

// Writes all n bytes (retrying short writes and EINTR); false with errno set.
bool writeFully(int fd, const char *p, size_t n);

// Returns false with *error (naming the file and the errno text) when any
// step failed; the old file is then untouched.
bool replaceFileDurably(const QString &path, const QByteArray &bytes, QString *error);

} // namespace conduit::core
