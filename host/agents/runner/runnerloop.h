// The runner's insides, shared by its sources (not installed, not used
// outside host/agents/runner/): RunnerLoop serves one host connection.
//   runnerloop.cpp     the agent thread's task loop and the calls into the agent
//   iothread.cpp       the IO thread: the host's frames in
//   outbox.cpp         the writer thread: the runner's frames out
//   pluginload.cpp     loading the plugin (dlopen, entry checks, init, create)
//                      and unloading it
//   hostcallbacks.cpp  the tables the plugin calls back through (conduit_host,
//                      conduit_payload, conduit_data_sink)
#pragma once

#include "../ipc/messages.h"
#include "outbox.h"
#include "payloadqueue.h"
#include "runner.h"

#include <conduit/agent.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>

namespace conduit::runner {

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

// [any thread] Reads exactly `size` bytes from `fd`; false on EOF or error.
bool readExact(int fd, void *buf, size_t size);

// hostcallbacks.cpp: the function tables handed to the plugin.
void fillHostCallbacks(conduit_host &host);
conduit_payload payloadTable(uint64_t length);
conduit_data_sink sinkTable();

// A conduit_payload whose read() pulls from the loop's PayloadQueue and
// returns credit to the host for `request`.
struct PayloadHandle {
    conduit_payload payload;
    PayloadQueue *queue;
    RunnerLoop *runner;
    uint32_t request;
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
    void sendRaw(std::string frame) { outbox_.post(std::move(frame)); }
    // [any thread] A data-capture record; false (the sink answers BUSY)
    // when the outbox is full: it never waits for the host.
    bool sendCapture(const std::string &stream, const void *data, size_t size, uint64_t timestampNs) {
        return outbox_.offer([&] {
            return ipc::msg::frame(
                0, ipc::msg::CaptureData{stream, std::string(static_cast<const char *>(data), size), timestampNs});
        });
    }
    void setError(const char *m) { error_ = m ? m : ""; }
    bool cancelled() const { return cancelled_.load(); }
    void requestWakeup() {
        if (!wakeupPending_.exchange(true)) push(Task{Task::Wakeup, 0, {}});
    }
    uint32_t currentRequest() const { return current_.load(); }

private:
    // pluginload.cpp: dlopen, the entry's checks, init() and create(), then
    // Hello; unload() stops the captures and runs destroy() and deinit().
    bool load(const ipc::msg::Init &init);
    void unload();
    void fail(conduit_result code, const std::string &message);
    // iothread.cpp: reads the host's frames until Shutdown or EOF.
    void ioLoop();
    void push(Task t) {
        {
            std::lock_guard lock(taskMutex_);
            tasks_.push_back(std::move(t));
        }
        taskCv_.notify_one();
    }
    // runnerloop.cpp: one call on the agent thread.
    void execute(uint32_t request, const ipc::msg::Call &call);
    conduit_result dispatch(uint32_t request, const ipc::msg::Call &call, const conduit_update &u,
                            ipc::msg::Result &result);

    Options opts_;
    void *library_ = nullptr;
    const conduit_agent_entry_t *entry_ = nullptr;
    conduit_agent *agent_ = nullptr;
    HostTable table_{};
    std::string error_;
    std::mutex taskMutex_;
    std::condition_variable taskCv_;
    std::deque<Task> tasks_;
    std::atomic<bool> cancelled_{false};
    std::atomic<uint32_t> current_{0};
    std::atomic<bool> wakeupPending_{false};
    PayloadQueue payload_;
    std::map<std::string, std::unique_ptr<CaptureSink>> sinks_;
    // Last: its writer thread starts when the loop is made and is joined
    // (after writing what is queued) before anything else is destroyed.
    Outbox outbox_{opts_.fd};
};

} // namespace conduit::runner
