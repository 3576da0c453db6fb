#include "runner.h"

#include "payloadqueue.h"
#include "../ipc/messages.h"

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

class RunnerLoop;

// conduit_host handed to the plugin; the RunnerLoop is found from it.
struct HostTable {
    conduit_host host;
    RunnerLoop *runner;
};

struct Task {
    enum Kind { Call, Wakeup, Shutdown } kind;
    uint32_t request = 0;
    ipc::msg::Call call;
};

struct CaptureSink {
    conduit_data_sink sink;
    RunnerLoop *runner;
    std::string stream;
};

class RunnerLoop {
public:
    explicit RunnerLoop(const Options &o) : opts_(o) {}
    int run();

    // Host callbacks
    template <class Message>
    void send(uint32_t request, const Message &m) {
        sendRaw(ipc::msg::frame(request, m));
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
    bool load(const ipc::msg::Init &init);
    void fail(conduit_result code, const std::string &message);
    void ioLoop();
    void push(Task t) {
        {
            std::lock_guard lock(taskMutex_);
            tasks_.push_back(std::move(t));
        }
        taskCv_.notify_one();
    }
    void execute(uint32_t request, const ipc::msg::Call &call);
    conduit_result dispatch(uint32_t request, const ipc::msg::Call &call, const conduit_update &u,
                            ipc::msg::Result &result);

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

RunnerLoop *runnerOf(const conduit_host *h) {
    return reinterpret_cast<const HostTable *>(h)->runner;
}

void hostLog(const conduit_host *h, conduit_log_level level, const char *message) {
    runnerOf(h)->send(0, ipc::msg::Log{static_cast<uint64_t>(level), message ? message : ""});
}

void hostProgress(const conduit_host *h, const char *device, uint64_t done, uint64_t total) {
    RunnerLoop *r = runnerOf(h);
    r->send(r->currentRequest(), ipc::msg::Progress{device ? device : "", done, total});
}

void hostStatus(const conduit_host *h, const char *device, const char *message) {
    RunnerLoop *r = runnerOf(h);
    r->send(r->currentRequest(), ipc::msg::Status{device ? device : "", message ? message : ""});
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
    RunnerLoop *runner;
    uint32_t request;
};

int64_t payloadRead(conduit_payload *p, void *buffer, size_t size) {
    auto *h = reinterpret_cast<PayloadHandle *>(p);
    uint64_t credit = 0;
    int64_t n = h->queue->read(buffer, size, &credit);
    if (credit > 0) h->runner->send(h->request, ipc::msg::Credit{credit});
    return n;
}

conduit_result sinkWrite(const conduit_data_sink *s, const void *data, size_t size, uint64_t ts) {
    if (size > ipc::kMaxPayload - 4096) return CONDUIT_E_INVALID_ARGUMENT;
    CaptureSink *c = reinterpret_cast<CaptureSink *>(const_cast<conduit_data_sink *>(s));
    c->runner->send(0, ipc::msg::CaptureData{c->stream, std::string(static_cast<const char *>(data), size), ts});
    return CONDUIT_OK;
}

void sinkEnd(const conduit_data_sink *s, conduit_result reason) {
    CaptureSink *c = reinterpret_cast<CaptureSink *>(const_cast<conduit_data_sink *>(s));
    c->runner->send(0, ipc::msg::CaptureEnd{c->stream, reason});
}

void RunnerLoop::fail(conduit_result code, const std::string &message) {
    send(0, ipc::msg::Fail{code, message});
}

bool RunnerLoop::load(const ipc::msg::Init &init) {
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
    conduit_agent_config cfg{sizeof(conduit_agent_config), init.configJson.c_str(), init.stateDir.c_str()};
    if (conduit_result rc = entry_->create(&cfg, &agent_); rc != CONDUIT_OK || !agent_) {
        fail(rc ? rc : CONDUIT_E_FAILED, "agent create failed (" + ipc::resultText(rc) + "): " + error_);
        return false;
    }
    if (agent_->struct_size < kMinAgentSize || !agent_->inventory || !agent_->destroy) {
        fail(CONDUIT_E_ABI, "agent instance table too small or without inventory/destroy");
        return false;
    }
    ipc::msg::Hello hello;
    hello.protocolVersion = ipc::kProtocolVersion;
    hello.agentId = entry_->agent_id;
    hello.agentVersion = entry_->agent_version;
    hello.abiMajor = v.major;
    hello.abiMinor = v.minor;
    hello.abiPatch = v.patch;
    hello.negotiatedMinor = minor;
    hello.hostMinor = CONDUIT_RUNNER_ABI_MINOR;
    for (const char *const *t = entry_->device_types; *t; ++t) hello.deviceTypes.emplace_back(*t);
    hello.pid = static_cast<uint64_t>(getpid());
    send(0, hello);
    return true;
}

void RunnerLoop::ioLoop() {
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
            auto end = ipc::msg::decode<ipc::msg::DataEnd>(payload, nullptr);
            payload_.end(h.request, end ? end->code : int64_t{CONDUIT_E_PAYLOAD});
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
            std::string error = "malformed call";
            auto f = Fields::decode(payload, nullptr);
            auto call = f ? ipc::msg::Call::read(*f, &error) : std::nullopt;
            if (!call) {
                send(h.request, ipc::msg::Result{CONDUIT_E_INVALID_ARGUMENT, error});
                break;
            }
            push(Task{Task::Call, h.request, std::move(*call)});
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

// The ABI view of the wire update; points into `w`, valid while it lives.
conduit_update abiUpdate(const ipc::msg::Update &w) {
    return {sizeof(conduit_update), w.deviceId.c_str(), w.targetName.c_str(), w.version.c_str(),
            w.length,               w.sha256.c_str(),   w.customJson.c_str(), w.stagingDir.c_str()};
}

void RunnerLoop::execute(uint32_t request, const ipc::msg::Call &call) {
    const conduit_update u = abiUpdate(call.update);
    ipc::msg::Result result;
    error_.clear();
    result.code = dispatch(request, call, u, result);
    result.message = error_;
    send(request, result);
}

conduit_result RunnerLoop::dispatch(uint32_t request, const ipc::msg::Call &call, const conduit_update &u,
                                ipc::msg::Result &result) {
    const Op op = call.op;
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
            RunnerLoop *r;
            uint32_t req;
            int bad = 0;
        } ctx{this, request};
        auto cb = [](void *c, const conduit_device_info *d) {
            auto *x = static_cast<Ctx *>(c);
            if (!d || d->struct_size < kMinDeviceInfoSize) {
                ++x->bad;
                return;
            }
            auto s = [](const char *p) { return std::string(p ? p : ""); };
            x->r->send(x->req, ipc::msg::Device{s(d->device_id), s(d->device_type), s(d->hardware_id),
                                                s(d->current_version), s(d->previous_version),
                                                s(d->update_state), d->capabilities});
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
        result.consent = static_cast<uint64_t>(c);
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
        result.capabilities = caps;
        return rc;
    }
    case Op::ProbeExtension: {
        const void *ext = agent_->get_extension ? agent_->get_extension(agent_, call.name.c_str()) : nullptr;
        result.found = ext != nullptr;
        return CONDUIT_OK;
    }
    case Op::CaptureStart:
    case Op::CaptureStop: {
        auto *cap = static_cast<const conduit_data_capture *>(
            agent_->get_extension ? agent_->get_extension(agent_, CONDUIT_EXT_DATA_CAPTURE) : nullptr);
        if (!cap) return step(nullptr);
        const std::string &stream = call.name;
        if (op == Op::CaptureStop) {
            conduit_result rc = cap->stop(agent_, stream.c_str());
            sinks_.erase(stream);
            return rc;
        }
        auto sink = std::make_unique<CaptureSink>();
        sink->sink = {sizeof(conduit_data_sink), sinkWrite, sinkEnd};
        sink->runner = this;
        sink->stream = stream;
        // No parameters cross as none: the agent sees an empty JSON object.
        const char *params = call.params.empty() ? "{}" : call.params.c_str();
        conduit_result rc = cap->start(agent_, stream.c_str(), params, &sink->sink);
        if (rc == CONDUIT_OK) sinks_[stream] = std::move(sink);
        return rc;
    }
    }
    return CONDUIT_E_INVALID_ARGUMENT;
}

int RunnerLoop::run() {
    unsigned char head[ipc::kHeaderSize];
    ipc::FrameHeader h;
    if (!readExact(opts_.fd, head, sizeof head) || ipc::decodeHeader(head, h) != ipc::HeaderError::None ||
        h.type != FrameType::Init) {
        return 2;
    }
    std::string payload(h.length, '\0');
    if (h.length && !readExact(opts_.fd, payload.data(), h.length)) return 2;
    auto init = ipc::msg::decode<ipc::msg::Init>(payload, nullptr);
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
        execute(t.request, t.call);
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
    RunnerLoop r(options);
    return r.run();
}

} // namespace conduit::runner
