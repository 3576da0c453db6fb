#include "durable.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::plugin {

namespace {

[[noreturn]] void fail(const std::string &what, int error) {
    throw DurableError(what + ": " + std::strerror(error), error);
}

std::string dirOf(const std::string &path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

} // namespace

std::optional<std::string> readSmallFile(const std::string &path, size_t limit) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot open " + path, errno);
    }
    std::string content;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot read " + path, errno);
        }
        if (n == 0) break;
        content.append(buf, size_t(n));
        if (content.size() > limit)
            throw DurableError(path + " is larger than " + std::to_string(limit) + " bytes", EFBIG);
    }
    return content;
}

void syncParentDirectory(const std::string &path) {
    const std::string dir = dirOf(path);
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() < 0) fail("cannot open directory " + dir, errno);
    if (::fsync(dfd.get()) != 0) fail("cannot fsync directory " + dir, errno);
}

void writeFileAtomically(const std::string &path, const std::string &content, const DurableHooks &hooks) {
    const std::string temp = path + ".tmp";
    {
        Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (fd.get() < 0) fail("cannot create " + temp, errno);
        size_t done = 0;
        while (done < content.size()) {
            const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail("cannot write " + temp, errno);
            }
            done += size_t(n);
        }
        if (::fsync(fd.get()) != 0) fail("cannot fsync " + temp, errno);
    }
    if (hooks.beforeRename) hooks.beforeRename();
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename " + temp + " to " + path, errno);
    if (hooks.afterRename) hooks.afterRename();
    syncParentDirectory(path);
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

} // namespace conduit::plugin
