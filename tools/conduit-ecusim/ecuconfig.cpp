#include "ecuconfig.h"

#include "json.h"

#include <charconv>
#include <cmath>
#include <set>

namespace conduit::ecusim {

using plugin::Json;

namespace {

// A number given as a JSON number or as a string ("0x1001", "4096").
bool parseUnsigned(std::string_view text, uint64_t &out) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc{} && end == text.data() + text.size();
}

class Reader {
public:
    explicit Reader(std::string &error) : error_(error) {}

    template <typename T>
    bool number(const Json &object, std::string_view key, T &out, uint64_t max, std::string_view where) {
        const Json &v = object[key];
        if (v.kind() == Json::Kind::Null) return true;
        uint64_t value = 0;
        bool ok = false;
        if (v.isNumber()) {
            const double d = v.number();
            ok = d >= 0 && d < 18446744073709551616.0 && std::floor(d) == d; // 2^64 itself would overflow
            value = ok ? static_cast<uint64_t>(d) : 0;
        } else if (v.isString()) {
            ok = parseUnsigned(v.string(), value);
        }
        if (!ok || value > max)
            return fail(where, key, "an unsigned number up to " + std::to_string(max) + " (JSON number or \"0x..\")");
        out = static_cast<T>(value);
        return true;
    }
    bool text(const Json &object, std::string_view key, std::string &out, std::string_view where) {
        const Json &v = object[key];
        if (v.kind() == Json::Kind::Null) return true;
        if (!v.isString()) return fail(where, key, "a string");
        out = v.string();
        return true;
    }
    bool flag(const Json &object, std::string_view key, bool &out, std::string_view where) {
        const Json &v = object[key];
        if (v.kind() == Json::Kind::Null) return true;
        if (v.kind() != Json::Kind::Bool) return fail(where, key, "true or false");
        out = v.boolean();
        return true;
    }
    bool macAddress(const Json &object, std::string_view key, std::array<uint8_t, 6> &out, std::string_view where) {
        std::string s;
        if (!text(object, key, s, where)) return false;
        if (s.empty()) return true;
        if (s.size() != 17) return fail(where, key, "6 hex bytes separated by ':'");
        for (size_t i = 0; i < 6; ++i) {
            uint64_t b = 0;
            if ((i < 5 && s[i * 3 + 2] != ':') || !parseUnsigned("0x" + s.substr(i * 3, 2), b))
                return fail(where, key, "6 hex bytes separated by ':'");
            out[i] = static_cast<uint8_t>(b);
        }
        return true;
    }
    bool fail(std::string_view where, std::string_view key, std::string_view expected) {
        error_ = std::string(where) + "." + std::string(key) + ": expected " + std::string(expected);
        return false;
    }

private:
    std::string &error_;
};

bool readFaults(const Json &f, Faults &out, Reader &r, const std::string &where) {
    if (!(r.number(f, "dropAfterBlocks", out.dropAfterBlocks, UINT32_MAX, where) &&
          r.number(f, "slowMs", out.slowMs, 600000, where) &&
          r.number(f, "wrongCounterAtBlock", out.wrongCounterAtBlock, UINT32_MAX, where) &&
          r.number(f, "powerLossAtBlock", out.powerLossAtBlock, UINT32_MAX, where) &&
          r.flag(f, "rejectKey", out.rejectKey, where)))
        return false;
    const auto &nrcs = f["nrc"].items();
    for (size_t i = 0; i < nrcs.size(); ++i) {
        const std::string at = where + ".nrc[" + std::to_string(i) + "]";
        NrcFault n;
        uint16_t sub = 0;
        if (!(r.number(nrcs[i], "service", n.sid, 0xFF, at) &&
              r.number(nrcs[i], "occurrence", n.occurrence, UINT32_MAX, at) &&
              r.number(nrcs[i], "nrc", n.nrc, 0xFF, at) && r.number(nrcs[i], "sub", sub, 0xFFFF, at)))
            return false;
        if (nrcs[i]["sub"].kind() != Json::Kind::Null) n.sub = sub;
        if (n.sid == 0 || n.occurrence == 0) return r.fail(at, "service", "a service id and an occurrence >= 1");
        out.nrcs.push_back(n);
    }
    return true;
}

bool readEcu(const Json &e, EcuConfig &out, Reader &r, const std::string &where) {
    if (!(r.text(e, "name", out.name, where) && r.number(e, "logicalAddress", out.logicalAddress, 0xFFFF, where) &&
          r.number(e, "banks", out.banks, 2, where) && r.text(e, "hardwareNumber", out.hardwareNumber, where) &&
          r.text(e, "serialNumber", out.serialNumber, where) && r.text(e, "bootVersion", out.bootVersion, where) &&
          r.text(e, "initialVersion", out.initialVersion, where) &&
          r.number(e, "maxBlockLength", out.maxBlockLength, 0xFFFF, where) &&
          r.number(e, "eraseMsPerKiB", out.eraseMsPerKiB, 100000, where) &&
          r.number(e, "eraseMinMs", out.eraseMinMs, 600000, where) &&
          r.number(e, "pendingIntervalMs", out.pendingIntervalMs, 60000, where) &&
          r.number(e, "resetMs", out.resetMs, 600000, where) && r.number(e, "p2Ms", out.p2Ms, 0xFFFF, where) &&
          r.number(e, "p2StarMs", out.p2StarMs, 655350, where) && r.number(e, "s3Ms", out.s3Ms, 600000, where) &&
          r.number(e, "maxAttempts", out.maxAttempts, 255, where) &&
          r.number(e, "securityDelayMs", out.securityDelayMs, 3600000, where) &&
          r.flag(e, "requireFingerprint", out.requireFingerprint, where) &&
          r.number(e, "preconditionStatus", out.preconditionStatus, 0xFF, where)))
        return false;
    if (e["regions"].kind() != Json::Kind::Null) {
        out.regions.clear();
        const auto &regions = e["regions"].items();
        for (size_t i = 0; i < regions.size(); ++i) {
            Region region;
            const std::string at = where + ".regions[" + std::to_string(i) + "]";
            if (!(r.number(regions[i], "address", region.address, UINT32_MAX, at) &&
                  r.number(regions[i], "size", region.size, UINT32_MAX, at)))
                return false;
            out.regions.push_back(region);
        }
    }
    return readFaults(e["faults"], out.faults, r, where + ".faults");
}

bool readEntity(const Json &d, EntityConfig &out, Reader &r) {
    const std::string where = "entity";
    std::string routing;
    if (!(r.number(d, "logicalAddress", out.logicalAddress, 0xFFFF, where) && r.text(d, "vin", out.vin, where) &&
          r.macAddress(d, "eid", out.eid, where) && r.macAddress(d, "gid", out.gid, where) &&
          r.number(d, "protocolVersion", out.protocolVersion, 0xFF, where) &&
          r.number(d, "maxDataSize", out.maxDataSize, 1u << 24, where) &&
          r.number(d, "maxSockets", out.maxSockets, 255, where) &&
          r.number(d, "testerAddressMin", out.testerMin, 0xFFFF, where) &&
          r.number(d, "testerAddressMax", out.testerMax, 0xFFFF, where) &&
          r.number(d, "functionalAddress", out.functionalAddress, 0xFFFF, where) &&
          r.number(d, "announceCount", out.announceCount, 100, where) &&
          r.number(d, "announceIntervalMs", out.announceIntervalMs, 60000, where) &&
          r.number(d, "initialInactivityMs", out.initialInactivityMs, 3600000, where) &&
          r.number(d, "generalInactivityMs", out.generalInactivityMs, 86400000, where) &&
          r.text(d, "routing", routing, where)))
        return false;
    if (routing.empty() || routing == "accept")
        out.routing = RoutingPolicy::Accept;
    else if (routing == "confirmationRequired")
        out.routing = RoutingPolicy::ConfirmationRequired;
    else if (routing == "missingAuthentication")
        out.routing = RoutingPolicy::MissingAuthentication;
    else if (routing == "tlsRequired")
        out.routing = RoutingPolicy::TlsRequired;
    else
        return r.fail(where, "routing", "accept, confirmationRequired, missingAuthentication or tlsRequired");
    return true;
}

} // namespace

bool parseConfig(std::string_view json, Config &out, std::string &error) {
    Json doc;
    if (!Json::parse(json, doc, error)) return false;
    if (!doc.isObject()) {
        error = "the configuration is not a JSON object";
        return false;
    }
    Reader r(error);
    uint16_t tls = 0;
    if (!(r.text(doc, "bind", out.bind, "config") && r.number(doc, "tcpPort", out.tcpPort, 0xFFFF, "config") &&
          r.number(doc, "udpPort", out.udpPort, 0xFFFF, "config") && r.number(doc, "tlsPort", tls, 0xFFFF, "config") &&
          r.text(doc, "certificate", out.certificate, "config") &&
          r.text(doc, "privateKey", out.privateKey, "config") &&
          r.text(doc, "announceAddress", out.announceAddress, "config") &&
          r.number(doc, "announcePort", out.announcePort, 0xFFFF, "config") &&
          r.text(doc, "stateDir", out.stateDir, "config") && r.flag(doc, "syncWrites", out.syncWrites, "config") &&
          r.flag(doc, "quiet", out.quiet, "config") && readEntity(doc["entity"], out.entity, r)))
        return false;
    if (doc["tlsPort"].kind() != Json::Kind::Null) out.tlsPort = tls;
    if (doc["ecus"].kind() != Json::Kind::Null) {
        out.ecus.clear();
        const auto &ecus = doc["ecus"].items();
        for (size_t i = 0; i < ecus.size(); ++i) {
            EcuConfig ecu;
            ecu.name = "ecu" + std::to_string(i + 1);
            ecu.logicalAddress = static_cast<uint16_t>(0x1001 + i);
            if (!readEcu(ecus[i], ecu, r, "ecus[" + std::to_string(i) + "]")) return false;
            out.ecus.push_back(ecu);
        }
    }
    return validateConfig(out, error);
}

bool validateConfig(const Config &c, std::string &error) {
    std::set<uint16_t> addresses{c.entity.logicalAddress, c.entity.functionalAddress};
    std::set<std::string> names;
    if (c.entity.vin.size() != 17) return (error = "entity.vin: must be 17 characters"), false;
    if (c.ecus.empty()) return (error = "ecus: at least one ECU"), false;
    for (const EcuConfig &e : c.ecus) {
        if (!addresses.insert(e.logicalAddress).second)
            return (error = "ecu " + e.name + ": logical address used twice (or the entity's/functional one)"), false;
        if (e.name.empty() || e.name.find_first_of("/\\. ") != std::string::npos || !names.insert(e.name).second)
            return (error = "ecu \"" + e.name + "\": names must be unique, non-empty, without '/', '.' or spaces"),
                   false;
        if (e.banks < 1 || e.banks > 2) return (error = "ecu " + e.name + ": banks must be 1 or 2"), false;
        if (e.maxBlockLength < 3) return (error = "ecu " + e.name + ": maxBlockLength must be at least 3"), false;
        if (e.regions.empty()) return (error = "ecu " + e.name + ": at least one region"), false;
        uint64_t total = 0;
        for (const Region &r : e.regions) {
            if (r.size == 0 || uint64_t(r.address) + r.size > (1ull << 32))
                return (error = "ecu " + e.name + ": a region is empty or ends beyond 4 GiB"), false;
            total += r.size;
        }
        if (total > (256u << 20)) return (error = "ecu " + e.name + ": more than 256 MiB of flash"), false;
        for (size_t i = 0; i < e.regions.size(); ++i)
            for (size_t j = i + 1; j < e.regions.size(); ++j) {
                const Region &a = e.regions[i], &b = e.regions[j];
                if (uint64_t(a.address) < uint64_t(b.address) + b.size &&
                    uint64_t(b.address) < uint64_t(a.address) + a.size)
                    return (error = "ecu " + e.name + ": regions overlap"), false;
            }
        if (e.maxBlockLength + 4u > c.entity.maxDataSize)
            return (error = "ecu " + e.name + ": maxBlockLength + 4 exceeds the entity's maxDataSize"), false;
    }
    if (c.entity.testerMin > c.entity.testerMax) return (error = "entity: testerAddressMin > testerAddressMax"), false;
    if (c.tlsPort && (c.certificate.empty() || c.privateKey.empty()))
        return (error = "tlsPort needs certificate and privateKey"), false;
    return true;
}

bool parseFault(std::string_view spec, Faults &f, std::string &error) {
    const size_t eq = spec.find('=');
    const std::string_view name = spec.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : spec.substr(eq + 1);
    auto number = [&](std::string_view text, uint64_t max, uint64_t &out) {
        if (parseUnsigned(text, out) && out <= max) return true;
        error = "fault \"" + std::string(spec) + "\": \"" + std::string(text) + "\" is not a number up to " +
                std::to_string(max);
        return false;
    };
    uint64_t n = 0;
    if (name == "reject-key" && value.empty()) {
        f.rejectKey = true;
        return true;
    }
    if (name == "nrc") {
        // service[/sub]/occurrence/nrc
        std::vector<std::string_view> parts;
        for (size_t start = 0;;) {
            const size_t slash = value.find('/', start);
            parts.push_back(value.substr(start, slash == std::string_view::npos ? value.npos : slash - start));
            if (slash == std::string_view::npos) break;
            start = slash + 1;
        }
        if (parts.size() != 3 && parts.size() != 4) {
            error = "fault \"" + std::string(spec) + "\": expected nrc=service[/sub]/occurrence/code";
            return false;
        }
        NrcFault fault;
        uint64_t sid = 0, sub = 0, occurrence = 0, code = 0;
        const bool withSub = parts.size() == 4;
        if (!number(parts[0], 0xFF, sid) || (withSub && !number(parts[1], 0xFFFF, sub)) ||
            !number(parts[withSub ? 2 : 1], UINT32_MAX, occurrence) || !number(parts[withSub ? 3 : 2], 0xFF, code))
            return false;
        if (sid == 0 || occurrence == 0) {
            error = "fault \"" + std::string(spec) + "\": the service id and the occurrence must be at least 1";
            return false;
        }
        fault.sid = uint8_t(sid);
        if (withSub) fault.sub = uint16_t(sub);
        fault.occurrence = uint32_t(occurrence);
        fault.nrc = uint8_t(code);
        f.nrcs.push_back(fault);
        return true;
    }
    uint32_t *target = name == "drop-after"      ? &f.dropAfterBlocks
                       : name == "slow"          ? &f.slowMs
                       : name == "wrong-counter" ? &f.wrongCounterAtBlock
                       : name == "power-loss"    ? &f.powerLossAtBlock
                                                 : nullptr;
    if (!target) {
        error = "unknown fault \"" + std::string(spec) +
                "\" (known: nrc=service[/sub]/occurrence/code, drop-after=N, slow=MS, wrong-counter=N, power-loss=N, "
                "reject-key)";
        return false;
    }
    if (!number(value, UINT32_MAX, n)) return false;
    *target = uint32_t(n);
    return true;
}

} // namespace conduit::ecusim
