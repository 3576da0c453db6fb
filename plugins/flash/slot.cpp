#include "slot.h"

#include "durablefile.h"
#include "flasherror.h"

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <fcntl.h>
#include <linux/fs.h>
#include <mtd/ubi-user.h>
#include <mutex>
#include <optional>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace conduit::flash {

namespace {
constexpr size_t kReadBuffer = 1u << 20;
constexpr size_t kDirectAlign = 4096;
} // namespace

SlotWriter::SlotWriter(const std::string &path, uint64_t length, uint64_t syncInterval, bool readWrite, SlotKind kind)
    : path_(path), handler_(&slotHandler(resolveSlotKind(path, kind))), length_(length),
      interval_(syncInterval ? syncInterval : (32u << 20)) {
    if (handler_->kind == SlotKind::Ubi) {
        // Refused before the update starts: UBI_IOCVOLUP marks the volume
        // corrupt at once.
        const uint64_t size = slotCapacity(path, SlotKind::Ubi);
        if (size < length)
            throw Error(CONDUIT_E_NO_SPACE, "UBI volume " + path + " holds " + std::to_string(size) +
                                                " bytes, image needs " + std::to_string(length));
        fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) throwErrno("cannot open UBI volume " + path);
        int64_t bytes = int64_t(length);
        if (::ioctl(fd_, UBI_IOCVOLUP, &bytes) != 0) throwErrno("cannot start update of UBI volume " + path);
        return;
    }
    struct stat st;
    const bool exists = ::stat(path.c_str(), &st) == 0;
    const bool block = exists && S_ISBLK(st.st_mode);
    fd_ = ::open(path.c_str(), (readWrite ? O_RDWR : O_WRONLY) | O_CLOEXEC | (block ? 0 : O_CREAT), 0644);
    if (fd_ < 0) throwErrno("cannot open slot " + path);
    if (block) {
        uint64_t size = 0;
        if (::ioctl(fd_, BLKGETSIZE64, &size) != 0) throwErrno("cannot size block device " + path);
        if (size < length)
            throw Error(CONDUIT_E_NO_SPACE, "slot " + path + " holds " + std::to_string(size) + " bytes, image needs " +
                                                std::to_string(length));
    } else if (::ftruncate(fd_, off_t(length)) != 0) {
        throwErrno("cannot size slot file " + path);
    }
}

SlotWriter::~SlotWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void SlotWriter::write(const void *data, size_t size) {
    if (offset_ + size > length_) throw Error(CONDUIT_E_PAYLOAD, "image longer than announced");
    faultPoint("write");
    const char *p = static_cast<const char *>(data);
    size_t done = 0;
    const bool sequential = handler_->kind == SlotKind::Ubi; // a volume update takes the bytes in order
    while (done < size) {
        const ssize_t n = sequential ? ::write(fd_, p + done, size - done)
                                     : ::pwrite(fd_, p + done, size - done, off_t(offset_ + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("cannot write slot " + path_);
        }
        done += size_t(n);
    }
    advanceTo(offset_ + size);
}

void SlotWriter::advanceTo(uint64_t offset) {
    offset_ = offset;
    if (!handler_->pageCacheWindows) return;
    while (offset_ - windowStart_ >= interval_) windowDone();
}

void SlotWriter::windowDone() {
    // Start writeback of the window just filled without waiting for it, then
    // wait for the one before (it had a whole window's time to land) and
    // drop it: dirty and cached pages stay within two windows.
    ::sync_file_range(fd_, off_t(windowStart_), off_t(interval_), SYNC_FILE_RANGE_WRITE);
    if (windowStart_ > 0) {
        if (::sync_file_range(fd_, off_t(prevStart_), off_t(interval_),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
            throwErrno("writeback of slot " + path_ + " failed");
        if (onDurable) onDurable(prevStart_ + interval_);
        if (beforeDrop) beforeDrop(prevStart_, interval_);
        ::posix_fadvise(fd_, off_t(prevStart_), off_t(interval_), POSIX_FADV_DONTNEED);
    }
    prevStart_ = windowStart_;
    windowStart_ += interval_;
}

void SlotWriter::finish() {
    if (offset_ != length_)
        throw Error(CONDUIT_E_PAYLOAD,
                    "image ended after " + std::to_string(offset_) + " of " + std::to_string(length_) + " bytes");
    if (::fdatasync(fd_) != 0) throwErrno("cannot sync slot " + path_);
    injectCorruption();
    if (onDurable) onDurable(length_);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
}

void SlotWriter::injectCorruption() {
    const int64_t at = faultCorruptOffset();
    if (at < 0 || uint64_t(at) >= length_) return;
    // A UBI volume cannot be changed in place outside an update.
    if (handler_->kind == SlotKind::Ubi) throw Error(CONDUIT_E_UNSUPPORTED, "fault injection: corrupt= not on UBI");
    // Test hook: the medium now holds something else than it was given.
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throwErrno("fault injection: cannot open " + path_);
    unsigned char byte = 0;
    bool ok = ::pread(fd, &byte, 1, off_t(at)) == 1;
    byte ^= 0xff;
    ok = ok && ::pwrite(fd, &byte, 1, off_t(at)) == 1 && ::fdatasync(fd) == 0;
    const int error = errno;
    ::close(fd);
    errno = error;
    if (!ok) throwErrno("fault injection: cannot change " + path_);
}

namespace {

// Checks on its own thread what the caller reads into its ring of aligned
// buffers, so that device reads and checking (SHA-256 or block checksums)
// overlap.
class CheckPipe {
public:
    using Check = std::function<void(uint64_t offset, const char *data, size_t size)>;
    explicit CheckPipe(Check check) : check_(std::move(check)) {
        for (auto &b : buffers_)
            if (::posix_memalign(&b, kDirectAlign, kReadBuffer) != 0) {
                for (auto &f : buffers_) std::free(f);
                throw Error(CONDUIT_E_NO_MEMORY, "no memory for read-back buffers");
            }
        thread_ = std::thread([this] { run(); });
    }
    ~CheckPipe() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        cv_.notify_all();
        thread_.join();
        for (auto &b : buffers_) std::free(b);
    }
    // The next free buffer (blocks while all are queued). Throws what a
    // check threw.
    void *acquire() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queued_ < kBuffers || error_; });
        if (error_) std::rethrow_exception(error_);
        return buffers_[(head_ + queued_) % kBuffers];
    }
    void submit(uint64_t offset, size_t len) {
        {
            std::lock_guard lock(mutex_);
            const size_t i = (head_ + queued_) % kBuffers;
            offsets_[i] = offset;
            lengths_[i] = len;
            ++queued_;
        }
        cv_.notify_all();
    }
    // Waits until everything submitted was checked; throws what a check threw.
    void finish() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queued_ == 0 || error_; });
        if (error_) std::rethrow_exception(error_);
    }

private:
    static constexpr size_t kBuffers = 4;
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            cv_.wait(lock, [&] { return (queued_ > 0 && !error_) || closed_; });
            if (closed_) return;
            const char *b = static_cast<const char *>(buffers_[head_]);
            const uint64_t offset = offsets_[head_];
            const size_t len = lengths_[head_];
            lock.unlock();
            std::exception_ptr error;
            try {
                check_(offset, b, len);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            if (error) error_ = error;
            head_ = (head_ + 1) % kBuffers;
            --queued_;
            cv_.notify_all();
        }
    }
    Check check_;
    void *buffers_[kBuffers] = {};
    uint64_t offsets_[kBuffers] = {};
    size_t lengths_[kBuffers] = {};
    size_t head_ = 0, queued_ = 0;
    bool closed_ = false;
    std::exception_ptr error_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread thread_;
};

// An open slot for reading back, O_DIRECT when the file system allows it.
struct ReadBack {
    int fd = -1;
    bool direct = false;
    std::string path;
    CheckPipe pipe;
    ReadBack(const std::string &p, CheckPipe::Check check) : path(p), pipe(std::move(check)) {
        if (slotHandler(resolveSlotKind(p)).directReadBack) fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
        direct = fd >= 0;
        if (!direct) {
            fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throwErrno("cannot open slot " + p);
        }
    }
    ~ReadBack() { ::close(fd); }
    // Reads [offset, offset + len), len <= kReadBuffer, and queues it for checking.
    void read(uint64_t offset, size_t len) {
        void *buffer = pipe.acquire();
        size_t want = len;
        if (direct)
            want = (want + kDirectAlign - 1) & ~(kDirectAlign - 1);
        else
            ::posix_fadvise(fd, off_t(offset), off_t(len), POSIX_FADV_DONTNEED); // clean pages: read the device
        size_t got = 0;
        while (got < len) {
            const ssize_t n = ::pread(fd, static_cast<char *>(buffer) + got, want - got, off_t(offset + got));
            if (n < 0) {
                if (errno == EINTR) continue;
                throwErrno("read-back of slot " + path + " failed");
            }
            if (n == 0) throw Error(CONDUIT_E_VERIFY, "slot " + path + " is shorter than the image");
            got += size_t(n);
        }
        pipe.submit(offset, len);
        if (!direct) ::posix_fadvise(fd, off_t(offset), off_t(len), POSIX_FADV_DONTNEED);
    }
    void finish() { pipe.finish(); }
};

static_assert(kReadBuffer % ImageDigest::kBlockSize == 0, "reads must cover whole checksum blocks");

// Compares what was read back at `offset` (a block boundary) with the
// checksums recorded while writing.
void compareBlocks(const ImageDigest &written, const std::string &path, uint64_t offset, const char *data,
                   size_t size) {
    for (size_t at = 0; at < size; at += ImageDigest::kBlockSize) {
        const size_t n = size_t(std::min<uint64_t>(ImageDigest::kBlockSize, size - at));
        if (BlockChecksum::of(data + at, n) != written.block(size_t((offset + at) / ImageDigest::kBlockSize)))
            throw Error(CONDUIT_E_VERIFY, "read-back of " + path + " differs from the image written: block at offset " +
                                              std::to_string(offset + at) + " (" + std::to_string(n) + " bytes)");
    }
}

} // namespace

struct ReadBackVerifier::State {
    std::string path;
    const ImageDigest *written = nullptr; // null: hash instead
    uint64_t length = 0, durable = 0;
    bool stop = false, done = false;
    std::string hex;
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable cv;
    std::thread thread;

    void run() {
        try {
            Sha256 sha;
            std::optional<ReadBack> rb; // opened once something is durable
            const auto open = [&] {
                if (!rb)
                    rb.emplace(path, [this, &sha](uint64_t offset, const char *data, size_t size) {
                        if (written)
                            compareBlocks(*written, path, offset, data, size);
                        else
                            sha.update(data, size);
                    });
            };
            uint64_t pos = 0;
            while (pos < length) {
                uint64_t limit;
                {
                    std::unique_lock lock(mutex);
                    cv.wait(lock, [&] { return stop || durable > pos; });
                    if (stop) return;
                    limit = durable;
                }
                open();
                while (pos < limit) {
                    const size_t len = size_t(std::min<uint64_t>(kReadBuffer, limit - pos));
                    rb->read(pos, len);
                    pos += len;
                }
            }
            open();
            rb->finish();
            const std::string h = written ? std::string() : sha.hex();
            std::lock_guard lock(mutex);
            hex = h;
        } catch (...) {
            std::lock_guard lock(mutex);
            error = std::current_exception();
        }
        std::lock_guard lock(mutex);
        done = true;
        cv.notify_all();
    }
};

ReadBackVerifier::ReadBackVerifier(const std::string &path, const ImageDigest &written)
    : d_(std::make_unique<State>()) {
    d_->path = path;
    d_->written = &written;
    d_->length = written.length();
    d_->thread = std::thread([s = d_.get()] { s->run(); });
}

ReadBackVerifier::ReadBackVerifier(const std::string &path, uint64_t length) : d_(std::make_unique<State>()) {
    d_->path = path;
    d_->length = length;
    d_->thread = std::thread([s = d_.get()] { s->run(); });
}

ReadBackVerifier::~ReadBackVerifier() {
    {
        std::lock_guard lock(d_->mutex);
        d_->stop = true;
    }
    d_->cv.notify_all();
    d_->thread.join();
}

void ReadBackVerifier::durableUpTo(uint64_t offset) {
    {
        std::lock_guard lock(d_->mutex);
        // Reads stay aligned: only whole 1 MiB blocks until the very end.
        d_->durable = offset >= d_->length ? d_->length : offset & ~uint64_t(kReadBuffer - 1);
    }
    d_->cv.notify_all();
}

std::string ReadBackVerifier::finish() {
    durableUpTo(d_->length);
    std::unique_lock lock(d_->mutex);
    d_->cv.wait(lock, [&] { return d_->done; });
    if (d_->error) std::rethrow_exception(d_->error);
    return d_->hex;
}

std::string readBackSha256(const std::string &path, uint64_t length, const ProgressFn &progress,
                           const CancelFn &cancelled) {
    Sha256 sha;
    ReadBack rb(path, [&sha](uint64_t, const char *data, size_t size) { sha.update(data, size); });
    for (uint64_t done = 0; done < length;) {
        if (cancelled && cancelled()) throw Error(CONDUIT_E_CANCELLED, "cancelled during read-back");
        const size_t len = size_t(std::min<uint64_t>(kReadBuffer, length - done));
        rb.read(done, len);
        done += len;
        if (progress) progress(done);
    }
    rb.finish();
    return sha.hex();
}

} // namespace conduit::flash
