#include "imagewriter.h"

#include <algorithm>
#include <span>

namespace conduit::bootloader::image {

namespace {

constexpr size_t kPerRecord = 32;

void putHex(std::string &out, uint8_t byte) {
    static const char digits[] = "0123456789ABCDEF";
    out += digits[byte >> 4];
    out += digits[byte & 15];
}

// ':' + bytes + two's complement checksum.
void ihexRecord(std::string &out, uint8_t type, uint16_t offset, std::span<const uint8_t> data) {
    const uint8_t head[4] = {uint8_t(data.size()), uint8_t(offset >> 8), uint8_t(offset), type};
    unsigned sum = 0;
    out += ':';
    for (uint8_t b : head) sum += b, putHex(out, b);
    for (uint8_t b : data) sum += b, putHex(out, b);
    putHex(out, uint8_t(0x100 - (sum & 0xff)));
    out += '\n';
}

// "Sn" + count + address (width bytes) + data + ones' complement checksum.
void srecRecord(std::string &out, int type, size_t width, uint32_t address, std::span<const uint8_t> data) {
    unsigned sum = 0;
    out += 'S';
    out += char('0' + type);
    auto put = [&](uint8_t b) { sum += b, putHex(out, b); };
    put(uint8_t(width + data.size() + 1));
    for (size_t i = width; i-- > 0;) put(uint8_t(address >> (8 * i)));
    for (uint8_t b : data) put(b);
    putHex(out, uint8_t(~sum));
    out += '\n';
}

} // namespace

std::string writeIntelHex(const Image &image) {
    std::string out;
    uint32_t upper = 0;
    for (const Segment &s : image.segments) {
        for (size_t at = 0; at < s.data.size();) {
            const uint64_t address = s.address + at;
            if (uint32_t(address >> 16) != upper) {
                upper = uint32_t(address >> 16);
                const uint8_t value[2] = {uint8_t(upper >> 8), uint8_t(upper)};
                ihexRecord(out, 0x04, 0, value);
            }
            // Records stop at the 64 KiB boundary: the offset may not wrap.
            const size_t n = std::min({kPerRecord, s.data.size() - at, size_t(0x10000 - (address & 0xffff))});
            ihexRecord(out, 0x00, uint16_t(address), std::span<const uint8_t>(s.data).subspan(at, n));
            at += n;
        }
    }
    if (image.start) {
        const uint32_t v = image.start->value;
        const uint8_t value[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
        ihexRecord(out, image.start->kind == StartAddress::Kind::Linear ? 0x05 : 0x03, 0, value);
    }
    ihexRecord(out, 0x01, 0, {});
    return out;
}

std::string writeSRecord(const Image &image) {
    uint64_t highest = 0;
    for (const Segment &s : image.segments)
        if (!s.data.empty()) highest = std::max(highest, s.end() - 1);
    if (image.start) highest = std::max<uint64_t>(highest, image.start->value);
    const size_t width = highest > 0xffffff ? 4 : highest > 0xffff ? 3 : 2;
    const int dataType = int(width) - 1; // S1, S2, S3
    std::string out;
    const std::span<const uint8_t> header(reinterpret_cast<const uint8_t *>(image.header.data()),
                                          std::min<size_t>(image.header.size(), 252));
    srecRecord(out, 0, 2, 0, header);
    uint64_t records = 0;
    for (const Segment &s : image.segments)
        for (size_t at = 0; at < s.data.size(); at += kPerRecord, ++records)
            srecRecord(out, dataType, width, uint32_t(s.address + at),
                       std::span<const uint8_t>(s.data).subspan(at, std::min(kPerRecord, s.data.size() - at)));
    if (records <= 0xffffff)
        srecRecord(out, records <= 0xffff ? 5 : 6, records <= 0xffff ? 2 : 3, uint32_t(records), {});
    srecRecord(out, 10 - dataType, width, image.start ? image.start->value : 0, {});
    return out;
}

} // namespace conduit::bootloader::image
