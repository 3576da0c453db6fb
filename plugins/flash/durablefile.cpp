#include "durablefile.h"

#include "flasherror.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::flash {

void throwErrno(const std::string &what) {
    throw Error(CONDUIT_E_IO, what + ": " + std::strerror(errno));
}

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
                if (item.compare(0, eq, "write") == 0) write = n;
                else if (item.compare(0, eq, "switch") == 0) sw = n;
                else if (item.compare(0, eq, "corrupt") == 0) corrupt = std::strtoll(item.c_str() + eq + 1, nullptr, 10);
            }
            pos = end + 1;
        }
    }
};

FaultPlan &faults() {
    static FaultPlan plan;
    return plan;
}

std::string dirOf(const std::string &path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
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
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throwErrno("cannot open " + path);
    }
    std::string content;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            errno = e;
            throwErrno("cannot read " + path);
        }
        if (n == 0) break;
        content.append(buf, size_t(n));
        if (content.size() > (1u << 20)) {
            ::close(fd);
            throw Error(CONDUIT_E_IO, path + " is larger than 1 MiB");
        }
    }
    ::close(fd);
    return content;
}

void writeFileAtomically(const std::string &path, const std::string &content) {
    const std::string temp = path + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throwErrno("cannot create " + temp);
    size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            errno = e;
            throwErrno("cannot write " + temp);
        }
        done += size_t(n);
    }
    if (::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        throwErrno("cannot fsync " + temp);
    }
    ::close(fd);
    faultPoint("switch"); // new content durable in the temp file, old still in place
    if (::rename(temp.c_str(), path.c_str()) != 0) throwErrno("cannot rename " + temp + " to " + path);
    faultPoint("switch"); // renamed, directory entry not yet durable
    const std::string dir = dirOf(path);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) throwErrno("cannot open directory " + dir);
    const int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) throwErrno("cannot fsync directory " + dir);
}

KeyValues parseKeyValues(const std::string &text) {
    KeyValues values;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line[0] == '#') continue;
        const size_t eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return values;
}

std::string formatKeyValues(const KeyValues &values) {
    std::string out;
    for (const auto &[k, v] : values) out += k + "=" + v + "\n";
    return out;
}

} // namespace conduit::flash
