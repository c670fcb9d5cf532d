/* Processes and the stdio relay against a scripted guest that dials the
 * stdio streams in a unix:DIR port space. POSIX only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcs_peer.h"
#include "gcs_test_util.h"

/* ---- the fake guest ---- */

typedef struct fake_proc {
    struct fake_guest *g;
    char cmd[32];
    hcsi_sock io[3];
    uint32_t pid;
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

static void reply_wait_locked(fake_guest *g, int i)
{
    char body[128];
    snprintf(body, sizeof body, "{\"Result\":0,\"ExitCode\":%lu}",
             (unsigned long)g->exit_code[i]);
    peer_reply(g->p, &g->wait_frame[i], body);
    g->wait_pending[i] = 0;
}

static void proc_exit(fake_proc *fp, uint32_t code)
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
static void finish_output(hcsi_sock s)
{
    char c;
    size_t got;
    if (s == HCSI_SOCK_INVALID)
        return;
    hcsi_sock_shutdown_write(s);
    while (HCS_SUCCEEDED(hcsi_sock_read(s, &c, 1, &got)) && got > 0) {
    }
}

static void write_str(hcsi_sock s, const char *str)
{
    if (s != HCSI_SOCK_INVALID)
        hcsi_sock_write_full(s, str, strlen(str));
}

static void proc_main(void *arg)
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
    }
    finish_output(fp->io[1]);
    finish_output(fp->io[2]);
    proc_exit(fp, code);
}

static int guest_fn(peer *p, const hcsi_gcs_frame *f, const char *body)
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

static void env_up_rpc(env *e, int64_t stdio_timeout, int64_t rpc_timeout)
{
    hcs_gcs_config c;
    char tmpl[] = "/tmp/hcsgcsXXXXXX";
    memset(e, 0, sizeof *e);
    assert_non_null(mkdtemp(tmpl));
    snprintf(e->g.dir, sizeof e->g.dir, "%s", tmpl);
    snprintf(e->addr, sizeof e->addr, "unix:%s", tmpl);
    hcsi_mutex_init(&e->g.lock);
    assert_int_equal(peer_start(&e->p, guest_fn, &e->g), 0);
    e->g.p = &e->p;
    hcs_gcs_config_init(&c);
    c.rpc_timeout_ms = rpc_timeout;
    c.stdio_timeout_ms = stdio_timeout;
    c.stdio_address = e->addr;
    assert_int_equal(peer_connect(&e->p, &c, &e->b), 0);
}

static void env_up(env *e, int64_t stdio_timeout) { env_up_rpc(e, stdio_timeout, 10000); }

static void env_down(env *e)
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

static size_t read_all(hcs_gcs_process *p, int stream, char *buf, size_t cap)
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

static void test_echo_stdout(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"echo", "hello", NULL};
    char buf[64];
    uint32_t code = 99;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.cwd = "/";
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(hcs_gcs_process_pid(p), 100);
    read_all(p, 1, buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    assert_int_equal(code, 0);
    /* the request as golden live-uvm 02 (without ocsc) */
    assert_non_null(strstr(e.p.bodies[1], "\"VsockStdioRelaySettings\":{\"StdOut\":1073741825}"));
    assert_int_equal(e.p.types[2], HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS));
    assert_non_null(strstr(e.p.bodies[2], "\"ProcessId\":100,\"TimeoutInMs\":4294967295"));
    /* reading past EOF stays at EOF */
    {
        size_t got = 5;
        assert_int_equal(hcs_gcs_process_read(p, 1, buf, 4, &got), 0);
        assert_int_equal(got, 0);
    }
    assert_int_equal(hcs_gcs_process_read(p, 2, buf, 4, &(size_t){0}), HCS_ERR_INVALIDARG);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_cat_stdin_ports(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p1 = NULL, *p2 = NULL;
    static const char *const echo[] = {"echo", NULL};
    static const char *const cat[] = {"cat", NULL};
    char buf[64];
    uint32_t code = 99;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = echo;
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p1), 0);
    pc.argv = cat;
    pc.use_stdin = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p2), 0);
    /* ports continue across processes, stdin before stdout */
    assert_non_null(strstr(e.p.bodies[3],
                           "\"VsockStdioRelaySettings\":{\"StdIn\":1073741826,\"StdOut\":1073741827}"));
    assert_int_equal(hcs_gcs_process_write_stdin(p2, "abc", 3), 0);
    assert_int_equal(hcs_gcs_process_write_stdin(p2, "def", 3), 0);
    assert_int_equal(hcs_gcs_process_close_stdin(p2), 0);
    read_all(p2, 1, buf, sizeof buf);
    assert_string_equal(buf, "abcdef");
    assert_int_equal(hcs_gcs_process_wait(p2, 5000, &code), 0);
    assert_int_equal(code, 0);
    read_all(p1, 1, buf, sizeof buf);
    assert_int_equal(hcs_gcs_process_wait(p1, 5000, &code), 0);
    hcs_gcs_process_close(p1);
    hcs_gcs_process_close(p2);
    env_down(&e);
}

static void read_pipe(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
}

static void test_relay_exit_code(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"sh3", NULL};
    int po[2], pe[2];
    char out[64], err[64];
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.use_stdout = pc.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_GCS_NO_FD, po[1], pe[1]), 0);
    close(po[1]);
    close(pe[1]);
    read_pipe(po[0], out, sizeof out);
    read_pipe(pe[0], err, sizeof err);
    close(po[0]);
    close(pe[0]);
    assert_string_equal(out, "out\n");
    assert_string_equal(err, "err\n");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    assert_int_equal(code, 3);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_relay_stdin_and_big_output(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const cat[] = {"cat", NULL};
    static const char *const big[] = {"big", NULL};
    int pin[2], po[2];
    char out[64];
    uint32_t code = 1;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = cat;
    pc.use_stdin = pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(pipe(pin), 0);
    assert_int_equal(pipe(po), 0);
    assert_int_equal(write(pin[1], "via-relay", 9), 9);
    close(pin[1]); /* EOF reaches the guest as a half-close */
    assert_int_equal(hcs_gcs_process_relay(p, pin[0], po[1], HCS_GCS_NO_FD), 0);
    close(po[1]);
    read_pipe(po[0], out, sizeof out);
    assert_string_equal(out, "via-relay");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    close(pin[0]);
    close(po[0]);

    /* 4 MiB drained to nowhere (unread output must not block the exit) */
    pc.argv = big;
    pc.use_stdin = 0;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_GCS_NO_FD, HCS_GCS_NO_FD, HCS_GCS_NO_FD), 0);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_never_dials(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"nodial", NULL};
    uint64_t t0;
    (void)s;
    env_up(&e, 200);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.use_stdout = pc.use_stderr = 1;
    t0 = hcsi_now_ns();
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), HCS_ERR_CONNECTION_TIMEOUT);
    gt_expect_msg("did not connect the stdout relay (port 0x40000001) of process 100 within 200 ms");
    assert_null(p);
    assert_true(hcsi_now_ns() - t0 < 3000000000ull);
    assert_true(hcs_gcs_bridge_is_alive(e.b));
    env_down(&e);
}

static void test_tty_signal_wait(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"sleep", NULL};
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.tty = 1;
    pc.tty_height = 24;
    pc.tty_width = 80;
    pc.use_stdout = pc.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    /* a UVM process: tty size in ProcessParameters; stderr merged, so only
     * stdout is requested */
    assert_non_null(strstr(e.p.bodies[1], "\\\"EmulateConsole\\\":true,\\\"CreateStdOutPipe\\\":true,\\\"ConsoleSize\\\":[24,80]"));
    assert_non_null(strstr(e.p.bodies[1], "\"VsockStdioRelaySettings\":{\"StdOut\":1073741825}"));
    assert_int_equal(hcs_gcs_process_resize(p, 40, 120), 0);
    assert_string_equal(e.g.last_resize,
                        "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\","
                        "\"ActivityId\":\"00000000-0000-0000-0000-"
                        "000000000000\",\"ProcessId\":100,\"Height\":40,\"Width\":120}\n");
    assert_int_equal(hcs_gcs_process_signal(p, 15), HCS_S_OK);
    e.g.signal_reply_not_found = 1;
    assert_int_equal(hcs_gcs_process_kill(p), HCS_S_FALSE); /* not delivered */
    assert_int_equal(HCS_S_FALSE, 1);
    assert_int_equal(hcs_gcs_process_wait(p, 10, &code), HCS_ERR_OPERATION_TIMEOUT);
    {
        char buf[16];
        read_all(p, 1, buf, sizeof buf);
    }
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    assert_int_equal(code, 7);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_bridge_dies_during_wait(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"hang", NULL};
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    hcs_gcs_bridge_shutdown(e.b, "VM terminated");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), HCS_ERR_CONNECTION_CLOSED);
    gt_expect_msg("VM terminated");
    assert_int_equal(hcs_gcs_process_kill(p), HCS_ERR_CONNECTION_CLOSED);
    /* closing the bridge before the process is allowed */
    hcs_gcs_bridge_close(e.b);
    e.b = NULL;
    hcs_gcs_process_close(p);
    peer_finish(&e.p);
    hcsi_mutex_destroy(&e.g.lock);
    rmdir(e.g.dir);
}

static void test_no_stdio_address(void **s)
{
    peer p;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_process_config pc;
    hcs_gcs_process *pr = NULL;
    (void)s;
    assert_int_equal(peer_start(&p, guest_fn, NULL), 0);
    assert_int_equal(peer_connect(&p, NULL, &b), 0);
    hcs_gcs_process_config_init(&pc);
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(b, &pc, &pr), HCS_ERR_INVALIDARG);
    gt_expect_msg("stdio_address");
    hcs_gcs_bridge_close(b);
    peer_finish(&p);
}

/* ---- containers: what a container process may carry ---- */

/* Starts cfg expecting a local refusal: nothing may reach the guest. */
static void expect_refused(env *e, const hcs_gcs_process_config *pc, hcs_result code,
                           const char *msg)
{
    hcs_gcs_process *p = (hcs_gcs_process *)1;
    int before = peer_frames(&e->p);
    assert_int_equal(hcs_gcs_process_start(e->b, pc, &p), code);
    gt_expect_msg(msg);
    assert_null(p);
    hcsi_sleep_ms(20);
    assert_int_equal(peer_frames(&e->p), before);
}

static char *oci_process(const char *const *args, int terminal, uint16_t h, uint16_t w)
{
    hcs_gcs_oci_process_options o;
    char *json = NULL;
    hcs_gcs_oci_process_options_init(&o);
    o.args = args;
    o.terminal = terminal;
    o.console_height = h;
    o.console_width = w;
    assert_int_equal(hcs_gcs_encode_oci_process(&o, &json), HCS_S_OK);
    return json;
}

static void test_container_rules(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    static const char *const argv[] = {"echo", NULL};
    static const char *const envv[] = {"A=1", NULL};
    char *oci = oci_process(argv, 0, 0, 0);
    (void)s;
    env_up(&e, 5000);

    /* an exec without its OCI process would be a second init start */
    hcs_gcs_process_config_init(&pc);
    pc.container_id = "c1";
    pc.argv = argv;
    pc.use_stdout = 1;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "container \"c1\": argv set without oci_process_json: a container exec "
                   "needs its OCI process (hcs_gcs_encode_oci_process); only the init start "
                   "takes none");
    pc.argv = NULL;
    pc.env = envv;
    pc.cwd = "/";
    pc.user = "root";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "env, cwd, user set without oci_process_json");

    /* fields the guest ignores next to an OCI process */
    pc.oci_process_json = oci;
    pc.env = NULL;
    pc.user = NULL;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "cwd set next to oci_process_json: a Linux guest ignores them");
    pc.cwd = NULL;
    pc.command_line = "echo";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "command_line set next to oci_process_json");
    pc.command_line = NULL;

    /* ConsoleSize is ignored for container processes */
    pc.tty = 1;
    pc.tty_height = 24;
    pc.tty_width = 80;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty_height/tty_width (ProcessParameters.ConsoleSize) are ignored by "
                   "Linux guests for a container process; set consoleSize in the OCI process");
    /* the terminal is set once, in the OCI process */
    pc.tty_height = pc.tty_width = 0;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty is set but the OCI process has no \"terminal\":true");
    pc.tty = 0;

    /* the OCI process must be one */
    pc.oci_process_json = "[1]";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "oci_process_json is not a JSON object");
    pc.oci_process_json = "{\"args\":";
    expect_refused(&e, &pc, HCS_ERR_INVALID_JSON, "ExecuteProcess: ");
    pc.oci_process_json = "{\"terminal\":\"yes\"}";
    expect_refused(&e, &pc, HCS_ERR_INVALID_JSON, "terminal");

    /* UVM processes take no OCI process; an empty id is a mistake */
    pc.container_id = NULL;
    pc.oci_process_json = oci;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "oci_process_json is only for a container process");
    pc.container_id = HCS_GCS_NULL_CONTAINER_ID;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "oci_process_json is only for a container process");
    pc.container_id = "";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "container_id is empty");
    assert_true(hcs_gcs_bridge_is_alive(e.b));
    hcs_free(oci);
    env_down(&e);
}

/* The ProcessParameters document of request frame i (inner JSON). */
static hcsi_json *sent_params(env *e, int i)
{
    hcsi_json *req = NULL, *settings = NULL, *pp = NULL;
    const char *pps = NULL;
    assert_int_equal(hcsi_json_parse(e->p.bodies[i], strlen(e->p.bodies[i]), "req", &req), 0);
    assert_int_equal(hcsi_json_get_obj(req, "req", "Settings", &settings), 1);
    assert_int_equal(hcsi_json_get_str(settings, "req", "ProcessParameters", &pps, NULL), 1);
    assert_int_equal(hcsi_json_parse(pps, strlen(pps), "pp", &pp), 0);
    hcsi_json_put(req);
    return pp;
}

static void test_container_exec_tty(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"echo", NULL};
    char *oci = oci_process(argv, 1, 24, 80);
    hcsi_json *pp, *op = NULL, *size = NULL;
    int b = 0;
    uint32_t u = 0, code = 1;
    char buf[64];
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.container_id = "c1";
    pc.oci_process_json = oci;
    pc.use_stdout = pc.use_stderr = 1; /* tty left 0: it follows the OCI process */
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    pp = sent_params(&e, 1);
    assert_int_equal(hcsi_json_get_bool(pp, "pp", "EmulateConsole", &b), 1);
    assert_true(b);
    assert_null(hcsi_json_get(pp, "ConsoleSize"));
    assert_null(hcsi_json_get(pp, "CommandArgs"));
    assert_null(hcsi_json_get(pp, "CreateStdErrPipe")); /* merged into stdout */
    assert_int_equal(hcsi_json_get_obj(pp, "pp", "OciProcess", &op), 1);
    assert_int_equal(hcsi_json_get_bool(op, "op", "terminal", &b), 1);
    assert_true(b);
    assert_int_equal(hcsi_json_get_obj(op, "op", "consoleSize", &size), 1);
    assert_int_equal(hcsi_json_get_u32(size, "size", "height", &u), 1);
    assert_int_equal(u, 24);
    assert_int_equal(hcsi_json_get_u32(size, "size", "width", &u), 1);
    assert_int_equal(u, 80);
    hcsi_json_put(pp);
    assert_non_null(strstr(e.p.bodies[1], "\"VsockStdioRelaySettings\":{\"StdOut\":1073741825}"));
    read_all(p, 1, buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    hcs_free(oci);
    env_down(&e);
}

static char *lcow_config(const char *id, int terminal)
{
    hcs_gcs_oci_spec_options o;
    static const char *const argv[] = {"init", NULL};
    char *spec = NULL, *config = NULL;
    char bundle[64];
    hcs_gcs_oci_spec_options_init(&o);
    o.process.args = argv;
    o.process.terminal = terminal;
    o.container_id = id;
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &spec), HCS_S_OK);
    snprintf(bundle, sizeof bundle, "/run/gcs/c/%s", id);
    assert_int_equal(hcs_gcs_encode_lcow_container_config(bundle, spec, NULL, &config), 0);
    hcs_free(spec);
    return config;
}

static void test_container_init(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    char *cfg_tty = lcow_config("ctty", 1), *cfg_plain = lcow_config("cplain", 0);
    hcsi_json *pp;
    int b = 0;
    uint32_t code = 1;
    char buf[16];
    (void)s;
    env_up(&e, 5000);
    assert_int_equal(hcs_gcs_create_container(e.b, "cplain", cfg_plain), 0);
    assert_int_equal(hcs_gcs_create_container(e.b, "ctty", cfg_tty), 0);

    /* the init start of a plain container: hcsshim's exact parameters */
    hcs_gcs_process_config_init(&pc);
    pc.container_id = "cplain";
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_non_null(strstr(e.p.bodies[3],
                           "\"ProcessParameters\":\"{\\\"CreateStdInPipe\\\":true,"
                           "\\\"CreateStdOutPipe\\\":true,\\\"CreateStdErrPipe\\\":true}\""));
    assert_int_equal(hcs_gcs_process_close_stdin(p), 0);
    read_all(p, 1, buf, sizeof buf);
    read_all(p, 2, buf, sizeof buf);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);

    /* tty contradicting the spec is refused */
    pc.tty = 1;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty is set but the container's spec has no process.terminal");

    /* a terminal spec: the init start follows it without being told */
    pc.container_id = "ctty";
    pc.tty = 0;
    pc.use_stdin = 0;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    pp = sent_params(&e, 5);
    assert_int_equal(hcsi_json_get_bool(pp, "pp", "EmulateConsole", &b), 1);
    assert_true(b);
    assert_null(hcsi_json_get(pp, "CreateStdErrPipe"));
    assert_null(hcsi_json_get(pp, "ConsoleSize"));
    hcsi_json_put(pp);
    read_all(p, 1, buf, sizeof buf);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    hcs_free(cfg_tty);
    hcs_free(cfg_plain);
    env_down(&e);
}

typedef struct cwait_arg {
    hcs_gcs_bridge *b;
    hcs_result hr;
    hcs_gcs_notification n;
    int done;
    hcsi_mutex lock;
} cwait_arg;

static void cwait_main(void *arg)
{
    cwait_arg *a = (cwait_arg *)arg;
    hcs_result hr = hcs_gcs_container_wait(a->b, "c9", HCS_GCS_TIMEOUT_DEFAULT, &a->n);
    hcsi_mutex_lock(&a->lock);
    a->hr = hr;
    a->done = 1;
    hcsi_mutex_unlock(&a->lock);
}

static void test_container_wait_default_is_forever(void **s)
{
    env e;
    cwait_arg a;
    hcsi_thread t;
    int done;
    (void)s;
    env_up_rpc(&e, 5000, 100); /* RPC timeout 100 ms */
    memset(&a, 0, sizeof a);
    hcsi_mutex_init(&a.lock);
    a.b = e.b;
    assert_int_equal(hcs_gcs_create_container(e.b, "c9", "{}"), 0);
    assert_int_equal(hcsi_thread_start(&t, cwait_main, &a), 0);
    hcsi_sleep_ms(500); /* five RPC timeouts */
    hcsi_mutex_lock(&a.lock);
    done = a.done;
    hcsi_mutex_unlock(&a.lock);
    assert_false(done);
    peer_send(&e.p, HCS_GCS_NOTIFY_CONTAINER, 0,
              "{\"ContainerId\":\"c9\",\"Type\":\"UnexpectedExit\",\"Operation\":\"None\","
              "\"Result\":0}");
    hcsi_thread_join(&t);
    assert_int_equal(a.hr, HCS_S_OK);
    assert_string_equal(a.n.type, "UnexpectedExit");
    hcs_gcs_notification_clear(&a.n);
    hcsi_mutex_destroy(&a.lock);
    env_down(&e);
}

/* ---- bounded and cancellable stdio ---- */

static fake_proc *proc_of(env *e, uint32_t pid) { return &e->g.procs[pid - 100]; }

static void test_read_timeout(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"hang", NULL};
    char buf[64];
    size_t got = 7;
    uint64_t t0, ms;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    t0 = hcsi_now_ns();
    assert_int_equal(hcs_gcs_process_read_timeout(p, 1, buf, sizeof buf, &got, 150),
                     HCS_ERR_OPERATION_TIMEOUT);
    ms = (hcsi_now_ns() - t0) / 1000000u;
    assert_int_equal(got, 0);
    gt_expect_msg("process 100 stdout: no data within 150 ms (the stream stays open)");
    assert_true(ms >= 140 && ms < 3000);
    /* 0: no wait at all */
    assert_int_equal(hcs_gcs_process_read_timeout(p, 1, buf, sizeof buf, &got, 0),
                     HCS_ERR_OPERATION_TIMEOUT);
    /* the stream stays usable: data that comes later is read */
    assert_int_equal(hcsi_sock_write_full(proc_of(&e, 100)->io[1], "late\n", 5), 0);
    assert_int_equal(hcs_gcs_process_read_timeout(p, 1, buf, sizeof buf, &got, 5000), 0);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "late\n", 5);
    /* EOF within the bound */
    hcsi_sock_shutdown_write(proc_of(&e, 100)->io[1]);
    assert_int_equal(hcs_gcs_process_read_timeout(p, 1, buf, sizeof buf, &got,
                                                  HCS_GCS_TIMEOUT_DEFAULT), 0);
    assert_int_equal(got, 0);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_write_timeout_and_closed_stdin(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const hang[] = {"hang", NULL};
    static const char *const cat[] = {"cat", NULL};
    size_t big = 16u << 20, written = 0;
    char *data = (char *)calloc(1, big);
    char buf[64];
    (void)s;
    assert_non_null(data);
    env_up(&e, 5000);
    /* nobody reads this stdin: the write stops at the bound */
    hcs_gcs_process_config_init(&pc);
    pc.argv = hang;
    pc.use_stdin = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(hcs_gcs_process_write_stdin_timeout(p, data, big, 100, &written),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_true(written > 0 && written < big);
    gt_expect_msg("process 100 stdin: the guest took ");
    gt_expect_msg(" bytes within 100 ms");
    hcs_gcs_process_close(p);

    /* a write after close_stdin says so */
    pc.argv = cat;
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(hcs_gcs_process_write_stdin(p, "abc", 3), 0);
    assert_int_equal(hcs_gcs_process_close_stdin(p), 0);
    assert_int_equal(hcs_gcs_process_close_stdin(p), 0); /* idempotent */
    assert_int_equal(hcs_gcs_process_write_stdin(p, "def", 3), HCS_ERR_INVALID_STATE);
    gt_expect_msg("write stdin: stdin is closed (process 101: hcs_gcs_process_close_stdin "
                  "was called)");
    assert_int_equal(hcs_gcs_process_write_stdin_timeout(p, "def", 3, 10, &written),
                     HCS_ERR_INVALID_STATE);
    assert_int_equal(written, 0);
    read_all(p, 1, buf, sizeof buf);
    assert_string_equal(buf, "abc");
    hcs_gcs_process_close(p);
    free(data);
    env_down(&e);
}

typedef struct io_arg {
    hcs_gcs_process *p;
    int op; /* 0 read, 1 write, 2 relay */
    hcs_gcs_fd fd;
    hcs_result hr;
    size_t n;
    char msg[256];
    int done;
    hcsi_mutex lock;
} io_arg;

static void io_main(void *arg)
{
    io_arg *a = (io_arg *)arg;
    char buf[64];
    size_t n = 0;
    hcs_result hr;
    if (a->op == 0) {
        hr = hcs_gcs_process_read(a->p, 1, buf, sizeof buf, &n);
    } else if (a->op == 1) {
        size_t big = 32u << 20;
        char *data = (char *)calloc(1, big);
        hr = hcs_gcs_process_write_stdin_timeout(a->p, data, big, HCS_GCS_TIMEOUT_INFINITE,
                                                 &n);
        free(data);
    } else {
        hr = hcs_gcs_process_relay(a->p, HCS_GCS_NO_FD, a->fd, HCS_GCS_NO_FD);
    }
    hcsi_mutex_lock(&a->lock);
    a->hr = hr;
    a->n = n;
    snprintf(a->msg, sizeof a->msg, "%s", hcs_error_last() ? hcs_error_last()->message : "");
    a->done = 1;
    hcsi_mutex_unlock(&a->lock);
}

static int io_done(io_arg *a)
{
    int d;
    hcsi_mutex_lock(&a->lock);
    d = a->done;
    hcsi_mutex_unlock(&a->lock);
    return d;
}

static void test_cancel_from_another_thread(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL, *q = NULL;
    static const char *const hang[] = {"hang", NULL};
    io_arg a[3];
    hcsi_thread t[3];
    int i, po[2];
    char buf[8];
    size_t got;
    uint32_t code;
    uint64_t t0;
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_config_init(&pc);
    pc.argv = hang;
    pc.use_stdin = pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    pc.use_stdin = 0;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &q), 0);
    assert_int_equal(pipe(po), 0);
    memset(a, 0, sizeof a);
    for (i = 0; i < 3; i++) {
        a[i].p = i < 2 ? p : q;
        a[i].op = i;
        a[i].fd = po[1];
        hcsi_mutex_init(&a[i].lock);
        assert_int_equal(hcsi_thread_start(&t[i], io_main, &a[i]), 0);
    }
    /* a reader, a writer (the guest never reads) and a relay, all blocked */
    hcsi_sleep_ms(300);
    for (i = 0; i < 3; i++)
        assert_false(io_done(&a[i]));
    t0 = hcsi_now_ns();
    assert_int_equal(hcs_gcs_process_cancel_io(p), 0);
    assert_int_equal(hcs_gcs_process_cancel_io(p), 0); /* idempotent */
    assert_int_equal(hcs_gcs_process_cancel_io(q), 0);
    for (i = 0; i < 3; i++) {
        hcsi_thread_join(&t[i]);
        assert_int_equal(a[i].hr, HCS_ERR_WIN32_OPERATION_ABORTED);
        assert_non_null(strstr(a[i].msg, "I/O cancelled (hcs_gcs_process_cancel_io)"));
        hcsi_mutex_destroy(&a[i].lock);
    }
    assert_true(hcsi_now_ns() - t0 < 2000000000ull);
    assert_non_null(strstr(a[0].msg, "process 100 stdout"));
    assert_non_null(strstr(a[1].msg, "process 100 stdin"));
    assert_true(a[1].n > 0 && a[1].n < (32u << 20)); /* what the stream took */
    assert_non_null(strstr(a[2].msg, "process 101 stdout"));
    /* sticky: later stdio calls fail at once, data or not */
    assert_int_equal(hcsi_sock_write_full(proc_of(&e, 100)->io[1], "x", 1), 0);
    assert_int_equal(hcs_gcs_process_read_timeout(p, 1, buf, sizeof buf, &got, 5000),
                     HCS_ERR_WIN32_OPERATION_ABORTED);
    assert_int_equal(hcs_gcs_process_write_stdin(p, "x", 1), HCS_ERR_WIN32_OPERATION_ABORTED);
    /* the process itself is untouched: control calls still work */
    assert_int_equal(hcs_gcs_process_signal(p, 15), HCS_S_OK);
    assert_int_equal(hcs_gcs_process_wait(p, 10, &code), HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(hcs_gcs_process_cancel_io(NULL), HCS_ERR_INVALIDARG);
    hcs_gcs_process_close(p);
    hcs_gcs_process_close(q);
    close(po[0]);
    close(po[1]);
    env_down(&e);
}

/* The library leaves SIGPIPE alone: with the default action (terminate),
 * a relay into a pipe nobody reads fails with an error instead of killing
 * the process, and no SIGPIPE is left pending. */
static void test_no_sigpipe(void **s)
{
    env e;
    hcs_gcs_process_config pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"echo", NULL};
    struct sigaction dfl, before, after;
    sigset_t pending;
    int po[2];
    uint32_t code = 1;
    (void)s;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &dfl, &before), 0);
    env_up(&e, 5000); /* connect: the disposition stays SIG_DFL */
    assert_int_equal(sigaction(SIGPIPE, NULL, &after), 0);
    assert_true(after.sa_handler == SIG_DFL);
    hcs_gcs_process_config_init(&pc);
    pc.argv = argv;
    pc.use_stdout = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_int_equal(pipe(po), 0);
    close(po[0]);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_GCS_NO_FD, po[1], HCS_GCS_NO_FD),
                     HCS_ERR_WIN32_BROKEN_PIPE);
    gt_expect_msg("relaying stdout: write: Broken pipe");
    assert_int_equal(sigpending(&pending), 0);
    assert_false(sigismember(&pending, SIGPIPE));
    /* the output was still drained, so the guest reported the exit */
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    assert_int_equal(code, 0);
    hcs_gcs_process_close(p);
    close(po[1]);
    env_down(&e);
    assert_int_equal(sigaction(SIGPIPE, NULL, &after), 0);
    assert_true(after.sa_handler == SIG_DFL);
    assert_int_equal(sigaction(SIGPIPE, &before, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_stdout),
        cmocka_unit_test(test_cat_stdin_ports),
        cmocka_unit_test(test_relay_exit_code),
        cmocka_unit_test(test_relay_stdin_and_big_output),
        cmocka_unit_test(test_never_dials),
        cmocka_unit_test(test_tty_signal_wait),
        cmocka_unit_test(test_bridge_dies_during_wait),
        cmocka_unit_test(test_no_stdio_address),
        cmocka_unit_test(test_container_rules),
        cmocka_unit_test(test_container_exec_tty),
        cmocka_unit_test(test_container_init),
        cmocka_unit_test(test_container_wait_default_is_forever),
        cmocka_unit_test(test_read_timeout),
        cmocka_unit_test(test_write_timeout_and_closed_stdin),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_no_sigpipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
