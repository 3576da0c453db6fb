// The tables the plugin calls back through: conduit_host (log, progress,
// status, errors, wakeups, cancellation), conduit_payload (the transfer's
// bytes) and conduit_data_sink (captured data). Each finds its RunnerLoop
// from the table it was handed and sends the host a frame.
#include "runnerloop.h"

namespace conduit::runner {

namespace {

RunnerLoop *runnerOf(const conduit_host *h) { return reinterpret_cast<const HostTable *>(h)->runner; }

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

const char *payloadFilePath(conduit_payload *) { return nullptr; }

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
    return c->runner->sendCapture(c->stream, data, size, ts) ? CONDUIT_OK : CONDUIT_E_BUSY;
}

void sinkEnd(const conduit_data_sink *s, conduit_result reason) {
    CaptureSink *c = reinterpret_cast<CaptureSink *>(const_cast<conduit_data_sink *>(s));
    c->runner->send(0, ipc::msg::CaptureEnd{c->stream, reason});
}

} // namespace

void fillHostCallbacks(conduit_host &h) {
    h.log = hostLog;
    h.progress = hostProgress;
    h.status = hostStatus;
    h.set_error = hostSetError;
    h.get_extension = hostGetExtension;
    h.request_wakeup = hostRequestWakeup;
    h.is_cancelled = hostIsCancelled;
}

conduit_payload payloadTable(uint64_t length) {
    return {sizeof(conduit_payload), length, payloadRead, payloadFilePath};
}

conduit_data_sink sinkTable() { return {sizeof(conduit_data_sink), sinkWrite, sinkEnd}; }

} // namespace conduit::runner
