// Fuzz target: the typed decoders of every IPC message (ipc/messages.h).
// The first input byte picks the message type, the rest is a frame payload.
// Whatever a decoder accepts must survive a round trip: decoding its
// encoding gives the same message, and encoding that gives the same bytes.
#include "ipc/messages.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace conduit::ipc;

template <class M>
void roundTrip(std::string_view payload) {
    std::string error;
    const auto m = msg::decode<M>(payload, &error);
    if (!m) {
        if (error.empty()) __builtin_trap(); // a refusal always says why
        return;
    }
    const std::string bytes = m->fields().encode();
    const auto again = msg::decode<M>(bytes, nullptr);
    if (!again || !(*again == *m) || again->fields().encode() != bytes) __builtin_trap();
    // The frame carries the message's own type and the encoded fields.
    const std::string frame = msg::frame(7, *m);
    FrameHeader h;
    if (frame.size() < kHeaderSize ||
        decodeHeader(reinterpret_cast<const unsigned char *>(frame.data()), h) != HeaderError::None ||
        h.type != M::kType || h.request != 7 || std::string_view(frame).substr(kHeaderSize) != bytes)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const std::string_view payload(reinterpret_cast<const char *>(data + 1), size - 1);
    switch (data[0] % 13) {
    case 0: roundTrip<msg::Init>(payload); break;
    case 1: roundTrip<msg::Call>(payload); break;
    case 2: roundTrip<msg::DataEnd>(payload); break;
    case 3: roundTrip<msg::Hello>(payload); break;
    case 4: roundTrip<msg::Fail>(payload); break;
    case 5: roundTrip<msg::Result>(payload); break;
    case 6: roundTrip<msg::Device>(payload); break;
    case 7: roundTrip<msg::Credit>(payload); break;
    case 8: roundTrip<msg::Log>(payload); break;
    case 9: roundTrip<msg::Progress>(payload); break;
    case 10: roundTrip<msg::Status>(payload); break;
    case 11: roundTrip<msg::CaptureData>(payload); break;
    case 12: roundTrip<msg::CaptureEnd>(payload); break;
    }
    return 0;
}
