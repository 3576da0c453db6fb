// The payload of an item made of captured frames: one shape, encoded by the
// ingestion and decoded by whoever reads the item back (an uploader, an
// incident bundle, a test). After an 8-byte header ("CCF1", u32 count, little
// endian) each frame is u64 timestamp (ns), u32 length, then its bytes.
// decode() checks every length against what is left (a payload read back
// from a damaged disk); tests/fuzz/fuzz_captureframes.cpp fuzzes it.
#pragma once

#include "capturecontrol.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace conduit::gathering {

inline constexpr qint64 kCaptureFramesHeader = 8;
inline constexpr qint64 kCaptureFrameOverhead = 12;

QByteArray encodeCaptureFrames(const QList<CapturedFrame> &frames);
// nullopt (and *error) when the bytes are not exactly such a payload.
std::optional<QList<CapturedFrame>> decodeCaptureFrames(const QByteArray &bytes, QString *error);

} // namespace conduit::gathering
