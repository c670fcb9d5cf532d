/* Processes and the stdio relay against a scripted guest that dials the
 * stdio streams in a unix:DIR port space. POSIX only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static void env_up(env *e, int64_t stdio_timeout)
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
    c.rpc_timeout_ms = 10000;
    c.stdio_timeout_ms = stdio_timeout;
    c.stdio_address = e->addr;
    assert_int_equal(peer_connect(&e->p, &c, &e->b), 0);
}

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
    pc.container_id = "c1";
    pc.tty = 1;
    pc.tty_height = 24;
    pc.tty_width = 80;
    pc.use_stdout = pc.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    /* tty: stderr merged, so only stdout is requested */
    assert_non_null(strstr(e.p.bodies[1], "\\\"EmulateConsole\\\":true,\\\"CreateStdOutPipe\\\":true,\\\"ConsoleSize\\\":[24,80]"));
    assert_non_null(strstr(e.p.bodies[1], "\"VsockStdioRelaySettings\":{\"StdOut\":1073741825}"));
    assert_int_equal(hcs_gcs_process_resize(p, 40, 120), 0);
    assert_string_equal(e.g.last_resize,
                        "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-"
                        "000000000000\",\"ProcessId\":100,\"Height\":40,\"Width\":120}\n");
    assert_int_equal(hcs_gcs_process_signal(p, 15), 0);
    e.g.signal_reply_not_found = 1;
    assert_int_equal(hcs_gcs_process_kill(p), 1); /* S_FALSE: not delivered */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
