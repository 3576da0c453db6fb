#include "flashdevice.h"

#include "delta.h"
#include "flasherror.h"
#include "imagedigest.h"
#include "slot.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace conduit::flash {

namespace {

constexpr size_t kChunk = 1u << 20; // fixed payload buffer: memory does not grow with the image
constexpr uint64_t kDeltaWindow = 8u << 20;
constexpr size_t kDeltaSlice = 512;

std::string safeName(const std::string &id) {
    std::string out;
    for (char c : id) out += (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
    return out.empty() || out[0] == '.' ? "_" + out : out;
}

// A read-only or shared read-write mapping, unmapped on scope exit.
struct Mapping {
    void *data = nullptr;
    size_t length = 0;
    Mapping(int fd, size_t len, bool writable, const std::string &what) : length(len) {
        if (len == 0) return;
        data = ::mmap(nullptr, len, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
        if (data == MAP_FAILED) {
            data = nullptr;
            throwErrno("cannot map " + what);
        }
    }
    ~Mapping() {
        if (data) ::munmap(data, length);
    }
    // Drops resident pages from this process (file data stays in the file
    // or page cache; dirty shared pages keep their dirty state).
    void release(uint64_t offset, uint64_t len) {
        if (!data || offset >= length) return;
        len = std::min<uint64_t>(len, length - offset);
        ::madvise(static_cast<char *>(data) + offset, len, MADV_DONTNEED);
    }
};

} // namespace

std::vector<DeviceConfig> parseAgentConfig(const std::string &text) {
    Json root;
    std::string error;
    if (!Json::parse(text, root, error)) throw Error(CONDUIT_E_INVALID_ARGUMENT, "agent config: " + error);
    std::vector<DeviceConfig> devices;
    for (const Json &d : root["devices"].items()) {
        DeviceConfig c;
        c.id = d["id"].string();
        c.type = d["type"].string("flash");
        c.hardwareId = d["hardware_id"].string();
        if (c.id.empty()) throw Error(CONDUIT_E_INVALID_ARGUMENT, "agent config: device without \"id\"");
        for (size_t i = 0; i < 2; ++i) {
            const char *name = i == 0 ? "A" : "B";
            const Json &s = d["slots"][name];
            c.slots[i].name = name;
            c.slots[i].path = s["path"].string();
            c.slots[i].initialVersion = s["version"].string();
            c.slots[i].kind = parseSlotKind(s["kind"].string());
            if (c.slots[i].path.empty())
                throw Error(CONDUIT_E_INVALID_ARGUMENT,
                            "agent config: device " + c.id + " slot " + name + " needs \"path\"");
        }
        c.boot = d["boot"];
        c.tries = int(d["boot"]["tries"].number(1));
        if (c.tries < 1) c.tries = 1;
        c.overlapVerify = d["verify"].string("after") == "overlapped";
        const double interval = d["sync_interval"].number(0);
        if (interval >= 1 << 20) c.syncInterval = uint64_t(interval);
        devices.push_back(std::move(c));
    }
    if (devices.empty()) throw Error(CONDUIT_E_INVALID_ARGUMENT, "agent config: no \"devices\"");
    return devices;
}

FlashDevice::FlashDevice(DeviceConfig config, const std::string &stateDir)
    : config_(std::move(config)), statePath_(stateDir + "/" + safeName(config_.id) + ".state"),
      boot_(makeBootBackend(config_.boot)) {
    if (auto text = readSmallFile(statePath_)) state_ = parseKeyValues(*text);
    bool dirty = false;
    if (get("state").empty()) {
        state_["state"] = "idle";
        for (const SlotConfig &s : config_.slots) state_["slot_" + s.name + "_version"] = s.initialVersion;
        dirty = true;
    }
    if (get("state") == "writing") {
        // A transfer was cut off: the inactive slot holds a partial image.
        // The boot selection never pointed at it (transfer clears the trial first).
        state_["state"] = "idle";
        state_["slot_" + get("target_slot") + "_version"] = "";
        state_["slot_" + get("target_slot") + "_sha256"] = "";
        state_["last_error"] = "transfer interrupted";
        dirty = true;
    }
    if (boot_->load().count("conduit_primary") == 0) {
        // First start on a fresh environment: make the default explicit.
        BootState s;
        s.primary = "A";
        boot_->setState(s);
    }
    if (dirty) save();
}

std::string FlashDevice::get(const std::string &key) const {
    auto it = state_.find(key);
    return it == state_.end() ? std::string() : it->second;
}

void FlashDevice::save() { writeFileAtomically(statePath_, formatKeyValues(state_)); }

int FlashDevice::slotIndex(const std::string &name) const {
    if (name == "A") return 0;
    if (name == "B") return 1;
    throw Error(CONDUIT_E_STATE, "boot environment names unknown slot \"" + name + "\"");
}

std::string FlashDevice::other(const std::string &name) const { return name == "A" ? "B" : "A"; }

// Brings the persisted state in line with the boot selection, which is the
// truth after a power cut or a reboot: a step whose boot change landed but
// whose state write did not is completed here, and a bootloader fallback is
// recognised.
BootState FlashDevice::reconcile() {
    BootState b = boot_->state();
    const std::string st = get("state"), target = get("target_slot");
    if (st == "staged" && !target.empty() && b.trial == target) {
        state_["state"] = "activated";
        save();
    } else if (st == "activated") {
        if (b.primary == target && b.trial.empty()) { // commit's boot write landed
            state_["state"] = "idle";
            state_["previous_version"] = get("slot_" + other(target) + "_version");
            save();
        } else if (b.trial != target) {
            state_["state"] = "rolled-back";
            state_["last_error"] = "boot fell back to slot " + b.primary + " (" +
                                   get("slot_" + b.primary + "_version") + "); slot " + target + " (" +
                                   get("target_version") + ") was never committed";
            save();
        }
    }
    return b;
}

DeviceReport FlashDevice::report() {
    const BootState b = reconcile();
    DeviceReport r;
    r.currentVersion = get("slot_" + b.booted + "_version");
    r.previousVersion = get("previous_version");
    // "writing" is this agent's own: a transfer in flight holds nothing the
    // host could resume (CONDUIT_UPDATE_STATE_IDLE says so).
    r.updateState = get("state") == "writing" ? CONDUIT_UPDATE_STATE_IDLE : get("state");
    const std::string inactive = other(b.primary);
    std::string inactiveState =
        get("slot_" + inactive + "_version").empty() ? "invalid" : "holds " + get("slot_" + inactive + "_version");
    if (r.updateState == "staged" || r.updateState == "activated")
        inactiveState = r.updateState + " " + get("target_version");
    r.slotSummary = "booted " + b.booted + ", primary " + b.primary + (b.trial.empty() ? "" : ", trial " + b.trial) +
                    "; inactive slot " + inactive + ": " + inactiveState;
    return r;
}

bool FlashDevice::readyForTransfer() {
    const BootState b = reconcile();
    return get("state") != "activated" && b.booted == b.primary;
}

void FlashDevice::transfer(const UpdateRequest &u, const StepContext &ctx) {
    BootState b = reconcile();
    if (get("state") == "activated")
        throw Error(CONDUIT_E_STATE, "an update is activated and awaits commit or rollback");
    if (b.booted != b.primary)
        throw Error(CONDUIT_E_STATE, "running on trial slot " + b.booted + "; commit or roll back first");

    Json custom;
    std::string error;
    if (!Json::parse(u.customJson.empty() ? "{}" : u.customJson, custom, error))
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "custom metadata: " + error);
    const std::optional<DeltaSpec> delta = parseDeltaSpec(custom);
    if (!delta && u.sha256.size() != 64)
        throw Error(CONDUIT_E_INVALID_ARGUMENT, "update has no sha256 to verify against");

    const SlotConfig &active = slot(b.primary);
    const SlotConfig &target = slot(other(b.primary));
    const uint64_t imageLength = delta ? delta->targetLength : u.length;
    const SlotHandler &targetKind = slotHandler(resolveSlotKind(target.path, target.kind));
    if (targetKind.fixedCapacity) { // a missing file slot is created by the writer
        const uint64_t capacity = slotCapacity(target.path, targetKind.kind);
        if (capacity < imageLength)
            throw Error(CONDUIT_E_NO_SPACE, "slot " + target.name + " (" + targetKind.name + " " + target.path +
                                                ") holds " + std::to_string(capacity) + " bytes, image needs " +
                                                std::to_string(imageLength));
    }
    if (delta) {
        // The delta apply maps the base and the output.
        const SlotHandler &activeKind = slotHandler(resolveSlotKind(active.path, active.kind));
        if (!targetKind.mappable || !activeKind.mappable)
            throw Error(CONDUIT_E_UNSUPPORTED, std::string("delta images are not supported on ") +
                                                   (targetKind.mappable ? activeKind.name : targetKind.name) +
                                                   " slots; send the full image");
    }

    if (delta) {
        // Refuse before anything is written: the patch only reproduces the
        // target from exactly this base.
        if (ctx.status) ctx.status("checking delta base in slot " + active.name);
        const uint64_t activeSize = slotCapacity(active.path);
        std::string have = activeSize < delta->baseLength
                               ? std::string("(slot too short)")
                               : readBackSha256(active.path, delta->baseLength, {}, ctx.cancelled);
        if (have != delta->baseSha256)
            throw Error(CONDUIT_E_VERIFY, "delta base mismatch: active slot " + active.name + " has sha256 " + have +
                                              ", the patch needs " + delta->baseSha256);
    }

    if (!b.trial.empty()) { // nothing may try to boot the slot about to be overwritten
        b.trial.clear();
        b.tries = 0;
        boot_->setState(b);
    }
    state_["state"] = "writing";
    state_["target_slot"] = target.name;
    state_["target_version"] = u.version;
    state_["slot_" + target.name + "_version"] = "";
    state_["slot_" + target.name + "_sha256"] = "";
    state_.erase("last_error");
    save();

    if (ctx.status) ctx.status("writing slot " + target.name);
    const std::string expected = delta ? delta->targetSha256 : u.sha256;
    try {
        if (delta)
            transferDelta(active, target, u, *delta, ctx);
        else
            transferFull(target, u, ctx);
    } catch (const std::exception &e) {
        // Cancelled, payload failed, I/O error, the image's hash or the
        // read-back did not match: the slot holds no verified image.
        state_["state"] = "idle";
        state_["last_error"] = e.what();
        save();
        throw;
    }
    state_["state"] = "staged";
    state_["target_sha256"] = expected;
    state_["target_length"] = std::to_string(imageLength);
    state_["slot_" + target.name + "_version"] = u.version;
    state_["slot_" + target.name + "_sha256"] = expected;
    save();
}

void FlashDevice::transferFull(const SlotConfig &target, const UpdateRequest &u, const StepContext &ctx) {
    // Hashed on the digest's thread while the next buffer is read and this
    // one written: enough buffers that none is refilled while being hashed.
    std::vector<std::vector<char>> buffers(ImageDigest::kMaxPending + 1, std::vector<char>(kChunk));
    SlotWriter writer(target.path, u.length, config_.syncInterval, false, target.kind);
    ImageDigest written(u.length);
    ReadBackVerifier verifier(target.path, written);
    if (config_.overlapVerify && slotHandler(resolveSlotKind(target.path, target.kind)).overlapReadBack)
        writer.onDurable = [&](uint64_t offset) {
            written.drain(); // the checksums of what is durable are recorded
            verifier.durableUpTo(offset);
        };
    for (size_t i = 0;; ++i) {
        if (ctx.cancelled && ctx.cancelled()) throw Error(CONDUIT_E_CANCELLED, "cancelled");
        std::vector<char> &buffer = buffers[i % buffers.size()];
        const int64_t n = ctx.read(buffer.data(), buffer.size());
        if (n < 0) throw Error(conduit_result(n), "payload stream failed");
        if (n == 0) break;
        written.add(buffer.data(), size_t(n));
        writer.write(buffer.data(), size_t(n));
        if (ctx.progress) ctx.progress(writer.written(), u.length);
    }
    // The stream must be the signed image: checked as soon as it ends,
    // before the read-back (a short stream fails in finish()).
    if (writer.written() == u.length) {
        const std::string got = written.sha256Hex();
        if (got != u.sha256)
            throw Error(CONDUIT_E_VERIFY,
                        "the image written to slot " + target.name + " has sha256 " + got + ", expected " + u.sha256);
    }
    writer.finish();
    if (ctx.status) ctx.status("verifying slot " + target.name);
    try {
        verifier.finish(); // the slot must return exactly the blocks written
    } catch (const Error &e) {
        if (e.code() != CONDUIT_E_VERIFY) throw;
        throw Error(CONDUIT_E_VERIFY, "slot " + target.name + ": " + e.what());
    }
}

void FlashDevice::transferDelta(const SlotConfig &active, const SlotConfig &target, const UpdateRequest &u,
                                const DeltaSpec &spec, const StepContext &ctx) {
    const int baseFd = ::open(active.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (baseFd < 0) throwErrno("cannot open active slot " + active.path);
    struct Close {
        int fd;
        ~Close() { ::close(fd); }
    } closeBase{baseFd};
    Mapping base(baseFd, size_t(spec.baseLength), false, "active slot " + active.name);
    ::madvise(base.data, base.length, MADV_RANDOM);

    // Mapped output counts towards the runner's resident set until released:
    // smaller windows keep it low.
    SlotWriter writer(target.path, spec.targetLength, std::min<uint64_t>(config_.syncInterval, kDeltaWindow), true);
    // The result is hashed as it is read back, not as zstd writes it: zstd
    // keeps one core busy, and hashing beside it slowed the apply by more
    // than it saved on the read-back (docs/benchmarks.md).
    ReadBackVerifier verifier(target.path, spec.targetLength);
    if (config_.overlapVerify) writer.onDurable = [&](uint64_t offset) { verifier.durableUpTo(offset); };
    Mapping out(writer.fd(), size_t(spec.targetLength), true, "slot " + target.name);
    // Each finished window leaves this process's resident set; matches that
    // reach back into it fault the pages in again from the page cache/slot.
    writer.beforeDrop = [&](uint64_t offset, uint64_t length) {
        out.release(0, offset + length); // also pages faulted back in by matches into older output
        base.release(0, base.length);
    };
    DeltaApplier applier(base.data, base.length, out.data, out.length);
    Sha256 patchHash;
    std::vector<char> buffer(kChunk);
    uint64_t received = 0;
    for (;;) {
        if (ctx.cancelled && ctx.cancelled()) throw Error(CONDUIT_E_CANCELLED, "cancelled");
        const int64_t n = ctx.read(buffer.data(), buffer.size());
        if (n < 0) throw Error(conduit_result(n), "payload stream failed");
        if (n == 0) break;
        faultPoint("write");
        received += uint64_t(n);
        patchHash.update(buffer.data(), size_t(n));
        // Small input slices: a few KiB of patch can expand to megabytes, and
        // each window must be released as soon as it is complete.
        for (size_t off = 0; off < size_t(n); off += kDeltaSlice)
            writer.advanceTo(applier.feed(buffer.data() + off, std::min(kDeltaSlice, size_t(n) - off)));
        if (ctx.progress) ctx.progress(received, u.length);
    }
    if (!applier.finished() || applier.produced() != spec.targetLength)
        throw Error(CONDUIT_E_PAYLOAD, "delta ended after " + std::to_string(applier.produced()) + " of " +
                                           std::to_string(spec.targetLength) + " bytes");
    if (u.sha256.size() == 64 && patchHash.hex() != u.sha256)
        throw Error(CONDUIT_E_VERIFY, "delta payload does not match the update's sha256");
    writer.finish();
    if (ctx.status) ctx.status("verifying slot " + target.name);
    const std::string got = verifier.finish();
    if (got != spec.targetSha256)
        throw Error(CONDUIT_E_VERIFY,
                    "read-back of slot " + target.name + " gave sha256 " + got + ", expected " + spec.targetSha256);
}

void FlashDevice::checkStaged(const UpdateRequest &u) {
    reconcile();
    const std::string st = get("state");
    if ((st != "staged" && st != "activated") || get("target_version") != u.version)
        throw Error(CONDUIT_E_STATE, "version " + u.version + " is not staged (state " + st + ")");
}

void FlashDevice::activate(const UpdateRequest &u) {
    BootState b = reconcile();
    checkStaged(u);
    const std::string target = get("target_slot");
    if (get("state") == "activated") return; // done before (maybe before a power cut)
    if (b.primary == target) throw Error(CONDUIT_E_STATE, "staged slot " + target + " is already primary");
    b.trial = target;
    b.tries = config_.tries;
    boot_->setState(b); // the one step that selects the new slot; primary stays the fallback
    state_["state"] = "activated";
    save();
}

void FlashDevice::commit(const UpdateRequest &u) {
    BootState b = reconcile();
    const std::string st = get("state"), target = get("target_slot");
    if (st == "rolled-back") throw Error(CONDUIT_E_STATE, "not committed: " + get("last_error"));
    if (st == "idle" && get("target_version") == u.version && b.primary == target) return; // already committed
    if (st != "activated" || get("target_version") != u.version)
        throw Error(CONDUIT_E_STATE, "version " + u.version + " is not activated (state " + st + ")");
    if (b.booted != target)
        throw Error(CONDUIT_E_STATE,
                    "slot " + target + " has not been booted yet (running " + b.booted + "); reboot first");
    const std::string oldPrimary = b.primary;
    b.primary = target;
    b.trial.clear();
    b.tries = 0;
    boot_->setState(b);
    state_["state"] = "idle";
    state_["previous_version"] = get("slot_" + oldPrimary + "_version");
    save();
}

void FlashDevice::rollback(const UpdateRequest &) {
    BootState b = reconcile();
    const std::string st = get("state");
    if (!b.trial.empty()) {
        b.trial.clear();
        b.tries = 0;
        boot_->setState(b); // back to the primary slot, whose content was never touched
    }
    if (st == "activated" || st == "staged" || st == "writing") {
        state_["state"] = "rolled-back";
        state_["last_error"] = "rolled back to slot " + b.primary + " (" + get("slot_" + b.primary + "_version") + ")";
        save();
    }
}

} // namespace conduit::flash
