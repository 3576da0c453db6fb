#include "captureframes.h"

#include <QtEndian>

namespace conduit::gathering {

namespace {
constexpr char kMagic[4] = {'C', 'C', 'F', '1'};
}

QByteArray encodeCaptureFrames(const QList<CapturedFrame> &frames) {
    qint64 size = kCaptureFramesHeader;
    for (const CapturedFrame &f : frames) size += kCaptureFrameOverhead + f.data.size();
    QByteArray out;
    out.reserve(size);
    out.append(kMagic, 4);
    char u32[4], u64[8];
    qToLittleEndian(quint32(frames.size()), u32);
    out.append(u32, 4);
    for (const CapturedFrame &f : frames) {
        qToLittleEndian(quint64(f.timestampNs), u64);
        qToLittleEndian(quint32(f.data.size()), u32);
        out.append(u64, 8).append(u32, 4).append(f.data);
    }
    return out;
}

std::optional<QList<CapturedFrame>> decodeCaptureFrames(const QByteArray &bytes, QString *error) {
    auto bad = [error](const QString &why) {
        if (error) *error = QStringLiteral("not a capture payload: %1").arg(why);
        return std::nullopt;
    };
    if (bytes.size() < kCaptureFramesHeader || !bytes.startsWith(QByteArrayView(kMagic, 4)))
        return bad(QStringLiteral("no CCF1 header"));
    const auto *p = reinterpret_cast<const uchar *>(bytes.constData());
    const quint32 count = qFromLittleEndian<quint32>(p + 4);
    // Every frame takes at least its overhead: a count beyond that is a lie,
    // refused before anything is reserved for it.
    qint64 left = bytes.size() - kCaptureFramesHeader;
    if (qint64(count) > left / kCaptureFrameOverhead) return bad(QStringLiteral("count %1 too large").arg(count));
    QList<CapturedFrame> frames;
    frames.reserve(count);
    qint64 at = kCaptureFramesHeader;
    for (quint32 i = 0; i < count; ++i) {
        if (bytes.size() - at < kCaptureFrameOverhead) return bad(QStringLiteral("frame %1 cut").arg(i));
        const quint64 ts = qFromLittleEndian<quint64>(p + at);
        const quint32 len = qFromLittleEndian<quint32>(p + at + 8);
        at += kCaptureFrameOverhead;
        if (qint64(len) > bytes.size() - at) return bad(QStringLiteral("frame %1 longer than the payload").arg(i));
        frames.append({qint64(ts), bytes.mid(at, len)});
        at += len;
    }
    if (at != bytes.size()) return bad(QStringLiteral("%1 bytes after the last frame").arg(bytes.size() - at));
    return frames;
}

} // namespace conduit::gathering
