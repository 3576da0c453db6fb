/*
 * Example agent in plain C99: simulated ECUs whose software lives in files.
 *
 * It is the smallest complete agent: inventory, staged transfer, the install
 * steps, activation on trial, commit and rollback, with its state persisted
 * so that the host can resume after a power cut. Use it as a template.
 *
 * Configuration (agent config JSON, all optional):
 *   "devices": "id:hwid,id:hwid"   devices to simulate (default one)
 *   "fail_at": "install"           fail that step on every device, or
 *   "fail_at": "ecu-2:activate"    on one device, to demonstrate rollback
 *   "hold_at": "activate"          hold that step (same forms as fail_at)
 *   "hold_file": "/tmp/go"         until this file exists: a test acts while
 *                                  the step is in progress, then releases it
 *                                  by creating the file. The step fails after
 *                                  60 s without the file, and stops at once
 *                                  when the host cancels the call.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <conduit/agent.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEVICES 16
#define HOLD_LIMIT_MS 60000
#define FIELD 128

typedef struct device {
    char id[FIELD], hwid[FIELD], current[FIELD], previous[FIELD], staged[FIELD], state[FIELD];
} device;

typedef struct ecu_agent {
    conduit_agent base;
    char state_dir[1024];
    char fail_at[FIELD];
    char hold_at[FIELD];
    char hold_file[1024];
    int count;
    device devices[MAX_DEVICES];
} ecu_agent;

static const conduit_host *g_host;

static void fail_msg(const char *msg) { g_host->set_error(g_host, msg); }

/* Extracts the string value of "key" from flat JSON text. Good enough for an
 * example's configuration; a real agent uses a JSON library. */
static int json_string(const char *json, const char *key, char *out, size_t size) {
    char pattern[FIELD + 4];
    const char *p;
    size_t n = 0;
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    p = strstr(json, pattern);
    if (!p) return 0;
    p = strchr(p + strlen(pattern), '"');
    if (!p) return 0;
    ++p;
    while (p[n] && p[n] != '"' && n + 1 < size) ++n;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

static void state_path(const ecu_agent *a, const device *d, const char *ext, char *out, size_t size) {
    snprintf(out, size, "%s/%s.%s", a->state_dir, d->id, ext);
}

static conduit_result save_failed(const char *what, const char *path) {
    char msg[1400];
    snprintf(msg, sizeof msg, "cannot %s %s: %s", what, path, strerror(errno));
    fail_msg(msg);
    return CONDUIT_E_IO;
}

/* Persist a device's state atomically: write a temporary file, rename. */
static conduit_result save(const ecu_agent *a, const device *d) {
    char path[1200], tmp[1210];
    FILE *f;
    int flushed;
    state_path(a, d, "state", path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) return save_failed("create", tmp);
    fprintf(f, "%s\n%s\n%s\n%s\n", d->current, d->previous, d->staged, d->state);
    flushed = fflush(f) == 0;
    if (fclose(f) != 0 || !flushed) return save_failed("write", tmp);
    return rename(tmp, path) == 0 ? CONDUIT_OK : save_failed("rename", tmp);
}

/* A step's new state takes effect only once it is saved: after a failed save
 * the device is still what its file says (a retry, or the next start, sees
 * the same state). */
static conduit_result save_as(const ecu_agent *a, device *d, const device *next) {
    conduit_result rc = save(a, next);
    if (rc == CONDUIT_OK) *d = *next;
    return rc;
}

static void read_line(FILE *f, char *out) {
    if (!fgets(out, FIELD, f)) out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

static void load(const ecu_agent *a, device *d) {
    char path[1200];
    FILE *f;
    state_path(a, d, "state", path, sizeof path);
    f = fopen(path, "r");
    if (!f) return; /* first start: factory version */
    read_line(f, d->current);
    read_line(f, d->previous);
    read_line(f, d->staged);
    read_line(f, d->state);
    fclose(f);
}

static device *find(ecu_agent *a, const char *id) {
    int i;
    for (i = 0; i < a->count; ++i)
        if (strcmp(a->devices[i].id, id) == 0) return &a->devices[i];
    return NULL;
}

static ecu_agent *self(conduit_agent *agent) { return (ecu_agent *)agent; }

static conduit_result inventory(conduit_agent *agent, conduit_inventory_fn fn, void *ctx) {
    ecu_agent *a = self(agent);
    int i;
    for (i = 0; i < a->count; ++i) {
        const device *d = &a->devices[i];
        conduit_device_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        info.device_id = d->id;
        info.device_type = "example-ecu";
        info.hardware_id = d->hwid;
        info.current_version = d->current;
        info.previous_version = d->previous;
        info.capabilities = CONDUIT_CAP_ROLLBACK;
        info.update_state = d->state;
        fn(ctx, &info);
    }
    return CONDUIT_OK;
}

/* fail_at and hold_at are "step" (every device) or "device:step". */
static int step_matches(const char *spec, const char *device, const char *step) {
    const char *colon = strchr(spec, ':');
    if (!colon) return strcmp(spec, step) == 0;
    return strncmp(spec, device, (size_t)(colon - spec)) == 0 && device[colon - spec] == '\0' &&
           strcmp(colon + 1, step) == 0;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* hold_at: wait for hold_file, polling every 10 ms; bounded, cancellable. */
static conduit_result hold(const ecu_agent *a, const device *d, const char *step) {
    const struct timespec tick = {0, 10 * 1000 * 1000};
    char msg[1400];
    int waited_ms;
    snprintf(msg, sizeof msg, "%s held until %s exists (hold_at)", step, a->hold_file);
    g_host->status(g_host, d->id, msg);
    for (waited_ms = 0; !file_exists(a->hold_file); waited_ms += 10) {
        if (g_host->is_cancelled(g_host)) {
            fail_msg("cancelled while held (hold_at)");
            return CONDUIT_E_CANCELLED;
        }
        if (waited_ms >= HOLD_LIMIT_MS) {
            snprintf(msg, sizeof msg, "%s held for %d s and %s never appeared (hold_at)", step, HOLD_LIMIT_MS / 1000,
                     a->hold_file);
            fail_msg(msg);
            return CONDUIT_E_FAILED;
        }
        nanosleep(&tick, NULL);
    }
    return CONDUIT_OK;
}

/* Shared preamble of every step: find the device, honour fail_at and hold_at. */
static conduit_result begin_step(ecu_agent *a, const conduit_update *u, const char *step, device **out) {
    char msg[256];
    *out = find(a, u->device_id);
    if (!*out) {
        snprintf(msg, sizeof msg, "no device %s behind this agent", u->device_id);
        fail_msg(msg);
        return CONDUIT_E_NO_DEVICE;
    }
    if (step_matches(a->fail_at, (*out)->id, step)) {
        snprintf(msg, sizeof msg, "simulated failure at %s (fail_at)", step);
        fail_msg(msg);
        return CONDUIT_E_FAILED;
    }
    if (a->hold_file[0] && step_matches(a->hold_at, (*out)->id, step)) return hold(a, *out, step);
    return CONDUIT_OK;
}

static conduit_result transfer(conduit_agent *agent, const conduit_update *u, conduit_payload *p) {
    ecu_agent *a = self(agent);
    device *d, next;
    char path[1200], buf[65536];
    FILE *f;
    uint64_t total = 0;
    int64_t n;
    conduit_result rc = begin_step(a, u, "transfer", &d);
    if (rc != CONDUIT_OK) return rc;
    state_path(a, d, "staged", path, sizeof path);
    f = fopen(path, "wb");
    if (!f) {
        fail_msg("cannot open staging file");
        return CONDUIT_E_IO;
    }
    while ((n = p->read(p, buf, sizeof buf)) > 0) {
        if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
            fclose(f);
            fail_msg("write to staging file failed");
            return CONDUIT_E_IO;
        }
        total += (uint64_t)n;
        g_host->progress(g_host, d->id, total, p->length);
    }
    if (fclose(f) != 0) return save_failed("write", path);
    if (n < 0) return (conduit_result)n;
    next = *d;
    snprintf(next.staged, FIELD, "%s", u->version);
    snprintf(next.state, FIELD, "%s", CONDUIT_UPDATE_STATE_STAGED);
    return save_as(a, d, &next);
}

#define SIMPLE_STEP(name, label)                                                                                       \
    static conduit_result name(conduit_agent *agent, const conduit_update *u) {                                        \
        device *d;                                                                                                     \
        return begin_step(self(agent), u, label, &d);                                                                  \
    }
SIMPLE_STEP(prepare_install, "prepare_install")
SIMPLE_STEP(install, "install")
SIMPLE_STEP(post_install, "post_install")

static conduit_result activate(conduit_agent *agent, const conduit_update *u) {
    ecu_agent *a = self(agent);
    device *d, next;
    conduit_result rc = begin_step(a, u, "activate", &d);
    if (rc != CONDUIT_OK) return rc;
    if (strcmp(d->state, CONDUIT_UPDATE_STATE_ACTIVATED) == 0 && strcmp(d->current, u->version) == 0) return CONDUIT_OK;
    if (strcmp(d->state, CONDUIT_UPDATE_STATE_STAGED) != 0 || strcmp(d->staged, u->version) != 0) {
        fail_msg("nothing staged for this version");
        return CONDUIT_E_STATE;
    }
    next = *d;
    snprintf(next.previous, FIELD, "%s", d->current);
    snprintf(next.current, FIELD, "%s", u->version);
    snprintf(next.state, FIELD, "%s", CONDUIT_UPDATE_STATE_ACTIVATED);
    return save_as(a, d, &next);
}

static conduit_result commit(conduit_agent *agent, const conduit_update *u) {
    ecu_agent *a = self(agent);
    device *d, next;
    conduit_result rc = begin_step(a, u, "commit", &d);
    if (rc != CONDUIT_OK) return rc;
    if (strcmp(d->state, CONDUIT_UPDATE_STATE_IDLE) == 0 && strcmp(d->current, u->version) == 0) return CONDUIT_OK;
    if (strcmp(d->state, CONDUIT_UPDATE_STATE_ACTIVATED) != 0) {
        fail_msg("commit without activation");
        return CONDUIT_E_STATE;
    }
    next = *d;
    next.staged[0] = '\0';
    snprintf(next.state, FIELD, "%s", CONDUIT_UPDATE_STATE_IDLE);
    return save_as(a, d, &next);
}

static conduit_result rollback(conduit_agent *agent, const conduit_update *u) {
    ecu_agent *a = self(agent);
    device *d = find(a, u->device_id), next;
    char path[1200];
    if (!d) return CONDUIT_E_NO_DEVICE;
    next = *d;
    if (strcmp(d->state, CONDUIT_UPDATE_STATE_ACTIVATED) == 0) {
        snprintf(next.current, FIELD, "%s", d->previous);
    }
    state_path(a, d, "staged", path, sizeof path);
    remove(path);
    next.staged[0] = '\0';
    snprintf(next.state, FIELD, "%s", CONDUIT_UPDATE_STATE_IDLE);
    return save_as(a, d, &next);
}

static void destroy(conduit_agent *agent) { free(agent); }

static conduit_result create(const conduit_agent_config *config, conduit_agent **out) {
    ecu_agent *a = (ecu_agent *)calloc(1, sizeof(ecu_agent));
    char list[1024] = "example-ecu-1:example-ecu";
    char *item, *next;
    int i;
    if (!a) return CONDUIT_E_NO_MEMORY;
    a->base.struct_size = sizeof(conduit_agent);
    a->base.agent_data = a;
    a->base.inventory = inventory;
    a->base.transfer = transfer;
    a->base.prepare_install = prepare_install;
    a->base.install = install;
    a->base.post_install = post_install;
    a->base.activate = activate;
    a->base.commit = commit;
    a->base.rollback = rollback;
    a->base.destroy = destroy;
    snprintf(a->state_dir, sizeof a->state_dir, "%s", config->state_dir);
    json_string(config->config_json, "devices", list, sizeof list);
    json_string(config->config_json, "fail_at", a->fail_at, sizeof a->fail_at);
    json_string(config->config_json, "hold_at", a->hold_at, sizeof a->hold_at);
    json_string(config->config_json, "hold_file", a->hold_file, sizeof a->hold_file);
    for (item = list; item && *item && a->count < MAX_DEVICES; item = next) {
        device *d = &a->devices[a->count++];
        char *colon;
        next = strchr(item, ',');
        if (next) *next++ = '\0';
        colon = strchr(item, ':');
        if (colon) *colon = '\0';
        snprintf(d->id, FIELD, "%s", item);
        snprintf(d->hwid, FIELD, "%s", colon ? colon + 1 : "example-ecu");
        snprintf(d->current, FIELD, "1.0.0");
        snprintf(d->state, FIELD, "%s", CONDUIT_UPDATE_STATE_IDLE);
        load(a, d);
    }
    for (i = 0; i < a->count; ++i) g_host->log(g_host, CONDUIT_LOG_DEBUG, a->devices[i].id);
    *out = &a->base;
    return CONDUIT_OK;
}

static conduit_result init(const conduit_host *host) {
    g_host = host;
    return CONDUIT_OK;
}

static const char *const device_types[] = {"example-ecu", NULL};

CONDUIT_AGENT_EXPORT const conduit_agent_entry_t *conduit_agent_entry(void) {
    static const conduit_agent_entry_t entry = {sizeof(conduit_agent_entry_t),
                                                CONDUIT_ABI_VERSION_INIT,
                                                "io.conduit.example.ecu",
                                                "1.0.0",
                                                device_types,
                                                init,
                                                NULL,
                                                create};
    return &entry;
}
