/*
 * hcs-gcs: the bridge. One reader (the serving thread) handles requests in
 * arrival order, the way the Go GCS stamps its protocol version at read
 * time; ExecuteProcess runs on a worker thread (it dials the host's stdio
 * listeners before answering) and WaitForProcess is answered by the process
 * manager when the process is done. Responses are whole frames written
 * under one lock, in completion order.
 *
 * Every request type gets an answer: real behaviour for NegotiateProtocol
 * and processes in the UVM, and for everything else the error the Go GCS
 * sends in the same situation, with a message naming what is missing.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gcs/frame.h"
#include "gcs.h"

#define NULL_CID HCS_GCS_NULL_CONTAINER_ID
#define NO_CONTAINERS "hcs-gcs runs processes in the utility VM only and does not support containers"

enum { STOP_NONE = 0, STOP_LOST = 1, STOP_SHUTDOWN = 2, STOP_SIGNAL = 3, STOP_DIAL = 4 };

struct hcsg_agent {
    hcsg_options o;
    hcsg_procs *procs;
    pthread_mutex_t wlock; /* one frame at a time on the bridge */
    int rfd, wfd;
    int wake_efd;          /* wakes the reader (stop) */
    hcsg_send_fn sink;
    void *sink_ctx;
    uint32_t protver;      /* 0 until NegotiateProtocol, then 4 */
    int dry_run;
    int stop_reason;
    int shutdown_forced;   /* UVM ShutdownForced (no SIGTERM grace) */
    pthread_mutex_t xm;    /* exec workers */
    pthread_cond_t xcv;
    unsigned exec_workers;
    uint64_t start_ns;
    uint64_t frames;
};

/* One request being handled. */
typedef struct req {
    uint32_t type;
    uint64_t id;
    const char *body;
    size_t len;
    hcsi_json *doc;       /* the parsed body (any JSON value) or NULL */
    int parse_failed;
    char perr[512];
    char cid[256];        /* sniffed ContainerId / ActivityId */
    char aid[256];
} req;

void hcsg_options_init(hcsg_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_frame = HCSG_DEFAULT_MAX_FRAME;
    o->dial_timeout_ms = 120000;
    o->kill_grace_ms = 500;
    o->max_processes = HCSG_MAX_PROCESSES;
}

/* ---- sending ---- */

/* Writes a whole frame; a stop request interrupts it (a host that stopped
 * reading must not keep the agent from cleaning up). 0 or -1. */
static int write_frame(hcsg_agent *a, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(a->wfd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(a->wfd, p, n); /* --stdio on pipes (made non-blocking) */
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd f[2];
            f[0].fd = a->wfd;
            f[0].events = POLLOUT;
            f[0].revents = 0;
            f[1].fd = a->wake_efd;
            f[1].events = POLLIN;
            f[1].revents = 0;
            if (poll(f, 2, -1) < 0 && errno != EINTR)
                return -1;
            if (f[1].revents)
                return -1; /* stopping */
            continue;
        }
        return -1;
    }
    return 0;
}

static int bridge_send(void *ctx, uint32_t type, uint64_t id, const char *body,
                       size_t len)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    hcsi_buf f;
    int rc = -1;
    hcsi_buf_init(&f, 0);
    if (HCS_FAILED(hcsi_gcs_frame_build(&f, type, id, body, len))) {
        HCSG_ERROR("out of memory framing the response to id %llu", (unsigned long long)id);
        hcsi_buf_free(&f);
        return -1;
    }
    pthread_mutex_lock(&a->wlock);
    if (a->wfd >= 0)
        rc = write_frame(a, (const unsigned char *)f.data, f.len);
    pthread_mutex_unlock(&a->wlock);
    hcsi_buf_free(&f);
    if (rc != 0)
        HCSG_DEBUG("cannot send response id %llu: bridge closed or agent stopping",
                   (unsigned long long)id);
    return rc;
}

static void send_obj(hcsg_agent *a, uint32_t type, uint64_t id, hcsi_json *o)
{
    char *text;
    size_t len = 0;
    char tn[40];
    if (!o) {
        HCSG_ERROR("out of memory building the response to id %llu",
                   (unsigned long long)id);
        return;
    }
    text = hcsg_resp_text(o, &len);
    hcsi_json_put(o);
    if (!text) {
        HCSG_ERROR("cannot serialise the response to id %llu", (unsigned long long)id);
        return;
    }
    if (hcsg_log_enabled(HCSG_LOG_TRACE))
        HCSG_TRACE("send %s id %llu size %zu: %.*s",
                   hcsi_gcs_type_name(type, tn, sizeof tn), (unsigned long long)id,
                   len + HCS_GCS_HEADER_SIZE, (int)(len > 1024 ? 1024 : len), text);
    a->sink(a->sink_ctx, type, id, text, len);
    free(text);
}

static void send_error(hcsg_agent *a, uint32_t req_type, uint64_t id,
                       const char *aid, const hcsg_err *e)
{
    char tn[40];
    HCSG_DEBUG("%s id %llu failed: 0x%08x %s",
               hcsi_gcs_type_name(req_type, tn, sizeof tn), (unsigned long long)id,
               (unsigned)e->hr, e->msg);
    send_obj(a, HCS_GCS_RESPONSE_FOR(req_type), id, hcsg_resp_error(e, aid));
}

/* WaitForProcess answers from the process manager. */
static void wait_done(void *ctx, uint64_t id, const char *aid, int32_t hr,
                      uint32_t code)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    uint32_t t = HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS);
    if (hr != 0) {
        hcsg_err e;
        hcsg_err_bare(&e, hr);
        send_error(a, t, id, aid, &e);
        return;
    }
    {
        hcsi_json *o = hcsg_resp_new(0, aid);
        if (o && HCS_FAILED(hcsi_json_set_uint(o, "ExitCode", code))) {
            hcsi_json_put(o);
            o = NULL;
        }
        send_obj(a, HCS_GCS_RESPONSE_FOR(t), id, o);
    }
}

/* ---- decoding helpers ---- */

/* json.Unmarshal(r.Message, &request) of the handler: the body as an object
 * (NULL for JSON null), or -1 with the handler's wrapped error. */
static int req_object(req *r, hcsg_err *e, const char *tname, hcsi_json **obj)
{
    *obj = NULL;
    if (r->parse_failed) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "%s", r->perr);
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    if (r->doc && hcsi_json_kind_of(r->doc) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go value of type prot.%s",
                      hcsi_json_kind_name(hcsi_json_kind_of(r->doc)), tname);
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    *obj = r->doc;
    return 0;
}

/* Decodes MessageBase; on error the handler's unmarshal wrapping. */
static int req_base(req *r, hcsg_err *e, const char *tname, hcsi_json **obj,
                    hcsg_base *b)
{
    if (req_object(r, e, tname, obj) < 0)
        return -1;
    if (hcsg_decode_base(e, *obj, tname, b) < 0) {
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    return 0;
}

static int fail_unmarshal(req *r, hcsg_err *e)
{
    hcsg_err_unmarshal(e, "in message", r->body, r->len);
    return -1;
}

static void err_no_container(hcsg_err *e, const char *cid)
{
    hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND, "container \"%.200s\" not found: %s",
                  cid, NO_CONTAINERS);
}

/* Whether obj has the member at all (a JSON null member included). */
static int has_key(const hcsi_json *obj, const char *key)
{
    hcsi_json_iter it;
    const char *k;
    hcsi_json *v;
    hcsi_json_iter_init(obj, &it);
    while (hcsi_json_iter_next(&it, &k, &v))
        if (strcasecmp(k, key) == 0)
            return 1;
    return 0;
}

/* Field kinds for schema checks of nested settings. */
typedef struct fieldspec {
    const char *name;
    char kind; /* s string, b bool, 1 u8, 2 u16, 4 u32, i i32, 8 u64,
                  a []string, o object, A array */
} fieldspec;

static int check_fields(hcsg_err *e, const hcsi_json *o, const char *tname,
                        const fieldspec *f, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *s;
        int bv;
        int64_t iv = 0;
        uint64_t uv = 0;
        hcsi_json *j;
        int rc = 0;
        switch (f[i].kind) {
        case 's': rc = hcsg_get_str(e, o, tname, f[i].name, &s, NULL); break;
        case 'b': rc = hcsg_get_bool(e, o, tname, f[i].name, &bv); break;
        case '1': rc = hcsg_get_int(e, o, tname, f[i].name, "uint8", 0, 255, &iv); break;
        case '2': rc = hcsg_get_int(e, o, tname, f[i].name, "uint16", 0, 65535, &iv); break;
        case '4':
            rc = hcsg_get_int(e, o, tname, f[i].name, "uint32", 0, 0xFFFFFFFFll, &iv);
            break;
        case 'i':
            rc = hcsg_get_int(e, o, tname, f[i].name, "int32", INT32_MIN, INT32_MAX, &iv);
            break;
        case '8': rc = hcsg_get_u64(e, o, tname, f[i].name, &uv); break;
        case 'a': rc = hcsg_get_strarr(e, o, tname, f[i].name, &j); break;
        case 'o': rc = hcsg_get_obj(e, o, tname, f[i].name, &j); break;
        case 'A': {
            hcsi_json *v = hcsg_member(o, f[i].name);
            if (v && hcsi_json_kind_of(v) != HCSI_JSON_ARRAY) {
                hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                              "json: cannot unmarshal %s into Go struct field %s.%s of "
                              "type []struct",
                              hcsi_json_kind_name(hcsi_json_kind_of(v)), tname, f[i].name);
                rc = -1;
            }
            break;
        }
        default: break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- handlers ----
 * Each returns 0 with *resp (success), -1 with e (error response), or 1
 * (answered later / no answer). */

static int h_negotiate(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *caps;
    hcsg_base b;
    uint32_t minv = 0, maxv = 0, ver;
    if (req_base(r, e, "NegotiateProtocol", &o, &b) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "NegotiateProtocol", "MinimumVersion", &minv) < 0 ||
        hcsg_get_u32(e, o, "NegotiateProtocol", "MaximumVersion", &maxv) < 0)
        return fail_unmarshal(r, e);
    if (maxv < HCS_GCS_PROTOCOL_VERSION || HCS_GCS_PROTOCOL_VERSION < minv) {
        hcsg_err_wrap(e, HCSG_HR_UNSUPPORTED_PROTOCOL,
                      "hcs-gcs speaks protocol version 4 only; the host offered %lu..%lu",
                      (unsigned long)minv, (unsigned long)maxv);
        return -1;
    }
    ver = maxv < HCS_GCS_PROTOCOL_VERSION ? maxv : HCS_GCS_PROTOCOL_VERSION;
    a->protver = ver;
    *resp = hcsg_resp_new(0, r->aid);
    caps = hcsg_capabilities();
    if (!*resp || !caps || HCS_FAILED(hcsi_json_set_uint(*resp, "Version", ver)) ||
        HCS_FAILED(hcsi_json_set(*resp, "Capabilities", caps))) {
        hcsi_json_put(*resp);
        *resp = NULL;
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    HCSG_INFO("negotiated protocol version %lu", (unsigned long)ver);
    return 0;
}

static int h_create(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    static const fieldspec supported[] = {
        {"MinimumVersion", 's'}, {"MaximumVersion", 's'},
        {"MinimumProtocolVersion", '4'}, {"MaximumProtocolVersion", '4'}};
    static const fieldspec settings[] = {
        {"OciBundlePath", 's'}, {"OciSpecification", 'o'}, {"ScratchDirPath", 's'}};
    hcsi_json *o, *sv = NULL, *cfg = NULL, *schema = NULL;
    hcsg_base b;
    const char *config = "";
    size_t config_len = 0;
    uint32_t major = 0, minor = 0;
    (void)a;
    (void)resp;
    if (req_base(r, e, "ContainerCreate", &o, &b) < 0)
        return -1;
    if (hcsg_get_str(e, o, "ContainerCreate", "ContainerConfig", &config, &config_len) < 0 ||
        hcsg_get_obj(e, o, "ContainerCreate", "SupportedVersions", &sv) < 0 ||
        (sv && check_fields(e, sv, "ProtocolSupport", supported,
                            HCSI_ARRAY_LEN(supported)) < 0))
        return fail_unmarshal(r, e);
    if (hcsg_parse_message(e, config, config_len, "VMHostedContainerSettingsV2", &cfg) < 0) {
        hcsg_err_unmarshal(e, "for ContainerConfig", config, config_len);
        return -1;
    }
    if (hcsg_get_obj(e, cfg, "VMHostedContainerSettingsV2", "SchemaVersion", &schema) < 0 ||
        (schema && (hcsg_get_u32(e, schema, "SchemaVersion", "Major", &major) < 0 ||
                    hcsg_get_u32(e, schema, "SchemaVersion", "Minor", &minor) < 0)) ||
        check_fields(e, cfg, "VMHostedContainerSettingsV2", settings,
                     HCSI_ARRAY_LEN(settings)) < 0) {
        hcsi_json_put(cfg);
        hcsg_err_unmarshal(e, "for ContainerConfig", config, config_len);
        return -1;
    }
    hcsi_json_put(cfg);
    if (major < 2 || (major == 2 && minor < 1)) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "invalid schema version: {%lu %lu}",
                      (unsigned long)major, (unsigned long)minor);
        return -1;
    }
    /* The Go GCS would create the container here; its runtime failing is
     * an E_FAIL "failed to create container: ..." (golden live-uvm 24-25). */
    hcsg_err_plain(e, "failed to create container: container \"%.200s\": %s (no OCI "
                      "runtime in this guest agent)",
                   b.container_id, NO_CONTAINERS);
    return -1;
}

static int h_start(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    (void)a;
    if (req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    /* A no-op success in the Go GCS (Linux containers start with their init
     * process's ExecuteProcess). */
    HCSG_INFO("Start of \"%s\": a no-op on Linux guests", b.container_id);
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

static int h_shutdown(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                      int forced)
{
    hcsi_json *o;
    hcsg_base b;
    (void)resp;
    if (req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    if (strcmp(b.container_id, NULL_CID) == 0) {
        /* The UVM itself: the Go GCS stops its bridge and powers off
         * without answering. */
        if (a->dry_run) {
            hcsg_err_plain(e, "dry run: UVM shutdown not performed");
            return -1;
        }
        HCSG_INFO("UVM shutdown requested (%s)", forced ? "forced" : "graceful");
        a->shutdown_forced = forced;
        return 2;
    }
    err_no_container(e, b.container_id);
    return -1;
}

typedef struct exec_job {
    hcsg_agent *a;
    uint64_t id;
    char aid[256];
    hcsi_json *params; /* ProcessParameters (a reference) or NULL */
    int want[3];
    uint32_t port[3];
} exec_job;

static int env_ok(const char *s, size_t len) { return strlen(s) == len; }

/* Builds argv/env/path/user from ProcessParameters and spawns. */
static int exec_spawn(hcsg_agent *a, exec_job *j, int socks[3], pid_t *pid,
                      hcsg_err *e)
{
    hcsg_strv argv, envv;
    hcsg_spawn s;
    hcsi_json *args = NULL, *env = NULL;
    const char *cmdline = "", *dir = NULL, *user = NULL;
    size_t cmdline_len = 0, dir_len = 0;
    int tty = 0, rc = -1;
    char msg[512];
    hcsg_strv_init(&argv);
    hcsg_strv_init(&envv);
    memset(&s, 0, sizeof s);
    s.in_sock = socks[0];
    s.out_sock = socks[1];
    s.err_sock = socks[2];
    /* Decoded and type-checked by the handler already. */
    hcsg_get_strarr(e, j->params, "ProcessParameters", "CommandArgs", &args);
    hcsg_get_str(e, j->params, "ProcessParameters", "CommandLine", &cmdline, &cmdline_len);
    hcsg_get_str(e, j->params, "ProcessParameters", "WorkingDirectory", &dir, &dir_len);
    hcsg_get_strmap(e, j->params, "ProcessParameters", "Environment", &env);
    hcsg_get_bool(e, j->params, "ProcessParameters", "EmulateConsole", &tty);
    {
        hcsi_json *u = hcsg_member(j->params, "User");
        if (u && hcsi_json_kind_of(u) == HCSI_JSON_STRING)
            user = hcsi_json_str(u, NULL);
    }
    if (args && hcsi_json_array_len(args) > 0) {
        size_t i, n = hcsi_json_array_len(args);
        if (n > HCSG_MAX_ARGS) {
            hcsg_err_plain(e, "too many command arguments (%zu, limit %u)", n, HCSG_MAX_ARGS);
            goto out;
        }
        for (i = 0; i < n; i++) {
            hcsi_json *v = hcsi_json_array_at(args, i);
            size_t l = 0;
            const char *str = hcsi_json_kind_of(v) == HCSI_JSON_STRING ? hcsi_json_str(v, &l) : "";
            if (!env_ok(str, l)) {
                hcsg_err_plain(e, "failed to call Start for external process: fork/exec: "
                                  "invalid argument (NUL byte in argument %zu)", i);
                goto out;
            }
            if (hcsg_strv_push(&argv, str, l) != 0)
                goto oom;
        }
    } else if (hcsg_shellwords(cmdline, cmdline_len, &argv) != 0) {
        hcsg_err_plain(e, "failed to parse command line string \"%.300s\": invalid command "
                          "line string",
                       cmdline);
        goto out;
    }
    if (argv.n == 0) {
        /* The Go GCS indexes args[0] and crashes; we answer. */
        hcsg_err_plain(e, "failed to call Start for external process: no command: "
                          "ProcessParameters has neither CommandArgs nor a CommandLine "
                          "naming a program");
        goto out;
    }
    if (env) {
        hcsi_json_iter it;
        const char *k;
        hcsi_json *v;
        if (hcsi_json_object_len(env) > HCSG_MAX_ENV) {
            hcsg_err_plain(e, "too many environment variables (limit %u)", HCSG_MAX_ENV);
            goto out;
        }
        hcsi_json_iter_init(env, &it);
        while (hcsi_json_iter_next(&it, &k, &v)) {
            size_t vl = 0;
            const char *vs = hcsi_json_kind_of(v) == HCSI_JSON_STRING ? hcsi_json_str(v, &vl) : "";
            char *kv;
            if (!env_ok(vs, vl)) {
                hcsg_err_plain(e, "failed to call Start for external process: fork/exec %s: "
                                  "invalid argument",
                               argv.v[0]);
                goto out;
            }
            kv = hcsi_asprintf("%s=%s", k, vs);
            if (!kv || hcsg_strv_push(&envv, kv, strlen(kv)) != 0) {
                free(kv);
                goto oom;
            }
            free(kv);
        }
    }
    if (!envv.v && hcsg_strv_push(&envv, "", 0) == 0) {
        /* An empty environment (Go passes an empty, non-nil list). */
        free(envv.v[0]);
        envv.v[0] = NULL;
        envv.n = 0;
    }
    if (!envv.v)
        goto oom;
    if (dir && !env_ok(dir, dir_len)) {
        hcsg_err_plain(e, "failed to call Start for external process: chdir: invalid argument");
        goto out;
    }
    if (user && *user) {
        if (hcsg_user_lookup(user, &s.user, msg, sizeof msg) != 0) {
            hcsg_err_plain(e, "failed to call Start for external process: %s", msg);
            goto out;
        }
        s.has_user = 1;
    }
    s.path = hcsg_lookpath(argv.v[0], msg, sizeof msg);
    if (!s.path) {
        hcsg_err_plain(e, "failed to call Start for external process: %s", msg);
        goto out;
    }
    s.argv = argv.v;
    s.envp = envv.v;
    s.dir = dir && *dir ? dir : NULL;
    s.tty = tty;
    s.argv0 = argv.v[0];
    if (tty) {
        /* ConsoleSize [height, width] (hcsshim sends it; the Go GCS ignores
         * it, we apply it when well-formed). */
        hcsi_json *cs = hcsg_member(j->params, "ConsoleSize");
        if (cs && hcsi_json_array_len(cs) == 2 &&
            hcsi_json_kind_of(hcsi_json_array_at(cs, 0)) == HCSI_JSON_INT &&
            hcsi_json_kind_of(hcsi_json_array_at(cs, 1)) == HCSI_JSON_INT) {
            int64_t h = hcsi_json_i64(hcsi_json_array_at(cs, 0));
            int64_t w = hcsi_json_i64(hcsi_json_array_at(cs, 1));
            if (h > 0 && h <= 65535 && w > 0 && w <= 65535) {
                s.rows = (uint16_t)h;
                s.cols = (uint16_t)w;
            }
        }
    }
    rc = hcsg_proc_start(a->procs, &s, pid, e);
    socks[0] = socks[1] = socks[2] = -1; /* taken (or closed) by proc_start */
    goto out;
oom:
    hcsg_err_plain(e, "out of memory");
out:
    free(s.path);
    hcsg_strv_free(&argv);
    hcsg_strv_free(&envv);
    return rc;
}

static void *exec_worker(void *arg)
{
    exec_job *j = (exec_job *)arg;
    pthread_setname_np(pthread_self(), "gcs-exec");
    hcsg_agent *a = j->a;
    uint32_t t = HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_EXECUTE_PROCESS);
    static const char *const names[3] = {"stdin", "stdout", "stderr"};
    int socks[3] = {-1, -1, -1};
    hcsg_err e;
    pid_t pid = 0;
    int i;
    hcsg_err_clear(&e);
    /* stdin, stdout, stderr, each dialled before the response (Go order:
     * connect first, then parse the command). */
    for (i = 0; i < 3; i++) {
        char msg[512];
        if (!j->want[i])
            continue;
        socks[i] = hcsg_dial(&a->o.stdio, j->port[i], msg, sizeof msg);
        if (socks[i] < 0) {
            hcsg_err_plain(&e, "failed creating %s Connection: %s", names[i], msg);
            goto fail;
        }
        HCSG_DEBUG("exec id %llu: %s connected to port %lu", (unsigned long long)j->id,
                   names[i], (unsigned long)j->port[i]);
    }
    if (exec_spawn(a, j, socks, &pid, &e) != 0)
        goto fail;
    {
        hcsi_json *o = hcsg_resp_new(0, j->aid);
        if (o && HCS_FAILED(hcsi_json_set_uint(o, "ProcessId", (uint32_t)pid))) {
            hcsi_json_put(o);
            o = NULL;
        }
        send_obj(a, HCS_GCS_RESPONSE_FOR(t), j->id, o);
    }
    goto done;
fail:
    for (i = 0; i < 3; i++)
        if (socks[i] >= 0)
            close(socks[i]);
    send_error(a, t, j->id, j->aid, &e);
done:
    hcsi_json_put(j->params);
    free(j);
    pthread_mutex_lock(&a->xm);
    a->exec_workers--;
    pthread_cond_broadcast(&a->xcv);
    pthread_mutex_unlock(&a->xm);
    return NULL;
}

static int h_exec(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    static const fieldspec pp_fields[] = {
        {"CommandLine", 's'}, {"CommandArgs", 'a'}, {"WorkingDirectory", 's'},
        {"EmulateConsole", 'b'}, {"CreateStdInPipe", 'b'}, {"CreateStdOutPipe", 'b'},
        {"CreateStdErrPipe", 'b'}, {"CreateInUtilityVM", 'b'},
        {"OciSpecification", 'o'}, {"OciProcess", 'o'}};
    static const char *const pipe_keys[3] = {"CreateStdInPipe", "CreateStdOutPipe",
                                             "CreateStdErrPipe"};
    static const char *const port_keys[3] = {"StdIn", "StdOut", "StdErr"};
    hcsi_json *o, *settings = NULL, *relay = NULL, *params = NULL, *env = NULL;
    hcsg_base b;
    const char *pp = "";
    size_t pp_len = 0;
    int external = 0, i;
    exec_job *j;
    pthread_t t;
    pthread_attr_t attr;
    (void)resp;
    if (req_base(r, e, "ContainerExecuteProcess", &o, &b) < 0)
        return -1;
    if (hcsg_get_obj(e, o, "ContainerExecuteProcess", "Settings", &settings) < 0 ||
        hcsg_get_str(e, settings, "ExecuteProcessSettings", "ProcessParameters", &pp,
                     &pp_len) < 0 ||
        hcsg_get_obj(e, settings, "ExecuteProcessSettings", "VsockStdioRelaySettings",
                     &relay) < 0)
        return fail_unmarshal(r, e);
    j = (exec_job *)calloc(1, sizeof *j);
    if (!j) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    for (i = 0; i < 3; i++)
        if (hcsg_get_u32(e, relay, "ExecuteProcessVsockStdioRelaySettings", port_keys[i],
                         &j->port[i]) < 0) {
            free(j);
            return fail_unmarshal(r, e);
        }
    if (hcsg_parse_message(e, pp, pp_len, "ProcessParameters", &params) < 0 ||
        check_fields(e, params, "ProcessParameters", pp_fields,
                     HCSI_ARRAY_LEN(pp_fields)) < 0 ||
        hcsg_get_strmap(e, params, "ProcessParameters", "Environment", &env) < 0) {
        hcsi_json_put(params);
        free(j);
        hcsg_err_unmarshal(e, "for ProcessParameters", pp, pp_len);
        return -1;
    }
    for (i = 0; i < 3; i++)
        hcsg_get_bool(e, params, "ProcessParameters", pipe_keys[i], &j->want[i]);
    hcsg_get_bool(e, params, "ProcessParameters", "CreateInUtilityVM", &external);
    if (!external && strcmp(b.container_id, NULL_CID) != 0) {
        hcsi_json_put(params);
        free(j);
        err_no_container(e, b.container_id);
        return -1;
    }
    if (a->dry_run) {
        hcsi_json_put(params);
        free(j);
        hcsg_err_plain(e, "dry run: process not started");
        return -1;
    }
    j->a = a;
    j->id = r->id;
    snprintf(j->aid, sizeof j->aid, "%s", r->aid);
    if (!params) {
        params = hcsi_json_object(); /* "null": every field absent */
        if (!params) {
            free(j);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
    }
    j->params = params;
    /* Back-pressure: at most HCSG_MAX_EXEC_WORKERS at once. */
    pthread_mutex_lock(&a->xm);
    while (a->exec_workers >= HCSG_MAX_EXEC_WORKERS)
        pthread_cond_wait(&a->xcv, &a->xm);
    a->exec_workers++;
    pthread_mutex_unlock(&a->xm);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256u * 1024u);
    if (pthread_create(&t, &attr, exec_worker, j) != 0) {
        pthread_attr_destroy(&attr);
        pthread_mutex_lock(&a->xm);
        a->exec_workers--;
        pthread_cond_broadcast(&a->xcv);
        pthread_mutex_unlock(&a->xm);
        hcsi_json_put(params);
        free(j);
        hcsg_err_plain(e, "cannot start a thread for ExecuteProcess: out of resources");
        return -1;
    }
    pthread_attr_destroy(&attr);
    return 1;
}

/* The process a UVM-targeted request names, as a pid. */
static pid_t as_pid(uint32_t v) { return v > 0x7FFFFFFFu ? 0 : (pid_t)v; }

static int h_wait(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    uint32_t pid = 0, timeout = 0;
    (void)resp;
    if (req_base(r, e, "ContainerWaitForProcess", &o, &b) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "ContainerWaitForProcess", "ProcessId", &pid) < 0 ||
        hcsg_get_u32(e, o, "ContainerWaitForProcess", "TimeoutInMs", &timeout) < 0)
        return fail_unmarshal(r, e);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        err_no_container(e, b.container_id);
        return -1;
    }
    if (a->dry_run) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    if (hcsg_proc_wait(a->procs, as_pid(pid), timeout, r->id, r->aid, e) != 0)
        return -1;
    return 1;
}

static int h_signal(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *opts = NULL;
    hcsg_base b;
    uint32_t pid = 0;
    int32_t sig = 0;
    if (req_base(r, e, "ContainerSignalProcess", &o, &b) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "ContainerSignalProcess", "ProcessId", &pid) < 0 ||
        hcsg_get_obj(e, o, "ContainerSignalProcess", "Options", &opts) < 0 ||
        hcsg_get_i32(e, opts, "SignalProcessOptions", "Signal", &sig) < 0)
        return fail_unmarshal(r, e);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        err_no_container(e, b.container_id);
        return -1;
    }
    if (a->o.strict) {
        /* The Go GCS only signals container processes (golden live-uvm
         * 17-18). */
        hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND,
                      "SignalProcess targets containers only (--strict: as the Go GCS)");
        return -1;
    }
    if (a->dry_run) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    if (hcsg_proc_signal(a->procs, as_pid(pid), sig == 0 ? SIGKILL : sig, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

static int h_resize(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    uint32_t pid = 0;
    uint16_t h = 0, w = 0;
    if (req_base(r, e, "ContainerResizeConsole", &o, &b) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "ContainerResizeConsole", "ProcessId", &pid) < 0 ||
        hcsg_get_u16(e, o, "ContainerResizeConsole", "Height", &h) < 0 ||
        hcsg_get_u16(e, o, "ContainerResizeConsole", "Width", &w) < 0)
        return fail_unmarshal(r, e);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        err_no_container(e, b.container_id);
        return -1;
    }
    if (a->o.strict) {
        hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND,
                      "ResizeConsole targets containers only (--strict: as the Go GCS)");
        return -1;
    }
    if (a->dry_run) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    if (hcsg_proc_resize(a->procs, as_pid(pid), h, w, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

static int h_properties(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *q = NULL, *types = NULL, *props = NULL;
    hcsg_base b;
    const char *query = "";
    size_t qlen = 0, i, n;
    int want_list = 0;
    char *text;
    if (req_base(r, e, "ContainerGetProperties", &o, &b) < 0)
        return -1;
    if (hcsg_get_str(e, o, "ContainerGetProperties", "Query", &query, &qlen) < 0)
        return fail_unmarshal(r, e);
    if (qlen != 0) {
        if (hcsg_parse_message(e, query, qlen, "PropertyQuery", &q) < 0 ||
            hcsg_get_strarr(e, q, "PropertyQuery", "PropertyTypes", &types) < 0) {
            hcsi_json_put(q);
            hcsg_err_prefix(e, "The query could not be unmarshaled: '%.300s'", query);
            return -1;
        }
    }
    n = hcsi_json_array_len(types);
    for (i = 0; i < n; i++) {
        hcsi_json *t = hcsi_json_array_at(types, i);
        const char *s = hcsi_json_kind_of(t) == HCSI_JSON_STRING ? hcsi_json_str(t, NULL) : "";
        if (strcmp(s, "ProcessList") == 0)
            want_list = 1;
        else
            HCSG_WARN("GetProperties: property type \"%s\" is not supported for the "
                      "UVM; ignored",
                      s);
    }
    hcsi_json_put(q);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        err_no_container(e, b.container_id);
        return -1;
    }
    if (a->o.strict) {
        hcsg_err_plain(e, "getPropertiesV2 is not supported against the UVM");
        return -1;
    }
    props = hcsi_json_object();
    if (!props)
        goto oom;
    if (want_list && !a->dry_run) {
        pid_t *pids = NULL;
        size_t k, np = hcsg_proc_list(a->procs, &pids);
        if (np > 0) {
            hcsi_json *arr = hcsi_json_array();
            if (!arr) {
                free(pids);
                goto oom;
            }
            for (k = 0; k < np; k++) {
                hcsi_json *d = hcsi_json_object();
                if (!d || HCS_FAILED(hcsi_json_set_uint(d, "ProcessId", (uint32_t)pids[k])) ||
                    HCS_FAILED(hcsi_json_append(arr, d))) {
                    hcsi_json_put(arr);
                    free(pids);
                    goto oom;
                }
            }
            if (HCS_FAILED(hcsi_json_set(props, "ProcessList", arr))) {
                free(pids);
                goto oom;
            }
        }
        free(pids);
    }
    text = hcsg_resp_text(props, NULL);
    hcsi_json_put(props);
    props = NULL;
    if (!text)
        goto oom;
    *resp = hcsg_resp_new(0, r->aid);
    if (!*resp || HCS_FAILED(hcsi_json_set_str(*resp, "Properties", text))) {
        free(text);
        goto oom;
    }
    free(text);
    return 0;
oom:
    hcsi_json_put(props);
    hcsi_json_put(*resp);
    *resp = NULL;
    hcsg_err_plain(e, "out of memory");
    return -1;
}

/* ModifySettings: ResourceType settings schemas (guestresource). */
static const fieldspec mvd_fields[] = {
    {"MountPath", 's'}, {"Lun", '1'}, {"Controller", '1'}, {"Partition", '8'},
    {"ReadOnly", 'b'}, {"Encrypted", 'b'}, {"Options", 'a'}, {"EnsureFilesystem", 'b'},
    {"Filesystem", 's'}, {"BlockDev", 'b'}};
static const fieldspec scsi_fields[] = {{"Controller", '1'}, {"Lun", '1'}};
static const fieldspec md_fields[] = {
    {"MountPath", 's'}, {"Port", 'i'}, {"ShareName", 's'}, {"ReadOnly", 'b'}};
static const fieldspec vpmem_fields[] = {
    {"DeviceNumber", '4'}, {"MountPath", 's'}, {"MappingInfo", 'o'}};
static const fieldspec layers_fields[] = {
    {"ContainerID", 's'}, {"ContainerRootPath", 's'}, {"Layers", 'A'}, {"ScratchPath", 's'}};
static const fieldspec net_fields[] = {
    {"NamespaceID", 's'}, {"ID", 's'}, {"MacAddress", 's'}, {"DNSSuffix", 's'},
    {"DNSServerList", 's'}, {"EncapOverhead", '2'}, {"VPCIAssigned", 'b'},
    {"IPConfigs", 'A'}, {"Routes", 'A'}, {"PolicyBasedRouting", 'b'},
    {"EnableLowMetric", 'b'}};
static const fieldspec vpci_fields[] = {{"VMBusGUID", 's'}};
static const fieldspec cc_fields[] = {{"Windows", 'o'}, {"Linux", 'o'}};
static const fieldspec policy_fields[] = {
    {"EnforcerType", 's'}, {"EncodedSecurityPolicy", 's'}, {"EncodedUVMReference", 's'}};
static const fieldspec fragment_fields[] = {{"Fragment", 's'}};

typedef struct resource {
    const char *type;
    const char *gostruct;
    const fieldspec *fields;
    size_t nfields;
    const char *missing; /* why hcs-gcs cannot do it */
} resource;

static const resource g_resources[] = {
    {"SCSIDevice", "SCSIDevice", scsi_fields, HCSI_ARRAY_LEN(scsi_fields),
     "SCSI device hot-plug is not implemented in hcs-gcs"},
    {"MappedVirtualDisk", "MappedVirtualDiskV2", mvd_fields, HCSI_ARRAY_LEN(mvd_fields),
     "device hot-add (SCSI virtual disks) is not implemented in hcs-gcs"},
    {"MappedDirectory", "MappedDirectoryV2", md_fields, HCSI_ARRAY_LEN(md_fields),
     "Plan9 directory shares are not implemented in hcs-gcs"},
    {"VPMemDevice", "MappedVPMemDeviceV2", vpmem_fields, HCSI_ARRAY_LEN(vpmem_fields),
     "device hot-add (VPMem) is not implemented in hcs-gcs"},
    {"CombinedLayers", "CombinedLayersV2", layers_fields, HCSI_ARRAY_LEN(layers_fields),
     "container layers (overlay rootfs) are not supported: " NO_CONTAINERS},
    {"Network", "NetworkAdapterV2", net_fields, HCSI_ARRAY_LEN(net_fields),
     "networking (adapters and namespaces) is not implemented in hcs-gcs"},
    {"VPCIDevice", "MappedVPCIDeviceV2", vpci_fields, HCSI_ARRAY_LEN(vpci_fields),
     "device hot-add (vPCI) is not implemented in hcs-gcs"},
    {"ContainerConstraints", "ContainerConstraintsV2", cc_fields, HCSI_ARRAY_LEN(cc_fields),
     NULL},
    {"SecurityPolicy", "ConfidentialOptions", policy_fields, HCSI_ARRAY_LEN(policy_fields),
     "security policy enforcement is not implemented in hcs-gcs"},
    {"SecurityPolicyFragment", "SecurityPolicyFragment", fragment_fields,
     HCSI_ARRAY_LEN(fragment_fields),
     "security policy enforcement is not implemented in hcs-gcs"},
    {"PodCgroupMemoryLimit", NULL, NULL, 0, NULL},
};

static int h_modify(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *rq, *settings;
    hcsg_base b;
    const char *rtype = "", *reqtype = "";
    const resource *res = NULL;
    size_t i;
    (void)a;
    (void)resp;
    if (req_base(r, e, "containerModifySettings", &o, &b) < 0)
        return -1;
    rq = hcsg_member(o, "Request");
    if (!has_key(o, "Request")) {
        /* Absent: Go unmarshals an empty RawMessage. */
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "unexpected end of JSON input");
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return fail_unmarshal(r, e);
    }
    if (rq && hcsi_json_kind_of(rq) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go value of type "
                      "guestrequest.ModificationRequest",
                      hcsi_json_kind_name(hcsi_json_kind_of(rq)));
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return fail_unmarshal(r, e);
    }
    if (hcsg_get_str(e, rq, "ModificationRequest", "ResourceType", &rtype, NULL) < 0 ||
        hcsg_get_str(e, rq, "ModificationRequest", "RequestType", &reqtype, NULL) < 0) {
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return fail_unmarshal(r, e);
    }
    if (!*reqtype)
        reqtype = "Add";
    for (i = 0; i < HCSI_ARRAY_LEN(g_resources); i++)
        if (strcmp(g_resources[i].type, rtype) == 0)
            res = &g_resources[i];
    if (!res) {
        hcsg_err_plain(e, "invalid ResourceType '%.200s'", rtype);
        return fail_unmarshal(r, e);
    }
    if (res->gostruct) {
        int present = has_key(rq, "Settings");
        settings = hcsg_member(rq, "Settings");
        if (!present) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "unexpected end of JSON input");
        } else if (settings && hcsi_json_kind_of(settings) != HCSI_JSON_OBJECT) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go value of type "
                          "guestresource.%s",
                          hcsi_json_kind_name(hcsi_json_kind_of(settings)), res->gostruct);
        } else if (check_fields(e, settings, res->gostruct, res->fields, res->nfields) == 0) {
            goto decoded;
        }
        hcsg_err_prefix(e, "failed to unmarshal settings as %s", res->gostruct);
        return fail_unmarshal(r, e);
    }
decoded:
    if (strcmp(b.container_id, NULL_CID) != 0 || strcmp(rtype, "ContainerConstraints") == 0) {
        /* Container-level changes (and constraints of the UVM "container")
         * need a created container. */
        err_no_container(e, strcmp(b.container_id, NULL_CID) != 0 ? b.container_id : NULL_CID);
        return -1;
    }
    if (strcmp(rtype, "PodCgroupMemoryLimit") == 0) {
        hcsg_err_plain(e, "the ResourceType \"%s\" is not supported for UVM", rtype);
        return -1;
    }
    hcsg_err_plain(e, "ModifySettings %s %s: %s", reqtype, rtype, res->missing);
    return -1;
}

static void read_status_line(const char *key, char *out, size_t n)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    size_t kl = strlen(key);
    snprintf(out, n, "?");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            char *v = line + kl + 1;
            size_t l;
            while (*v == ' ' || *v == '\t')
                v++;
            l = strlen(v);
            while (l && (v[l - 1] == '\n' || v[l - 1] == ' '))
                v[--l] = '\0';
            snprintf(out, n, "%s", v);
            break;
        }
    }
    fclose(f);
}

/* Reads a small /proc file into buf (trailing newline dropped). */
static void read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "re");
    size_t l;
    buf[0] = '\0';
    if (!f)
        return;
    l = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[l] = '\0';
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == ' '))
        buf[--l] = '\0';
}

/* Every agent thread: name, scheduler state and kernel wait channel (what
 * it is blocked in), the C counterpart of the Go GCS's goroutine dump. */
static void dump_threads(hcsi_buf *t)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    if (!d)
        return;
    hcsi_buf_puts(t, "thread list:\n");
    while ((de = readdir(d)) != NULL) {
        char path[96], comm[64], stat[512], wchan[64];
        const char *st = "?";
        char *rp;
        if (de->d_name[0] == '.')
            continue;
        if (t->len > HCSG_MAX_STACKS_TEXT / 2) {
            hcsi_buf_puts(t, "  ... (truncated)\n");
            break;
        }
        snprintf(path, sizeof path, "/proc/self/task/%.20s/comm", de->d_name);
        read_small(path, comm, sizeof comm);
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", de->d_name);
        read_small(path, stat, sizeof stat);
        rp = strrchr(stat, ')');
        if (rp && rp[1] == ' ' && rp[2]) {
            rp[3] = '\0';
            st = rp + 2;
        }
        snprintf(path, sizeof path, "/proc/self/task/%.20s/wchan", de->d_name);
        read_small(path, wchan, sizeof wchan);
        hcsi_buf_printf(t, "  tid %s %s: state %s, waiting in %s\n", de->d_name, comm, st,
                        wchan[0] && strcmp(wchan, "0") != 0 ? wchan : "-");
    }
    closedir(d);
}

static int h_stacks(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    hcsi_buf t;
    char th[64], rss[64], addr[160];
    unsigned workers;
    if (req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    hcsi_buf_init(&t, HCSG_MAX_STACKS_TEXT);
    read_status_line("Threads", th, sizeof th);
    read_status_line("VmRSS", rss, sizeof rss);
    if (a->o.use_stdio)
        snprintf(addr, sizeof addr, "stdio");
    else
        hcsg_addr_format(&a->o.bridge, addr, sizeof addr);
    hcsi_buf_printf(&t, "hcs-gcs %s (pid %ld, up %.1fs)\n", HCSG_VERSION, (long)getpid(),
                    (double)(hcsi_now_ns() - a->start_ns) / 1e9);
    hcsi_buf_printf(&t, "bridge: %s, protocol v%lu, %llu frames read, mode %s\n", addr,
                    (unsigned long)a->protver, (unsigned long long)a->frames,
                    a->o.strict ? "strict (Go GCS refusals)" : "extended");
    pthread_mutex_lock(&a->xm);
    workers = a->exec_workers;
    pthread_mutex_unlock(&a->xm);
    hcsi_buf_printf(&t, "threads: %s, rss: %s, exec workers: %u\n", th, rss, workers);
    dump_threads(&t);
    if (!a->dry_run)
        hcsg_proc_dump(a->procs, &t);
    *resp = hcsg_resp_new(0, r->aid);
    if (!*resp || HCS_FAILED(hcsi_json_set(*resp, "GuestStacks",
                                           hcsi_json_string_len(t.data ? t.data : "", t.len)))) {
        hcsi_buf_free(&t);
        hcsi_json_put(*resp);
        *resp = NULL;
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    hcsi_buf_free(&t);
    return 0;
}

static int h_delete(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    (void)a;
    (void)resp;
    if (req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    err_no_container(e, b.container_id);
    return -1;
}

/* ---- dispatch ---- */

static void not_impl(hcsg_err *e, uint32_t type)
{
    char ts[48];
    hcsg_type_string(type, ts, sizeof ts);
    hcsg_err_wrap(e, HCSG_HR_NOT_IMPL, "bridge: function not supported, header type: %s", ts);
}

int hcsg_agent_handle(hcsg_agent *a, uint32_t type, uint64_t id, const char *body,
                      size_t len)
{
    req r;
    hcsg_err e;
    hcsi_json *resp = NULL;
    uint32_t ver = a->protver; /* stamped at read time, as the Go GCS */
    int rc;
    memset(&r, 0, sizeof r);
    hcsg_err_clear(&e);
    r.type = type;
    r.id = id;
    r.body = body;
    r.len = len;
    a->frames++;
    if (len == 0) {
        r.parse_failed = 1;
        snprintf(r.perr, sizeof r.perr, "unexpected end of JSON input");
    } else if (HCS_FAILED(hcsi_json_parse(body, len, "request", &r.doc))) {
        const hcs_error *le = hcs_error_last();
        r.parse_failed = 1;
        snprintf(r.perr, sizeof r.perr, "%s", le && le->message ? le->message : "invalid JSON");
        hcs_error_clear();
    } else if (hcsi_json_kind_of(r.doc) == HCSI_JSON_OBJECT) {
        hcsi_json *v = hcsg_member(r.doc, "ContainerId");
        if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
            snprintf(r.cid, sizeof r.cid, "%s", hcsi_json_str(v, NULL));
        v = hcsg_member(r.doc, "ActivityId");
        if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
            snprintf(r.aid, sizeof r.aid, "%s", hcsi_json_str(v, NULL));
    }
    if (ver == 0) {
        if (type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL)) {
            rc = h_negotiate(a, &r, &resp, &e);
        } else {
            not_impl(&e, type);
            rc = -1;
        }
    } else {
        switch (type) {
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_CREATE): rc = h_create(a, &r, &resp, &e); break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_START): rc = h_start(a, &r, &resp, &e); break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_SHUTDOWN_GRACEFUL):
            rc = h_shutdown(a, &r, &resp, &e, 0);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_SHUTDOWN_FORCED):
            rc = h_shutdown(a, &r, &resp, &e, 1);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_EXECUTE_PROCESS):
            rc = h_exec(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS):
            rc = h_wait(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_SIGNAL_PROCESS):
            rc = h_signal(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_RESIZE_CONSOLE):
            rc = h_resize(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_GET_PROPERTIES):
            rc = h_properties(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_MODIFY_SETTINGS):
            rc = h_modify(a, &r, &resp, &e);
            break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_DUMP_STACKS): rc = h_stacks(a, &r, &resp, &e); break;
        case HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_DELETE_CONTAINER_STATE):
            rc = h_delete(a, &r, &resp, &e);
            break;
        default:
            /* UpdateContainer, LifecycleNotification, ModifyServiceSettings,
             * a second NegotiateProtocol, anything unknown: no handler. */
            not_impl(&e, type);
            rc = -1;
            break;
        }
    }
    hcsi_json_put(r.doc);
    if (rc == 0)
        send_obj(a, HCS_GCS_RESPONSE_FOR(type), id, resp ? resp : hcsg_resp_new(0, r.aid));
    else if (rc < 0)
        send_error(a, type, id, r.aid, &e);
    return rc == 2 ? 1 : 0;
}

void hcsg_agent_quiesce(hcsg_agent *a)
{
    pthread_mutex_lock(&a->xm);
    while (a->exec_workers > 0)
        pthread_cond_wait(&a->xcv, &a->xm);
    pthread_mutex_unlock(&a->xm);
}

/* ---- lifecycle ---- */

hcsg_agent *hcsg_agent_new(const hcsg_options *o)
{
    hcsg_agent *a = (hcsg_agent *)calloc(1, sizeof *a);
    pthread_condattr_t ca;
    if (!a)
        return NULL;
    a->o = *o;
    a->rfd = a->wfd = -1;
    a->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    a->procs = hcsg_procs_new(wait_done, a);
    if (a->procs && o->max_processes)
        hcsg_procs_set_max(a->procs, o->max_processes);
    if (a->wake_efd < 0 || !a->procs) {
        if (a->wake_efd >= 0)
            close(a->wake_efd);
        hcsg_procs_free(a->procs);
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->wlock, NULL);
    pthread_mutex_init(&a->xm, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->xcv, &ca);
    pthread_condattr_destroy(&ca);
    a->sink = bridge_send;
    a->sink_ctx = a;
    a->start_ns = hcsi_now_ns();
    return a;
}

void hcsg_agent_free(hcsg_agent *a)
{
    if (!a)
        return;
    hcsg_agent_quiesce(a);
    hcsg_procs_free(a->procs);
    close(a->wake_efd);
    pthread_mutex_destroy(&a->wlock);
    pthread_mutex_destroy(&a->xm);
    pthread_cond_destroy(&a->xcv);
    free(a);
}

void hcsg_agent_set_sink(hcsg_agent *a, hcsg_send_fn fn, void *ctx)
{
    a->sink = fn ? fn : bridge_send;
    a->sink_ctx = fn ? ctx : a;
}

void hcsg_agent_set_dry_run(hcsg_agent *a, int dry) { a->dry_run = dry; }

void hcsg_agent_stop(hcsg_agent *a, int why)
{
    uint64_t one = 1;
    ssize_t w;
    __atomic_store_n(&a->stop_reason, why, __ATOMIC_SEQ_CST);
    w = write(a->wake_efd, &one, sizeof one);
    (void)w;
}

/* The reader's read function: the bridge, or the stop event. */
static hcs_result bridge_read(void *ctx, void *buf, size_t n, size_t *got)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    struct pollfd f[2];
    for (;;) {
        ssize_t r;
        f[0].fd = a->rfd;
        f[0].events = POLLIN;
        f[0].revents = 0;
        f[1].fd = a->wake_efd;
        f[1].events = POLLIN;
        f[1].revents = 0;
        if (poll(f, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return hcsi_err(HCS_ERR_FAIL, "poll: %s", strerror(errno));
        }
        if (f[1].revents)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "agent stopping");
        r = read(a->rfd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return HCS_S_OK;
        }
        if (errno == EINTR || errno == EAGAIN)
            continue;
        if (errno == ECONNRESET) {
            *got = 0;
            return HCS_S_OK;
        }
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "bridge read: %s", strerror(errno));
    }
}

int hcsg_agent_serve(hcsg_agent *a, int rfd, int wfd)
{
    hcsi_gcs_reader rd;
    hcsi_gcs_frame f;
    int reason = STOP_LOST;
    uint32_t grace;
    size_t killed;
    char tn[40];
    {
        /* Pipes (--stdio) become non-blocking so that writes can be
         * interrupted; sockets use MSG_DONTWAIT. Never a terminal. */
        struct stat sb;
        if (fstat(wfd, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
            int fl = fcntl(wfd, F_GETFL);
            if (fl >= 0)
                (void)fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
        }
    }
    pthread_mutex_lock(&a->wlock);
    a->rfd = rfd;
    a->wfd = wfd;
    pthread_mutex_unlock(&a->wlock);
    a->protver = 0; /* every connection starts un-negotiated */
    a->shutdown_forced = 0;
    if (HCS_FAILED(hcsi_gcs_reader_init(&rd, bridge_read, a, a->o.max_frame))) {
        HCSG_ERROR("out of memory for the frame reader");
        return STOP_LOST;
    }
    for (;;) {
        hcs_result hr;
        int why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
        if (why) {
            reason = why;
            break;
        }
        hr = hcsi_gcs_reader_next(&rd, &f);
        if (hr == HCSI_GCS_EOF) {
            HCSG_INFO("bridge closed by the host");
            break;
        }
        if (HCS_FAILED(hr)) {
            const hcs_error *le = hcs_error_last();
            why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
            if (why) {
                reason = why;
                break;
            }
            if (hr == HCS_ERR_PROTOCOL_ERROR && rd.buf && rd.end - rd.start >= 16) {
                /* A size outside 16..max: answer that request, then give
                 * up on the stream (it cannot be resynchronised). */
                hcsi_gcs_header h;
                hcsg_err e;
                hcsi_gcs_header_unpack(rd.buf + rd.start, &h);
                hcsg_err_wrap(&e, HCSG_HR_INVALID_ARG,
                              "frame size %lu is outside 16..%lu bytes (--max-frame); "
                              "hcs-gcs closes the bridge",
                              (unsigned long)h.size, (unsigned long)a->o.max_frame);
                send_error(a, h.type, h.id, "", &e);
            }
            HCSG_ERROR("bridge: %s", le && le->message ? le->message : "read failed");
            break;
        }
        if (hcsg_log_enabled(HCSG_LOG_TRACE))
            HCSG_TRACE("recv %s id %llu size %lu: %.*s",
                       hcsi_gcs_type_name(f.type, tn, sizeof tn), (unsigned long long)f.id,
                       (unsigned long)f.size, (int)(f.body_len > 1024 ? 1024 : f.body_len),
                       f.body);
        if (hcsg_agent_handle(a, f.type, f.id, f.body, f.body_len)) {
            reason = STOP_SHUTDOWN;
            break;
        }
    }
    hcsi_gcs_reader_free(&rd);
    /* Cleanup policy: the host is gone (or asked us to stop), so nothing
     * may outlive the connection. */
    grace = (reason == STOP_SHUTDOWN && a->shutdown_forced) ? 0 : a->o.kill_grace_ms;
    killed = hcsg_procs_cleanup(a->procs, grace, 5000);
    if (killed)
        HCSG_INFO("cleanup: %zu process%s stopped", killed, killed == 1 ? "" : "es");
    /* ExecuteProcess requests still in flight fail now (the cleanup closed
     * the process table); wait for them before a new connection. */
    hcsg_agent_quiesce(a);
    hcsg_procs_reopen(a->procs);
    pthread_mutex_lock(&a->wlock);
    a->rfd = a->wfd = -1;
    pthread_mutex_unlock(&a->wlock);
    return reason;
}

/* ---- the process: signals, connection, reconnects ---- */

typedef struct sig_thread {
    hcsg_agent *a;
    int quit; /* atomic */
    sigset_t set;
} sig_thread;

static void *signal_main(void *arg)
{
    sig_thread *st = (sig_thread *)arg;
    pthread_setname_np(pthread_self(), "gcs-signals");
    while (!__atomic_load_n(&st->quit, __ATOMIC_SEQ_CST)) {
        struct timespec ts = {0, 200 * 1000000L};
        siginfo_t si;
        int sig = sigtimedwait(&st->set, &si, &ts);
        if (sig == SIGCHLD || sig < 0) {
            hcsg_procs_reap(st->a->procs); /* also a periodic sweep */
            continue;
        }
        HCSG_INFO("received signal %d: stopping", sig);
        hcsg_agent_stop(st->a, STOP_SIGNAL);
    }
    return NULL;
}

static int dial_bridge(hcsg_agent *a, const hcsg_options *o)
{
    uint64_t deadline = hcsi_now_ns() + (uint64_t)o->dial_timeout_ms * 1000000u;
    char msg[512], addr[160];
    hcsg_addr_format(&o->bridge, addr, sizeof addr);
    for (;;) {
        int fd = hcsg_dial(&o->bridge, o->bridge.port, msg, sizeof msg);
        if (fd >= 0) {
            HCSG_INFO("connected to the host bridge at %s", addr);
            return fd;
        }
        if (__atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST) || hcsi_now_ns() >= deadline) {
            HCSG_ERROR("cannot connect to the host bridge at %s: %s", addr, msg);
            return -1;
        }
        HCSG_DEBUG("bridge dial failed (%s); retrying", msg);
        hcsi_sleep_ms(100); /* the Go GCS's redial interval */
    }
}

/* fds 0-2 exist (so pipes and sockets never land there), and whatever
 * else we inherited is close-on-exec: processes in the UVM get exactly the
 * stdio they asked for. */
static void ensure_std_fds(void)
{
    DIR *d;
    int fd;
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
        ;
    if (fd > 2)
        close(fd);
    d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int n = atoi(e->d_name);
            if (n > 2 && n != dirfd(d))
                (void)fcntl(n, F_SETFD, FD_CLOEXEC);
        }
        closedir(d);
    }
}

/* --init as PID 1 in a bare initrd: the file systems processes expect. A
 * mount point that is already mounted is left alone. */
static void pid1_init(void)
{
    static const struct {
        const char *src, *dir, *type, *data;
        unsigned long flags;
    } m[] = {
        {"proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID},
        {"devpts", "/dev/pts", "devpts", "ptmxmode=0666,mode=0620", MS_NOSUID | MS_NOEXEC},
        {"tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV},
        {"tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV},
    };
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(m); i++) {
        if (mkdir(m[i].dir, 0755) != 0 && errno != EEXIST) {
            HCSG_WARN("init: mkdir %s: %s", m[i].dir, strerror(errno));
            continue;
        }
        if (mount(m[i].src, m[i].dir, m[i].type, m[i].flags, m[i].data) != 0 && errno != EBUSY)
            HCSG_WARN("init: mount %s on %s: %s", m[i].type, m[i].dir, strerror(errno));
        else
            HCSG_DEBUG("init: %s on %s", m[i].type, m[i].dir);
    }
    if (!getenv("PATH"))
        setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
}

int hcsg_run(const hcsg_options *o)
{
    hcsg_agent *a;
    sig_thread st;
    pthread_t sigt;
    sigset_t set;
    int reason = STOP_LOST, status = 0;
    char addr[160];
    if (o->init) {
        if (getpid() == 1)
            pid1_init();
        else
            HCSG_WARN("--init ignored: hcs-gcs is not PID 1");
    }
    ensure_std_fds();
    signal(SIGPIPE, SIG_IGN);
    /* Every thread inherits this mask; the signal thread takes them. */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    a = hcsg_agent_new(o);
    if (!a || hcsg_procs_start(a->procs) != 0) {
        HCSG_ERROR("cannot start the agent: out of resources");
        hcsg_agent_free(a);
        return 1;
    }
    st.a = a;
    st.quit = 0;
    st.set = set;
    if (pthread_create(&sigt, NULL, signal_main, &st) != 0) {
        HCSG_ERROR("cannot start the signal thread");
        hcsg_agent_free(a);
        return 1;
    }
    if (o->use_stdio)
        snprintf(addr, sizeof addr, "stdio");
    else
        hcsg_addr_format(&o->bridge, addr, sizeof addr);
    HCSG_INFO("hcs-gcs %s starting (pid %ld, bridge %s%s)", HCSG_VERSION, (long)getpid(),
              addr, o->strict ? ", strict" : "");
    for (;;) {
        if (o->use_stdio) {
            reason = hcsg_agent_serve(a, 0, 1);
            break;
        } else {
            int fd = dial_bridge(a, o);
            if (fd < 0) {
                /* Stopped by a signal while dialling (exit 0), or the dial
                 * gave up (exit 1). */
                int why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
                status = why ? 0 : 1;
                reason = why ? why : STOP_DIAL;
                break;
            }
            reason = hcsg_agent_serve(a, fd, fd);
            close(fd);
        }
        if (reason != STOP_LOST || !o->reconnect)
            break;
        HCSG_INFO("bridge lost: reconnecting");
    }
    __atomic_store_n(&st.quit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(sigt, SIGCHLD); /* wake its sigtimedwait now */
    pthread_join(sigt, NULL);
    HCSG_INFO("hcs-gcs exiting (%s)",
              reason == STOP_SHUTDOWN ? "UVM shutdown"
              : reason == STOP_SIGNAL ? "signal"
              : reason == STOP_DIAL   ? "cannot connect to the host bridge"
                                      : "bridge closed");
    hcsg_agent_free(a);
    if (reason == STOP_SHUTDOWN && o->poweroff) {
        if (getpid() == 1) {
            HCSG_INFO("powering off");
            sync();
            reboot(RB_POWER_OFF);
        } else {
            HCSG_WARN("--poweroff ignored: hcs-gcs is not PID 1");
        }
    }
    return status;
}
