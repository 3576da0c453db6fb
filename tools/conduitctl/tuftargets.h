// Targets of `conduitctl tuf download`: a file in the target directory is
// only ever a target that matched its signed length and every signed hash.
// The bytes are streamed with the host's resumable download
// (host/transfer: never a byte past the signed length, slow-retrieval
// guard) into a hidden partial file beside the target, checked, then
// renamed over the target's file; anything that fails is deleted.
#pragma once

#include "trust/repository.h"

#include <QLoggingCategory>
#include <QUrl>

namespace conduit::ctl {

// "conduit.tuf": each request of `conduitctl tuf` (info; `--verbose` shows it).
Q_DECLARE_LOGGING_CATEGORY(lcTuf)

// The target's file name in the target directory: its target path
// percent-encoded into one flat name ("dir/a b" -> "dir%2Fa%20b"), so no
// target can land outside the directory or collide with another.
QString targetFileName(const QString &targetName);

enum class TargetFetch { Downloaded, AlreadyVerified };

// Brings `target` (verified metadata of `repository`) into `directory`,
// fetched from `baseUrl` under its TUF file name (consistent snapshot:
// "<dir>/<sha256>.<name>"). A file already there that verifies is kept
// and nothing is fetched.
trust::Result<TargetFetch> fetchTarget(const trust::VerifiedRepository &repository, const trust::TargetFile &target,
                                       const QUrl &baseUrl, const QString &directory);

} // namespace conduit::ctl
