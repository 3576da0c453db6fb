#include "delta.h"

#include "flasherror.h"
#include "json.h"

#define ZSTD_STATIC_LINKING_ONLY // ZSTD_d_stableOutBuffer (stable since 1.5.x, still flagged experimental)
#include <zstd.h>

namespace conduit::flash {

namespace {

bool isHex64(const std::string &s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

void check(size_t rc, const char *what) {
    if (ZSTD_isError(rc)) throw Error(CONDUIT_E_FAILED, std::string(what) + ": " + ZSTD_getErrorName(rc));
}

} // namespace

std::optional<DeltaSpec> parseDeltaSpec(const Json &custom) {
    const Json &d = custom["conduit"]["delta"];
    if (d.kind() == Json::Kind::Null) return std::nullopt;
    if (!d.isObject()) throw Error(CONDUIT_E_INVALID_ARGUMENT, "conduit.delta must be an object");
    const std::string format = d["format"].string(kDeltaFormat);
    if (format != kDeltaFormat) throw Error(CONDUIT_E_INVALID_ARGUMENT, "unsupported delta format \"" + format + "\"");
    DeltaSpec s;
    s.baseSha256 = d["base_sha256"].string();
    s.targetSha256 = d["target_sha256"].string();
    const double bl = d["base_length"].number(-1), tl = d["target_length"].number(-1);
    if (!isHex64(s.baseSha256) || !isHex64(s.targetSha256))
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "delta base_sha256/target_sha256 must be lowercase SHA-256 hex");
    if (bl < 0 || tl <= 0 || bl > 9e15 || tl > 9e15)
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "delta base_length/target_length missing or invalid");
    s.baseLength = uint64_t(bl);
    s.targetLength = uint64_t(tl);
    return s;
}

std::string deltaSpecJson(const DeltaSpec &s) {
    return std::string("{\"conduit\":{\"delta\":{\"format\":\"") + kDeltaFormat + "\",\"base_sha256\":\"" +
           s.baseSha256 + "\",\"base_length\":" + std::to_string(s.baseLength) + ",\"target_sha256\":\"" +
           s.targetSha256 + "\",\"target_length\":" + std::to_string(s.targetLength) + "}}}";
}

unsigned deltaWindowLog(uint64_t size) {
    unsigned log = ZSTD_WINDOWLOG_MIN;
    while (log < 31 && (uint64_t(1) << log) < size) ++log;
    return log;
}

std::vector<uint8_t> makeDelta(const void *base, size_t baseLength, const void *target, size_t targetLength,
                               int level) {
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (!cctx) throw Error(CONDUIT_E_NO_MEMORY, "cannot create zstd context");
    struct Free {
        ZSTD_CCtx *c;
        ~Free() { ZSTD_freeCCtx(c); }
    } guard{cctx};
    const unsigned wlog = deltaWindowLog(std::max<uint64_t>(baseLength, targetLength) + 1);
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level), "level");
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, int(wlog)), "windowLog");
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1), "long-distance matching");
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1), "checksum");
    check(ZSTD_CCtx_setPledgedSrcSize(cctx, targetLength), "pledged size");
    if (baseLength > 0) check(ZSTD_CCtx_refPrefix(cctx, base, baseLength), "reference prefix");
    std::vector<uint8_t> out(ZSTD_compressBound(targetLength));
    const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), target, targetLength);
    check(n, "compress");
    out.resize(n);
    return out;
}

DeltaApplier::DeltaApplier(const void *base, size_t baseLength, void *out, size_t outLength)
    : dctx_(ZSTD_createDCtx()), out_(out), outLength_(outLength) {
    if (!dctx_) throw Error(CONDUIT_E_NO_MEMORY, "cannot create zstd context");
    try {
        check(ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 31), "windowLogMax");
        // Output goes straight into `out` and stays there: zstd keeps no
        // window buffer of its own.
        check(ZSTD_DCtx_setParameter(dctx_, ZSTD_d_stableOutBuffer, 1), "stableOutBuffer");
        if (baseLength > 0) check(ZSTD_DCtx_refPrefix(dctx_, base, baseLength), "reference prefix");
    } catch (...) {
        ZSTD_freeDCtx(dctx_);
        throw;
    }
}

DeltaApplier::~DeltaApplier() { ZSTD_freeDCtx(dctx_); }

size_t DeltaApplier::feed(const void *data, size_t size) {
    ZSTD_inBuffer in{data, size, 0};
    ZSTD_outBuffer out{out_, outLength_, pos_};
    while (in.pos < in.size) {
        if (finished_) throw Error(CONDUIT_E_PAYLOAD, "data after the end of the delta frame");
        const size_t inBefore = in.pos, outBefore = out.pos;
        const size_t rc = ZSTD_decompressStream(dctx_, &out, &in);
        if (ZSTD_isError(rc)) throw Error(CONDUIT_E_PAYLOAD, std::string("corrupt delta: ") + ZSTD_getErrorName(rc));
        if (rc == 0)
            finished_ = true;
        else if (in.pos == inBefore && out.pos == outBefore)
            throw Error(CONDUIT_E_PAYLOAD, "delta produces more than the signed target length");
    }
    pos_ = out.pos;
    return pos_;
}

} // namespace conduit::flash
