/*
 * Conduit Agent ABI, version 1.
 *
 * The stable C interface between the Conduit host (conduitd) and agent
 * plugins: one plugin per device type, built by a device vendor with any C or
 * C++ compiler and dropped into any Conduit 1.x host as a shared object.
 *
 * Rules that make the promise hold (see docs/plugin-abi.md):
 *  - The plugin exports exactly one symbol, conduit_agent_entry().
 *  - Every struct that crosses the boundary starts with `uint32_t struct_size`.
 *    Members are only ever appended, each marked with the minor version that
 *    added it. A reader uses a member only if CONDUIT_HAS_MEMBER() says the
 *    struct it was handed is large enough.
 *  - Major versions must be equal. Both sides then use the lower minor.
 *  - No C++ types, exceptions, or allocator ownership cross the boundary:
 *    strings are UTF-8, NUL-terminated, and borrowed for the stated lifetime;
 *    whoever allocates frees.
 *  - Thread annotations: [agent-thread] functions are called by the host on
 *    one thread (the runner's agent thread), one at a time, never re-entered.
 *    [any-thread] functions may be called from any thread, concurrently with
 *    an [agent-thread] call. Host callbacks say which threads may call them.
 *
 * Plugins run in a separate runner process. A crash, hang, or garbage from a
 * plugin costs its own runner, never the host.
 */
#ifndef CONDUIT_AGENT_H
#define CONDUIT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------- */

#define CONDUIT_ABI_VERSION_MAJOR 1
#define CONDUIT_ABI_VERSION_MINOR 0
#define CONDUIT_ABI_VERSION_PATCH 0

typedef struct conduit_version {
    uint16_t major;
    uint16_t minor;
    uint16_t patch;
    uint16_t reserved; /* must be 0 */
} conduit_version;

#define CONDUIT_ABI_VERSION_INIT                                                                                       \
    { CONDUIT_ABI_VERSION_MAJOR, CONDUIT_ABI_VERSION_MINOR, CONDUIT_ABI_VERSION_PATCH, 0 }

/* True if the struct at `ptr` (whose first member is struct_size) is large
 * enough to contain `member` of `type`. Use it before reading any member that
 * was added after 1.0 from a struct the other side filled in. */
#define CONDUIT_HAS_MEMBER(ptr, type, member)                                                                          \
    ((ptr) != NULL && offsetof(type, member) + sizeof(((type *)0)->member) <= (size_t)(ptr)->struct_size)

/* ---------------------------------------------------------------------------
 * Result codes
 *
 * Stable integers: a code never changes meaning. 0 is success, negative
 * values are errors. Codes from CONDUIT_E_VENDOR_FIRST down to
 * CONDUIT_E_VENDOR_LAST are reserved for plugins; the host reports them
 * verbatim with the plugin's message. Every failing call should also report
 * a human-readable message through conduit_host.set_error().
 * ------------------------------------------------------------------------- */

typedef int32_t conduit_result;

enum {
    CONDUIT_OK = 0,
    CONDUIT_E_FAILED = -1,           /* unspecified failure (see message)      */
    CONDUIT_E_INVALID_ARGUMENT = -2, /* caller passed something malformed      */
    CONDUIT_E_UNSUPPORTED = -3,      /* operation not offered by this agent    */
    CONDUIT_E_NO_DEVICE = -4,        /* device id unknown to this agent        */
    CONDUIT_E_BUSY = -5,             /* another operation is in progress       */
    CONDUIT_E_CANCELLED = -6,        /* cancel() was honoured                  */
    CONDUIT_E_IO = -7,               /* read/write failure on the device       */
    CONDUIT_E_NO_SPACE = -8,         /* staging area too small                 */
    CONDUIT_E_VERIFY = -9,           /* written data does not verify           */
    CONDUIT_E_STATE = -10,           /* call not valid in the device's state   */
    CONDUIT_E_NO_MEMORY = -11,
    CONDUIT_E_TIMEOUT = -12,         /* device did not answer in time          */
    CONDUIT_E_PAYLOAD = -13,         /* payload stream ended early or failed   */
    CONDUIT_E_ROLLBACK_FAILED = -14, /* rollback attempted and failed          */
    CONDUIT_E_ABI = -15,             /* version negotiation failed             */

    CONDUIT_E_VENDOR_FIRST = -1000, /* first plugin-defined code              */
    CONDUIT_E_VENDOR_LAST = -1999   /* last plugin-defined code               */
};

/* ---------------------------------------------------------------------------
 * Host callbacks (conduit_host)
 *
 * Owned by the host; valid from init() until deinit() returns. Every
 * function pointer up to the negotiated minor is non-NULL.
 * ------------------------------------------------------------------------- */

typedef enum conduit_log_level {
    CONDUIT_LOG_DEBUG = 0,
    CONDUIT_LOG_INFO = 1,
    CONDUIT_LOG_WARNING = 2,
    CONDUIT_LOG_ERROR = 3
} conduit_log_level;

typedef struct conduit_host conduit_host;

struct conduit_host {
    uint32_t struct_size;
    /* The negotiated ABI version (lower minor of host and plugin). */
    conduit_version abi_version;
    /* Host name and version, for logs. Static strings. */
    const char *host_name;
    const char *host_version;

    /* [any-thread] Log a line. `message` is copied before return. */
    void (*log)(const conduit_host *host, conduit_log_level level, const char *message);

    /* [any-thread] Report progress of the current operation for `device_id`
     * (copied). `total` may be 0 when unknown. Rate-limited by the host. */
    void (*progress)(const conduit_host *host, const char *device_id, uint64_t done, uint64_t total);

    /* [any-thread] Report a status line for `device_id` (both copied), e.g.
     * "erasing slot B". Shown to the driver and sent upstream as detail. */
    void (*status)(const conduit_host *host, const char *device_id, const char *message);

    /* [agent-thread] Attach a message to the result the current call is
     * about to return. Copied. The last call before return wins. */
    void (*set_error)(const conduit_host *host, const char *message);

    /* [any-thread] Look up a host extension by revisioned id
     * (e.g. "conduit.host.clock/1"). Returns NULL when unknown. The returned
     * table is owned by the host and valid until deinit(). */
    const void *(*get_extension)(const conduit_host *host, const char *id);

    /* [any-thread] Ask the host to call conduit_agent.on_wakeup() on the
     * agent thread soon. Used by agents with their own threads (e.g. a CAN
     * listener) to get back onto the agent thread. Coalesced. */
    void (*request_wakeup)(const conduit_host *host);

    /* [any-thread] Non-zero once the host has asked the current call to stop
     * (cancel, deadline, shutdown). Long loops should poll it. */
    int (*is_cancelled)(const conduit_host *host);
};

/* ---------------------------------------------------------------------------
 * Devices, updates and payloads
 * ------------------------------------------------------------------------- */

/* Capability flags of a device (conduit_device_info.capabilities). */
enum {
    CONDUIT_CAP_ROLLBACK = 1u << 0,     /* can return to previous software    */
    CONDUIT_CAP_NEEDS_REBOOT = 1u << 1, /* activation takes effect on reboot  */
    CONDUIT_CAP_DELTA = 1u << 2,        /* accepts delta payloads             */
    CONDUIT_CAP_FULL_FILE = 1u << 3     /* wants a complete staged file       */
};

/* One device behind an agent, as reported by inventory(). Filled in by the
 * plugin; all strings borrowed and only valid during the callback. */
typedef struct conduit_device_info {
    uint32_t struct_size;
    const char *device_id;        /* ECU serial / unique device id          */
    const char *device_type;      /* one of the agent's device_types        */
    const char *hardware_id;      /* Uptane hardware id                     */
    const char *current_version;  /* version running now                    */
    const char *previous_version; /* last valid version, "" if none         */
    uint32_t capabilities;        /* CONDUIT_CAP_* flags                    */
    /* State of the device's update machinery: exactly one of the
     * CONDUIT_UPDATE_STATE_* strings below (byte for byte, lowercase). Lets
     * the host resume after a power cut without repeating a step. The host
     * refuses a device that reports anything else (conduitd --check-agent
     * and the log name the device and the value). */
    const char *update_state;
} conduit_device_info;

/* The vocabulary of conduit_device_info.update_state, and what the host
 * concludes from each when it recovers a campaign after a power cut
 * (docs/plugin-abi.md, "Update states"). Named in 1.0; the values were the
 * 1.0 contract from the start. */

/* Nothing in flight: the device runs current_version and will keep it. A
 * transfer interrupted by a power cut reports idle (the staging is
 * invalid); after commit() the device is idle on the new version; after
 * rollback() it is idle on the old one. */
#define CONDUIT_UPDATE_STATE_IDLE "idle"
/* A verified image is staged (transfer and install done), not yet
 * activated: the host may activate it or roll it back. */
#define CONDUIT_UPDATE_STATE_STAGED "staged"
/* The new software is selected on trial (activate() done), awaiting
 * commit(); current_version must then be the signed conduit.version of the
 * update. The host commits it or rolls it back, never activates again. */
#define CONDUIT_UPDATE_STATE_ACTIVATED "activated"
/* The trial was abandoned (rollback() or a fallback by the bootloader):
 * the device runs its previous, last valid software. */
#define CONDUIT_UPDATE_STATE_ROLLED_BACK "rolled-back"

/* Called by the plugin once per device, from inside inventory(). */
typedef void (*conduit_inventory_fn)(void *context, const conduit_device_info *device);

/* What to install on one device. Owned by the host; valid for the duration
 * of the call it is passed to. */
typedef struct conduit_update {
    uint32_t struct_size;
    const char *device_id;
    const char *target_name; /* Uptane target name (file name)           */
    const char *version;     /* version string of the new software       */
    uint64_t length;         /* exact verified length of the payload     */
    const char *sha256;      /* verified hash, lowercase hex             */
    const char *custom_json; /* signed custom metadata, JSON object text */
    const char *staging_dir; /* writable directory private to the agent:
                                "<state_dir>/staging", made by the host,
                                mode 0700; its contents are the agent's */
} conduit_update;

/* A stream of verified-length payload bytes, pulled by the plugin during
 * transfer(). Owned by the host; valid during transfer() only. */
typedef struct conduit_payload conduit_payload;
struct conduit_payload {
    uint32_t struct_size;
    uint64_t length; /* total bytes the stream will deliver */
    /* [agent-thread] Read up to `size` bytes into `buffer`. Blocks until at
     * least one byte is available. Returns the byte count, 0 at the end of
     * the stream, or a negative conduit_result (e.g. CONDUIT_E_CANCELLED,
     * CONDUIT_E_PAYLOAD when the source failed). */
    int64_t (*read)(conduit_payload *payload, void *buffer, size_t size);
    /* [agent-thread] Path of a complete, verified copy of the payload if the
     * agent asked for CONDUIT_CAP_FULL_FILE, else NULL. */
    const char *(*file_path)(conduit_payload *payload);
};

typedef enum conduit_consent {
    CONDUIT_CONSENT_ACCEPT = 0,
    CONDUIT_CONSENT_DENY = 1,
    CONDUIT_CONSENT_POSTPONE = 2
} conduit_consent;

/* ---------------------------------------------------------------------------
 * The agent instance (conduit_agent)
 *
 * Created by conduit_agent_entry_t.create(); owned by the plugin; valid until
 * destroy(). All lifecycle calls are [agent-thread] unless marked otherwise
 * and return a conduit_result. A NULL pointer means "not offered", which the
 * host treats as CONDUIT_E_UNSUPPORTED (except where noted).
 *
 * Lifecycle of one device update (eSync agent model plus two-phase commit):
 *
 *   download_consent -> transfer -> prepare_install -> install
 *     -> post_install -> activate -> [reboot] -> commit
 *   any step before commit may be followed by rollback().
 *
 * Every step must be idempotent or detectable: after a power cut the host
 * asks inventory() for update_state and never repeats a step blindly.
 * ------------------------------------------------------------------------- */

typedef struct conduit_agent conduit_agent;

struct conduit_agent {
    uint32_t struct_size;
    void *agent_data; /* plugin-private */

    /* Report every device behind this agent through `fn`. */
    conduit_result (*inventory)(conduit_agent *agent, conduit_inventory_fn fn, void *context);

    /* Does the device accept this update now? Write the answer to `out`.
     * NULL: always accept. */
    conduit_result (*download_consent)(conduit_agent *agent, const conduit_update *update, conduit_consent *out);

    /* Pull the payload and stage it in the inactive slot / staging area.
     * Nothing active may change. Must read until read() returns 0. */
    conduit_result (*transfer)(conduit_agent *agent, const conduit_update *update, conduit_payload *payload);

    /* Check that the staged data can be installed (space, dependencies). */
    conduit_result (*prepare_install)(conduit_agent *agent, const conduit_update *update);
    /* Install the staged data. Still inactive. */
    conduit_result (*install)(conduit_agent *agent, const conduit_update *update);
    /* Verify the installed data (e.g. read back and hash). */
    conduit_result (*post_install)(conduit_agent *agent, const conduit_update *update);
    /* Make the new software the one that runs (next boot or now), on trial:
     * until commit() a fallback to the old software must remain possible if
     * the device supports rollback. */
    conduit_result (*activate)(conduit_agent *agent, const conduit_update *update);
    /* Confirm the new software as the last valid one. After this, rollback
     * is no longer expected to work. */
    conduit_result (*commit)(conduit_agent *agent, const conduit_update *update);
    /* Return the device to its last valid software, whatever step the
     * update reached. Must be idempotent. */
    conduit_result (*rollback)(conduit_agent *agent, const conduit_update *update);

    /* [any-thread] Ask the running call to stop as soon as it safely can;
     * that call then returns CONDUIT_E_CANCELLED. Must not block. NULL: the
     * host's is_cancelled() flag is the only signal. */
    void (*cancel)(conduit_agent *agent);

    /* Capability query for one update: fills CONDUIT_CAP_* flags (e.g. does
     * THIS update need a reboot). NULL: the inventory capabilities apply. */
    conduit_result (*query)(conduit_agent *agent, const conduit_update *update, uint32_t *capabilities);

    /* Look up an agent extension by revisioned id, e.g.
     * CONDUIT_EXT_DATA_CAPTURE. Returns NULL when unknown. The table is owned
     * by the plugin and valid until destroy(). */
    const void *(*get_extension)(conduit_agent *agent, const char *id);

    /* Called on the agent thread after host.request_wakeup(). May be NULL. */
    void (*on_wakeup)(conduit_agent *agent);

    /* Free the instance. No other call is in progress or follows. */
    void (*destroy)(conduit_agent *agent);
};

/* ---------------------------------------------------------------------------
 * The entry table, returned by conduit_agent_entry()
 * ------------------------------------------------------------------------- */

/* Configuration for one agent instance. Owned by the host; valid during
 * create() only (copy what you keep). */
typedef struct conduit_agent_config {
    uint32_t struct_size;
    /* JSON object text from the agent's section of the host configuration
     * (e.g. slot paths for the flash agent); "{}" when none. */
    const char *config_json;
    /* Writable directory private to this agent, persisted across reboots. */
    const char *state_dir;
} conduit_agent_config;

typedef struct conduit_agent_entry_t {
    uint32_t struct_size;
    /* The ABI version the plugin was built against: CONDUIT_ABI_VERSION_INIT. */
    conduit_version abi_version;
    /* Reverse-DNS agent id, e.g. "com.example.flash". Static string. */
    const char *agent_id;
    /* The plugin's own version, e.g. "2.4.1". Static string. */
    const char *agent_version;
    /* NULL-terminated array of device types served, e.g. {"ecu", NULL}. */
    const char *const *device_types;

    /* [agent-thread] Called once after loading, before anything else. `host`
     * stays valid until deinit() returns. Non-zero refuses to load. */
    conduit_result (*init)(const conduit_host *host);
    /* [agent-thread] Called once before unloading. May be NULL. */
    void (*deinit)(void);
    /* [agent-thread] Factory: create the agent instance. */
    conduit_result (*create)(const conduit_agent_config *config, conduit_agent **out);
} conduit_agent_entry_t;

/* The one exported symbol. Returns a pointer to a static table; called
 * before init(), from any thread, possibly more than once. */
#define CONDUIT_AGENT_ENTRY_SYMBOL "conduit_agent_entry"
typedef const conduit_agent_entry_t *(*conduit_agent_entry_fn)(void);

#if defined(_WIN32)
#define CONDUIT_AGENT_EXPORT __declspec(dllexport)
#else
#define CONDUIT_AGENT_EXPORT __attribute__((visibility("default")))
#endif

CONDUIT_AGENT_EXPORT const conduit_agent_entry_t *conduit_agent_entry(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---------------------------------------------------------------------------
 * Extensions: one header each under conduit/ext/, all included here, so
 * agent.h stays the one header a plugin needs (CLAP style). Each extension
 * is looked up by its revisioned id; a new revision is a new id.
 * ------------------------------------------------------------------------- */
#include "ext/data-capture.h"

#endif /* CONDUIT_AGENT_H */
