#include "runner.h"

#include "payloadqueue.h"
#include "../ipc/wire.h"

#include <conduit/agent.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <map>
#include <memory>
#include <mutex>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

// Tests build a second runner that claims a later host minor, to prove
// negotiation in both directions; production runners use the header's.
#ifndef CONDUIT_RUNNER_ABI_MINOR
#define CONDUIT_RUNNER_ABI_MINOR CONDUIT_ABI_VERSION_MINOR
#endif

namespace conduit::runner {

using ipc::Fields;
using ipc::FrameType;
using ipc::Op;
using ipc::Tag;

namespace {

constexpr size_t kMinEntrySize = offsetof(conduit_agent_entry_t, create) + sizeof(void *);
constexpr size_t kMinAgentSize = offsetof(conduit_agent, destroy) + sizeof(void *);
constexpr size_t kMinDeviceInfoSize = offsetof(conduit_device_info, update_state) + sizeof(void *);

bool readExact(int fd, void *buf, size_t size) {
    auto *p = static_cast<char *>(buf);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

class Runner;

// conduit_host handed to the plugin; the Runner is found from it.
struct HostTable {
    conduit_host host;
    Runner *runner;
};

struct Task {
    enum Kind { Call, Wakeup, Shutdown } kind;
    uint32_t request = 0;
    Fields fields;
};

struct CaptureSink {
    conduit_data_sink sink;
    Runner *runner;
    std::string stream;
};

class Runner {
public:
    explicit Runner(const Options &o) : opts_(o) {}
    int run();

    // Host callbacks
    void send(FrameType type, uint32_t request, const Fields &f) {
        sendRaw(ipc::makeFrame(type, request, f));
    }
    void sendRaw(const std::string &frame) {
        std::lock_guard lock(writeMutex_);
        const char *p = frame.data();
        size_t left = frame.size();
        while (left > 0 && !writeFailed_) {
            ssize_t n = ::write(opts_.fd, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                writeFailed_ = true;
                break;
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    void setError(const char *m) { error_ = m ? m : ""; }
    bool cancelled() const { return cancelled_.load(); }
    void requestWakeup() {
        if (!wakeupPending_.exchange(true)) push(Task{Task::Wakeup, 0, {}});
    }
    uint32_t currentRequest() const { return current_.load(); }

private:
    bool load(const Fields &init);
    void fail(conduit_result code, const std::string &message);
    void ioLoop();
    void push(Task t) {
        {
            std::lock_guard lock(taskMutex_);
            tasks_.push_back(std::move(t));
        }
        taskCv_.notify_one();
    }
    void execute(uint32_t request, const Fields &f);
    conduit_result dispatch(uint32_t request, Op op, const Fields &f, const conduit_update &u,
                            Fields &result);

    Options opts_;
    void *library_ = nullptr;
    const conduit_agent_entry_t *entry_ = nullptr;
    conduit_agent *agent_ = nullptr;
    HostTable table_{};
    std::string error_;
    std::mutex writeMutex_;
    bool writeFailed_ = false;
    std::mutex taskMutex_;
    std::condition_variable taskCv_;
    std::deque<Task> tasks_;
    std::atomic<bool> cancelled_{false};
    std::atomic<uint32_t> current_{0};
    std::atomic<bool> wakeupPending_{false};
    PayloadQueue payload_;
    std::map<std::string, std::unique_ptr<CaptureSink>> sinks_;
};

Runner *runnerOf(const conduit_host *h) {
    return reinterpret_cast<const HostTable *>(h)->runner;
}

void hostLog(const conduit_host *h, conduit_log_level level, const char *message) {
    Fields f;
    f.putU64(Tag::Level, static_cast<uint64_t>(level)).put(Tag::Message, message ? message : "");
    runnerOf(h)->send(FrameType::Log, 0, f);
}

void hostProgress(const conduit_host *h, const char *device, uint64_t done, uint64_t total) {
    Runner *r = runnerOf(h);
    Fields f;
    f.put(Tag::DeviceId, device ? device : "").putU64(Tag::Done, done).putU64(Tag::Total, total);
    r->send(FrameType::Progress, r->currentRequest(), f);
}

void hostStatus(const conduit_host *h, const char *device, const char *message) {
    Runner *r = runnerOf(h);
    Fields f;
    f.put(Tag::DeviceId, device ? device : "").put(Tag::Message, message ? message : "");
    r->send(FrameType::Status, r->currentRequest(), f);
}

void hostSetError(const conduit_host *h, const char *message) { runnerOf(h)->setError(message); }

const void *hostGetExtension(const conduit_host *, const char *) {
    // Version 1.0 of the host offers no host extensions yet.
    return nullptr;
}

void hostRequestWakeup(const conduit_host *h) { runnerOf(h)->requestWakeup(); }

int hostIsCancelled(const conduit_host *h) { return runnerOf(h)->cancelled() ? 1 : 0; }

int64_t payloadRead(conduit_payload *p, void *buffer, size_t size);
const char *payloadFilePath(conduit_payload *) { return nullptr; }

struct PayloadHandle {
    conduit_payload payload;
    PayloadQueue *queue;
    Runner *runner;
    uint32_t request;
};

int64_t payloadRead(conduit_payload *p, void *buffer, size_t size) {
    auto *h = reinterpret_cast<PayloadHandle *>(p);
    uint64_t credit = 0;
    int64_t n = h->queue->read(buffer, size, &credit);
    if (credit > 0) {
        Fields f;
        f.putU64(Tag::Bytes, credit);
        h->runner->send(FrameType::Credit, h->request, f);
    }
    return n;
}

conduit_result sinkWrite(const conduit_data_sink *s, const void *data, size_t size, uint64_t ts) {
    if (size > ipc::kMaxPayload - 4096) return CONDUIT_E_INVALID_ARGUMENT;
    CaptureSink *c = reinterpret_cast<CaptureSink *>(const_cast<conduit_data_sink *>(s));
    Fields f;
    f.put(Tag::Name, c->stream)
        .put(Tag::Data, std::string_view(static_cast<const char *>(data), size))
        .putU64(Tag::Timestamp, ts);
    c->runner->send(FrameType::CaptureData, 0, f);
    return CONDUIT_OK;
}

void sinkEnd(const conduit_data_sink *s, conduit_result reason) {
    CaptureSink *c = reinterpret_cast<CaptureSink *>(const_cast<conduit_data_sink *>(s));
    Fields f;
    f.put(Tag::Name, c->stream).putI64(Tag::Code, reason);
    c->runner->send(FrameType::CaptureEnd, 0, f);
}

void Runner::fail(conduit_result code, const std::string &message) {
    Fields f;
    f.putI64(Tag::Code, code).put(Tag::Message, message);
    send(FrameType::Fail, 0, f);
}

bool Runner::load(const Fields &init) {
    dlerror();
    library_ = dlopen(opts_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) {
        const char *e = dlerror();
        fail(CONDUIT_E_ABI, std::string("not a loadable shared object: ") + (e ? e : "?"));
        return false;
    }
    auto fn = reinterpret_cast<conduit_agent_entry_fn>(dlsym(library_, CONDUIT_AGENT_ENTRY_SYMBOL));
    if (!fn) {
        fail(CONDUIT_E_ABI, "missing entry symbol conduit_agent_entry");
        return false;
    }
    entry_ = fn();
    if (!entry_) {
        fail(CONDUIT_E_ABI, "conduit_agent_entry() returned NULL");
        return false;
    }
    if (entry_->struct_size < kMinEntrySize) {
        fail(CONDUIT_E_ABI, "entry table too small: " + std::to_string(entry_->struct_size) +
                                " bytes < " + std::to_string(kMinEntrySize));
        return false;
    }
    const conduit_version v = entry_->abi_version;
    if (v.major != CONDUIT_ABI_VERSION_MAJOR) {
        fail(CONDUIT_E_ABI, "ABI major mismatch: plugin built for " + std::to_string(v.major) + "." +
                                std::to_string(v.minor) + ", host speaks " +
                                std::to_string(CONDUIT_ABI_VERSION_MAJOR) + ".x");
        return false;
    }
    if (!entry_->agent_id || !entry_->agent_version || !entry_->device_types || !entry_->init ||
        !entry_->create) {
        fail(CONDUIT_E_ABI, "entry table has NULL id, version, device types, init or create");
        return false;
    }
    const uint16_t minor = std::min<uint16_t>(v.minor, CONDUIT_RUNNER_ABI_MINOR);
    table_.runner = this;
    conduit_host &h = table_.host;
    h.struct_size = sizeof(conduit_host);
    h.abi_version = {CONDUIT_ABI_VERSION_MAJOR, minor, CONDUIT_ABI_VERSION_PATCH, 0};
    h.host_name = "conduitd";
    h.host_version = CONDUIT_HOST_VERSION;
    h.log = hostLog;
    h.progress = hostProgress;
    h.status = hostStatus;
    h.set_error = hostSetError;
    h.get_extension = hostGetExtension;
    h.request_wakeup = hostRequestWakeup;
    h.is_cancelled = hostIsCancelled;

    error_.clear();
    if (conduit_result rc = entry_->init(&h); rc != CONDUIT_OK) {
        fail(rc, "agent init failed (" + ipc::resultText(rc) + "): " + error_);
        return false;
    }
    const std::string config = init.strOr(Tag::ConfigJson, "{}");
    const std::string state = init.strOr(Tag::StateDir, "");
    conduit_agent_config cfg{sizeof(conduit_agent_config), config.c_str(), state.c_str()};
    if (conduit_result rc = entry_->create(&cfg, &agent_); rc != CONDUIT_OK || !agent_) {
        fail(rc ? rc : CONDUIT_E_FAILED, "agent create failed (" + ipc::resultText(rc) + "): " + error_);
        return false;
    }
    if (agent_->struct_size < kMinAgentSize || !agent_->inventory || !agent_->destroy) {
        fail(CONDUIT_E_ABI, "agent instance table too small or without inventory/destroy");
        return false;
    }
    std::string types;
    for (const char *const *t = entry_->device_types; *t; ++t) {
        if (!types.empty()) types += '\n';
        types += *t;
    }
    Fields hello;
    hello.putU64(Tag::ProtocolVersion, ipc::kProtocolVersion)
        .put(Tag::AgentId, entry_->agent_id)
        .put(Tag::AgentVersion, entry_->agent_version)
        .putU64(Tag::AbiMajor, v.major)
        .putU64(Tag::AbiMinor, v.minor)
        .putU64(Tag::AbiPatch, v.patch)
        .putU64(Tag::NegotiatedMinor, minor)
        .putU64(Tag::HostMinor, CONDUIT_RUNNER_ABI_MINOR)
        .put(Tag::DeviceTypes, types)
        .putU64(Tag::Pid, static_cast<uint64_t>(getpid()));
    send(FrameType::Hello, 0, hello);
    return true;
}

void Runner::ioLoop() {
    for (;;) {
        unsigned char head[ipc::kHeaderSize];
        ipc::FrameHeader h;
        if (!readExact(opts_.fd, head, sizeof head) ||
            ipc::decodeHeader(head, h) != ipc::HeaderError::None || !ipc::isHostToRunner(h.type)) {
            break;
        }
        std::string payload(h.length, '\0');
        if (h.length && !readExact(opts_.fd, payload.data(), h.length)) break;
        switch (h.type) {
        case FrameType::Data:
            payload_.push(h.request, std::move(payload));
            break;
        case FrameType::DataEnd: {
            auto f = Fields::decode(payload, nullptr);
            payload_.end(h.request, f ? f->i64(Tag::Code).value_or(0) : CONDUIT_E_PAYLOAD);
            break;
        }
        case FrameType::Cancel:
            if (h.request != 0 && h.request == current_.load()) {
                cancelled_ = true;
                payload_.cancel();
                if (agent_->cancel) agent_->cancel(agent_);
            }
            break;
        case FrameType::Call: {
            auto f = Fields::decode(payload, nullptr);
            if (!f) {
                Fields r;
                r.putI64(Tag::Code, CONDUIT_E_INVALID_ARGUMENT).put(Tag::Message, "malformed call");
                send(FrameType::Result, h.request, r);
                break;
            }
            push(Task{Task::Call, h.request, std::move(*f)});
            break;
        }
        case FrameType::Shutdown:
            push(Task{Task::Shutdown, 0, {}});
            return;
        default:
            break;
        }
    }
    // The host is gone (or broke the protocol): stop the current call.
    cancelled_ = true;
    payload_.cancel();
    if (agent_ && agent_->cancel) agent_->cancel(agent_);
    push(Task{Task::Shutdown, 0, {}});
}

void Runner::execute(uint32_t request, const Fields &f) {
    const std::string device = f.strOr(Tag::DeviceId), target = f.strOr(Tag::TargetName),
                      version = f.strOr(Tag::Version), sha = f.strOr(Tag::Sha256),
                      custom = f.strOr(Tag::CustomJson, "{}"), staging = f.strOr(Tag::StagingDir);
    conduit_update u{sizeof(conduit_update), device.c_str(), target.c_str(), version.c_str(),
                     f.u64(Tag::Length).value_or(0), sha.c_str(), custom.c_str(), staging.c_str()};
    const uint64_t rawOp = f.u64(Tag::Op).value_or(0);
    Fields result;
    error_.clear();
    conduit_result rc;
    if (rawOp == 0 || rawOp > ipc::kMaxOp) {
        rc = CONDUIT_E_INVALID_ARGUMENT;
        error_ = "unknown operation " + std::to_string(rawOp);
    } else {
        rc = dispatch(request, static_cast<Op>(rawOp), f, u, result);
    }
    result.putI64(Tag::Code, rc).put(Tag::Message, error_);
    send(FrameType::Result, request, result);
}

conduit_result Runner::dispatch(uint32_t request, Op op, const Fields &f, const conduit_update &u,
                                Fields &result) {
    auto step = [&](conduit_result (*fn)(conduit_agent *, const conduit_update *)) {
        if (!fn) {
            error_ = std::string(ipc::opName(op)) + " not offered by this agent";
            return static_cast<conduit_result>(CONDUIT_E_UNSUPPORTED);
        }
        return fn(agent_, &u);
    };
    switch (op) {
    case Op::Inventory: {
        struct Ctx {
            Runner *r;
            uint32_t req;
            int bad = 0;
        } ctx{this, request};
        auto cb = [](void *c, const conduit_device_info *d) {
            auto *x = static_cast<Ctx *>(c);
            if (!d || d->struct_size < kMinDeviceInfoSize) {
                ++x->bad;
                return;
            }
            auto s = [](const char *p) { return std::string_view(p ? p : ""); };
            Fields df;
            df.put(Tag::DeviceId, s(d->device_id))
                .put(Tag::DeviceType, s(d->device_type))
                .put(Tag::HardwareId, s(d->hardware_id))
                .put(Tag::CurrentVersion, s(d->current_version))
                .put(Tag::PreviousVersion, s(d->previous_version))
                .putU64(Tag::Capabilities, d->capabilities)
                .put(Tag::UpdateState, s(d->update_state));
            x->r->send(FrameType::Device, x->req, df);
        };
        conduit_result rc = agent_->inventory(agent_, cb, &ctx);
        if (rc == CONDUIT_OK && ctx.bad) {
            error_ = "inventory reported a device_info struct that is too small";
            return CONDUIT_E_ABI;
        }
        return rc;
    }
    case Op::DownloadConsent: {
        conduit_consent c = CONDUIT_CONSENT_ACCEPT;
        conduit_result rc = agent_->download_consent ? agent_->download_consent(agent_, &u, &c)
                                                     : CONDUIT_OK;
        result.putU64(Tag::Consent, static_cast<uint64_t>(c));
        return rc;
    }
    case Op::Transfer: {
        if (!agent_->transfer) return step(nullptr);
        PayloadHandle handle{{sizeof(conduit_payload), u.length, payloadRead, payloadFilePath},
                             &payload_, this, request};
        payload_.begin(request);
        conduit_result rc = agent_->transfer(agent_, &u, &handle.payload);
        const bool complete = payload_.finish();
        if (rc == CONDUIT_OK && !complete) {
            error_ = "agent returned from transfer before reading the whole payload";
            return CONDUIT_E_PAYLOAD;
        }
        return rc;
    }
    case Op::PrepareInstall: return step(agent_->prepare_install);
    case Op::Install: return step(agent_->install);
    case Op::PostInstall: return step(agent_->post_install);
    case Op::Activate: return step(agent_->activate);
    case Op::Commit: return step(agent_->commit);
    case Op::Rollback: return step(agent_->rollback);
    case Op::Query: {
        uint32_t caps = 0;
        if (!agent_->query) return step(nullptr);
        conduit_result rc = agent_->query(agent_, &u, &caps);
        result.putU64(Tag::Capabilities, caps);
        return rc;
    }
    case Op::ProbeExtension: {
        const std::string id = f.strOr(Tag::Name);
        const void *ext = agent_->get_extension ? agent_->get_extension(agent_, id.c_str()) : nullptr;
        result.putU64(Tag::Found, ext ? 1 : 0);
        return CONDUIT_OK;
    }
    case Op::CaptureStart:
    case Op::CaptureStop: {
        auto *cap = static_cast<const conduit_data_capture *>(
            agent_->get_extension ? agent_->get_extension(agent_, CONDUIT_EXT_DATA_CAPTURE) : nullptr);
        if (!cap) return step(nullptr);
        const std::string stream = f.strOr(Tag::Name);
        if (op == Op::CaptureStop) {
            conduit_result rc = cap->stop(agent_, stream.c_str());
            sinks_.erase(stream);
            return rc;
        }
        auto sink = std::make_unique<CaptureSink>();
        sink->sink = {sizeof(conduit_data_sink), sinkWrite, sinkEnd};
        sink->runner = this;
        sink->stream = stream;
        const std::string params = f.strOr(Tag::Params, "{}");
        conduit_result rc = cap->start(agent_, stream.c_str(), params.c_str(), &sink->sink);
        if (rc == CONDUIT_OK) sinks_[stream] = std::move(sink);
        return rc;
    }
    }
    return CONDUIT_E_INVALID_ARGUMENT;
}

int Runner::run() {
    unsigned char head[ipc::kHeaderSize];
    ipc::FrameHeader h;
    if (!readExact(opts_.fd, head, sizeof head) || ipc::decodeHeader(head, h) != ipc::HeaderError::None ||
        h.type != FrameType::Init) {
        return 2;
    }
    std::string payload(h.length, '\0');
    if (h.length && !readExact(opts_.fd, payload.data(), h.length)) return 2;
    auto init = Fields::decode(payload, nullptr);
    if (!init || !load(*init)) return 2;

    std::thread io([this] { ioLoop(); });
    for (;;) {
        Task t;
        {
            std::unique_lock lock(taskMutex_);
            taskCv_.wait(lock, [this] { return !tasks_.empty(); });
            t = std::move(tasks_.front());
            tasks_.pop_front();
        }
        if (t.kind == Task::Shutdown) break;
        if (t.kind == Task::Wakeup) {
            wakeupPending_ = false;
            if (agent_->on_wakeup) agent_->on_wakeup(agent_);
            continue;
        }
        cancelled_ = false;
        current_ = t.request;
        execute(t.request, t.fields);
        current_ = 0;
    }
    for (auto &[stream, sink] : sinks_) {
        auto *cap = static_cast<const conduit_data_capture *>(
            agent_->get_extension ? agent_->get_extension(agent_, CONDUIT_EXT_DATA_CAPTURE) : nullptr);
        if (cap) cap->stop(agent_, stream.c_str());
    }
    sinks_.clear();
    agent_->destroy(agent_);
    agent_ = nullptr;
    if (entry_->deinit) entry_->deinit();
    // Unblock the IO thread if it is still reading (in-process mode).
    ::shutdown(opts_.fd, SHUT_RDWR);
    io.join();
    return 0;
}

} // namespace

int serve(const Options &options) {
    Runner r(options);
    return r.run();
}

} // namespace conduit::runner
