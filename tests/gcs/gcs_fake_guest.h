/*
 * A fake Linux guest for the process suites (header-only; each suite is one
 * executable): a scripted peer (gcs_peer.h) that answers ExecuteProcess,
 * dials the stdio streams in a unix:DIR port space before answering, and
 * runs a few canned commands picked by CommandArgs[0] or, for a container
 * exec, OciProcess.args[0]: echo, cat, sh3, big, sleep, hang (dials, never
 * exits), sink (never reads stdin, exits once the host's stdin writer is
 * stuck), nodial; anything else (the init start) just ends. POSIX only.
 * Include <cmocka.h> first (the helpers assert).
 */
#ifndef GCS_FAKE_GUEST_H
#define GCS_FAKE_GUEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gcs_peer.h"
#include "gcs_test_util.h"

typedef struct fake_proc {
    struct fake_guest *g;
    char cmd[32];
    hcsi_sock io[3];
    uint32_t pid;
    int queued; /* sink: bytes of stdin left unread */
    hcsi_thread t;
    int started;
} fake_proc;

typedef struct fake_guest {
    char dir[128];
    hcsi_mutex lock;
    fake_proc procs[8];
    int nprocs;
    /* WaitForProcess: exit codes by pid, pending waits */
    int exited[8];
    uint32_t exit_code[8];
    hcsi_gcs_frame wait_frame[8];
    int wait_pending[8];
    peer *p;
    int signal_reply_not_found;
    char last_resize[256];
} fake_guest;

static inline void reply_wait_locked(fake_guest *g, int i)
{
    char body[128];
    snprintf(body, sizeof body, "{\"Result\":0,\"ExitCode\":%lu}",
             (unsigned long)g->exit_code[i]);
    peer_reply(g->p, &g->wait_frame[i], body);
    g->wait_pending[i] = 0;
}

static inline void proc_exit(fake_proc *fp, uint32_t code)
{
    fake_guest *g = fp->g;
    int i = (int)(fp - g->procs);
    hcsi_mutex_lock(&g->lock);
    g->exited[i] = 1;
    g->exit_code[i] = code;
    if (g->wait_pending[i])
        reply_wait_locked(g, i);
    hcsi_mutex_unlock(&g->lock);
}

/* Like the Linux GCS: half-close, then wait for the host to close. */
static inline void finish_output(hcsi_sock s)
{
    char c;
    size_t got;
    if (s == HCSI_SOCK_INVALID)
        return;
    hcsi_sock_shutdown_write(s);
    while (HCS_SUCCEEDED(hcsi_sock_read(s, &c, 1, &got)) && got > 0) {
    }
}

static inline void write_str(hcsi_sock s, const char *str)
{
    if (s != HCSI_SOCK_INVALID)
        hcsi_sock_write_full(s, str, strlen(str));
}

static inline void proc_main(void *arg)
{
    fake_proc *fp = (fake_proc *)arg;
    uint32_t code = 0;
    if (strcmp(fp->cmd, "echo") == 0) {
        write_str(fp->io[1], "hello\n");
    } else if (strcmp(fp->cmd, "cat") == 0) {
        char buf[4096];
        size_t got;
        while (HCS_SUCCEEDED(hcsi_sock_read(fp->io[0], buf, sizeof buf, &got)) && got > 0)
            hcsi_sock_write_full(fp->io[1], buf, got);
    } else if (strcmp(fp->cmd, "sh3") == 0) {
        write_str(fp->io[1], "out\n");
        write_str(fp->io[2], "err\n");
        code = 3;
    } else if (strcmp(fp->cmd, "big") == 0) {
        static char chunk[65536];
        int i;
        memset(chunk, 'x', sizeof chunk);
        for (i = 0; i < 64; i++) /* 4 MiB */
            hcsi_sock_write_full(fp->io[1], chunk, sizeof chunk);
    } else if (strcmp(fp->cmd, "sleep") == 0) {
        hcsi_sleep_ms(300);
        code = 7;
    } else if (strcmp(fp->cmd, "sink") == 0) {
        /* never reads stdin; exits once the host's writer is stuck: bytes
         * queued and their number unchanged for 200 ms (at most 10 s) */
        int last = -1, stable = 0, i;
        for (i = 0; i < 200 && stable < 4 && fp->io[0] != HCSI_SOCK_INVALID; i++) {
            int q = 0;
            if (ioctl(fp->io[0], FIONREAD, &q) != 0)
                break;
            stable = q > 0 && q == last ? stable + 1 : 0;
            last = q;
            hcsi_sleep_ms(50);
        }
        fp->queued = last;
    }
    finish_output(fp->io[1]);
    finish_output(fp->io[2]);
    proc_exit(fp, code);
}

static inline int guest_fn(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    fake_guest *g = (fake_guest *)p->ctx;
    uint32_t rpc = f->type & ~HCS_GCS_MSG_TYPE_MASK;
    if (rpc == HCS_GCS_RPC_EXECUTE_PROCESS) {
        hcsi_json *req = NULL, *settings = NULL, *relay = NULL, *pp = NULL, *args = NULL;
        const char *pps = NULL;
        fake_proc *fp;
        int i;
        char resp[128];
        static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
        hcsi_mutex_lock(&g->lock);
        fp = &g->procs[g->nprocs];
        fp->pid = 100 + (uint32_t)g->nprocs;
        g->nprocs++;
        hcsi_mutex_unlock(&g->lock);
        fp->g = g;
        fp->io[0] = fp->io[1] = fp->io[2] = HCSI_SOCK_INVALID;
        hcsi_json_parse(body, strlen(body), "exec", &req);
        hcsi_json_get_obj(req, "exec", "Settings", &settings);
        hcsi_json_get_obj(settings, "exec", "VsockStdioRelaySettings", &relay);
        hcsi_json_get_str(settings, "exec", "ProcessParameters", &pps, NULL);
        hcsi_json_parse(pps, strlen(pps), "pp", &pp);
        hcsi_json_get_arr(pp, "pp", "CommandArgs", &args);
        if (!args) { /* a container exec: the OCI process's args */
            hcsi_json *oci = NULL;
            hcsi_json_get_obj(pp, "pp", "OciProcess", &oci);
            hcsi_json_get_arr(oci, "oci", "args", &args);
        }
        snprintf(fp->cmd, sizeof fp->cmd, "%s",
                 args ? hcsi_json_str(hcsi_json_array_at(args, 0), NULL) : "init");
        if (strcmp(fp->cmd, "nodial") != 0) {
            /* dial before answering, stdin/stdout/stderr order */
            for (i = 0; i < 3; i++) {
                uint32_t port = 0;
                char path[256];
                if (relay && hcsi_json_get_u32(relay, "relay", keys[i], &port) == 1) {
                    snprintf(path, sizeof path, "%s/%lu", g->dir, (unsigned long)port);
                    if (HCS_FAILED(hcsi_sock_connect_unix(path, &fp->io[i])))
                        fp->io[i] = HCSI_SOCK_INVALID;
                }
            }
        }
        hcsi_json_put(pp);
        hcsi_json_put(req);
        snprintf(resp, sizeof resp, "{\"Result\":0,\"ProcessId\":%lu}", (unsigned long)fp->pid);
        peer_reply(p, f, resp);
        if (strcmp(fp->cmd, "nodial") != 0 && strcmp(fp->cmd, "hang") != 0) {
            fp->started = 1;
            hcsi_thread_start(&fp->t, proc_main, fp);
        }
        return 1;
    }
    if (rpc == HCS_GCS_RPC_WAIT_FOR_PROCESS) {
        uint32_t pid = (uint32_t)peer_json_u64(body, "ProcessId");
        int i = (int)pid - 100;
        hcsi_mutex_lock(&g->lock);
        g->wait_frame[i] = *f;
        g->wait_pending[i] = 1;
        if (g->exited[i])
            reply_wait_locked(g, i);
        hcsi_mutex_unlock(&g->lock);
        return 1;
    }
    if (rpc == HCS_GCS_RPC_SIGNAL_PROCESS) {
        peer_reply(p, f, g->signal_reply_not_found
                             ? "{\"Result\":-2147023728,\"ErrorMessage\":\"not found\"}"
                             : PEER_OK);
        return 1;
    }
    if (rpc == HCS_GCS_RPC_RESIZE_CONSOLE)
        snprintf(g->last_resize, sizeof g->last_resize, "%s", body);
    peer_reply(p, f, PEER_OK);
    return 1;
}

typedef struct env {
    peer p;
    fake_guest g;
    hcs_gcs_bridge *b;
    char addr[160];
} env;

static inline void env_up_rpc(env *e, int64_t stdio_timeout, int64_t rpc_timeout)
{
    hcs_gcs_bridge_options c;
    char tmpl[] = "/tmp/hcsgcsXXXXXX";
    memset(e, 0, sizeof *e);
    assert_non_null(mkdtemp(tmpl));
    snprintf(e->g.dir, sizeof e->g.dir, "%s", tmpl);
    snprintf(e->addr, sizeof e->addr, "unix:%s", tmpl);
    hcsi_mutex_init(&e->g.lock);
    assert_int_equal(peer_start(&e->p, guest_fn, &e->g), 0);
    e->g.p = &e->p;
    hcs_gcs_bridge_options_init(&c, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    c.rpc_timeout_ms = rpc_timeout;
    c.stdio_timeout_ms = stdio_timeout;
    c.stdio_address = e->addr;
    assert_int_equal(peer_connect(&e->p, &c, &e->b), 0);
}

static inline void env_up(env *e, int64_t stdio_timeout) { env_up_rpc(e, stdio_timeout, 10000); }

static inline void env_down(env *e)
{
    int i;
    hcs_gcs_bridge_close(e->b);
    peer_finish(&e->p);
    for (i = 0; i < e->g.nprocs; i++) {
        fake_proc *fp = &e->g.procs[i];
        int k;
        if (fp->started)
            hcsi_thread_join(&fp->t);
        for (k = 0; k < 3; k++)
            if (fp->io[k] != HCSI_SOCK_INVALID)
                hcsi_sock_close(fp->io[k]);
    }
    hcsi_mutex_destroy(&e->g.lock);
    rmdir(e->g.dir);
}

/* pc reset for argv (one of the canned commands) with the given stdio
 * streams; the caller may set more before starting it. */
static inline void gt_options(hcs_gcs_process_options *pc, const char *const *argv, int in,
                              int out, int err)
{
    hcs_gcs_process_options_init(pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc->argv = argv;
    pc->use_stdin = in;
    pc->use_stdout = out;
    pc->use_stderr = err;
}

/* Starts argv as gt_options sets it up (pc kept for further starts). */
static inline hcs_gcs_process *gt_spawn(env *e, hcs_gcs_process_options *pc,
                                        const char *const *argv, int in, int out, int err)
{
    hcs_gcs_process *p = NULL;
    gt_options(pc, argv, in, out, err);
    assert_int_equal(hcs_gcs_process_start(e->b, pc, &p), 0);
    return p;
}

static inline size_t read_all(hcs_gcs_process *p, int stream, char *buf, size_t cap)
{
    size_t n = 0, got;
    for (;;) {
        assert_int_equal(hcs_gcs_process_read(p, stream, buf + n, cap - 1 - n, &got), 0);
        if (got == 0)
            break;
        n += got;
    }
    buf[n] = 0;
    return n;
}

#endif
