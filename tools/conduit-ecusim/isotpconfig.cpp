// The ISO-TP part of the simulator's configuration: an ECU's "isotp" object
// in the JSON, or --isotp on the command line (isotpfront.h).
#include "isotpfront.h"

#include "json.h"

#include <charconv>
#include <cstdio>

namespace conduit::ecusim {

using plugin::Json;

namespace {

// A CAN id or a byte: "0x7e0", "7e0" (hex either way) or a JSON number.
bool hexValue(const Json &v, uint32_t max, uint32_t &out) {
    if (v.isNumber()) {
        const double d = v.number();
        if (d < 0 || d > max || double(uint32_t(d)) != d) return false;
        out = uint32_t(d);
        return true;
    }
    if (!v.isString()) return false;
    const std::string owned = v.string(); // string() returns a copy: keep it alive for the view
    std::string_view text = owned;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max) return false;
    out = uint32_t(value);
    return true;
}

std::string hexId(uint32_t id) {
    char text[12];
    std::snprintf(text, sizeof text, "0x%x", id);
    return text;
}

bool checkEndpoint(const std::string &where, const IsoTpEndpoint &e, std::string &error) {
    const uint32_t limit = e.extendedIds ? 0x1FFFFFFF : 0x7FF;
    for (uint32_t id : {e.rxId, e.txId, e.functionalId})
        if (id > limit)
            return (error = where + ": CAN id " + hexId(id) +
                            (e.extendedIds ? " is beyond 29 bits"
                                           : " needs \"extendedIds\": true (11-bit ids end at 0x7ff)")),
                   false;
    if (e.rxId == e.txId || e.functionalId == e.txId || e.functionalId == e.rxId)
        return (error = where + ": rxId, txId and functionalId must differ"), false;
    if (e.interface.empty() || e.interface.size() >= 16)
        return (error = where + ".interface: 1 to 15 characters"), false;
    return true;
}

bool readEndpoint(const Json &j, const std::string &where, IsoTpEndpoint &e, std::string &error) {
    if (!j.isObject()) return (error = where + ": expected an object"), false;
    struct Field {
        const char *key;
        uint32_t max;
        uint32_t *target;
    };
    uint32_t bs = e.blockSize, st = e.stMin;
    for (const Field &f : {Field{"rxId", 0x1FFFFFFF, &e.rxId}, Field{"txId", 0x1FFFFFFF, &e.txId},
                           Field{"functionalId", 0x1FFFFFFF, &e.functionalId}, Field{"blockSize", 0xFF, &bs},
                           Field{"stMin", 0xFF, &st}}) {
        const Json &v = j[f.key];
        if (v.kind() != Json::Kind::Null && !hexValue(v, f.max, *f.target))
            return (error = where + "." + f.key + ": expected a hex number up to 0x" +
                            (f.max == 0xFF ? std::string("ff") : std::string("1fffffff")) + " (\"0x7e0\")"),
                   false;
    }
    e.blockSize = uint8_t(bs), e.stMin = uint8_t(st);
    const Json &interface = j["interface"];
    if (interface.kind() != Json::Kind::Null && !interface.isString())
        return (error = where + ".interface: expected a string"), false;
    e.interface = interface.string(e.interface);
    for (auto [key, target] : {std::pair{"extendedIds", &e.extendedIds}, std::pair{"canFd", &e.canFd}}) {
        const Json &v = j[key];
        if (v.kind() == Json::Kind::Null) continue;
        if (v.kind() != Json::Kind::Bool) return (error = where + "." + key + ": expected true or false"), false;
        *target = v.boolean();
    }
    const Json &padding = j["padding"];
    uint32_t pad = 0;
    if (padding.kind() == Json::Kind::Bool && !padding.boolean())
        e.padding.reset();
    else if (padding.kind() != Json::Kind::Null && !hexValue(padding, 0xFF, pad))
        return (error = where + ".padding: expected a byte (\"0xCC\") or false"), false;
    else if (padding.kind() != Json::Kind::Null)
        e.padding = uint8_t(pad);
    return checkEndpoint(where, e, error);
}

} // namespace

bool parseIsoTpConfig(std::string_view json, const Config &config, std::map<std::string, IsoTpEndpoint> &out,
                      std::string &error) {
    Json doc;
    if (!Json::parse(json, doc, error)) return false;
    const auto &ecus = doc["ecus"].items();
    for (size_t i = 0; i < ecus.size() && i < config.ecus.size(); ++i) {
        const Json &j = ecus[i]["isotp"];
        if (j.kind() == Json::Kind::Null) continue;
        IsoTpEndpoint e;
        if (!readEndpoint(j, "ecus[" + std::to_string(i) + "].isotp", e, error)) return false;
        out[config.ecus[i].name] = e;
    }
    return true;
}

bool parseIsoTpOption(std::string_view spec, const Config &config, std::map<std::string, IsoTpEndpoint> &out,
                      std::string &error) {
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t colon = spec.find(':', start);
        parts.emplace_back(spec.substr(start, colon == std::string_view::npos ? spec.npos : colon - start));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    const std::string where = "--isotp " + std::string(spec);
    if (parts.size() != 4 && parts.size() != 5)
        return (error = where + ": expected ECU:INTERFACE:RXID:TXID[:FUNCTIONALID]"), false;
    bool known = false;
    for (const EcuConfig &e : config.ecus) known = known || e.name == parts[0];
    if (!known) return (error = where + ": no ECU named \"" + parts[0] + "\""), false;
    IsoTpEndpoint e = out.count(parts[0]) ? out[parts[0]] : IsoTpEndpoint{};
    e.interface = parts[1];
    uint32_t *ids[] = {&e.rxId, &e.txId, &e.functionalId};
    for (size_t i = 2; i < parts.size(); ++i) {
        Json text;
        std::string ignored;
        if (!Json::parse("\"" + parts[i] + "\"", text, ignored) || !hexValue(text, 0x1FFFFFFF, *ids[i - 2]))
            return (error = where + ": \"" + parts[i] + "\" is not a CAN id in hex"), false;
    }
    e.extendedIds = e.extendedIds || e.rxId > 0x7FF || e.txId > 0x7FF || e.functionalId > 0x7FF;
    if (!checkEndpoint(where, e, error)) return false;
    out[parts[0]] = e;
    return true;
}

} // namespace conduit::ecusim
