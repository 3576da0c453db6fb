/*
 * faultfs: an LD_PRELOAD shim that fails or kills at a chosen file-system
 * call, so that tests can cut the power (SIGKILL) or fill the disk (ENOSPC,
 * EIO) between any two durable writes of the host and its agents.
 *
 * It counts the calls below whose path matches FAULTFS_PATH (the path of the
 * file descriptor for write and fsync: descriptors are tracked from the open
 * that made them), in the processes FAULTFS_PROCESS names, and acts at call
 * number FAULTFS_AT (1-based):
 *
 *   open    open, open64, openat, creat, fopen with O_CREAT or for writing
 *   write   write, pwrite, pwrite64, writev, and fclose of a stream opened
 *           for writing (stdio writes its buffer there)
 *   fsync   fsync, fdatasync
 *   rename  rename, renameat, renameat2, linkat (either path matches)
 *
 * Environment (all optional; without FAULTFS_AT the shim only counts):
 *   FAULTFS_PATH     ':'-separated fnmatch(3) patterns on the path (default
 *                    every path)
 *   FAULTFS_OPS      ','-separated operations counted (default all four)
 *   FAULTFS_PROCESS  ','-separated program names (program_invocation_short_name)
 *                    whose calls count; others pass through (default all)
 *   FAULTFS_AT       the call to act at
 *   FAULTFS_ACTION   kill (default), enospc or eio
 *   FAULTFS_WHEN     before (default) or after the call is made; errors are
 *                    always returned instead of making the call
 *   FAULTFS_TIMES    for errors: how many calls fail from FAULTFS_AT on
 *                    (default 1; 0: every later call, a disk that stays full)
 *   FAULTFS_COUNTER  a file holding the count, shared by every process of
 *                    the test (the host and its runners count as one
 *                    sequence); default: each process counts alone
 *   FAULTFS_LOG      a file to which each counted call appends
 *                    "N pid program op path" (to size a test, or debug it)
 *
 * kill is a power cut: it SIGKILLs the first process that loaded the shim
 * (FAULTFS_ROOT_PID, which the shim sets for its children) and then the
 * calling process, so a runner that reaches the point takes its host down.
 * Preload it into the host itself, not into a wrapper that starts it
 * (`timeout 60 env LD_PRELOAD=... host`, not `env LD_PRELOAD=... timeout`).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum op { OP_OPEN = 1, OP_WRITE = 2, OP_FSYNC = 4, OP_RENAME = 8 };

#define MAX_FDS 4096
#define PATH_BYTES 4096

static const char *op_names[] = {"open", "write", "fsync", "rename"};

static struct {
    int ready, active;
    unsigned ops;
    long at, times;
    int action_errno; /* 0: kill */
    int after;
    pid_t root;
    long local_count;
    long *shared_count;
    char log[PATH_BYTES];
} cfg;

static char *fd_paths[MAX_FDS];
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int list_has(const char *list, char sep, const char *item) {
    size_t n = strlen(item);
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int path_matches(const char *path) {
    const char *patterns = getenv("FAULTFS_PATH");
    char one[PATH_BYTES];
    const char *p = patterns;
    if (!path) return 0;
    if (!patterns || !*patterns) return 1;
    while (p && *p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len < sizeof one) {
            memcpy(one, p, len);
            one[len] = '\0';
            if (fnmatch(one, path, 0) == 0) return 1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

__attribute__((constructor)) static void faultfs_init(void) {
    const char *v;
    char pid[32];
    int i;
    cfg.ops = OP_OPEN | OP_WRITE | OP_FSYNC | OP_RENAME;
    if ((v = getenv("FAULTFS_OPS")) && *v) {
        cfg.ops = 0;
        for (i = 0; i < 4; ++i)
            if (list_has(v, ',', op_names[i])) cfg.ops |= 1u << i;
    }
    v = getenv("FAULTFS_PROCESS");
    cfg.active = !v || !*v || list_has(v, ',', program_invocation_short_name);
    cfg.at = (v = getenv("FAULTFS_AT")) ? atol(v) : 0;
    cfg.times = (v = getenv("FAULTFS_TIMES")) ? atol(v) : 1;
    v = getenv("FAULTFS_ACTION");
    cfg.action_errno = !v || strcmp(v, "kill") == 0 ? 0 : strcmp(v, "eio") == 0 ? EIO : ENOSPC;
    cfg.after = (v = getenv("FAULTFS_WHEN")) && strcmp(v, "after") == 0;
    if ((v = getenv("FAULTFS_ROOT_PID")) && *v) {
        cfg.root = (pid_t)atol(v);
    } else {
        cfg.root = getpid();
        snprintf(pid, sizeof pid, "%ld", (long)cfg.root);
        setenv("FAULTFS_ROOT_PID", pid, 1);
    }
    if ((v = getenv("FAULTFS_COUNTER")) && *v) {
        int fd = REAL(open)(v, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (ftruncate(fd, sizeof(long)) == 0) {
                void *m = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (m != MAP_FAILED) cfg.shared_count = (long *)m;
            }
            close(fd);
        }
    }
    if ((v = getenv("FAULTFS_LOG"))) snprintf(cfg.log, sizeof cfg.log, "%s", v);
    cfg.ready = 1;
}

static void remember(int fd, const char *dir_or_null, int dirfd, const char *path) {
    char full[PATH_BYTES];
    char *copy;
    if (fd < 0 || fd >= MAX_FDS || !path) return;
    if (path[0] != '/' && dirfd != AT_FDCWD && dirfd >= 0 && dirfd < MAX_FDS && fd_paths[dirfd])
        snprintf(full, sizeof full, "%s/%s", fd_paths[dirfd], path);
    else
        snprintf(full, sizeof full, "%s%s", dir_or_null ? dir_or_null : "", path);
    copy = strdup(full);
    pthread_mutex_lock(&fd_lock);
    free(fd_paths[fd]);
    fd_paths[fd] = copy;
    pthread_mutex_unlock(&fd_lock);
}

static void forget(int fd) {
    if (fd < 0 || fd >= MAX_FDS) return;
    pthread_mutex_lock(&fd_lock);
    free(fd_paths[fd]);
    fd_paths[fd] = NULL;
    pthread_mutex_unlock(&fd_lock);
}

/* Copies the path of fd into out; 0 when it is not known. */
static int path_of(int fd, char *out) {
    int known = 0;
    if (fd < 0 || fd >= MAX_FDS) return 0;
    pthread_mutex_lock(&fd_lock);
    if (fd_paths[fd]) {
        snprintf(out, PATH_BYTES, "%s", fd_paths[fd]);
        known = 1;
    }
    pthread_mutex_unlock(&fd_lock);
    return known;
}

static void power_cut(void) {
    if (cfg.root != getpid()) kill(cfg.root, SIGKILL);
    kill(getpid(), SIGKILL);
}

static void log_call(long n, int op_index, const char *path) {
    char line[PATH_BYTES + 128];
    int fd, len;
    if (!cfg.log[0]) return;
    fd = REAL(open)(cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    len = snprintf(line, sizeof line, "%ld %ld %s %s %s\n", n, (long)getpid(), program_invocation_short_name,
                   op_names[op_index], path);
    if (len > 0) (void)!REAL(write)(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
    REAL(close)(fd);
}

/* Counts a call; returns 0 to make it, or an errno to fail it with. Kills
 * here when the point is before the call. *kill_after is set when the point
 * is after it. */
static int decide(enum op op, const char *path, const char *path2, int *kill_after) {
    int idx = op == OP_OPEN ? 0 : op == OP_WRITE ? 1 : op == OP_FSYNC ? 2 : 3;
    long n;
    *kill_after = 0;
    if (!cfg.ready || !cfg.active || !(cfg.ops & op)) return 0;
    if (!path_matches(path) && !path_matches(path2)) return 0;
    n = cfg.shared_count ? __atomic_add_fetch(cfg.shared_count, 1, __ATOMIC_SEQ_CST) : ++cfg.local_count;
    log_call(n, idx, path2 && path_matches(path2) && !path_matches(path) ? path2 : path);
    if (cfg.at <= 0 || n < cfg.at) return 0;
    if (cfg.action_errno) return cfg.times == 0 || n < cfg.at + cfg.times ? cfg.action_errno : 0;
    if (n != cfg.at) return 0;
    if (cfg.after) {
        *kill_after = 1;
        return 0;
    }
    power_cut();
    return 0;
}

#define FAIL_OR_CALL(op, path, path2, call)                                                                            \
    do {                                                                                                               \
        int kill_after_, err_ = decide(op, path, path2, &kill_after_);                                                 \
        if (err_) {                                                                                                    \
            errno = err_;                                                                                              \
            return -1;                                                                                                 \
        }                                                                                                              \
        __typeof__(call) r_ = call;                                                                                    \
        if (kill_after_) power_cut();                                                                                  \
        return r_;                                                                                                     \
    } while (0)

static int creates(int flags) { return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE; }

static int open_common(int dirfd, const char *path, int flags, mode_t mode, int at) {
    int kill_after = 0, err, fd;
    char full[PATH_BYTES];
    const char *p = path;
    if (path && path[0] != '/' && dirfd != AT_FDCWD && path_of(dirfd, full)) {
        size_t len = strlen(full);
        snprintf(full + len, sizeof full - len, "/%s", path);
        p = full;
    }
    err = creates(flags) ? decide(OP_OPEN, p, NULL, &kill_after) : 0;
    if (err) {
        errno = err;
        return -1;
    }
    fd = at ? REAL(openat)(dirfd, path, flags, mode) : REAL(open)(path, flags, mode);
    if (fd >= 0) remember(fd, NULL, AT_FDCWD, p);
    if (kill_after) power_cut();
    return fd;
}

#define MODE_ARG(flags)                                                                                                \
    mode_t mode = 0;                                                                                                   \
    if (creates(flags)) {                                                                                              \
        va_list ap;                                                                                                    \
        va_start(ap, flags);                                                                                           \
        mode = (mode_t)va_arg(ap, int);                                                                                \
        va_end(ap);                                                                                                    \
    }

int open(const char *path, int flags, ...) {
    MODE_ARG(flags)
    return open_common(AT_FDCWD, path, flags, mode, 0);
}
int open64(const char *path, int flags, ...) {
    MODE_ARG(flags)
    return open_common(AT_FDCWD, path, flags, mode, 0);
}
int openat(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    return open_common(dirfd, path, flags, mode, 1);
}
int openat64(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    return open_common(dirfd, path, flags, mode, 1);
}
int __open_2(const char *path, int flags) { return open_common(AT_FDCWD, path, flags, 0, 0); }
int __open64_2(const char *path, int flags) { return open_common(AT_FDCWD, path, flags, 0, 0); }
int creat(const char *path, mode_t mode) { return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0); }
int creat64(const char *path, mode_t mode) {
    return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

static FILE *fopen_common(const char *path, const char *mode, FILE *(*real)(const char *, const char *)) {
    int kill_after = 0, err;
    FILE *f;
    const int writing = mode && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+'));
    err = writing ? decide(OP_OPEN, path, NULL, &kill_after) : 0;
    if (err) {
        errno = err;
        return NULL;
    }
    f = real(path, mode);
    if (f && writing) remember(fileno(f), NULL, AT_FDCWD, path);
    if (kill_after) power_cut();
    return f;
}

FILE *fopen(const char *path, const char *mode) { return fopen_common(path, mode, REAL(fopen)); }
FILE *fopen64(const char *path, const char *mode) { return fopen_common(path, mode, REAL(fopen64)); }

int fclose(FILE *f) {
    char path[PATH_BYTES];
    int fd = f ? fileno(f) : -1, kill_after = 0, err = 0, rc;
    if (path_of(fd, path)) err = decide(OP_WRITE, path, NULL, &kill_after);
    if (err) __fpurge(f); /* the buffer never reaches the disk */
    forget(fd);
    rc = REAL(fclose)(f);
    if (kill_after) power_cut();
    if (err) {
        errno = err;
        return EOF;
    }
    return rc;
}

int close(int fd) {
    forget(fd);
    return REAL(close)(fd);
}

ssize_t write(int fd, const void *buf, size_t n) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(write)(fd, buf, n);
    FAIL_OR_CALL(OP_WRITE, path, NULL, REAL(write)(fd, buf, n));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(pwrite)(fd, buf, n, off);
    FAIL_OR_CALL(OP_WRITE, path, NULL, REAL(pwrite)(fd, buf, n, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(pwrite64)(fd, buf, n, off);
    FAIL_OR_CALL(OP_WRITE, path, NULL, REAL(pwrite64)(fd, buf, n, off));
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(writev)(fd, iov, count);
    FAIL_OR_CALL(OP_WRITE, path, NULL, REAL(writev)(fd, iov, count));
}

int fsync(int fd) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(fsync)(fd);
    FAIL_OR_CALL(OP_FSYNC, path, NULL, REAL(fsync)(fd));
}

int fdatasync(int fd) {
    char path[PATH_BYTES];
    if (!path_of(fd, path)) return REAL(fdatasync)(fd);
    FAIL_OR_CALL(OP_FSYNC, path, NULL, REAL(fdatasync)(fd));
}

int rename(const char *from, const char *to) { FAIL_OR_CALL(OP_RENAME, from, to, REAL(rename)(from, to)); }

int renameat(int fromfd, const char *from, int tofd, const char *to) {
    FAIL_OR_CALL(OP_RENAME, from, to, REAL(renameat)(fromfd, from, tofd, to));
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags) {
    FAIL_OR_CALL(OP_RENAME, from, to, REAL(renameat2)(fromfd, from, tofd, to, flags));
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags) {
    FAIL_OR_CALL(OP_RENAME, from, to, REAL(linkat)(fromfd, from, tofd, to, flags));
}
