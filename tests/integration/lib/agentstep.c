/* agentstep: runs one step of an agent plugin through the C ABI alone
 * (dlopen, conduit_agent_entry, create, one call, destroy), for test
 * environments without the runner or Qt — the qemu guests of the UBI test
 * (flash agent), of the ISO-TP agent test (bootloader agent) and of the vivid
 * test (camera agent).
 *
 *   agentstep AGENT.so CONFIG.json STATE_DIR inventory
 *   agentstep AGENT.so CONFIG.json STATE_DIR STEP DEVICE VERSION [IMAGE SHA256 [CUSTOM_JSON]]
 *     STEP: transfer (needs IMAGE and SHA256), prepare, install, post_install, activate, commit, rollback
 *   agentstep AGENT.so CONFIG.json STATE_DIR capture STREAM PARAMS_JSON OUT_FILE
 *     starts STREAM of conduit.data-capture/1, writes what the agent hands
 *     over to OUT_FILE until it ends the stream (60 s at most), then stops it
 *
 * Prints "device <id> state=<update_state> current=<version>" per device for
 * inventory, "capture <stream> end=<code> bytes=<n> writes=<n>" for capture,
 * and "result <step> <code> <message>" for every step; exits 0
 * when the step returned CONDUIT_OK, 1 otherwise, 2 on usage or load errors. */
#include <conduit/agent.h>

#include <conduit/ext/data-capture.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char error_message[4096];

static void host_log(const conduit_host *h, conduit_log_level level, const char *message) {
    (void)h;
    fprintf(stderr, "log %d: %s\n", (int)level, message);
}
static void host_progress(const conduit_host *h, const char *device, uint64_t done, uint64_t total) {
    (void)h, (void)device, (void)done, (void)total;
}
static void host_status(const conduit_host *h, const char *device, const char *message) {
    (void)h;
    fprintf(stderr, "status %s: %s\n", device, message);
}
static void host_set_error(const conduit_host *h, const char *message) {
    (void)h;
    snprintf(error_message, sizeof error_message, "%s", message);
}
static const void *host_extension(const conduit_host *h, const char *id) {
    (void)h, (void)id;
    return NULL;
}
static void host_wakeup(const conduit_host *h) { (void)h; }
static int host_cancelled(const conduit_host *h) {
    (void)h;
    return 0;
}

struct file_payload {
    conduit_payload base;
    FILE *file;
};
static int64_t payload_read(conduit_payload *p, void *buffer, size_t size) {
    struct file_payload *fp = (struct file_payload *)p;
    const size_t n = fread(buffer, 1, size, fp->file);
    return ferror(fp->file) ? CONDUIT_E_IO : (int64_t)n;
}
static const char *payload_path(conduit_payload *p) {
    (void)p;
    return NULL;
}

static void print_device(void *context, const conduit_device_info *d) {
    (void)context;
    printf("device %s state=%s current=%s\n", d->device_id, d->update_state ? d->update_state : "",
           d->current_version ? d->current_version : "");
}

/* The host's end of a capture stream: a file, and the end() it waits for. */
struct file_sink {
    conduit_data_sink base;
    FILE *file;
    pthread_mutex_t mutex;
    pthread_cond_t ended;
    int has_ended;
    conduit_result reason;
    uint64_t bytes, writes;
};
static conduit_result sink_write(const conduit_data_sink *s, const void *data, size_t size, uint64_t ts) {
    struct file_sink *fs = (struct file_sink *)s;
    (void)ts;
    pthread_mutex_lock(&fs->mutex);
    const size_t n = fwrite(data, 1, size, fs->file);
    fs->bytes += n;
    fs->writes++;
    pthread_mutex_unlock(&fs->mutex);
    return n == size ? CONDUIT_OK : CONDUIT_E_IO;
}
static void sink_end(const conduit_data_sink *s, conduit_result reason) {
    struct file_sink *fs = (struct file_sink *)s;
    pthread_mutex_lock(&fs->mutex);
    fs->has_ended = 1;
    fs->reason = reason;
    pthread_cond_signal(&fs->ended);
    pthread_mutex_unlock(&fs->mutex);
}

static conduit_result capture(conduit_agent *agent, const char *stream, const char *params, const char *out) {
    const conduit_data_capture *cap =
        agent->get_extension ? (const conduit_data_capture *)agent->get_extension(agent, CONDUIT_EXT_DATA_CAPTURE)
                             : NULL;
    if (!cap) return CONDUIT_E_UNSUPPORTED;
    static struct file_sink fs;
    fs.base.struct_size = sizeof fs.base;
    fs.base.write = sink_write;
    fs.base.end = sink_end;
    fs.file = fopen(out, "wb");
    if (!fs.file) return CONDUIT_E_IO;
    pthread_mutex_init(&fs.mutex, NULL);
    pthread_cond_init(&fs.ended, NULL);
    conduit_result rc = cap->start(agent, stream, params, &fs.base);
    if (rc == CONDUIT_OK) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 60;
        pthread_mutex_lock(&fs.mutex);
        while (!fs.has_ended && pthread_cond_timedwait(&fs.ended, &fs.mutex, &deadline) == 0) {}
        pthread_mutex_unlock(&fs.mutex);
        rc = cap->stop(agent, stream);
        printf("capture %s end=%d bytes=%llu writes=%llu\n", stream, fs.has_ended ? (int)fs.reason : 1,
               (unsigned long long)fs.bytes, (unsigned long long)fs.writes);
        if (rc == CONDUIT_OK && (!fs.has_ended || fs.reason != CONDUIT_OK))
            rc = fs.has_ended ? fs.reason : CONDUIT_E_TIMEOUT;
    }
    fclose(fs.file);
    return rc;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char text[65536];
    const size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    return text;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s AGENT.so CONFIG.json STATE_DIR STEP [DEVICE VERSION [IMAGE SHA256 [CUSTOM_JSON]]]\n",
                argv[0]);
        return 2;
    }
    const char *step = argv[4];
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    conduit_agent_entry_fn entry_fn = (conduit_agent_entry_fn)dlsym(lib, CONDUIT_AGENT_ENTRY_SYMBOL);
    const conduit_agent_entry_t *entry = entry_fn ? entry_fn() : NULL;
    const char *config_json = read_text(argv[2]);
    if (!entry || !config_json) {
        fprintf(stderr, "no agent entry or config\n");
        return 2;
    }
    static conduit_host host;
    host.struct_size = sizeof host;
    host.abi_version = (conduit_version)CONDUIT_ABI_VERSION_INIT;
    host.host_name = "agentstep";
    host.host_version = "1";
    host.log = host_log;
    host.progress = host_progress;
    host.status = host_status;
    host.set_error = host_set_error;
    host.get_extension = host_extension;
    host.request_wakeup = host_wakeup;
    host.is_cancelled = host_cancelled;
    conduit_result rc = entry->init(&host);
    conduit_agent *agent = NULL;
    conduit_agent_config config = {sizeof config, config_json, argv[3]};
    if (rc == CONDUIT_OK) rc = entry->create(&config, &agent);
    if (rc != CONDUIT_OK) {
        printf("result create %d %s\n", (int)rc, error_message);
        return 1;
    }

    conduit_update update;
    memset(&update, 0, sizeof update);
    update.struct_size = sizeof update;
    update.device_id = argc > 5 ? argv[5] : "";
    update.target_name = "image";
    update.version = argc > 6 ? argv[6] : "";
    update.sha256 = argc > 8 ? argv[8] : "";
    update.custom_json = argc > 9 ? argv[9] : "{}";
    update.staging_dir = argv[3];

    error_message[0] = 0;
    if (strcmp(step, "inventory") == 0) {
        rc = agent->inventory(agent, print_device, NULL);
    } else if (strcmp(step, "transfer") == 0 && argc > 8) {
        struct file_payload p;
        memset(&p, 0, sizeof p);
        p.file = fopen(argv[7], "rb");
        if (!p.file) {
            perror(argv[7]);
            return 2;
        }
        fseek(p.file, 0, SEEK_END);
        update.length = (uint64_t)ftell(p.file);
        fseek(p.file, 0, SEEK_SET);
        p.base.struct_size = sizeof p.base;
        p.base.length = update.length;
        p.base.read = payload_read;
        p.base.file_path = payload_path;
        rc = agent->transfer(agent, &update, &p.base);
        fclose(p.file);
    } else if (strcmp(step, "capture") == 0 && argc > 7) {
        rc = capture(agent, argv[5], argv[6], argv[7]);
    } else if (strcmp(step, "prepare") == 0 && agent->prepare_install) {
        rc = agent->prepare_install(agent, &update);
    } else if (strcmp(step, "install") == 0 && agent->install) {
        rc = agent->install(agent, &update);
    } else if (strcmp(step, "post_install") == 0 && agent->post_install) {
        rc = agent->post_install(agent, &update);
    } else if (strcmp(step, "activate") == 0) {
        rc = agent->activate(agent, &update);
    } else if (strcmp(step, "commit") == 0) {
        rc = agent->commit(agent, &update);
    } else if (strcmp(step, "rollback") == 0) {
        rc = agent->rollback(agent, &update);
    } else {
        fprintf(stderr, "unknown step or missing arguments: %s\n", step);
        return 2;
    }
    printf("result %s %d %s\n", step, (int)rc, error_message);
    agent->destroy(agent);
    entry->deinit();
    return rc == CONDUIT_OK ? 0 : 1;
}
