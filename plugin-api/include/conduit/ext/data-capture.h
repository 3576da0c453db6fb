/*
 * Conduit Agent ABI extension: data capture, "conduit.data-capture/1".
 *
 * An agent that can stream data from its device (camera frames, diagnostic
 * logs, CAN traces) offers this table through conduit_agent.get_extension();
 * the host starts and stops named streams and receives the bytes through a
 * sink it owns. Part of ABI 1.0; included by conduit/agent.h.
 */
#ifndef CONDUIT_EXT_DATA_CAPTURE_H
#define CONDUIT_EXT_DATA_CAPTURE_H

#include "../agent.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Data gathering (camera streams, diagnostics): agent extension. */
#define CONDUIT_EXT_DATA_CAPTURE "conduit.data-capture/1"

/* Owned by the host; valid from start() until stop() returns for `stream`. */
typedef struct conduit_data_sink conduit_data_sink;
struct conduit_data_sink {
    uint32_t struct_size;
    /* [any-thread] Hand `size` bytes (copied) of stream data to the host,
     * stamped with the capture time in ns since the Unix epoch. Returns
     * CONDUIT_OK, or CONDUIT_E_BUSY when the host's buffer is full (the agent
     * drops or retries: data capture never blocks the device). */
    conduit_result (*write)(const conduit_data_sink *sink, const void *data, size_t size, uint64_t timestamp_ns);
    /* [any-thread] The stream ended on the agent side: the device is gone
     * (an error code), or a one-shot stream (one object, e.g. a clip or a
     * still) is complete (CONDUIT_OK after its last write(); any other
     * reason means the object is incomplete). No write() follows. */
    void (*end)(const conduit_data_sink *sink, conduit_result reason);
};

typedef struct conduit_data_capture {
    uint32_t struct_size;
    /* [agent-thread] Start capturing `stream_id` (e.g. "front-camera") with
     * parameters `params_json` (JSON object text, borrowed for the call). */
    conduit_result (*start)(conduit_agent *agent, const char *stream_id, const char *params_json,
                            const conduit_data_sink *sink);
    /* [agent-thread] Stop; no sink->write() after this returns. */
    conduit_result (*stop)(conduit_agent *agent, const char *stream_id);
} conduit_data_capture;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CONDUIT_EXT_DATA_CAPTURE_H */
