// conduit-delta: makes and applies the flash agent's delta images.
//
//   conduit-delta make [-l LEVEL] OLD NEW PATCH   writes PATCH, prints the
//       custom metadata ({"conduit":{"delta":{…}}}) to sign with the target
//   conduit-delta apply OLD PATCH OUT             rebuilds NEW into OUT
//
// apply uses the agent's own streaming code path (DeltaApplier into a
// shared mapping), so it doubles as a check of a patch before release.
#include "delta.h"
#include "flasherror.h"
#include "slot.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

using namespace conduit::flash;

namespace {

struct MappedInput {
    void *data = nullptr;
    size_t size = 0;
    explicit MappedInput(const char *path) {
        const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) throwErrno(std::string("cannot open ") + path);
        struct stat st;
        ::fstat(fd, &st);
        size = size_t(st.st_size);
        if (size > 0) {
            data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (data == MAP_FAILED) {
                ::close(fd);
                throwErrno(std::string("cannot map ") + path);
            }
        }
        ::close(fd);
    }
    ~MappedInput() {
        if (data) ::munmap(data, size);
    }
};

std::string sha256Of(const void *data, size_t size) {
    Sha256 sha;
    sha.update(data, size);
    return sha.hex();
}

int make(int level, const char *oldPath, const char *newPath, const char *patchPath) {
    MappedInput oldImage(oldPath), newImage(newPath);
    const std::vector<uint8_t> patch = makeDelta(oldImage.data, oldImage.size, newImage.data, newImage.size, level);
    FILE *f = std::fopen(patchPath, "wb");
    if (!f || std::fwrite(patch.data(), 1, patch.size(), f) != patch.size() || std::fclose(f) != 0)
        throwErrno(std::string("cannot write ") + patchPath);
    DeltaSpec spec;
    spec.baseSha256 = sha256Of(oldImage.data, oldImage.size);
    spec.baseLength = oldImage.size;
    spec.targetSha256 = sha256Of(newImage.data, newImage.size);
    spec.targetLength = newImage.size;
    std::printf("%s\n", deltaSpecJson(spec).c_str());
    return 0;
}

int apply(const char *oldPath, const char *patchPath, const char *outPath) {
    MappedInput oldImage(oldPath), patch(patchPath);
    const unsigned long long size = ZSTD_getFrameContentSize(patch.data, patch.size);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
        throw Error(CONDUIT_E_PAYLOAD, "patch does not state its output size");
    const int fd = ::open(outPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throwErrno(std::string("cannot create ") + outPath);
    if (::ftruncate(fd, off_t(size)) != 0) throwErrno("cannot size output");
    void *out = size ? ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : nullptr;
    if (out == MAP_FAILED) throwErrno("cannot map output");
    DeltaApplier applier(oldImage.data, oldImage.size, out, size_t(size));
    constexpr size_t kChunk = 1u << 20;
    for (size_t off = 0; off < patch.size; off += kChunk)
        applier.feed(static_cast<const char *>(patch.data) + off, std::min(kChunk, patch.size - off));
    const bool complete = applier.finished() && applier.produced() == size;
    if (out) ::munmap(out, size);
    ::close(fd);
    if (!complete) throw Error(CONDUIT_E_PAYLOAD, "patch is truncated");
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        if (argc >= 5 && std::strcmp(argv[1], "make") == 0) {
            int level = 19, i = 2;
            if (std::strcmp(argv[2], "-l") == 0 && argc == 7) {
                level = std::atoi(argv[3]);
                i = 4;
            }
            if (argc - i == 3) return make(level, argv[i], argv[i + 1], argv[i + 2]);
        } else if (argc == 5 && std::strcmp(argv[1], "apply") == 0) {
            return apply(argv[2], argv[3], argv[4]);
        }
        std::fprintf(stderr, "usage: conduit-delta make [-l LEVEL] OLD NEW PATCH\n"
                             "       conduit-delta apply OLD PATCH OUT\n");
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "conduit-delta: %s\n", e.what());
        return 1;
    }
}
