// Fuzz target: the host's parser of runner frames (the runner is untrusted).
// Splits the input into frames at input-chosen boundaries and decodes every
// frame's fields, as AgentChannel and AgentProxy do.
#include "ipc/wire.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace conduit::ipc;
    if (size < 1) return 0;
    // First byte picks the chunk size used to feed the reader.
    const size_t step = 1 + data[0] % 64;
    FrameReader reader;
    for (size_t pos = 1; pos < size; pos += step) {
        reader.append(reinterpret_cast<const char *>(data + pos), std::min(step, size - pos));
        while (auto frame = reader.next()) {
            std::string error;
            if (auto f = Fields::decode(frame->payload, &error)) {
                (void)f->strOr(Tag::Message);
                (void)f->u64(Tag::Bytes);
                (void)f->i64(Tag::Code);
                // Re-encoding what decoded must decode to the same fields.
                auto again = Fields::decode(f->encode(), nullptr);
                if (!again || again->encode() != f->encode()) __builtin_trap();
            }
        }
        if (!reader.error().empty()) break;
    }
    return 0;
}
