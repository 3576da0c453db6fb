#include "samplebatch.h"

#include <QtEndian>

#include <cstring>

namespace conduit::gathering {

namespace {

constexpr char kMagic[4] = {'C', 'S', 'B', '1'};

void appendSample(QByteArray &out, const SignalSample &s) {
    char buf[SampleBatch::kSampleBytes];
    qToLittleEndian<quint32>(s.signal, buf);
    qToLittleEndian<qint64>(s.timeUs, buf + 4);
    quint64 bits;
    static_assert(sizeof bits == sizeof s.value);
    std::memcpy(&bits, &s.value, sizeof bits);
    qToLittleEndian<quint64>(bits, buf + 12);
    out.append(buf, sizeof buf);
}

QByteArray header(quint32 count) {
    QByteArray h(kMagic, 4);
    char c[4];
    qToLittleEndian<quint32>(count, c);
    h.append(c, 4);
    return h;
}

} // namespace

void SampleBatch::add(const SignalSample &s) {
    if (count_ == 0) {
        bytes_ = header(0);
        first_ = s.timeUs;
    }
    appendSample(bytes_, s);
    ++count_;
}

QByteArray SampleBatch::take() {
    if (count_ == 0) return header(0);
    qToLittleEndian<quint32>(count_, bytes_.data() + 4);
    QByteArray out;
    out.swap(bytes_);
    count_ = 0;
    first_ = 0;
    return out;
}

QByteArray SampleBatch::encode(const std::vector<SignalSample> &samples) {
    QByteArray out = header(quint32(samples.size()));
    out.reserve(kHeaderBytes + kSampleBytes * qsizetype(samples.size()));
    for (const SignalSample &s : samples) appendSample(out, s);
    return out;
}

std::optional<std::vector<SignalSample>> SampleBatch::decode(const QByteArray &bytes) {
    if (bytes.size() < kHeaderBytes || std::memcmp(bytes.constData(), kMagic, 4) != 0) return std::nullopt;
    const quint32 count = qFromLittleEndian<quint32>(bytes.constData() + 4);
    if (count > kMaxSamples || bytes.size() != kHeaderBytes + qsizetype(count) * kSampleBytes) return std::nullopt;
    std::vector<SignalSample> out(count);
    const char *p = bytes.constData() + kHeaderBytes;
    for (SignalSample &s : out) {
        s.signal = qFromLittleEndian<quint32>(p);
        s.timeUs = qFromLittleEndian<qint64>(p + 4);
        const quint64 bits = qFromLittleEndian<quint64>(p + 12);
        std::memcpy(&s.value, &bits, sizeof bits);
        p += kSampleBytes;
    }
    return out;
}

} // namespace conduit::gathering
