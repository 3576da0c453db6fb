#include "ecudevice.h"

#include "durable.h"
#include "image/imageparser.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace conduit::bootloader {

namespace {

[[noreturn]] void ioError(const std::string &what) {
    throw conduit::Error(CONDUIT_E_IO, what + ": " + std::strerror(errno));
}

std::string safeName(const std::string &id) {
    std::string out;
    for (char c : id)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
    return out;
}

void makeDirs(const std::string &path) {
    for (size_t pos = 1; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        const std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) ioError("cannot create " + part);
    }
}

struct Sha256 {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
    Sha256() {
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
            throw conduit::Error(CONDUIT_E_FAILED, "SHA-256 unavailable");
    }
    void add(const void *p, size_t n) { EVP_DigestUpdate(ctx.get(), p, n); }
    std::string hex() {
        unsigned char md[32];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx.get(), md, &len);
        static const char *digits = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < len; ++i) {
            out += digits[md[i] >> 4];
            out += digits[md[i] & 15];
        }
        return out;
    }
};

class File {
public:
    File(const std::string &path, int flags) : path_(path), fd_(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
        if (fd_ < 0) ioError("cannot open " + path);
    }
    ~File() { ::close(fd_); }
    File(const File &) = delete;
    File &operator=(const File &) = delete;
    int fd() const { return fd_; }
    void writeAll(const void *p, size_t n) {
        const char *c = static_cast<const char *>(p);
        while (n > 0) {
            const ssize_t w = ::write(fd_, c, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) ioError("cannot write " + path_);
            c += w;
            n -= size_t(w);
        }
    }
    void sync() {
        if (::fsync(fd_) != 0) ioError("cannot fsync " + path_);
    }

private:
    std::string path_;
    int fd_;
};

std::string hexAddress(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
    return buf;
}

const char *reported(const std::string &internal) {
    if (internal == "staged" || internal == "programming" || internal == "programmed")
        return CONDUIT_UPDATE_STATE_STAGED;
    if (internal == "activated") return CONDUIT_UPDATE_STATE_ACTIVATED;
    if (internal == "rolled-back") return CONDUIT_UPDATE_STATE_ROLLED_BACK;
    return CONDUIT_UPDATE_STATE_IDLE; // idle, writing (an interrupted transfer is invalid)
}

} // namespace

std::string fileSha256(const std::string &path) {
    File f(path, O_RDONLY);
    Sha256 h;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(f.fd(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) ioError("cannot read " + path);
        if (n == 0) break;
        h.add(buf, size_t(n));
    }
    return h.hex();
}

EcuDevice::EcuDevice(EcuConfig config, const std::string &stateDir, UdsOpener open, SecurityKeys keys)
    : config_(std::move(config)), statePath_(stateDir + "/" + safeName(config_.id) + ".state"),
      imageDir_(stateDir + "/images/" + safeName(config_.id)), open_(std::move(open)), keys_(std::move(keys)) {
    try {
        if (auto text = plugin::readSmallFile(statePath_)) state_ = plugin::parseKeyValues(*text);
    } catch (const plugin::DurableError &e) {
        throw conduit::Error(CONDUIT_E_IO, e.what());
    }
    if (get("state").empty()) state_["state"] = "idle";
    makeDirs(imageDir_);
}

std::string EcuDevice::get(const std::string &key) const {
    const std::lock_guard<std::mutex> lock(stateMutex_);
    auto it = state_.find(key);
    return it == state_.end() ? std::string() : it->second;
}

void EcuDevice::save(const std::map<std::string, std::string> &changes) {
    const std::lock_guard<std::mutex> lock(stateMutex_);
    auto next = state_;
    for (const auto &[k, v] : changes) next[k] = v;
    try {
        plugin::writeFileAtomically(statePath_, plugin::formatKeyValues(next));
    } catch (const plugin::DurableError &e) {
        throw conduit::Error(CONDUIT_E_IO, e.what());
    }
    state_ = std::move(next);
}

std::string EcuDevice::imagePath(const char *name) const { return imageDir_ + "/" + name; }

Sequence EcuDevice::sequence(const StepServices &s, bool recordErase) {
    SequenceObserver o;
    // From the first erase on, the ECU's old software is gone: only then
    // does a rollback of a single-bank ECU need the kept image.
    if (recordErase)
        o.erasing = [this] {
            if (get("erased") != "1") save({{"erased", "1"}});
        };
    o.progress = s.progress;
    o.status = s.status;
    o.log = s.log;
    o.cancelled = s.cancelled;
    return Sequence(
        config_, [this]() -> UdsClient & { return open_(config_); }, keys_, std::move(o));
}

EcuDevice::Report EcuDevice::report(const StepServices &s, bool askEcu) {
    Report r;
    r.currentVersion = get("current");
    r.previousVersion = get("previous");
    r.updateState = reported(get("state"));
    if (!askEcu) {
        r.status = "being programmed";
        return r;
    }
    try {
        const EcuIdentity id = sequence(s).identify();
        // In its bootloader without a valid application an ECU reports no
        // version: keep the last one known (recovery decides from the state).
        if (!id.softwareVersion.empty()) r.currentVersion = id.softwareVersion;
        r.status =
            (id.softwareVersion.empty() ? "in its bootloader, no valid application" : "running " + id.softwareVersion) +
            " (hardware " + id.hardwareNumber + ", serial " + id.serialNumber + ")";
        if (!id.softwareVersion.empty() && id.softwareVersion != get("current"))
            save({{"current", id.softwareVersion}});
    } catch (const conduit::Error &e) {
        r.status = std::string("not answering: ") + e.what();
    }
    return r;
}

std::vector<Segment> EcuDevice::segments(const std::string &path, const std::string &customJson) const {
    const ImageSpec spec = parseImageSpec(customJson);
    image::ImageLimits limits;
    uint64_t capacity = 0;
    for (const MemoryRegion &m : config_.profile.memory) capacity += m.size;
    if (capacity) limits.maxBytes = capacity;
    image::ImageFormat format = image::ImageFormat::Raw;
    if (spec.format) {
        format = *spec.format;
    } else {
        File f(path, O_RDONLY);
        uint8_t head[512];
        const ssize_t n = ::read(f.fd(), head, sizeof head);
        if (n < 0) ioError("cannot read " + path);
        format = image::detectImageFormatFromContent(std::span<const uint8_t>(head, size_t(n)));
        if (format == image::ImageFormat::Raw)
            throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT,
                                 "ECU " + config_.id +
                                     ": a raw image needs bootloader.format and bootloader.address "
                                     "in the signed custom metadata");
    }
    image::Image img;
    if (auto e = image::readImageFile(path, format, limits, spec.address.value_or(0), img))
        throw conduit::Error(e->kind == image::ImageErrorKind::Io ? CONDUIT_E_IO : CONDUIT_E_INVALID_ARGUMENT,
                             "ECU " + config_.id + ": " + image::imageFormatName(format) + " image: " + e->message);
    for (const Segment &s : img.segments) {
        if (config_.profile.memory.empty()) continue;
        bool inside = false;
        for (const MemoryRegion &m : config_.profile.memory)
            inside = inside || (s.address >= m.address && s.end() <= m.address + m.size);
        if (!inside)
            throw conduit::Error(CONDUIT_E_INVALID_ARGUMENT,
                                 "ECU " + config_.id + ": image segment at " + hexAddress(s.address) + " (" +
                                     std::to_string(s.data.size()) + " bytes) is outside the ECU's memory");
    }
    return std::move(img.segments);
}

void EcuDevice::transfer(const UpdateInfo &u, const StepServices &s) {
    const std::string st = get("state");
    if (st == "programming" || st == "programmed" || st == "activated")
        throw conduit::Error(CONDUIT_E_BUSY, "ECU " + config_.id + ": an update is in progress (" + st + ")");
    save({{"state", "writing"}, {"pending", u.version}});
    const std::string incoming = imagePath("incoming");
    {
        File f(incoming, O_WRONLY | O_CREAT | O_TRUNC);
        Sha256 h;
        uint64_t done = 0;
        std::vector<char> buf(1 << 16);
        for (;;) {
            const int64_t n = s.read(buf.data(), buf.size());
            if (n < 0) throw conduit::Error(static_cast<conduit_result>(n), "payload stream failed");
            if (n == 0) break;
            h.add(buf.data(), size_t(n));
            f.writeAll(buf.data(), size_t(n));
            done += uint64_t(n);
            if (s.progress) s.progress(done, u.length);
        }
        f.sync();
        const std::string digest = h.hex();
        if (!u.sha256.empty() && digest != u.sha256)
            throw conduit::Error(CONDUIT_E_VERIFY,
                                 "ECU " + config_.id + ": image SHA-256 " + digest + ", signed " + u.sha256);
    }
    segments(incoming, u.customJson); // refuses an image that does not parse or fit, before anything is touched
    if (::rename(incoming.c_str(), imagePath("pending").c_str()) != 0) ioError("cannot rename " + incoming);
    plugin::syncParentDirectory(imagePath("pending"));
    save({{"state", "staged"}, {"pending", u.version}, {"pending_sha256", u.sha256}, {"pending_custom", u.customJson}});
    if (s.status) s.status("image " + u.version + " staged");
}

void EcuDevice::checkStaged(const UpdateInfo &u) {
    const std::string st = get("state");
    if (st == "idle" || st == "writing" || st == "rolled-back" || get("pending") != u.version)
        throw conduit::Error(CONDUIT_E_FAILED, "ECU " + config_.id + ": no staged image for " + u.version);
}

void EcuDevice::program(const std::string &path, const std::string &customJson, const StepServices &s) {
    const std::vector<Segment> segs = segments(path, customJson);
    sequence(s, true).program(segs);
}

void EcuDevice::checkProgrammed(const UpdateInfo &u) {
    checkStaged(u);
    if (get("state") != "programmed")
        throw conduit::Error(CONDUIT_E_FAILED,
                             "ECU " + config_.id + ": " + u.version + " is not programmed (" + get("state") + ")");
}

void EcuDevice::install(const UpdateInfo &u, const StepServices &s) {
    checkStaged(u);
    if (get("state") == "programmed") return; // done before a restart
    if (fileSha256(imagePath("pending")) != get("pending_sha256"))
        throw conduit::Error(CONDUIT_E_VERIFY, "ECU " + config_.id + ": the staged image changed on disk");
    save({{"state", "programming"}, {"erased", "0"}});
    try {
        program(imagePath("pending"), get("pending_custom"), s);
    } catch (const conduit::Error &e) {
        // A lost connection or a silent ECU: once more from the start (the
        // ECU is still in, or back in, its bootloader).
        if (e.code() != CONDUIT_E_IO) throw;
        if (s.log) s.log("ECU " + config_.id + ": " + e.what() + "; programming again");
        program(imagePath("pending"), get("pending_custom"), s);
    }
    save({{"state", "programmed"}});
}

void EcuDevice::activate(const UpdateInfo &u, const StepServices &s) {
    const std::string st = get("state");
    if (st == "activated" && get("current") == u.version) return;
    checkStaged(u);
    if (st != "programmed") install(u, s); // a power cut mid-flash: reprogram
    if (config_.banks == 2) {
        const int next = get("bank") == "1" ? 0 : 1;
        sequence(s).switchBank(next);
        save({{"trial_bank", std::to_string(next)}});
    }
    const std::string running = sequence(s).resetAndWait(u.version);
    std::map<std::string, std::string> changes{
        {"state", "activated"}, {"current", running}, {"previous", get("current")}};
    if (config_.banks == 2) changes["bank"] = get("trial_bank");
    save(changes);
}

void EcuDevice::commit(const UpdateInfo &u) {
    const std::string st = get("state");
    if (st == "idle" && get("current") == u.version) return;
    if (st != "activated" || get("current") != u.version)
        throw conduit::Error(CONDUIT_E_FAILED,
                             "ECU " + config_.id + ": " + u.version + " is not activated (" + st + ")");
    // The committed image is the one a later rollback reflashes.
    if (::rename(imagePath("pending").c_str(), imagePath("good").c_str()) != 0 && errno != ENOENT)
        ioError("cannot keep the committed image");
    plugin::syncParentDirectory(imagePath("good"));
    save({{"state", "idle"},
          {"good_version", u.version},
          {"good_sha256", get("pending_sha256")},
          {"good_custom", get("pending_custom")},
          {"pending", ""}});
}

void EcuDevice::rollback(const UpdateInfo &u, const StepServices &s) {
    (void)u;
    const std::string st = get("state");
    if (st == "idle" || st == "rolled-back" || st == "writing" || st == "staged") {
        // The ECU was never touched.
        ::unlink(imagePath("pending").c_str());
        ::unlink(imagePath("incoming").c_str());
        save({{"state", st == "idle" ? "idle" : "rolled-back"}, {"pending", ""}});
        return;
    }
    const std::string before = st == "activated" ? get("previous") : get("current");
    if (config_.banks == 2) {
        // The previous software is still in the other bank.
        if (st == "activated") sequence(s).switchBank(get("bank") == "1" ? 0 : 1);
        const std::string running = sequence(s).resetAndWait(before);
        std::map<std::string, std::string> changes{{"state", "rolled-back"}, {"current", running}, {"pending", ""}};
        if (st == "activated") changes["bank"] = get("bank") == "1" ? "0" : "1";
        save(changes);
        return;
    }
    // Single bank, nothing erased yet (refused before the first erase): the
    // old software still runs once the ECU leaves its programming session.
    if (st == "programming" && get("erased") == "0") {
        const std::string running = sequence(s).resetAndWait(before);
        save({{"state", "rolled-back"}, {"current", running}, {"pending", ""}});
        return;
    }
    // Single bank: the old software is gone; reflash the image kept at the last commit.
    const std::string good = imagePath("good");
    if (get("good_version").empty() || ::access(good.c_str(), R_OK) != 0)
        throw conduit::Error(CONDUIT_E_FAILED, "ECU " + config_.id +
                                                   ": cannot roll back: no previous image kept (no update committed "
                                                   "by this agent yet); the ECU needs service");
    if (fileSha256(good) != get("good_sha256"))
        throw conduit::Error(CONDUIT_E_VERIFY,
                             "ECU " + config_.id + ": the kept previous image is corrupt; the ECU needs service");
    if (s.status) s.status("restoring " + get("good_version"));
    save({{"state", "programming"}, {"erased", "1"}});
    program(good, get("good_custom"), s);
    const std::string running = sequence(s).resetAndWait(get("good_version"));
    save({{"state", "rolled-back"}, {"current", running}, {"pending", ""}});
}

} // namespace conduit::bootloader
