// The runner's agent thread: RunnerLoop::run() loads the plugin, starts the IO
// thread and then runs the tasks it queues (calls, wakeups, shutdown) one at
// a time, each call dispatched to the agent's function for its Op.
#include "runnerloop.h"

#include <sys/socket.h>
#include <thread>

namespace conduit::runner {

using ipc::FrameType;
using ipc::Op;

namespace {

constexpr size_t kMinDeviceInfoSize = offsetof(conduit_device_info, update_state) + sizeof(void *);

// The ABI view of the wire update; points into `w`, valid while it lives.
conduit_update abiUpdate(const ipc::msg::Update &w) {
    return {sizeof(conduit_update), w.deviceId.c_str(),   w.targetName.c_str(), w.version.c_str(), w.length,
            w.sha256.c_str(),       w.customJson.c_str(), w.stagingDir.c_str()};
}

} // namespace

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
            x->r->send(x->req,
                       ipc::msg::Device{s(d->device_id), s(d->device_type), s(d->hardware_id), s(d->current_version),
                                        s(d->previous_version), s(d->update_state), d->capabilities});
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
        conduit_result rc = agent_->download_consent ? agent_->download_consent(agent_, &u, &c) : CONDUIT_OK;
        result.consent = static_cast<uint64_t>(c);
        return rc;
    }
    case Op::Transfer: {
        if (!agent_->transfer) return step(nullptr);
        PayloadHandle handle{payloadTable(u.length), &payload_, this, request};
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
        sink->sink = sinkTable();
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
    unload();
    outbox_.close(); // the last frames reach the host before the socket shuts
    // Unblock the IO thread if it is still reading (in-process mode).
    ::shutdown(opts_.fd, SHUT_RDWR);
    io.join();
    return 0;
}

int serve(const Options &options) {
    RunnerLoop r(options);
    return r.run();
}

} // namespace conduit::runner
