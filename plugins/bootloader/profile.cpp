#include "profile.h"

#include "json.h"

#include <conduit/agent.hpp>

#include <cmath>
#include <cstdlib>

namespace conduit::bootloader {

using plugin::Json;

namespace {

[[noreturn]] void bad(const std::string &where, const std::string &what) {
    throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "bootloader config: " + where + ": " + what);
}

// A number, or a string in decimal or 0x-hex ("0x1001"), within [0, max].
std::optional<uint64_t> unsignedValue(const Json &j, const std::string &where, uint64_t max) {
    if (j.kind() == Json::Kind::Null) return std::nullopt;
    uint64_t v = 0;
    if (j.isNumber()) {
        const double d = j.number();
        if (d < 0 || d != std::floor(d) || d > double(max)) bad(where, "not a number in 0.." + std::to_string(max));
        v = uint64_t(d);
    } else if (j.isString()) {
        const std::string s = j.string();
        char *end = nullptr;
        errno = 0;
        v = std::strtoull(s.c_str(), &end, 0);
        if (s.empty() || s[0] == '-' || errno != 0 || *end != '\0') bad(where, "\"" + s + "\" is not a number");
    } else {
        bad(where, "expected a number or a \"0x…\" string");
    }
    if (v > max) bad(where, std::to_string(v) + " is larger than " + std::to_string(max));
    return v;
}

template <typename T>
void readInto(const Json &j, const std::string &where, T &out, uint64_t max) {
    if (auto v = unsignedValue(j, where, max)) out = T(*v);
}

void readMs(const Json &j, const std::string &where, std::chrono::milliseconds &out) {
    if (auto v = unsignedValue(j, where, 24ull * 3600 * 1000)) out = std::chrono::milliseconds(*v);
}

// A routine step: {"routine": 0x0203, "deadline_ms": …}, or false/null to skip.
void readRoutine(const Json &j, const std::string &where, std::optional<RoutineStep> &out) {
    if (j.kind() == Json::Kind::Bool && !j.boolean()) {
        out.reset();
        return;
    }
    if (j.kind() == Json::Kind::Null) return;
    if (!j.isObject()) bad(where, "expected an object or false");
    RoutineStep step = out.value_or(RoutineStep{});
    readInto(j["routine"], where + ".routine", step.id, 0xFFFF);
    readMs(j["deadline_ms"], where + ".deadline_ms", step.deadline);
    out = step;
}

Profile parseProfile(const Json &p, const std::string &where, Profile base) {
    if (p.kind() == Json::Kind::Null) return base;
    if (!p.isObject()) bad(where, "expected an object");
    Profile r = std::move(base);
    readMs(p["timing"]["p2_ms"], where + ".timing.p2_ms", r.timing.p2);
    readMs(p["timing"]["p2_star_ms"], where + ".timing.p2_star_ms", r.timing.p2Star);
    readMs(p["timing"]["s3_ms"], where + ".timing.s3_ms", r.timing.s3);
    readInto(p["timing"]["busy_retries"], where + ".timing.busy_retries", r.timing.busyRetries, 100);
    readInto(p["extended_session"], where + ".extended_session", r.extendedSession, 0x7F);
    readInto(p["programming_session"], where + ".programming_session", r.programmingSession, 0x7F);
    readRoutine(p["precondition"], where + ".precondition", r.precondition);
    if (p["dtc_setting_off"].kind() == Json::Kind::Bool) r.dtcSettingOff = p["dtc_setting_off"].boolean();
    if (p["communication_control"].kind() == Json::Kind::Bool)
        r.communicationControl = p["communication_control"].boolean();
    const Json &sec = p["security"];
    if (sec.kind() == Json::Kind::Bool && !sec.boolean()) r.securityLevel = 0;
    readInto(sec["level"], where + ".security.level", r.securityLevel, 0x7D);
    if (r.securityLevel != 0 && r.securityLevel % 2 == 0) bad(where + ".security.level", "requestSeed levels are odd");
    readMs(sec["delay_ms"], where + ".security.delay_ms", r.securityDelay);
    const Json &fp = p["fingerprint"];
    if (fp.kind() == Json::Kind::Bool && !fp.boolean()) r.fingerprintDid.reset();
    if (auto did = unsignedValue(fp["did"], where + ".fingerprint.did", 0xFFFF)) r.fingerprintDid = uint16_t(*did);
    if (fp["tester_serial"].isString()) r.testerSerial = fp["tester_serial"].string();
    if (r.testerSerial.size() != 6) bad(where + ".fingerprint.tester_serial", "must be 6 characters");
    std::optional<RoutineStep> erase = r.erase;
    readRoutine(p["erase"], where + ".erase", erase);
    if (!erase) bad(where + ".erase", "the erase routine cannot be skipped");
    r.erase = *erase;
    readInto(p["erase"]["alfid"], where + ".erase.alfid", r.eraseAlfid, 0xFF);
    readInto(p["download"]["data_format"], where + ".download.data_format", r.dataFormat, 0xFF);
    readInto(p["download"]["alfid"], where + ".download.alfid", r.downloadAlfid, 0xFF);
    readMs(p["download"]["block_deadline_ms"], where + ".download.block_deadline_ms", r.blockDeadline);
    for (uint8_t alfid : {r.eraseAlfid, r.downloadAlfid})
        if ((alfid & 0x0F) < 1 || (alfid & 0x0F) > 4 || (alfid >> 4) < 1 || (alfid >> 4) > 4)
            bad(where, "an addressAndLengthFormatIdentifier needs 1..4 address and length bytes");
    readRoutine(p["check_memory"], where + ".check_memory", r.checkMemory);
    readRoutine(p["check_dependencies"], where + ".check_dependencies", r.checkDependencies);
    readRoutine(p["bank_switch"], where + ".bank_switch", r.bankSwitch);
    readInto(p["reset"]["type"], where + ".reset.type", r.resetType, 0x7F);
    readMs(p["reset"]["deadline_ms"], where + ".reset.deadline_ms", r.resetDeadline);
    readInto(p["versions"]["software"], where + ".versions.software", r.softwareVersionDid, 0xFFFF);
    readInto(p["versions"]["hardware"], where + ".versions.hardware", r.hardwareNumberDid, 0xFFFF);
    readInto(p["versions"]["serial"], where + ".versions.serial", r.serialNumberDid, 0xFFFF);
    if (p["memory"].kind() == Json::Kind::Array) {
        r.memory.clear();
        for (size_t i = 0; i < p["memory"].items().size(); ++i) {
            const Json &m = p["memory"].items()[i];
            const std::string w = where + ".memory[" + std::to_string(i) + "]";
            MemoryRegion region;
            readInto(m["address"], w + ".address", region.address, 0xFFFFFFFFull);
            readInto(m["size"], w + ".size", region.size, 0xFFFFFFFFull);
            if (region.size == 0) bad(w, "needs a \"size\"");
            r.memory.push_back(region);
        }
    }
    return r;
}

} // namespace

AgentConfig parseAgentConfig(const std::string &text) {
    Json root;
    std::string error;
    if (!Json::parse(text, root, error)) bad("document", error);
    AgentConfig c;
    readInto(root["parallel"], "parallel", c.parallel, 64);
    if (c.parallel < 1) c.parallel = 1;
    c.seedKey.library = root["seed_key"]["library"].string();
    c.seedKey.variant = root["seed_key"]["variant"].string();
    c.seedKey.options = root["seed_key"]["options"].string();

    std::map<std::string, Profile, std::less<>> profiles;
    for (const auto &[name, p] : root["profiles"].members())
        profiles[name] = parseProfile(p, "profiles." + name, Profile{});

    for (size_t i = 0; i < root["gateways"].items().size(); ++i) {
        const Json &g = root["gateways"].items()[i];
        const std::string w = "gateways[" + std::to_string(i) + "]";
        GatewayConfig gw;
        gw.id = g["id"].string();
        if (gw.id.empty()) bad(w, "needs an \"id\"");
        const std::string transport = g["transport"].string("doip");
        if (transport == "isotp")
            gw.transport = TransportKind::IsoTp;
        else if (transport != "doip")
            bad(w + ".transport", "\"" + transport + "\" is not doip or isotp");
        gw.interface = g["interface"].string(gw.interface);
        readInto(g["functional_can_id"], w + ".functional_can_id", gw.functionalCanId, 0x1FFFFFFF);
        if (g["can_fd"].kind() == Json::Kind::Bool) gw.canFd = g["can_fd"].boolean();
        if (g["extended_ids"].kind() == Json::Kind::Bool) gw.extendedIds = g["extended_ids"].boolean();
        if (g["padding"].kind() == Json::Kind::Bool && !g["padding"].boolean())
            gw.padding.reset();
        else if (auto p = unsignedValue(g["padding"], w + ".padding", 0xFF))
            gw.padding = uint8_t(*p);
        gw.host = g["host"].string(gw.host);
        readInto(g["port"], w + ".port", gw.port, 0xFFFF);
        readInto(g["tester_address"], w + ".tester_address", gw.testerAddress, 0xFFFF);
        readInto(g["functional_address"], w + ".functional_address", gw.functionalAddress, 0xFFFF);
        readInto(g["protocol_version"], w + ".protocol_version", gw.protocolVersion, 0xFF);
        if (gw.protocolVersion != 0x02 && gw.protocolVersion != 0x03)
            bad(w + ".protocol_version", "2 (ISO 13400-2:2012) or 3 (2019)");
        if (g["discover"].isObject()) {
            GatewayConfig::Discovery d;
            d.address = g["discover"]["address"].string(d.address);
            readInto(g["discover"]["port"], w + ".discover.port", d.port, 0xFFFF);
            d.vin = g["discover"]["vin"].string();
            if (!d.vin.empty() && d.vin.size() != 17) bad(w + ".discover.vin", "a VIN has 17 characters");
            readMs(g["discover"]["wait_ms"], w + ".discover.wait_ms", d.wait);
            gw.discover = d;
        }
        if (g["tls"].isObject()) {
            gw.tls = true;
            gw.port = 3496;
            readInto(g["tls"]["port"], w + ".tls.port", gw.port, 0xFFFF);
            gw.tlsPinSha256 = g["tls"]["pin_sha256"].string();
            if (gw.tlsPinSha256.size() != 64)
                bad(w + ".tls.pin_sha256", "the server certificate's SHA-256 (64 hex digits)");
        }
        for (const GatewayConfig &other : c.gateways)
            if (other.id == gw.id) bad(w, "gateway \"" + gw.id + "\" is defined twice");
        c.gateways.push_back(std::move(gw));
    }
    for (size_t i = 0; i < root["ecus"].items().size(); ++i) {
        const Json &e = root["ecus"].items()[i];
        const std::string w = "ecus[" + std::to_string(i) + "]";
        EcuConfig ecu;
        ecu.id = e["id"].string();
        if (ecu.id.empty()) bad(w, "needs an \"id\"");
        ecu.type = e["type"].string(ecu.type);
        ecu.hardwareId = e["hardware_id"].string();
        ecu.gateway = e["gateway"].string(c.gateways.size() == 1 ? c.gateways[0].id : "");
        bool found = false;
        for (const GatewayConfig &g : c.gateways) found = found || g.id == ecu.gateway;
        if (!found) bad(w + ".gateway", "no gateway \"" + ecu.gateway + "\"");
        const GatewayConfig *gw = nullptr;
        for (const GatewayConfig &g : c.gateways)
            if (g.id == ecu.gateway) gw = &g;
        if (gw->transport == TransportKind::Doip) {
            if (!unsignedValue(e["logical_address"], w + ".logical_address", 0xFFFF))
                bad(w, "needs a \"logical_address\"");
            readInto(e["logical_address"], w + ".logical_address", ecu.logicalAddress, 0xFFFF);
        } else {
            const uint32_t maxId = gw->extendedIds ? 0x1FFFFFFF : 0x7FF;
            if (!unsignedValue(e["tx_can_id"], w + ".tx_can_id", maxId) ||
                !unsignedValue(e["rx_can_id"], w + ".rx_can_id", maxId))
                bad(w, "an ECU on ISO-TP needs \"tx_can_id\" and \"rx_can_id\"");
            readInto(e["tx_can_id"], w + ".tx_can_id", ecu.txCanId, maxId);
            readInto(e["rx_can_id"], w + ".rx_can_id", ecu.rxCanId, maxId);
        }
        readInto(e["banks"], w + ".banks", ecu.banks, 2);
        if (ecu.banks < 1) bad(w + ".banks", "1 or 2");
        Profile base;
        const Json &p = e["profile"];
        if (p.isString()) {
            auto it = profiles.find(p.string());
            if (it == profiles.end()) bad(w + ".profile", "no profile \"" + p.string() + "\"");
            base = it->second;
        } else {
            base = parseProfile(p, w + ".profile", Profile{});
        }
        ecu.profile = std::move(base);
        for (const EcuConfig &other : c.ecus)
            if (other.id == ecu.id) bad(w, "ECU \"" + ecu.id + "\" is defined twice");
        c.ecus.push_back(std::move(ecu));
    }
    if (c.ecus.empty()) bad("ecus", "no ECUs configured");
    return c;
}

ImageSpec parseImageSpec(const std::string &customJson) {
    ImageSpec spec;
    if (customJson.empty()) return spec;
    Json root;
    std::string error;
    if (!Json::parse(customJson, root, error))
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "signed custom metadata: " + error);
    const Json &b = root["bootloader"];
    if (b["format"].kind() != Json::Kind::Null) {
        spec.format = image::parseImageFormatName(b["format"].string());
        if (!spec.format)
            throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, "signed custom metadata: bootloader.format \"" +
                                                                 b["format"].string() + "\" is not raw, ihex or srec");
    }
    try {
        if (auto a = unsignedValue(b["address"], "address", 0xFFFFFFFFull)) spec.address = *a;
    } catch (const conduit::Error &e) {
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT, std::string("signed custom metadata: bootloader.") + e.what());
    }
    if (spec.format == image::ImageFormat::Raw && !spec.address)
        throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT,
                             "signed custom metadata: a raw image needs bootloader.address");
    return spec;
}

} // namespace conduit::bootloader
