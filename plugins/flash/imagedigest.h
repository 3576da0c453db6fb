// What the agent writes into a slot, hashed as it streams past: the SHA-256
// of the whole image, compared with the signed hash when the stream ends,
// and an XXH3-128 checksum of every 1 MiB block, which the read-back
// compares with what the device returns. The read-back then runs at disk
// speed instead of SHA-256 speed, and still proves every byte.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>

namespace conduit::flash {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;
    void update(const void *data, size_t size);
    std::string hex(); // finishes; lowercase hex

private:
    EVP_MD_CTX *ctx_;
};

// XXH3-128 of one block. Not a cryptographic hash: it detects data that
// changed on the way to the medium and back, not a forgery (whoever can
// write the slot can change it after any check anyway).
struct BlockChecksum {
    uint64_t low = 0, high = 0;
    bool operator==(const BlockChecksum &) const = default;
    static BlockChecksum of(const void *data, size_t size);
};

// Hashes an image of a known length on its own thread, so that hashing
// overlaps the slot writes. Pieces are handed over by address: the bytes
// must stay valid and unchanged until they are hashed (see add() and
// drain()).
class ImageDigest {
public:
    static constexpr uint64_t kBlockSize = 1u << 20;
    // add() returns with at most this many pieces not yet hashed: a writer
    // that cycles through kMaxPending + 1 buffers never refills one that is
    // still being read.
    static constexpr size_t kMaxPending = 2;

    explicit ImageDigest(uint64_t length);
    ~ImageDigest(); // drops what is still queued, joins the thread
    ImageDigest(const ImageDigest &) = delete;
    ImageDigest &operator=(const ImageDigest &) = delete;

    // [writer thread] Queues the image's next `size` bytes. Throws
    // CONDUIT_E_PAYLOAD past the announced length.
    void add(const void *data, size_t size);
    // [writer thread] Waits until every byte added so far is hashed.
    void drain();
    // [writer thread] Bytes added so far.
    uint64_t added() const { return added_; }
    // [writer thread] Drains and finishes; lowercase hex SHA-256 of all that
    // was added (call once, after the whole image).
    std::string sha256Hex();

    uint64_t length() const { return length_; }
    size_t blockCount() const { return blocks_.size(); }
    // [any thread] Checksum of block `index`, covering bytes
    // [index * kBlockSize, min(length, (index + 1) * kBlockSize)). Valid once
    // drain() returned after the block's last byte was added.
    const BlockChecksum &block(size_t index) const { return blocks_[index]; }

private:
    struct Piece {
        const char *data;
        size_t size;
    };
    void run();
    void hash(const char *data, size_t size);

    const uint64_t length_;
    uint64_t added_ = 0;
    std::vector<BlockChecksum> blocks_;
    // Touched by the digest thread only (until drain() returned).
    Sha256 sha_;
    void *xxh_; // XXH3_state_t of the block in progress
    uint64_t hashed_ = 0;

    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Piece> queue_; // includes the piece being hashed
    bool stop_ = false;
    std::thread thread_;
};

} // namespace conduit::flash
