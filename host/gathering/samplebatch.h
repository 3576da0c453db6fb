// Signal samples batched into one store item (ItemKind::SignalWindow): the
// store makes one durable write per batch, not per sample, which is what
// lets it take >= 100 000 samples/s (docs/data-gathering.md, "Batching").
//
// Encoding (one shape, encoded and decoded only here, fuzzed by
// tests/fuzz/fuzz_samplebatch.cpp), little-endian:
//   "CSB1" | u32 count | count x (u32 signal | i64 time_us | f64 value)
// The payload is read back from disk, which may be damaged: decode() checks
// the magic and that the length is exactly what the count says.
#pragma once

#include <QByteArray>

#include <optional>
#include <vector>

namespace conduit::gathering {

struct SignalSample {
    quint32 signal = 0; // the campaign's index of the signal (its VSS path lives in the campaign)
    qint64 timeUs = 0;  // wall clock, microseconds since the epoch
    double value = 0;
    friend bool operator==(const SignalSample &, const SignalSample &) = default;
};

class SampleBatch {
public:
    static constexpr int kSampleBytes = 20;
    static constexpr int kHeaderBytes = 8;
    // A batch larger than this is refused when decoded (a damaged count).
    static constexpr quint32 kMaxSamples = 1u << 20;

    void add(const SignalSample &s);
    int size() const { return int(count_); }
    bool empty() const { return count_ == 0; }
    qint64 firstTimeUs() const { return first_; }
    // The encoded batch; the builder is empty again afterwards.
    QByteArray take();

    static QByteArray encode(const std::vector<SignalSample> &samples);
    static std::optional<std::vector<SignalSample>> decode(const QByteArray &bytes);

private:
    QByteArray bytes_;
    quint32 count_ = 0;
    qint64 first_ = 0;
};

} // namespace conduit::gathering
