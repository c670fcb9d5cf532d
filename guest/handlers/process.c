/* hcs-gcs handlers: ExecuteProcess, WaitForProcess, SignalProcess,
 * ResizeConsole. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bridge/agent_internal.h"

typedef struct exec_job {
    hcsg_agent *a;
    uint64_t id;
    char aid[256];
    hcsi_json *params; /* ProcessParameters (a reference) or NULL */
    int want[3];
    uint32_t port[3];
    char cid[HCSG_MAX_ID + 1]; /* a container process: its container */
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
        if (hcsg_user_lookup(user, &s.user, e) != 0) {
            hcsg_err_prefix(e, "failed to call Start for external process");
            goto out;
        }
        s.has_user = 1;
    }
    s.path = hcsg_lookpath(argv.v[0], e);
    if (!s.path) {
        hcsg_err_prefix(e, "failed to call Start for external process");
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

static void exec_run(void *arg)
{
    exec_job *j = (exec_job *)arg;
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
        if (!j->want[i])
            continue;
        socks[i] = hcsg_dial_bounded(&a->o.stdio, j->port[i], a->o.stdio_timeout_ms,
                                     a->dial_abort_efd, &e);
        if (socks[i] < 0) {
            hcsg_err_prefix(&e, "failed creating %s Connection", names[i]);
            goto fail;
        }
        HCSG_DEBUG("exec id %llu: %s connected to port %lu", (unsigned long long)j->id,
                   names[i], (unsigned long)j->port[i]);
    }
    if (j->cid[0]) {
        /* A container: the init when there is no OciProcess (the Go GCS's
         * rule), else an exec of that OCI Process. */
        hcsi_json *oci = hcsg_member(j->params, "OciProcess");
        int rc;
        if (oci && hcsi_json_kind_of(oci) != HCSI_JSON_NULL) {
            char *text = NULL;
            if (HCS_FAILED(hcsi_json_to_string(oci, 0, &text))) {
                hcs_error_clear();
                hcsg_err_plain(&e, "out of memory");
                goto fail;
            }
            rc = hcsg_ctr_exec(a->ctrs, j->cid, text, socks, &pid, &e);
            free(text);
        } else {
            rc = hcsg_ctr_start_init(a->ctrs, j->cid, socks, &pid, &e);
        }
        if (rc != 0)
            goto fail;
    } else if (exec_spawn(a, j, socks, &pid, &e) != 0) {
        goto fail;
    }
    {
        hcsi_json *o = hcsg_resp_new(0, j->aid);
        if (o && HCS_FAILED(hcsi_json_set_uint(o, "ProcessId", (uint32_t)pid))) {
            hcsi_json_put(o);
            o = NULL;
        }
        hcsg_send_obj(a, HCS_GCS_RESPONSE_FOR(t), j->id, o);
    }
    goto done;
fail:
    for (i = 0; i < 3; i++)
        if (socks[i] >= 0)
            close(socks[i]);
    hcsg_send_error(a, t, j->id, j->aid, &e);
done:
    hcsi_json_put(j->params);
    free(j);
    hcsg_worker_done(a);
}

static void *exec_worker(void *arg)
{
    pthread_setname_np(pthread_self(), "gcs-exec");
    exec_run(arg);
    return NULL;
}

int hcsg_h_exec(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    static const char *const pipe_keys[3] = {"CreateStdInPipe", "CreateStdOutPipe",
                                             "CreateStdErrPipe"};
    static const char *const port_keys[3] = {"StdIn", "StdOut", "StdErr"};
    hcsi_json *o, *settings = NULL, *relay = NULL, *params = NULL, *env = NULL;
    hcsg_base b;
    const char *pp = "";
    size_t pp_len = 0;
    int external = 0, i;
    exec_job *j;
    (void)resp;
    if (hcsg_req_base(r, e, "ContainerExecuteProcess", &o, &b) < 0)
        return -1;
    if (hcsg_get_obj(e, o, "ContainerExecuteProcess", "Settings", &settings) < 0 ||
        hcsg_get_str(e, settings, "ExecuteProcessSettings", "ProcessParameters", &pp,
                     &pp_len) < 0 ||
        hcsg_get_obj(e, settings, "ExecuteProcessSettings", "VsockStdioRelaySettings",
                     &relay) < 0)
        return hcsg_fail_unmarshal(r, e);
    j = (exec_job *)calloc(1, sizeof *j);
    if (!j) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    for (i = 0; i < 3; i++)
        if (hcsg_get_u32(e, relay, "ExecuteProcessVsockStdioRelaySettings", port_keys[i],
                         &j->port[i]) < 0) {
            free(j);
            return hcsg_fail_unmarshal(r, e);
        }
    if (hcsg_parse_message(e, pp, pp_len, "ProcessParameters", &params) < 0 ||
        hcsg_decode_typed(e, params, HCS_SCHEMA_GS_LCOWProcessParameters,
                          "ProcessParameters", NULL) < 0 ||
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
        if (hcsg_need_container(a, b.container_id, e) != 0) {
            hcsi_json_put(params);
            free(j);
            return -1;
        }
        snprintf(j->cid, sizeof j->cid, "%s", b.container_id);
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
    if (hcsg_worker_slot(a, e) != 0) {
        hcsi_json_put(params);
        free(j);
        return -1;
    }
    /* A UVM process without stdio has nothing to dial and nothing that can
     * block: the spawner thread runs the whole request, which saves a
     * thread and two hand-offs per process. */
    if (!j->cid[0] && !j->want[0] && !j->want[1] && !j->want[2] &&
        hcsg_procs_post(a->procs, exec_run, j) == 0)
        return 1;
    if (hcsg_worker_start(a, exec_worker, j) != 0) {
        hcsi_json_put(params);
        free(j);
        hcsg_err_plain(e, "cannot start a thread for ExecuteProcess: out of resources");
        return -1;
    }
    return 1;
}

/* The owner of the processes a request may name: its container, or the
 * UVM (""). */
static const char *owner_of(const hcsg_base *b)
{
    return strcmp(b->container_id, NULL_CID) == 0 ? "" : b->container_id;
}

/* The process a UVM-targeted request names, as a pid. */
static pid_t as_pid(uint32_t v) { return v > 0x7FFFFFFFu ? 0 : (pid_t)v; }

/* The base and the ProcessId of the RPCs that name a process (tname):
 * 0, or -1 with e (a field of the wrong type: the unmarshal error). */
static int proc_request(req *r, hcsg_err *e, const char *tname, hcsi_json **o, hcsg_base *b,
                        uint32_t *pid)
{
    if (hcsg_req_base(r, e, tname, o, b) < 0)
        return -1;
    if (hcsg_get_u32(e, *o, tname, "ProcessId", pid) < 0)
        return hcsg_fail_unmarshal(r, e);
    return 0;
}

/* Before rpc acts on a UVM process: --strict refuses it (the Go GCS acts
 * on container processes only), a dry run has none. 0 or -1 with e. */
static int uvm_target(hcsg_agent *a, const char *rpc, hcsg_err *e)
{
    if (a->o.strict) {
        hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND,
                      "%s targets containers only (--strict: as the Go GCS)", rpc);
        return -1;
    }
    if (a->dry_run) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    return 0;
}

int hcsg_h_wait(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    uint32_t pid = 0, timeout = 0;
    (void)resp;
    if (proc_request(r, e, "ContainerWaitForProcess", &o, &b, &pid) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "ContainerWaitForProcess", "TimeoutInMs", &timeout) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        if (hcsg_need_container(a, b.container_id, e) != 0)
            return -1;
    } else if (a->dry_run) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    if (hcsg_proc_wait(a->procs, owner_of(&b), as_pid(pid), timeout, r->id, r->aid, e) != 0)
        return -1;
    return 1;
}

int hcsg_h_signal(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *opts = NULL;
    hcsg_base b;
    uint32_t pid = 0;
    int32_t sig = 0;
    if (proc_request(r, e, "ContainerSignalProcess", &o, &b, &pid) < 0)
        return -1;
    if (hcsg_get_obj(e, o, "ContainerSignalProcess", "Options", &opts) < 0 ||
        hcsg_get_i32(e, opts, "SignalProcessOptions", "Signal", &sig) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (sig == 0)
        sig = SIGKILL; /* no Options: hcsshim's Kill() */
    if (strcmp(b.container_id, NULL_CID) != 0) {
        if (a->dry_run) {
            hcsg_err_no_container(e, b.container_id);
            return -1;
        }
        if (hcsg_ctr_signal(a->ctrs, b.container_id, as_pid(pid), sig, e) != 0)
            return -1;
    } else if (uvm_target(a, "SignalProcess", e) != 0 || /* golden live-uvm 17-18 */
               hcsg_proc_signal(a->procs, "", as_pid(pid), sig, e) != 0) {
        return -1;
    }
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

int hcsg_h_resize(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    uint32_t pid = 0;
    uint16_t h = 0, w = 0;
    if (proc_request(r, e, "ContainerResizeConsole", &o, &b, &pid) < 0)
        return -1;
    if (hcsg_get_u16(e, o, "ContainerResizeConsole", "Height", &h) < 0 ||
        hcsg_get_u16(e, o, "ContainerResizeConsole", "Width", &w) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (strcmp(b.container_id, NULL_CID) != 0) {
        if (hcsg_need_container(a, b.container_id, e) != 0)
            return -1;
    } else if (uvm_target(a, "ResizeConsole", e) != 0) {
        return -1;
    }
    if (hcsg_proc_resize(a->procs, owner_of(&b), as_pid(pid), h, w, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

