#include "imagedigest.h"

#include "flasherror.h"

#include <xxhash.h>

namespace conduit::flash {

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

BlockChecksum BlockChecksum::of(const void *data, size_t size) {
    const XXH128_hash_t h = XXH3_128bits(data, size);
    return {h.low64, h.high64};
}

ImageDigest::ImageDigest(uint64_t length)
    : length_(length), blocks_(size_t((length + kBlockSize - 1) / kBlockSize)), xxh_(XXH3_createState()) {
    if (!xxh_) throw Error(CONDUIT_E_NO_MEMORY, "no memory for the block checksums");
    XXH3_128bits_reset(static_cast<XXH3_state_t *>(xxh_));
    thread_ = std::thread([this] { run(); });
}

ImageDigest::~ImageDigest() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    XXH3_freeState(static_cast<XXH3_state_t *>(xxh_));
}

void ImageDigest::add(const void *data, size_t size) {
    if (size == 0) return;
    if (size > length_ - added_) throw Error(CONDUIT_E_PAYLOAD, "image longer than announced");
    added_ += size;
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queue_.size() < kMaxPending; });
        queue_.push_back({static_cast<const char *>(data), size});
    }
    cv_.notify_all();
}

void ImageDigest::drain() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return queue_.empty(); });
}

std::string ImageDigest::sha256Hex() {
    drain();
    return sha_.hex();
}

void ImageDigest::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        const Piece p = queue_.front();
        lock.unlock();
        hash(p.data, p.size);
        lock.lock();
        queue_.pop_front(); // only now may the writer reuse the piece's memory
        cv_.notify_all();
    }
}

void ImageDigest::hash(const char *data, size_t size) {
    sha_.update(data, size);
    auto *state = static_cast<XXH3_state_t *>(xxh_);
    while (size > 0) {
        const uint64_t inBlock = hashed_ % kBlockSize;
        const size_t n = size_t(std::min<uint64_t>(size, kBlockSize - inBlock));
        const size_t index = size_t(hashed_ / kBlockSize);
        if (inBlock == 0 && (n == kBlockSize || hashed_ + n == length_)) {
            blocks_[index] = BlockChecksum::of(data, n); // a whole block in one piece
        } else {
            XXH3_128bits_update(state, data, n);
            if (inBlock + n == kBlockSize || hashed_ + n == length_) {
                const XXH128_hash_t h = XXH3_128bits_digest(state);
                blocks_[index] = {h.low64, h.high64};
                XXH3_128bits_reset(state);
            }
        }
        hashed_ += n;
        data += n;
        size -= n;
    }
}

} // namespace conduit::flash
