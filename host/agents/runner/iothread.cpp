// The runner's IO thread: reads the host's frames (calls, payload data,
// cancel, shutdown) and hands them to the agent thread; it never calls the
// agent except for cancel(), which the ABI allows from any thread.
#include "runnerloop.h"

namespace conduit::runner {

using ipc::Fields;
using ipc::FrameType;

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

void RunnerLoop::ioLoop() {
    for (;;) {
        unsigned char head[ipc::kHeaderSize];
        ipc::FrameHeader h;
        if (!readExact(opts_.fd, head, sizeof head) || ipc::decodeHeader(head, h) != ipc::HeaderError::None ||
            !ipc::isHostToRunner(h.type)) {
            break;
        }
        std::string payload(h.length, '\0');
        if (h.length && !readExact(opts_.fd, payload.data(), h.length)) break;
        switch (h.type) {
        case FrameType::Data: payload_.push(h.request, std::move(payload)); break;
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
        case FrameType::Shutdown: push(Task{Task::Shutdown, 0, {}}); return;
        default: break;
        }
    }
    // The host is gone (or broke the protocol): stop the current call.
    cancelled_ = true;
    payload_.cancel();
    if (agent_ && agent_->cancel) agent_->cancel(agent_);
    push(Task{Task::Shutdown, 0, {}});
}

} // namespace conduit::runner
