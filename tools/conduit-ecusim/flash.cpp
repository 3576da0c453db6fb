#include "flash.h"

#include "json.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string_view>
#include <unistd.h>
#include <zlib.h>

namespace conduit::ecusim {

namespace {

std::string sysError(const std::string &what, const std::string &path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool readWhole(const std::string &path, std::vector<uint8_t> &out, std::string &error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (error = sysError("cannot open", path)), false;
    out.clear();
    uint8_t buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = sysError("cannot read", path);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        out.insert(out.end(), buffer, buffer + n);
    }
    ::close(fd);
    return true;
}

constexpr std::string_view kMarker = "CNDT-SWV:";

} // namespace

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
    uLong c = crc;
    for (size_t at = 0; at < data.size();) { // zlib counts in uInt
        const size_t n = std::min<size_t>(data.size() - at, 1u << 30);
        c = ::crc32(c, data.data() + at, uInt(n));
        at += n;
    }
    return uint32_t(c);
}

bool writeFileDurably(const std::string &path, std::span<const uint8_t> data, std::string &error) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return (error = sysError("cannot create", tmp)), false;
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = sysError("cannot write", tmp);
            ::close(fd);
            return false;
        }
        done += size_t(n);
    }
    if (::fsync(fd) != 0) {
        error = sysError("cannot fsync", tmp);
        ::close(fd);
        return false;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return (error = sysError("cannot rename to", path)), false;
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return (error = sysError("cannot open directory", dir)), false;
    const bool ok = ::fsync(dfd) == 0;
    if (!ok) error = sysError("cannot fsync directory", dir);
    ::close(dfd);
    return ok;
}

Flash::~Flash() {
    for (int fd : fds_)
        if (fd >= 0) ::close(fd);
}

bool Flash::open(const std::string &dir, const EcuConfig &config, std::string &error) {
    dir_ = dir;
    regions_ = config.regions;
    bankSize_ = 0;
    for (const Region &r : regions_) bankSize_ += r.size;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return (error = "cannot create " + dir + ": " + ec.message()), false;

    const std::string statePath = dir + "/state.json";
    const bool fresh = !std::filesystem::exists(statePath);
    content_.assign(config.banks, {});
    for (uint8_t b = 0; b < config.banks; ++b) {
        const std::string path = dir + "/bank" + std::to_string(b) + ".bin";
        if (fresh || !std::filesystem::exists(path)) {
            content_[b].assign(bankSize_, 0xFF);
            if (b == 0 && fresh && !config.initialVersion.empty()) {
                const std::string image = std::string(kMarker) + config.initialVersion + '\0';
                std::copy_n(image.begin(), std::min<size_t>(image.size(), bankSize_), content_[b].begin());
            }
            if (!writeFileDurably(path, content_[b], error)) return false;
        } else {
            if (!readWhole(path, content_[b], error)) return false;
            if (content_[b].size() != bankSize_) {
                error = path + " holds " + std::to_string(content_[b].size()) + " bytes but the memory map has " +
                        std::to_string(bankSize_) + " (the configuration changed: remove the state dir)";
                return false;
            }
        }
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return (error = sysError("cannot open", path)), false;
        fds_.push_back(fd);
    }
    if (fresh) {
        valid_[0] = !config.initialVersion.empty();
        return saveState(error);
    }
    std::vector<uint8_t> text;
    if (!readWhole(statePath, text, error)) return false;
    plugin::Json state;
    if (!plugin::Json::parse(std::string_view(reinterpret_cast<const char *>(text.data()), text.size()), state, error))
        return (error = statePath + ": " + error), false;
    auto byte = [](const plugin::Json &v) { // out of range (a damaged file) reads as 0xFF: refused below or saturated
        const double d = v.number(-1);
        return d >= 0 && d <= 255 ? uint8_t(d) : uint8_t(0xFF);
    };
    active_ = byte(state["active"]);
    next_ = byte(state["next"]);
    attempts_ = byte(state["attempts"]);
    const auto &valid = state["valid"].items();
    for (size_t b = 0; b < 2 && b < valid.size(); ++b) valid_[b] = valid[b].boolean();
    if (active_ >= banks() || next_ >= banks()) return (error = statePath + ": bank out of range"), false;
    return true;
}

bool Flash::saveState(std::string &error) {
    const std::string text = "{\"active\": " + std::to_string(active_) + ", \"next\": " + std::to_string(next_) +
                             ", \"valid\": [" + (valid_[0] ? "true" : "false") + ", " + (valid_[1] ? "true" : "false") +
                             "], \"attempts\": " + std::to_string(attempts_) + "}\n";
    return writeFileDurably(dir_ + "/state.json",
                            std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()), error);
}

std::optional<uint64_t> Flash::locate(uint64_t address, uint64_t size) const {
    uint64_t offset = 0;
    for (const Region &r : regions_) {
        if (address >= r.address && size <= r.size && address - r.address <= r.size - size)
            return offset + (address - r.address);
        offset += r.size;
    }
    return std::nullopt;
}

bool Flash::sync(uint8_t bank, uint64_t offset, uint64_t size, std::string &error) {
    const std::string path = dir_ + "/bank" + std::to_string(bank) + ".bin";
    uint64_t done = 0;
    while (done < size) {
        const ssize_t n =
            ::pwrite(fds_[bank], content_[bank].data() + offset + done, size - done, off_t(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return (error = sysError("cannot write", path)), false;
        done += uint64_t(n);
    }
    if (syncWrites_ && ::fdatasync(fds_[bank]) != 0) return (error = sysError("cannot fdatasync", path)), false;
    return true;
}

bool Flash::erase(uint8_t bank, uint64_t offset, uint64_t size, std::string &error) {
    if (!setValid(bank, false, error)) return false;
    std::fill_n(content_[bank].begin() + long(offset), size, uint8_t(0xFF));
    return sync(bank, offset, size, error);
}

bool Flash::write(uint8_t bank, uint64_t offset, std::span<const uint8_t> data, std::string &error) {
    // Flash programming only clears bits: like NOR flash, written over erased cells.
    auto *cells = content_[bank].data() + offset;
    for (size_t i = 0; i < data.size(); ++i) cells[i] &= data[i];
    return sync(bank, offset, data.size(), error);
}

bool Flash::setValid(uint8_t bank, bool valid, std::string &error) {
    if (valid_[bank] == valid) return true;
    valid_[bank] = valid;
    return saveState(error);
}

bool Flash::setNextBank(uint8_t bank, std::string &error) {
    next_ = bank;
    return saveState(error);
}

bool Flash::setAttempts(uint8_t attempts, std::string &error) {
    if (attempts_ == attempts) return true;
    attempts_ = attempts;
    return saveState(error);
}

bool Flash::boot(std::string &error) {
    if (active_ == next_) return true;
    active_ = next_;
    return saveState(error);
}

bool Flash::isErased(uint8_t bank, uint64_t offset, uint64_t size) const {
    const auto begin = content_[bank].begin() + long(offset);
    return std::all_of(begin, begin + long(size), [](uint8_t b) { return b == 0xFF; });
}

uint32_t Flash::crc32(uint8_t bank, uint64_t offset, uint64_t size) const {
    return ecusim::crc32(std::span(content_[bank].data() + offset, size));
}

std::string Flash::version(uint8_t bank) const {
    const auto &c = content_[bank];
    const auto it = std::search(c.begin(), c.end(), kMarker.begin(), kMarker.end());
    if (it == c.end()) return "unknown";
    std::string v;
    for (auto p = it + long(kMarker.size()); p != c.end() && *p >= 0x20 && *p < 0x7F && v.size() < 32; ++p)
        v.push_back(char(*p));
    return v;
}

} // namespace conduit::ecusim
