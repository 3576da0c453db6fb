#include "sandbox.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CONDUIT_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONDUIT_SANDBOX_ASAN 1
#endif
#endif

namespace conduit::runner {

namespace {

// Landlock's kernel ABI (Debian 12's <linux/landlock.h> stops at ABI 2).
struct LandlockRulesetAttr {
    uint64_t handledAccessFs;
    uint64_t handledAccessNet; // ABI 4
    uint64_t scoped;           // ABI 6
};
struct __attribute__((packed)) LandlockPathBeneath {
    uint64_t allowedAccess;
    int32_t parentFd;
};
struct LandlockNetPort {
    uint64_t allowedAccess;
    uint64_t port;
};
constexpr uint32_t kLandlockCreateVersion = 1u << 0;
constexpr int kLandlockRulePathBeneath = 1;
constexpr int kLandlockRuleNetPort = 2;
constexpr uint64_t kFsExecute = 1ull << 0, kFsReadFile = 1ull << 2, kFsReadDir = 1ull << 3;
constexpr uint64_t kFsAbi1 = (1ull << 13) - 1; // EXECUTE … MAKE_SYM
constexpr uint64_t kFsRefer = 1ull << 13, kFsTruncate = 1ull << 14, kFsIoctlDev = 1ull << 15;
constexpr uint64_t kFsFileRights = kFsExecute | (1ull << 1) /* WRITE_FILE */ | kFsReadFile | kFsTruncate | kFsIoctlDev;
constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;

// What every runner reads: the dynamic loader's files and libraries, time
// zones, certificates, its own /proc. Nothing of the host's configuration.
constexpr const char *kReadOnlyBase[] = {"/usr",
                                         "/lib",
                                         "/lib64",
                                         "/bin",
                                         "/etc/ld.so.cache",
                                         "/etc/ld.so.conf",
                                         "/etc/ld.so.conf.d",
                                         "/etc/localtime",
                                         "/etc/ssl/certs",
                                         "/etc/nsswitch.conf",
                                         "/etc/hosts",
                                         "/etc/resolv.conf",
                                         "/etc/gai.conf",
                                         "/proc",
                                         "/sys/devices/system/cpu"};
constexpr const char *kInterpreters[] = {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
                                         "/lib/ld-linux-armhf.so.3"};
constexpr const char *kReadWriteBase[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};

struct CapName {
    const char *name;
    int value;
};
constexpr CapName kCaps[] = {{"CAP_NET_RAW", CAP_NET_RAW},
                             {"CAP_NET_ADMIN", CAP_NET_ADMIN},
                             {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
                             {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
                             {"CAP_IPC_LOCK", CAP_IPC_LOCK},
                             {"CAP_SYS_NICE", CAP_SYS_NICE},
                             {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
                             {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND}};

// Syscalls no agent needs; the first list kills the runner (and says
// which call did), the second fails with EPERM.
constexpr const char *kKilled[] = {"execve",
                                   "execveat",
                                   "ptrace",
                                   "process_vm_readv",
                                   "process_vm_writev",
                                   "mount",
                                   "umount2",
                                   "pivot_root",
                                   "chroot",
                                   "move_mount",
                                   "open_tree",
                                   "fsopen",
                                   "fsconfig",
                                   "fsmount",
                                   "fspick",
                                   "mount_setattr",
                                   "init_module",
                                   "finit_module",
                                   "delete_module",
                                   "bpf",
                                   "keyctl",
                                   "add_key",
                                   "request_key",
                                   "kexec_load",
                                   "kexec_file_load",
                                   "reboot",
                                   "swapon",
                                   "swapoff",
                                   "acct",
                                   "settimeofday",
                                   "clock_settime",
                                   "clock_adjtime",
                                   "adjtimex",
                                   "perf_event_open",
                                   "userfaultfd",
                                   "open_by_handle_at",
                                   "name_to_handle_at",
                                   "iopl",
                                   "ioperm",
                                   "fanotify_init",
                                   "quotactl",
                                   "pidfd_getfd",
                                   "io_uring_setup",
                                   "io_uring_enter",
                                   "io_uring_register",
                                   "lookup_dcookie",
                                   "kcmp",
                                   "vhangup",
                                   "sethostname",
                                   "setdomainname"};
constexpr const char *kRefused[] = {"setuid",    "setgid",   "setreuid", "setregid", "setresuid", "setresgid",
                                    "setgroups", "setfsuid", "setfsgid", "unshare",  "setns",     "capset"};

void note(const char *fmt, const char *what, const char *why) {
    std::fprintf(stderr, fmt, what, why);
    std::fflush(stderr);
}
void notApplied(const char *what, const char *why) {
    note("conduit-agent-runner: sandbox: not applied: %s (%s)\n", what, why);
}
const char *err() { return std::strerror(errno); }

// Names of the killed syscalls by number, resolved before the filter is
// loaded: the SIGSYS handler may only do async-signal-safe work.
struct KilledName {
    int nr;
    char name[24];
};
KilledName gKilledNames[std::size(kKilled)];
size_t gKilledCount = 0;

void onSigsys(int, siginfo_t *info, void *) {
    const char *name = "?";
    for (size_t i = 0; i < gKilledCount; ++i)
        if (gKilledNames[i].nr == info->si_syscall) name = gKilledNames[i].name;
    char line[160];
    const size_t prefix = std::strlen(kSandboxKillPrefix);
    std::memcpy(line, kSandboxKillPrefix, prefix);
    size_t n = std::min(std::strlen(name), sizeof line - prefix - 2);
    std::memcpy(line + prefix, name, n);
    line[prefix + n] = '\n';
    (void)!::write(STDERR_FILENO, line, prefix + n + 1);
    // SA_RESETHAND made the action the default again: this ends the process.
    ::syscall(SYS_tgkill, ::getpid(), ::syscall(SYS_gettid), SIGSYS);
    ::_exit(128 + SIGSYS);
}

bool parseNumber(const char *value, unsigned long long *out) {
    char *end = nullptr;
    errno = 0;
    *out = std::strtoull(value, &end, 10);
    return errno == 0 && end != value && *end == '\0';
}

std::string parentDir(const std::string &p) {
    const auto slash = p.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : p.substr(0, slash);
}

bool under(const std::string &path, const std::string &dir) {
    return dir == "/" || path == dir ||
           (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// A directory the agent's uid cannot pass: root's QTemporaryDir (0700) or a
// host directory that is not world-searchable.
bool blocksOthers(const std::string &dir, unsigned uid, unsigned gid) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return false;
    if (st.st_uid == uid) return !(st.st_mode & S_IXUSR);
    if (st.st_gid == gid) return !(st.st_mode & S_IXGRP);
    return !(st.st_mode & S_IXOTH);
}

bool mkdirs(const std::string &path, mode_t mode) {
    std::string p;
    size_t i = 1;
    while (i <= path.size()) {
        const size_t slash = path.find('/', i);
        p = path.substr(0, slash == std::string::npos ? path.size() : slash);
        if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) return false;
        if (slash == std::string::npos) break;
        i = slash + 1;
    }
    return true;
}

// A private mount namespace in which every path the agent is granted can
// be reached by its uid: a directory on the way that its uid may not pass
// is covered by an empty tmpfs, and only the granted paths below it are
// bound back in. Everything else below it (the host's configuration and
// trusted state beside the agent's state dir, say) is gone from its view.
bool makeVisible(const SandboxPlan &plan, std::vector<std::string> visible) {
    std::vector<std::string> covers;
    for (const std::string &v : visible) {
        for (std::string d = parentDir(v);; d = parentDir(d)) {
            // A directory granted read-write is not covered: it becomes the
            // agent's (grantAccess) and everything in it is granted anyway.
            const bool granted = std::any_of(plan.paths.begin(), plan.paths.end(),
                                             [&](const SandboxPlan::Path &p) { return p.writable && p.path == d; });
            if (d != "/" && !granted && blocksOthers(d, plan.uid, plan.gid)) {
                // keep the topmost
                covers.erase(
                    std::remove_if(covers.begin(), covers.end(), [&](const std::string &c) { return under(c, d); }),
                    covers.end());
                if (std::none_of(covers.begin(), covers.end(), [&](const std::string &c) { return under(d, c); }))
                    covers.push_back(d);
            }
            if (d == "/") break;
        }
    }
    if (::unshare(CLONE_NEWNS) != 0) return notApplied("mount namespace", err()), false;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return notApplied("private mounts", err()), false;
    // The system bus: an agent's business is its devices, not the host's
    // control API (consent!).
    struct stat st {};
    if (::stat("/run/dbus", &st) == 0 &&
        ::mount("tmpfs", "/run/dbus", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0)
        notApplied("hiding /run/dbus", err());
    for (const std::string &c : covers) {
        std::vector<std::pair<std::string, int>> keep;
        for (const std::string &v : visible)
            if (under(v, c) && v != c) {
                const int fd = ::open(v.c_str(), O_PATH | O_CLOEXEC);
                if (fd >= 0) keep.emplace_back(v, fd);
            }
        if (::mount("tmpfs", c.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0711") != 0) {
            notApplied(c.c_str(), err());
            for (auto &k : keep) ::close(k.second);
            return false;
        }
        for (auto &[path, fd] : keep) {
            struct stat ks {};
            ::fstat(fd, &ks);
            if (!mkdirs(S_ISDIR(ks.st_mode) ? path : parentDir(path), 0711))
                return notApplied(path.c_str(), err()), false;
            if (!S_ISDIR(ks.st_mode)) {
                const int f = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
                if (f >= 0) ::close(f);
            }
            const std::string source = "/proc/self/fd/" + std::to_string(fd);
            if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
                return notApplied(path.c_str(), err()), false;
            ::close(fd);
        }
    }
    return true;
}

unsigned gChownUid, gChownGid;
int chownEntry(const char *path, const struct stat *, int, struct FTW *) {
    ::lchown(path, gChownUid, gChownGid);
    return 0;
}

// Granted paths the agent's uid could not open by their modes: a granted
// read-write file or directory becomes the agent's (like its state dir); a
// device node (root:disk 0660, root:video 0660) lends its group instead, or
// (root:root 0600, read-write) becomes the agent's too.
// Landlock keeps the group from reaching the group's other files.
std::vector<gid_t> grantAccess(const SandboxPlan &plan) {
    std::vector<gid_t> groups;
    for (const SandboxPlan::Path &p : plan.paths) {
        struct stat st {};
        if (::stat(p.path.c_str(), &st) != 0) {
            notApplied(p.path.c_str(), "granted path does not exist");
            continue;
        }
        const bool dir = S_ISDIR(st.st_mode);
        const mode_t want = (p.writable ? (S_IROTH | S_IWOTH) : S_IROTH) | (dir ? S_IXOTH : 0);
        if ((st.st_mode & want) == want || st.st_uid == plan.uid) continue;
        const bool device = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
        if (!device && p.writable) {
            gChownUid = plan.uid;
            gChownGid = plan.gid;
            ::nftw(p.path.c_str(), chownEntry, 16, FTW_PHYS);
            continue;
        }
        const mode_t wantGroup = (p.writable ? (S_IRGRP | S_IWGRP) : S_IRGRP) | (dir ? S_IXGRP : 0);
        if ((st.st_mode & wantGroup) == wantGroup && st.st_gid != 0) {
            if (std::find(groups.begin(), groups.end(), st.st_gid) == groups.end()) groups.push_back(st.st_gid);
            continue;
        }
        if (device && p.writable && ::chown(p.path.c_str(), plan.uid, plan.gid) == 0) continue; // root:root 0600
        notApplied(p.path.c_str(), "its mode lets neither the agent's uid nor a group in");
    }
    return groups;
}

bool dropCapabilities(const SandboxPlan &plan, const std::vector<gid_t> &groups) {
    std::vector<int> keep;
    for (const std::string &name : plan.capabilities)
        for (const CapName &c : kCaps)
            if (name == c.name) keep.push_back(c.value);
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if (std::find(keep.begin(), keep.end(), cap) == keep.end() && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
            errno != EINVAL)
            return notApplied("capability bounding set", err()), false;
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return notApplied("keeping capabilities", err()), false;
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setresgid(plan.gid, plan.gid, plan.gid) != 0 ||
        ::setresuid(plan.uid, plan.uid, plan.uid) != 0)
        return notApplied("agent uid/gid", err()), false;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int cap : keep) {
        data[cap / 32].effective |= 1u << (cap % 32);
        data[cap / 32].permitted |= 1u << (cap % 32);
        data[cap / 32].inheritable |= 1u << (cap % 32);
    }
    if (::syscall(SYS_capset, &header, data) != 0) return notApplied("capabilities", err()), false;
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    for (int cap : keep)
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) notApplied("ambient capability", err());
    return true;
}

bool landlockRule(int ruleset, const std::string &path, uint64_t access) {
    const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT; // a base path this system lacks
    struct stat st {};
    // A file (or device node) takes only the rights that apply to files.
    if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFsFileRights;
    LandlockPathBeneath rule{access, fd};
    const long rc = ::syscall(SYS_landlock_add_rule, ruleset, kLandlockRulePathBeneath, &rule, 0);
    ::close(fd);
    return rc == 0;
}

// Files (read-only base, granted paths, state dir), TCP ports when the
// agent declared some, and no signals or abstract sockets beyond its own
// domain. Returns false when Landlock is missing or failed.
bool applyLandlock(const SandboxPlan &plan) {
    const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kLandlockCreateVersion);
    if (abi < 1) return notApplied("Landlock (file access is not confined)", err()), false;
    uint64_t fs = kFsAbi1;
    if (abi >= 2) fs |= kFsRefer;
    if (abi >= 3) fs |= kFsTruncate;
    if (abi >= 5) fs |= kFsIoctlDev;
    LandlockRulesetAttr attr{fs, 0, 0};
    size_t attrSize = sizeof(uint64_t);
    const bool portsConfined = plan.network != SandboxPlan::Network::None && !plan.tcpPorts.empty();
    if (abi >= 4) {
        attrSize = 2 * sizeof(uint64_t);
        if (portsConfined) attr.handledAccessNet = kNetBindTcp | kNetConnectTcp;
    } else if (portsConfined) {
        notApplied("TCP port limits", "Landlock ABI < 4");
    }
    if (abi >= 6) {
        attrSize = sizeof attr;
        attr.scoped = kScopeAbstractUnix | kScopeSignal;
    } else {
        notApplied("signal and abstract socket scoping", "Landlock ABI < 6");
    }
    const int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, attrSize, 0));
    if (ruleset < 0) return notApplied("Landlock ruleset", err()), false;
    // Nothing is executable but the declared programs (and the ELF
    // interpreter they need); mapping libraries needs no execute right.
    const uint64_t ro = kFsReadFile | kFsReadDir;
    bool ok = true;
    bool programs = false;
    for (const SandboxPlan::Path &p : plan.paths) programs = programs || p.executable;
    if (programs)
        for (const char *interp : kInterpreters) ok = ok && landlockRule(ruleset, interp, kFsExecute | kFsReadFile);
    for (const char *p : kReadOnlyBase) ok = ok && landlockRule(ruleset, p, ro);
    // Device nodes get ioctl; regular files and directories do not need it.
    for (const char *p : kReadWriteBase) ok = ok && landlockRule(ruleset, p, fs & ~kFsIoctlDev);
    ok = ok && landlockRule(ruleset, parentDir(plan.library), ro);
    if (!plan.stateDir.empty()) ok = ok && landlockRule(ruleset, plan.stateDir, fs);
    for (const SandboxPlan::Path &p : plan.paths)
        ok = ok && landlockRule(ruleset, p.path, p.writable ? fs : p.executable ? ro | kFsExecute : ro);
    for (int port : plan.tcpPorts) {
        if (!attr.handledAccessNet) break;
        LandlockNetPort rule{kNetBindTcp | kNetConnectTcp, static_cast<uint64_t>(port)};
        ok = ok && ::syscall(SYS_landlock_add_rule, ruleset, kLandlockRuleNetPort, &rule, 0) == 0;
    }
    if (!ok) {
        notApplied("Landlock rule", err());
        ::close(ruleset);
        return false;
    }
    const bool restricted = ::syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
    if (!restricted) notApplied("Landlock", err());
    ::close(ruleset);
    return restricted;
}

bool applySeccomp(const SandboxPlan &plan) {
#ifdef CONDUIT_SANDBOX_ASAN
    (void)plan;
    // LeakSanitizer stops the world with ptrace at exit.
    return notApplied("seccomp filter", "AddressSanitizer build"), false;
#else
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return notApplied("seccomp filter", "seccomp_init failed"), false;
    bool ok = true;
    gKilledCount = 0;
    const bool programs = std::any_of(plan.paths.begin(), plan.paths.end(), [](const auto &p) { return p.executable; });
    for (const char *name : kKilled) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) continue; // not on this architecture
        // Declared programs may be run; Landlock says which.
        if (programs && (!std::strcmp(name, "execve") || !std::strcmp(name, "execveat"))) continue;
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_TRAP, nr, 0) == 0;
        gKilledNames[gKilledCount].nr = nr;
        std::snprintf(gKilledNames[gKilledCount].name, sizeof gKilledNames[0].name, "%s", name);
        ++gKilledCount;
    }
    for (const char *name : kRefused) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr != __NR_SCMP_ERROR) ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) == 0;
    }
    // No new namespaces from clone() (clone3's flags are out of the
    // filter's reach: ENOSYS makes glibc fall back to clone).
    for (uint64_t flag :
         {uint64_t(CLONE_NEWNS), uint64_t(CLONE_NEWUSER), uint64_t(CLONE_NEWPID), uint64_t(CLONE_NEWNET),
          uint64_t(CLONE_NEWIPC), uint64_t(CLONE_NEWUTS), uint64_t(CLONE_NEWCGROUP)})
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                    SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)) == 0;
    ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;
    // The SIGSYS handler that names the killed call stays ours.
    ok = ok &&
         seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_sigaction), 1, SCMP_A0(SCMP_CMP_EQ, SIGSYS)) == 0;
    // Network "none" or "loopback": no packet, CAN or other raw families
    // (the host's netns is kept for loopback; its interfaces are not the
    // agent's business).
    if (plan.network != SandboxPlan::Network::Host)
        for (int family : {AF_PACKET, AF_CAN, AF_BLUETOOTH})
            ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                        SCMP_A0(SCMP_CMP_EQ, family)) == 0;
    struct sigaction sa {};
    sa.sa_sigaction = onSigsys;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
    ok = ok && ::sigaction(SIGSYS, &sa, nullptr) == 0;
    ok = ok && seccomp_load(ctx) == 0;
    seccomp_release(ctx);
    if (!ok) notApplied("seccomp filter", "libseccomp refused a rule or the kernel the filter");
    return ok;
#endif
}

} // namespace

bool parseSandboxOption(SandboxPlan &plan, const char *key, const char *value, std::string *error) {
    const std::string k = key;
    if (k.rfind("--sandbox-", 0) != 0) return false;
    unsigned long long n = 0;
    auto number = [&](unsigned long long max) {
        if (!parseNumber(value, &n) || n > max) {
            *error = k + ": not a number up to " + std::to_string(max) + ": " + value;
            return false;
        }
        return true;
    };
    plan.enabled = true;
    if (k == "--sandbox-uid") return number(0xfffffffeull) && (plan.uid = unsigned(n), true);
    if (k == "--sandbox-gid") return number(0xfffffffeull) && (plan.gid = unsigned(n), true);
    if (k == "--sandbox-required") return (plan.required = std::strcmp(value, "1") == 0), true;
    if (k == "--sandbox-state-dir") return plan.stateDir = value, true;
    if (k == "--sandbox-ro" || k == "--sandbox-rw" || k == "--sandbox-exec") {
        if (value[0] != '/') return *error = k + ": not an absolute path: " + value, false;
        plan.paths.push_back({value, k == "--sandbox-rw", k == "--sandbox-exec"});
        return true;
    }
    if (k == "--sandbox-network") {
        const std::string v = value;
        if (v == "none")
            plan.network = SandboxPlan::Network::None;
        else if (v == "loopback")
            plan.network = SandboxPlan::Network::Loopback;
        else if (v == "host")
            plan.network = SandboxPlan::Network::Host;
        else
            return *error = k + ": none, loopback or host, not " + v, false;
        return true;
    }
    if (k == "--sandbox-tcp-port") return number(65535) && (plan.tcpPorts.push_back(int(n)), true);
    if (k == "--sandbox-cap") {
        if (std::none_of(std::begin(kCaps), std::end(kCaps),
                         [&](const CapName &c) { return !std::strcmp(c.name, value); }))
            return *error = k + ": not a grantable capability: " + value, false;
        plan.capabilities.emplace_back(value);
        return true;
    }
    if (k == "--sandbox-open-files") return number(1ull << 20) && (plan.openFiles = n, true);
    if (k == "--sandbox-processes") return number(1ull << 16) && (plan.processes = n, true);
    *error = "unknown option " + k;
    return false;
}

bool applySandbox(const SandboxPlan &plan) {
    if (!plan.enabled) return true;
    if (plan.uid == 0 || plan.gid == 0) return notApplied("agent uid/gid", "the host gave uid or gid 0"), false;
    bool complete = true;
    auto setLimit = [&](int resource, unsigned long long value, const char *what) {
        if (value == 0) return;
        rlimit rl{value, value};
        if (::setrlimit(resource, &rl) != 0) complete = false, notApplied(what, err());
    };
    setLimit(RLIMIT_NOFILE, plan.openFiles, "open files limit");
    setLimit(RLIMIT_NPROC, plan.processes, "process limit");
    setLimit(RLIMIT_CORE, 0, "core limit");

    std::vector<std::string> visible{plan.library, parentDir(plan.library)};
    if (!plan.stateDir.empty()) visible.push_back(plan.stateDir);
    for (const SandboxPlan::Path &p : plan.paths) visible.push_back(p.path);
    if (!makeVisible(plan, visible)) complete = false;
    if (plan.network == SandboxPlan::Network::None && ::unshare(CLONE_NEWNET) != 0)
        complete = false, notApplied("network namespace", err());

    if (!plan.stateDir.empty()) {
        gChownUid = plan.uid;
        gChownGid = plan.gid;
        ::nftw(plan.stateDir.c_str(), chownEntry, 16, FTW_PHYS);
    }
    // The uid switch is all or nothing: a runner that is half switched
    // never loads a plugin.
    const std::vector<gid_t> groups = grantAccess(plan);
    if (!dropCapabilities(plan, groups)) return false;
    // A credential change clears the parent-death signal: set it again, and
    // catch a host that died in between.
    ::prctl(PR_SET_PDEATHSIG, SIGHUP);
    if (::getppid() == 1) ::raise(SIGHUP);
#ifdef CONDUIT_SANDBOX_ASAN
    // LeakSanitizer traces its own threads at exit; the uid switch made the
    // process undumpable, which would refuse it.
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return notApplied("no_new_privs", err()), false;
    if (!applyLandlock(plan)) complete = false;
    if (!applySeccomp(plan)) complete = false;
    if (!complete && plan.required) {
        note("conduit-agent-runner: sandbox: %s%s\n", "incomplete and [agents] require_sandbox is set; ",
             "the plugin is not loaded");
        return false;
    }
    return true;
}

} // namespace conduit::runner
