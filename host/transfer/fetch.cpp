#include "fetch.h"

#include "curloptions.h"

#include <QMetaObject>
#include <QRegularExpression>

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace conduit::transfer {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(ctx_)); }
void Sha256::reset() { EVP_DigestInit_ex(static_cast<EVP_MD_CTX *>(ctx_), EVP_sha256(), nullptr); }
void Sha256::addData(const char *data, qint64 size) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx_), data, size_t(size));
}
QByteArray Sha256::result() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX *>(ctx_), md, &n);
    return QByteArray(reinterpret_cast<const char *>(md), int(n));
}

namespace {

constexpr long kBufferSize = 256 << 10;  // libcurl's receive buffer: one chunk per callback at most
constexpr qint64 kBatch = 256 << 10;     // posted to the owner at most this much at a time
constexpr qint64 kMaxInFlight = 4 << 20; // chunk bytes posted to the owner and not yet taken

bool writeAll(int fd, const char *p, qint64 size, qint64 at) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, p, size_t(size), at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        at += n;
        size -= n;
    }
    return true;
}

} // namespace

// The fetch thread's state: the response as it is parsed.
struct Fetch::Worker {
    Fetch *f = nullptr;
    CURL *easy = nullptr;
    long status = 0;
    bool decided = false;   // the response headers are in
    bool accepting = false; // the body is image data (200/206)
    qint64 skip = 0;        // body bytes to drop (the server ignored Range)
    qint64 at = 0;          // where the next byte goes
    QByteArray contentRange;
    bool paused = false; // over the bandwidth limit: run() resumes the transfer
    QByteArray batch;    // received and written, not yet posted
    qint64 batchOffset = 0;
    FetchResult result;

    void stop(const QString &why, bool fatal) {
        result.verdict = why;
        result.fatal = fatal;
    }

    // The blank line that ends the headers: decide what the body is.
    void decide() {
        decided = true;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (status == 206) {
            static const QRegularExpression re(QStringLiteral("^bytes (\\d+)-"));
            const auto m = re.match(QString::fromLatin1(contentRange));
            accepting = m.hasMatch() && m.captured(1).toLongLong() == at;
            if (!accepting)
                stop(QStringLiteral("server answered a range starting elsewhere (%1)")
                         .arg(QString::fromLatin1(contentRange)),
                     false);
        } else if (status == 200) {
            skip = at; // Range ignored: the first bytes are the ones we have
            accepting = true;
        } // else: an error body is never data; the owner judges the status
        const int s = int(status);
        f->post([self = f->shared_from_this(), s] {
            if (self->callbacks_.header) self->callbacks_.header(s);
        });
    }

    size_t onHeader(const char *line, size_t size) {
        const QByteArray h = QByteArray::fromRawData(line, qsizetype(size)).trimmed();
        if (h.startsWith("HTTP/")) { // a new response (after a 100 Continue, say)
            decided = false;
            contentRange.clear();
        } else if (h.isEmpty()) {
            long code = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
            if (code >= 200 && !decided) decide();
            if (!result.verdict.isEmpty()) return 0;
        } else if (h.toLower().startsWith("content-range:")) {
            contentRange = h.mid(14).trimmed();
        }
        return f->abort_.load() ? 0 : size;
    }

    size_t onBody(const char *p, size_t size) {
        if (f->abort_.load()) return 0;
        if (!decided) decide();
        if (accepting && f->request_.bandwidth) {
            // Over the limit: libcurl keeps this chunk and offers it again
            // once run() unpauses the transfer.
            if (f->request_.bandwidth->wait().count() > 0) {
                paused = true;
                return CURL_WRITEFUNC_PAUSE;
            }
            f->request_.bandwidth->take(qint64(size));
        }
        f->transferred_.fetch_add(qint64(size), std::memory_order_relaxed);
        if (!accepting) return size;
        qint64 n = qint64(size);
        if (skip > 0) {
            const qint64 drop = std::min(skip, n);
            p += drop;
            n -= drop;
            skip -= drop;
        }
        if (n == 0) return size;
        if (at + n > f->request_.length) {
            stop(QStringLiteral("server sent more than the verified length %1 (endless data attack?)")
                     .arg(f->request_.length),
                 true);
            return 0;
        }
        // No fdatasync per chunk: after a power cut a torn tail only costs a
        // hash mismatch and a fresh download, never an unverified image.
        if (!writeAll(f->request_.fd, p, n, at)) {
            stop(QStringLiteral("write to the staging file failed: %1").arg(QString::fromLocal8Bit(strerror(errno))),
                 true);
            return 0;
        }
        if (batch.isEmpty()) {
            batchOffset = at;
            batch.reserve(kBatch);
        }
        batch.append(p, qsizetype(n));
        at += n;
        f->position_.store(at, std::memory_order_release);
        if (batch.size() >= kBatch) flush();
        return size;
    }

    // Hands what arrived to the owner: at most kBatch at a time, and at
    // least after every pass over the socket.
    void flush() {
        if (batch.isEmpty()) return;
        const qint64 n = batch.size();
        if (f->inFlight_.load() + n <= kMaxInFlight) {
            f->inFlight_.fetch_add(n);
            f->post([self = f->shared_from_this(), offset = batchOffset, bytes = std::move(batch)] {
                self->inFlight_.fetch_sub(bytes.size());
                if (self->callbacks_.chunk) self->callbacks_.chunk(offset, bytes.size(), bytes);
            });
        } else if (!f->advancePosted_.exchange(true)) {
            // The owner is behind: one pending event tells it how far the
            // file goes when it gets to it; the bytes stay on disk only.
            f->post([self = f->shared_from_this()] {
                self->advancePosted_ = false;
                if (self->callbacks_.chunk) self->callbacks_.chunk(self->position(), 0, {});
            });
        }
        batch = QByteArray();
    }

    void configure(const FetchRequest &r, curl_slist **headers, char *errorBuffer) {
        curl_easy_setopt(easy, CURLOPT_URL, r.url.toEncoded().constData());
        applyCommonOptions(easy, errorBuffer);
        // Under a limit, chunks of about 1/16 s of it (16 KiB at least), so
        // that the bucket, not the buffer, sets the pace.
        curl_easy_setopt(easy, CURLOPT_BUFFERSIZE,
                         r.bandwidth ? std::clamp<long>(long(r.bandwidth->rate() / 16), 16L << 10, kBufferSize)
                                     : kBufferSize);
        if (r.offset > 0) curl_easy_setopt(easy, CURLOPT_RANGE, (QByteArray::number(r.offset) + '-').constData());
        for (const auto &h : r.headers) *headers = curl_slist_append(*headers, (h.first + ": " + h.second).constData());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, *headers);
        curl_easy_setopt(
            easy, CURLOPT_HEADERFUNCTION,
            +[](char *b, size_t s, size_t n, void *w) { return static_cast<Worker *>(w)->onHeader(b, s * n); });
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(
            easy, CURLOPT_WRITEFUNCTION,
            +[](char *b, size_t s, size_t n, void *w) { return static_cast<Worker *>(w)->onBody(b, s * n); });
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
        applyTls(easy, r.tls);
    }
};

std::shared_ptr<Fetch> Fetch::start(QObject *owner, FetchRequest request, Callbacks callbacks) {
    curlGlobalInit();
    std::shared_ptr<Fetch> f(new Fetch);
    f->owner_ = owner;
    f->request_ = std::move(request);
    f->callbacks_ = std::move(callbacks);
    f->position_ = f->request_.offset;
    f->multi_ = curl_multi_init();
    f->thread_ = std::thread([f = f.get()] { f->run(); });
    return f;
}

Fetch::~Fetch() {
    abort();
    join();
    curl_multi_cleanup(static_cast<CURLM *>(multi_));
}

void Fetch::abort() {
    live_ = false;
    if (!abort_.exchange(true) && multi_) curl_multi_wakeup(static_cast<CURLM *>(multi_));
}

void Fetch::join() {
    if (thread_.joinable()) thread_.join();
}

void Fetch::post(std::function<void()> call) {
    // Runs on the owner's thread, unless the owner is gone (Qt drops the
    // event) or no longer wants this fetch (aborted).
    QMetaObject::invokeMethod(
        owner_,
        [self = shared_from_this(), call = std::move(call)] {
            if (self->live_) call();
        },
        Qt::QueuedConnection);
}

void Fetch::run() {
    Worker w;
    w.f = this;
    w.at = request_.offset;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    curl_slist *headers = nullptr;
    w.easy = curl_easy_init();
    w.configure(request_, &headers, errorBuffer);
    auto *multi = static_cast<CURLM *>(multi_);
    curl_multi_add_handle(multi, w.easy);
    CURLcode code = CURLE_OK;
    int running = 1;
    while (running && !abort_.load()) {
        if (w.paused) {
            // Paused by the bandwidth limit: resume once the bucket allows
            // (abort() wakes the poll at once).
            const auto wait = request_.bandwidth->wait();
            if (wait.count() > 0) {
                curl_multi_poll(multi, nullptr, 0, int(std::min<qint64>(wait.count(), 1000)), nullptr);
                continue;
            }
            w.paused = false;
            curl_easy_pause(w.easy, CURLPAUSE_CONT); // may deliver the kept chunk at once
        }
        if (curl_multi_perform(multi, &running) != CURLM_OK) break;
        w.flush();
        if (running && !w.paused) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    w.flush();
    int left = 0;
    while (CURLMsg *m = curl_multi_info_read(multi, &left))
        if (m->msg == CURLMSG_DONE) code = m->data.result;
    if (!w.decided) curl_easy_getinfo(w.easy, CURLINFO_RESPONSE_CODE, &w.status);
    curl_multi_remove_handle(multi, w.easy);
    curl_easy_cleanup(w.easy);
    curl_slist_free_all(headers);
    w.result.status = int(w.status);
    if (code != CURLE_OK && w.result.verdict.isEmpty())
        w.result.transportError =
            errorBuffer[0] ? QString::fromLocal8Bit(errorBuffer) : QString::fromLatin1(curl_easy_strerror(code));
    post([self = shared_from_this(), r = w.result] {
        if (self->callbacks_.done) self->callbacks_.done(r);
    });
}

} // namespace conduit::transfer
