#include "slot.h"

#include "durablefile.h"
#include "flasherror.h"

#include <cerrno>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace conduit::flash {

namespace {
constexpr size_t kReadBuffer = 1u << 20;
constexpr size_t kDirectAlign = 4096;
} // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
        throw Error(CONDUIT_E_FAILED, "OpenSSL SHA-256 unavailable");
}
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }
void Sha256::update(const void *data, size_t size) { EVP_DigestUpdate(ctx_, data, size); }
std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

uint64_t slotCapacity(const std::string &path, bool *isBlockDevice) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throwErrno("cannot stat slot " + path);
    if (isBlockDevice) *isBlockDevice = S_ISBLK(st.st_mode);
    if (!S_ISBLK(st.st_mode)) return uint64_t(st.st_size);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throwErrno("cannot open slot " + path);
    uint64_t size = 0;
    const int rc = ::ioctl(fd, BLKGETSIZE64, &size);
    ::close(fd);
    if (rc != 0) throwErrno("cannot size block device " + path);
    return size;
}

SlotWriter::SlotWriter(const std::string &path, uint64_t length, uint64_t syncInterval, bool readWrite)
    : path_(path), length_(length), interval_(syncInterval ? syncInterval : (32u << 20)) {
    struct stat st;
    const bool exists = ::stat(path.c_str(), &st) == 0;
    const bool block = exists && S_ISBLK(st.st_mode);
    fd_ = ::open(path.c_str(), (readWrite ? O_RDWR : O_WRONLY) | O_CLOEXEC | (block ? 0 : O_CREAT), 0644);
    if (fd_ < 0) throwErrno("cannot open slot " + path);
    if (block) {
        uint64_t size = 0;
        if (::ioctl(fd_, BLKGETSIZE64, &size) != 0) throwErrno("cannot size block device " + path);
        if (size < length) throw Error(CONDUIT_E_NO_SPACE, "slot " + path + " holds " + std::to_string(size) +
                                                               " bytes, image needs " + std::to_string(length));
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
    while (done < size) {
        const ssize_t n = ::pwrite(fd_, p + done, size - done, off_t(offset_ + done));
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
        throw Error(CONDUIT_E_PAYLOAD, "image ended after " + std::to_string(offset_) + " of " +
                                           std::to_string(length_) + " bytes");
    if (::fdatasync(fd_) != 0) throwErrno("cannot sync slot " + path_);
    if (onDurable) onDurable(length_);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
}

namespace {

// Hashes on its own thread what the caller reads into its ring of aligned
// buffers, so that device reads and SHA-256 overlap (either alone runs at
// about the same speed, so this halves read-back time).
class HashPipe {
public:
    HashPipe() {
        for (auto &b : buffers_)
            if (::posix_memalign(&b, kDirectAlign, kReadBuffer) != 0) {
                for (auto &f : buffers_) std::free(f);
                throw Error(CONDUIT_E_NO_MEMORY, "no memory for read-back buffers");
            }
        thread_ = std::thread([this] { run(); });
    }
    ~HashPipe() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        cv_.notify_all();
        thread_.join();
        for (auto &b : buffers_) std::free(b);
    }
    // The next free buffer (blocks while all are queued for hashing).
    void *acquire() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queued_ < kBuffers; });
        return buffers_[(head_ + queued_) % kBuffers];
    }
    void submit(size_t len) {
        {
            std::lock_guard lock(mutex_);
            lengths_[(head_ + queued_) % kBuffers] = len;
            ++queued_;
        }
        cv_.notify_all();
    }
    std::string finish() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queued_ == 0; });
        return sha_.hex();
    }

private:
    static constexpr size_t kBuffers = 4;
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            cv_.wait(lock, [&] { return queued_ > 0 || closed_; });
            if (queued_ == 0) return;
            void *b = buffers_[head_];
            const size_t len = lengths_[head_];
            lock.unlock();
            sha_.update(b, len);
            lock.lock();
            head_ = (head_ + 1) % kBuffers;
            --queued_;
            cv_.notify_all();
        }
    }
    void *buffers_[kBuffers] = {};
    size_t lengths_[kBuffers] = {};
    size_t head_ = 0, queued_ = 0;
    bool closed_ = false;
    Sha256 sha_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread thread_;
};

// An open slot for reading back, O_DIRECT when the file system allows it.
struct ReadBack {
    int fd = -1;
    bool direct = false;
    std::string path;
    HashPipe pipe;
    explicit ReadBack(const std::string &p) : path(p) {
        fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
        direct = fd >= 0;
        if (!direct) {
            fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throwErrno("cannot open slot " + p);
        }
    }
    ~ReadBack() { ::close(fd); }
    // Reads [offset, offset + len), len <= kReadBuffer, and queues it for hashing.
    void read(uint64_t offset, size_t len) {
        void *buffer = pipe.acquire();
        size_t want = len;
        if (direct) want = (want + kDirectAlign - 1) & ~(kDirectAlign - 1);
        else ::posix_fadvise(fd, off_t(offset), off_t(len), POSIX_FADV_DONTNEED); // clean pages: read the device
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
        pipe.submit(len);
        if (!direct) ::posix_fadvise(fd, off_t(offset), off_t(len), POSIX_FADV_DONTNEED);
    }
    std::string hex() { return pipe.finish(); }
};

} // namespace

struct ReadBackVerifier::State {
    std::string path;
    uint64_t length = 0, durable = 0;
    bool stop = false, done = false;
    std::string hex;
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable cv;
    std::thread thread;

    void run() {
        try {
            ReadBack rb(path);
            uint64_t pos = 0;
            while (pos < length) {
                uint64_t limit;
                {
                    std::unique_lock lock(mutex);
                    cv.wait(lock, [&] { return stop || durable > pos; });
                    if (stop) return;
                    limit = durable;
                }
                while (pos < limit) {
                    const size_t len = size_t(std::min<uint64_t>(kReadBuffer, limit - pos));
                    rb.read(pos, len);
                    pos += len;
                }
            }
            const std::string h = rb.hex();
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
    ReadBack rb(path);
    for (uint64_t done = 0; done < length;) {
        if (cancelled && cancelled()) throw Error(CONDUIT_E_CANCELLED, "cancelled during read-back");
        const size_t len = size_t(std::min<uint64_t>(kReadBuffer, length - done));
        rb.read(done, len);
        done += len;
        if (progress) progress(done);
    }
    return rb.hex();
}

} // namespace conduit::flash
