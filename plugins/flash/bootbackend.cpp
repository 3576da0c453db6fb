#include "bootbackend.h"

#include "flasherror.h"
#include "json.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace conduit::flash {

namespace {

constexpr size_t kGrubEnvSize = 1024;
constexpr const char kGrubHeader[] = "# GRUB Environment Block\n";

bool validValue(const std::string &v) { return v.find_first_of("\\\n\r=") == std::string::npos; }

class FileBackend : public BootBackend {
public:
    explicit FileBackend(std::string path) : path_(std::move(path)) {}
    const char *name() const override { return "file"; }
    KeyValues load() override {
        auto text = readSmallFile(path_);
        return text ? parseKeyValues(*text) : KeyValues{};
    }
    void store(const KeyValues &changes) override {
        KeyValues v = load();
        for (const auto &[k, val] : changes) {
            if (val.empty())
                v.erase(k);
            else
                v[k] = val;
        }
        writeFileAtomically(path_, formatKeyValues(v));
    }

private:
    std::string path_;
};

class GrubBackend : public BootBackend {
public:
    explicit GrubBackend(std::string path) : path_(std::move(path)) {}
    const char *name() const override { return "grub"; }
    KeyValues load() override {
        auto text = readSmallFile(path_);
        return text ? parseGrubEnv(*text) : KeyValues{};
    }
    void store(const KeyValues &changes) override {
        KeyValues v = load();
        for (const auto &[k, val] : changes) {
            if (val.empty())
                v.erase(k);
            else
                v[k] = val;
        }
        // GRUB reads the block through its file system driver, so replacing
        // the file is safe; grub's own save_env writes it in place.
        writeFileAtomically(path_, formatGrubEnv(v));
    }

private:
    std::string path_;
};

// Runs argv without a shell; returns stdout. Throws on failure.
std::string run(const std::vector<std::string> &argv) {
    // Built before fork: the runner has other threads, so the child may only
    // make async-signal-safe calls (no allocation) before exec.
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throwErrno("pipe");
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(out[0]);
        ::close(out[1]);
        errno = e;
        throwErrno("fork");
    }
    if (pid == 0) {
        ::dup2(out[1], 1); // dup2 clears O_CLOEXEC on the copy
        ::execvp(args[0], args.data());
        _exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, size_t(n));
    }
    ::close(out[0]);
    int status = 0;
    pid_t waited;
    while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {}
    if (waited != pid) throwErrno(argv[0] + ": cannot collect exit status");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(CONDUIT_E_IO, argv[0] + " failed (status " + std::to_string(status) + ")");
    return text;
}

class UBootBackend : public BootBackend {
public:
    UBootBackend(std::string printenv, std::string setenv, std::string config, std::string defaultEnv,
                 std::string scriptDir)
        : printenv_(std::move(printenv)), setenv_(std::move(setenv)), config_(std::move(config)),
          defaultEnv_(std::move(defaultEnv)), scriptDir_(std::move(scriptDir)) {}
    const char *name() const override { return "uboot"; }
    KeyValues load() override { return parseKeyValues(run(command(printenv_))); }
    void store(const KeyValues &changes) override {
        // fw_setenv -s applies the whole script as one environment write
        // (the redundant copy flips only after the new one is complete).
        // libubootenv's script lines are "name=value"; "name=" deletes.
        std::string script;
        for (const auto &[k, v] : changes) {
            if (!validValue(k) || !validValue(v)) throw Error(CONDUIT_E_INVALID_ARGUMENT, "bad U-Boot variable " + k);
            script += k + "=" + v + "\n";
        }
        const std::string path = scriptDir_ + "/conduit-fw-setenv.script";
        writeFileAtomically(path, script);
        std::vector<std::string> argv = command(setenv_);
        argv.insert(argv.end(), {"-s", path});
        run(argv);
    }

private:
    std::vector<std::string> command(const std::string &tool) const {
        std::vector<std::string> argv{tool};
        if (!config_.empty()) argv.insert(argv.end(), {"-c", config_});
        if (!defaultEnv_.empty()) argv.insert(argv.end(), {"-f", defaultEnv_});
        return argv;
    }
    std::string printenv_, setenv_, config_, defaultEnv_, scriptDir_;
};

std::string cmdlineSlot(const std::string &path) {
    auto text = readSmallFile(path);
    if (!text) return {};
    const std::string key = "conduit.slot=";
    size_t pos = 0;
    while ((pos = text->find(key, pos)) != std::string::npos) {
        if (pos == 0 || (*text)[pos - 1] == ' ') {
            const size_t start = pos + key.size();
            const size_t end = text->find_first_of(" \n", start);
            return text->substr(start, end == std::string::npos ? std::string::npos : end - start);
        }
        pos += key.size();
    }
    return {};
}

} // namespace

BootState BootBackend::state() {
    const KeyValues v = load();
    auto get = [&](const char *k) {
        auto it = v.find(k);
        return it == v.end() ? std::string() : it->second;
    };
    BootState s;
    // An environment without the variable (factory default, or a first
    // start cut short) boots A: the bootloader scripts default to it too.
    s.primary = get("conduit_primary");
    if (s.primary.empty()) s.primary = "A";
    s.trial = get("conduit_trial");
    s.tries = std::atoi(get("conduit_tries").c_str());
    s.booted = cmdlinePath.empty() ? std::string() : cmdlineSlot(cmdlinePath);
    if (s.booted.empty()) s.booted = get("conduit_booted");
    if (s.booted.empty()) s.booted = s.primary;
    return s;
}

void BootBackend::setState(const BootState &s) {
    if (s.primary.empty()) throw Error(CONDUIT_E_FAILED, "refusing to leave no primary boot slot");
    store({{"conduit_primary", s.primary}, {"conduit_trial", s.trial}, {"conduit_tries", std::to_string(s.tries)}});
}

std::unique_ptr<BootBackend> makeBootBackend(const Json &config) {
    const std::string kind = config["backend"].string("file");
    std::unique_ptr<BootBackend> b;
    if (kind == "file" || kind == "grub") {
        const std::string path = config["path"].string();
        if (path.empty()) throw Error(CONDUIT_E_INVALID_ARGUMENT, "boot backend \"" + kind + "\" needs \"path\"");
        if (kind == "file")
            b = std::make_unique<FileBackend>(path);
        else
            b = std::make_unique<GrubBackend>(path);
    } else if (kind == "uboot") {
        const std::string scriptDir = config["script_dir"].string("/tmp");
        b = std::make_unique<UBootBackend>(config["printenv"].string("fw_printenv"),
                                           config["setenv"].string("fw_setenv"), config["config"].string(),
                                           config["default_env"].string(), scriptDir);
    } else {
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "unknown boot backend \"" + kind + "\"");
    }
    b->cmdlinePath = config["cmdline"].string();
    return b;
}

std::string formatGrubEnv(const KeyValues &values) {
    std::string block = kGrubHeader;
    for (const auto &[k, v] : values) {
        if (!validValue(k) || !validValue(v))
            throw Error(CONDUIT_E_INVALID_ARGUMENT, "GRUB environment value needs escaping: " + k);
        block += k + "=" + v + "\n";
    }
    if (block.size() > kGrubEnvSize) throw Error(CONDUIT_E_NO_SPACE, "GRUB environment block full");
    block.resize(kGrubEnvSize, '#');
    return block;
}

KeyValues parseGrubEnv(const std::string &block) {
    if (block.compare(0, sizeof kGrubHeader - 1, kGrubHeader) != 0)
        throw Error(CONDUIT_E_IO, "not a GRUB environment block");
    if (block.size() != kGrubEnvSize) throw Error(CONDUIT_E_IO, "GRUB environment block is not 1024 bytes");
    // Padding '#' follows the last line; parseKeyValues skips '#' lines.
    return parseKeyValues(block.substr(sizeof kGrubHeader - 1));
}

std::string bootOnce(BootBackend &backend) {
    BootState s = backend.state();
    std::string slot = s.primary;
    if (!s.trial.empty() && s.tries > 0) {
        slot = s.trial;
        backend.store({{"conduit_tries", std::to_string(s.tries - 1)}, {"conduit_booted", slot}});
        return slot;
    }
    if (!s.trial.empty()) { // trial used up without a commit: fall back
        backend.store({{"conduit_trial", ""}, {"conduit_tries", "0"}, {"conduit_booted", slot}});
        return slot;
    }
    backend.store({{"conduit_booted", slot}});
    return slot;
}

} // namespace conduit::flash
