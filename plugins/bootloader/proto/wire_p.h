// Big-endian fields and hex text, private to the DoIP and UDS codecs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace conduit::bootloader::wire {

inline void put16(std::vector<uint8_t> &out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
inline void put32(std::vector<uint8_t> &out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}
// The low `n` bytes of `v`, most significant first.
inline void putN(std::vector<uint8_t> &out, uint64_t v, unsigned n) {
    for (unsigned i = n; i-- > 0;) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline uint16_t get16(const uint8_t *p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t *p) { return uint32_t(get16(p)) << 16 | get16(p + 2); }
inline uint64_t getN(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = v << 8 | p[i];
    return v;
}
// "0x3a", "0x8001": lower case, fixed width.
inline std::string hex(unsigned v, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
    return buf;
}
inline std::string hex64(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace conduit::bootloader::wire
