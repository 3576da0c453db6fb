#include "durablefile.h"

#include "durable.h"
#include "flasherror.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::flash {

void throwErrno(const std::string &what) { throw Error(CONDUIT_E_IO, what + ": " + std::strerror(errno)); }

namespace {

struct FaultPlan {
    long write = 0, sw = 0;
    long long corrupt = -1;
    long writes = 0, switches = 0;
    FaultPlan() {
        const char *spec = std::getenv("CONDUIT_FLASH_FAULT");
        if (!spec) return;
        std::string s(spec);
        size_t pos = 0;
        while (pos < s.size()) {
            size_t end = s.find(',', pos);
            if (end == std::string::npos) end = s.size();
            const std::string item = s.substr(pos, end - pos);
            const size_t eq = item.find('=');
            if (eq != std::string::npos) {
                const long n = std::strtol(item.c_str() + eq + 1, nullptr, 10);
                if (item.compare(0, eq, "write") == 0)
                    write = n;
                else if (item.compare(0, eq, "switch") == 0)
                    sw = n;
                else if (item.compare(0, eq, "corrupt") == 0)
                    corrupt = std::strtoll(item.c_str() + eq + 1, nullptr, 10);
            }
            pos = end + 1;
        }
    }
};

FaultPlan &faults() {
    static FaultPlan plan;
    return plan;
}

} // namespace

void faultPoint(const char *kind) {
    FaultPlan &f = faults();
    if (std::strcmp(kind, "write") == 0) {
        if (f.write > 0 && ++f.writes == f.write) _exit(70);
    } else if (f.sw > 0 && ++f.switches == f.sw) {
        _exit(70);
    }
}

int64_t faultCorruptOffset() { return faults().corrupt; }

std::optional<std::string> readSmallFile(const std::string &path) {
    try {
        return plugin::readSmallFile(path);
    } catch (const plugin::DurableError &e) {
        throw Error(CONDUIT_E_IO, e.what());
    }
}

void writeFileAtomically(const std::string &path, const std::string &content) {
    // The switch fault points: new content durable in the temp file with the
    // old still in place; renamed, directory entry not yet durable.
    plugin::DurableHooks hooks;
    hooks.beforeRename = [] { faultPoint("switch"); };
    hooks.afterRename = [] { faultPoint("switch"); };
    try {
        plugin::writeFileAtomically(path, content, hooks);
    } catch (const plugin::DurableError &e) {
        throw Error(CONDUIT_E_IO, e.what());
    }
}

KeyValues parseKeyValues(const std::string &text) { return plugin::parseKeyValues(text); }
std::string formatKeyValues(const KeyValues &values) { return plugin::formatKeyValues(values); }

} // namespace conduit::flash
