// Fuzz target: the UDS reply decoders on what an ECU sends, and the
// RequestDownload decoder on what a tester sends (the simulator's side).
// The first two bytes pick the fields a decoder expects to see echoed
// (session, level, routine type, DID/routine id); the rest is the message.
#include "proto/uds.h"

#include <cstddef>
#include <cstdint>

using namespace conduit::bootloader::uds;

namespace {
template <typename R>
void refusalSaysWhy(const R &result, const std::string &error) {
    if (!result && error.empty()) __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const uint8_t a = data[0], b = data[1];
    const uint16_t id = static_cast<uint16_t>(a << 8 | b);
    const std::span<const uint8_t> msg(data + 2, size - 2);
    std::string error;

    auto reply = parseReply(msg, error);
    refusalSaysWhy(reply, error);
    if (reply) {
        if (reply->positive && reply->data.size() + 1 != msg.size()) __builtin_trap();
        (void)describeNrc(reply->nrc);
        (void)describeSid(reply->sid);
    }
    error.clear();
    auto session = parseSessionReply(msg, a, error);
    refusalSaysWhy(session, error);
    if (session) {
        // The simulator's encoder gives back the same bytes (P2* in 10 ms units).
        if (sessionReply(a, *session) != Bytes(msg.begin(), msg.end())) __builtin_trap();
    }
    error.clear();
    auto rdbi = parseReadDataReply(msg, id, error);
    refusalSaysWhy(rdbi, error);
    if (rdbi && rdbi->size() + 3 != msg.size()) __builtin_trap();
    error.clear();
    auto seed = parseSeedReply(msg, a, error);
    refusalSaysWhy(seed, error);
    if (seed && seed->empty()) __builtin_trap();
    error.clear();
    auto routine = parseRoutineReply(msg, a, id, error);
    refusalSaysWhy(routine, error);
    error.clear();
    auto max = parseDownloadReply(msg, error);
    refusalSaysWhy(max, error);
    if (max && *max < 3) __builtin_trap();
    error.clear();
    auto download = parseRequestDownload(msg, error);
    refusalSaysWhy(download, error);
    if (download) {
        std::string again;
        if (requestDownload(download->dataFormat, msg[2], download->address, download->size, again) !=
            Bytes(msg.begin(), msg.end()))
            __builtin_trap();
    }
    return 0;
}
