/*
 * End to end: libhcs's host bridge (hcs/gcs.h) against a real hcs-gcs,
 * over unix:DIR (hcs_gcs_listen/accept, the agent dials) and over a
 * spawned --stdio agent (hcs_gcs_connect_fds on a socketpair, the way
 * `hcsctl gcs run --spawn` does it). Every test asserts outcomes.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ghost.h"
#include "hcs/gcs.h"

typedef struct env {
    char dir[64];
    pid_t agent;
    hcs_gcs_bridge *b;
} env;

static const char *agent_log_level(void)
{
    const char *l = getenv("HCS_GCS_TEST_LOG");
    return l && *l ? l : "warn";
}

/* mode 0: the agent dials unix:DIR; mode 1: --stdio over a socketpair. */
static void up(env *e, int mode)
{
    hcs_gcs_bridge_options cfg;
    char addr[96];
    hcs_result hr;
    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/hcsg-br-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(addr, sizeof addr, "unix:%s", e->dir);
    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.accept_timeout_ms = 15000;
    cfg.rpc_timeout_ms = 30000;
    cfg.stdio_timeout_ms = 10000;
    signal(SIGPIPE, SIG_IGN);
    if (mode == 0) {
        hcs_gcs_listener *l = NULL;
        assert_int_equal(hcs_gcs_listen(addr, &cfg, &l), 0);
        e->agent = fork();
        assert_true(e->agent >= 0);
        if (e->agent == 0) {
            execl(gh_agent_path(), gh_agent_path(), "--connect", addr, "--log-level",
                  agent_log_level(), (char *)NULL);
            _exit(127);
        }
        hr = hcs_gcs_accept(l, &e->b);
        hcs_gcs_listener_close(l);
    } else {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        cfg.stdio_address = addr;
        e->agent = fork();
        assert_true(e->agent >= 0);
        if (e->agent == 0) {
            dup2(sv[1], 0);
            dup2(sv[1], 1);
            execl(gh_agent_path(), gh_agent_path(), "--stdio", "--stdio-dir", e->dir,
                  "--log-level", agent_log_level(), (char *)NULL);
            _exit(127);
        }
        close(sv[1]);
        hr = hcs_gcs_connect_fds(sv[0], sv[0], 1, &cfg, &e->b);
    }
    if (HCS_FAILED(hr))
        fail_msg("bridge setup: 0x%08x %s", (unsigned)hr,
                 hcs_error_last() ? hcs_error_last()->message : "");
}

static int reap(pid_t pid, int timeout_ms)
{
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    int st = -1;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (gh_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(5000);
    }
}

static void down(env *e)
{
    int st;
    if (e->b)
        hcs_gcs_bridge_close(e->b);
    e->b = NULL;
    if (e->agent > 0) {
        st = reap(e->agent, 10000);
        assert_true(st != -1 && WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    gh_rmtree(e->dir);
}

static hcs_gcs_process *start(env *e, const char *const *argv, int in, int out, int err,
                              int tty)
{
    hcs_gcs_process_options c;
    hcs_gcs_process *p = NULL;
    hcs_result hr;
    hcs_gcs_process_options_init(&c, HCS_GCS_PROCESS_OPTIONS_VERSION);
    c.argv = argv;
    c.use_stdin = in;
    c.use_stdout = out;
    c.use_stderr = err;
    c.tty = tty;
    if (tty) {
        c.tty_height = 24;
        c.tty_width = 80;
    }
    hr = hcs_gcs_process_start(e->b, &c, &p);
    if (HCS_FAILED(hr))
        fail_msg("process_start %s: 0x%08x %s", argv[0], (unsigned)hr,
                 hcs_error_last() ? hcs_error_last()->message : "");
    return p;
}

/* Reads a stream to EOF. */
static void read_stream(hcs_gcs_process *p, int stream, hcsi_buf *b)
{
    char buf[65536];
    for (;;) {
        size_t got = 0;
        hcs_result hr = hcs_gcs_process_read(p, stream, buf, sizeof buf, &got);
        assert_int_equal(hr, 0);
        if (got == 0)
            break;
        assert_int_equal(hcsi_buf_append(b, buf, got), 0);
    }
}

static uint32_t wait_exit(hcs_gcs_process *p)
{
    uint32_t code = 12345;
    hcs_result hr = hcs_gcs_process_wait(p, 20000, &code);
    if (HCS_FAILED(hr))
        fail_msg("wait: 0x%08x %s", (unsigned)hr, hcs_error_last() ? hcs_error_last()->message : "");
    return code;
}

/* GH_CASE arguments: up()'s modes. */
static const int k_unix_dir = 0, k_spawn = 1;

static void test_negotiation_and_stdio(void **s)
{
    int mode = GH_CASE_INT(s);
    env e;
    const hcs_gcs_capabilities *caps;
    const char *const argv[] = {"/bin/sh", "-c", "cat; echo \"$FOO:$(pwd)\"; echo err >&2; exit 3",
                                NULL};
    const char *const envp[] = {"FOO=bar", NULL};
    hcs_gcs_process_options c;
    hcs_gcs_process *p = NULL;
    hcsi_buf out, err;
    up(&e, mode);
    assert_int_equal(hcs_gcs_bridge_protocol_version(e.b), 4);
    assert_int_equal(hcs_gcs_bridge_os(e.b), HCS_GCS_OS_LINUX);
    caps = hcs_gcs_bridge_capabilities(e.b);
    assert_non_null(caps);
    assert_string_equal(caps->runtime_os_type, "Linux");
    assert_true(caps->signal_process_supported && caps->dump_stacks_supported &&
                caps->delete_container_state_supported && caps->namespace_add_request_supported);
    assert_false(caps->send_host_create_message);
    hcs_gcs_process_options_init(&c, HCS_GCS_PROCESS_OPTIONS_VERSION);
    c.argv = argv;
    c.env = envp;
    c.cwd = "/tmp";
    c.use_stdin = c.use_stdout = c.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &c, &p), 0);
    assert_true(hcs_gcs_process_pid(p) > 0);
    assert_int_equal(hcs_gcs_process_write_stdin(p, "in\n", 3), 0);
    assert_int_equal(hcs_gcs_process_close_stdin(p), 0);
    hcsi_buf_init(&out, 0);
    hcsi_buf_init(&err, 0);
    read_stream(p, 1, &out);
    read_stream(p, 2, &err);
    assert_int_equal(wait_exit(p), 3);
    assert_int_equal(hcsi_buf_putc(&out, 0), 0);
    assert_string_equal(out.data, "in\nbar:/tmp\n");
    assert_int_equal(err.len, 4);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    hcs_gcs_process_close(p);
    down(&e);
}

/* A thread writing data to a process's stdin (then closing it) while the
 * test reads. */
typedef struct feeder {
    hcs_gcs_process *p;
    const unsigned char *data;
    size_t n;
    hcs_result hr;
} feeder;

static void *feed_main(void *a)
{
    feeder *f = (feeder *)a;
    f->hr = hcs_gcs_process_write_stdin(f->p, f->data, f->n);
    hcs_gcs_process_close_stdin(f->p);
    return NULL;
}

static void feed_start(feeder *f, pthread_t *t, hcs_gcs_process *p, const unsigned char *data,
                       size_t n)
{
    f->p = p;
    f->data = data;
    f->n = n;
    assert_int_equal(pthread_create(t, NULL, feed_main, f), 0);
}

static void test_binary_and_large(void **s)
{
    env e;
    const char *const cat[] = {"/bin/cat", NULL};
    const char *const big[] = {"/bin/sh", "-c", "head -c 104857600 /dev/zero", NULL};
    hcs_gcs_process *p;
    size_t n = 2u * 1024u * 1024u + 3u, i;
    unsigned char *data = (unsigned char *)malloc(n);
    hcsi_buf out;
    feeder f;
    pthread_t t;
    uint64_t total = 0, t0;
    char buf[65536];
    (void)s;
    assert_non_null(data);
    for (i = 0; i < n; i++)
        data[i] = (unsigned char)((i * 2654435761u) >> 13);
    up(&e, 0);
    p = start(&e, cat, 1, 1, 0, 0);
    feed_start(&f, &t, p, data, n);
    hcsi_buf_init(&out, 0);
    read_stream(p, 1, &out);
    pthread_join(t, NULL);
    assert_int_equal(f.hr, 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, data, n);
    assert_int_equal(wait_exit(p), 0);
    hcs_gcs_process_close(p);
    hcsi_buf_free(&out);
    free(data);

    t0 = gh_now_ms();
    p = start(&e, big, 0, 1, 0, 0);
    for (;;) {
        size_t got = 0;
        assert_int_equal(hcs_gcs_process_read(p, 1, buf, sizeof buf, &got), 0);
        if (!got)
            break;
        total += got;
    }
    assert_int_equal(wait_exit(p), 0);
    assert_true(total == 104857600u);
    print_message("100 MB through bridge and agent in %llu ms\n",
                  (unsigned long long)(gh_now_ms() - t0));
    hcs_gcs_process_close(p);
    down(&e);
}

static void test_tty_resize_signals_timeout(void **s)
{
    env e;
    const char *const sh[] = {"/bin/sh", "-c", "stty size; read x; stty size; exit 6", NULL};
    const char *const sleeper[] = {"/bin/sleep", "30", NULL};
    hcs_gcs_process *p;
    hcsi_buf out;
    char buf[256];
    uint32_t code = 0;
    (void)s;
    up(&e, 0);
    p = start(&e, sh, 1, 1, 0, 1);
    hcsi_buf_init(&out, 0);
    while (!(out.len && memmem(out.data, out.len, "24 80", 5))) {
        size_t got = 0;
        assert_int_equal(hcs_gcs_process_read(p, 1, buf, sizeof buf, &got), 0);
        assert_true(got > 0);
        assert_int_equal(hcsi_buf_append(&out, buf, got), 0);
    }
    assert_int_equal(hcs_gcs_process_resize(p, 50, 132), 0);
    assert_int_equal(hcs_gcs_process_write_stdin(p, "\n", 1), 0);
    read_stream(p, 1, &out);
    assert_non_null(memmem(out.data, out.len, "50 132", 6));
    assert_int_equal(wait_exit(p), 6);
    hcs_gcs_process_close(p);
    hcsi_buf_free(&out);

    /* A wait that times out leaves the process running. */
    p = start(&e, sleeper, 0, 0, 0, 0);
    assert_int_equal(hcs_gcs_process_wait(p, 100, &code), HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(hcs_gcs_process_signal(p, 15), 0);
    assert_int_equal(wait_exit(p), 0xFFFFFFFFu);
    /* Gone: S_FALSE, as hcsshim treats 0x80070490. */
    assert_int_equal(hcs_gcs_process_kill(p), 1);
    hcs_gcs_process_close(p);
    p = start(&e, sleeper, 0, 0, 0, 0);
    assert_int_equal(hcs_gcs_process_kill(p), 0);
    assert_int_equal(wait_exit(p), 0xFFFFFFFFu);
    hcs_gcs_process_close(p);
    down(&e);
}

static void test_fifty_and_never_reads(void **s)
{
    env e;
    hcs_gcs_process *ps[50];
    int i;
    hcs_gcs_process_info *list = NULL;
    size_t n = 0;
    char *props = NULL;
    (void)s;
    up(&e, 1);
    for (i = 0; i < 50; i++) {
        char script[96];
        const char *argv[4];
        snprintf(script, sizeof script, "read x; echo p%d:$x; exit %d", i, i);
        argv[0] = "/bin/sh";
        argv[1] = "-c";
        argv[2] = script;
        argv[3] = NULL;
        ps[i] = start(&e, argv, 1, 1, 1, 0);
    }
    assert_int_equal(hcs_gcs_container_get_properties(e.b, NULL, "{\"PropertyTypes\":[\"ProcessList\"]}",
                                            &props),
                     0);
    assert_non_null(strstr(props, "ProcessList"));
    hcs_free(props);
    (void)list;
    (void)n;
    for (i = 0; i < 50; i++) {
        char line[16];
        snprintf(line, sizeof line, "%d\n", 1000 + i);
        assert_int_equal(hcs_gcs_process_write_stdin(ps[i], line, strlen(line)), 0);
        assert_int_equal(hcs_gcs_process_close_stdin(ps[i]), 0);
    }
    for (i = 0; i < 50; i++) {
        hcsi_buf out, err;
        char want[32];
        hcsi_buf_init(&out, 0);
        hcsi_buf_init(&err, 0);
        read_stream(ps[i], 1, &out);
        read_stream(ps[i], 2, &err);
        snprintf(want, sizeof want, "p%d:%d\n", i, 1000 + i);
        assert_int_equal(out.len, strlen(want));
        assert_memory_equal(out.data, want, out.len);
        assert_int_equal(wait_exit(ps[i]), (uint32_t)i);
        hcsi_buf_free(&out);
        hcsi_buf_free(&err);
        hcs_gcs_process_close(ps[i]);
    }
    {
        /* A process that never reads stdin, with the host still writing. */
        const char *const argv[] = {"/bin/sh", "-c", "sleep 0.2; exit 9", NULL};
        hcs_gcs_process *p = start(&e, argv, 1, 1, 0, 0);
        size_t big = 16u * 1024u * 1024u;
        unsigned char *zeros = (unsigned char *)calloc(1, big);
        feeder f;
        pthread_t t;
        hcsi_buf out;
        assert_non_null(zeros);
        feed_start(&f, &t, p, zeros, big);
        hcsi_buf_init(&out, 0);
        read_stream(p, 1, &out);
        assert_int_equal(wait_exit(p), 9);
        pthread_join(t, NULL);
        assert_true(HCS_FAILED(f.hr)); /* the agent stopped taking stdin */
        hcs_gcs_process_close(p);
        hcsi_buf_free(&out);
        free(zeros);
    }
    down(&e);
}

static void test_refusals_through_library(void **s)
{
    env e;
    char *stacks = NULL;
    hcs_gcs_mapped_virtual_disk d;
    hcs_result hr;
    const hcs_error *err;
    (void)s;
    up(&e, 0);
    assert_int_equal(hcs_gcs_bridge_dump_stacks(e.b, &stacks), 0);
    assert_non_null(strstr(stacks, "hcs-gcs"));
    hcs_free(stacks);
    hr = hcs_gcs_container_create(e.b, "c1",
                                  "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},"
                                  "\"OciBundlePath\":\"/run/gcs/c/c1\",\"OciSpecification\":{}}");
    assert_int_equal((uint32_t)hr, 0x80004005u);
    err = hcs_error_last();
    assert_non_null(strstr(err->message, "failed to create container"));
    memset(&d, 0, sizeof d);
    d.mount_path = "/run/disk";
    d.lun = 1;
    hr = hcs_gcs_modify_mapped_virtual_disk(e.b, "Add", &d);
    assert_int_equal((uint32_t)hr, 0x80004005u);
    /* The real /sys of this machine has no Hyper-V SCSI controller. */
    assert_non_null(strstr(hcs_error_last()->message,
                           "SCSI controller 0 LUN 1: the controller is not on the VMBus"));
    assert_int_equal((uint32_t)hcs_gcs_container_delete_state(e.b, "c1"), 0xC037010Eu);
    /* hcsshim's rule: 0xC037010E on shutdown = already gone = success. */
    assert_int_equal(hcs_gcs_container_shutdown(e.b, "c2", 1), 0);
    assert_true(hcs_gcs_bridge_is_alive(e.b));
    down(&e);
}

typedef struct waiter_arg {
    hcs_gcs_process *p;
    hcs_result hr;
} waiter_arg;

static void *wait_main(void *a)
{
    waiter_arg *w = (waiter_arg *)a;
    uint32_t code;
    w->hr = hcs_gcs_process_wait(w->p, 30000, &code);
    return NULL;
}

static void test_host_disconnects_mid_exec(void **s)
{
    env e;
    const char *const sleeper[] = {"/bin/sleep", "60", NULL};
    const char *const chatty[] = {"/bin/sh", "-c", "trap '' TERM; while :; do echo x; sleep 0.01; done",
                                  NULL};
    hcs_gcs_process *a, *b;
    pid_t pa, pb;
    int st;
    (void)s;
    up(&e, 0);
    a = start(&e, sleeper, 0, 0, 0, 0);
    b = start(&e, chatty, 1, 1, 1, 0);
    pa = (pid_t)hcs_gcs_process_pid(a);
    pb = (pid_t)hcs_gcs_process_pid(b);
    /* The host goes away in the middle of everything. */
    hcs_gcs_bridge_close(e.b);
    e.b = NULL;
    st = reap(e.agent, 10000);
    e.agent = 0;
    assert_true(st != -1 && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_false(gh_pid_alive(pa));
    assert_false(gh_pid_alive(pb));
    hcs_gcs_process_close(a);
    hcs_gcs_process_close(b);
    down(&e);
}

static void test_agent_killed_mid_rpc(void **s)
{
    env e;
    const char *const sleeper[] = {"/bin/sleep", "60", NULL};
    hcs_gcs_process *p;
    waiter_arg w;
    pthread_t t;
    pid_t child;
    char *stacks = NULL;
    (void)s;
    up(&e, 0);
    p = start(&e, sleeper, 0, 1, 0, 0);
    child = (pid_t)hcs_gcs_process_pid(p);
    w.p = p;
    w.hr = 0;
    assert_int_equal(pthread_create(&t, NULL, wait_main, &w), 0);
    usleep(100000);
    kill(e.agent, SIGKILL);
    reap(e.agent, 5000);
    e.agent = 0;
    pthread_join(t, NULL);
    /* The pending wait and every later call fail. */
    assert_int_equal(w.hr, HCS_ERR_CONNECTION_CLOSED);
    assert_int_equal(hcs_gcs_bridge_dump_stacks(e.b, &stacks), HCS_ERR_CONNECTION_CLOSED);
    assert_false(hcs_gcs_bridge_is_alive(e.b));
    /* And the agent's children died with it. */
    {
        uint64_t end = gh_now_ms() + 3000;
        while (gh_pid_alive(child) && gh_now_ms() < end)
            usleep(10000);
        assert_false(gh_pid_alive(child));
    }
    hcs_gcs_process_close(p);
    down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        GH_CASE("test_unix_dir_stdio", test_negotiation_and_stdio, &k_unix_dir),
        GH_CASE("test_spawn_stdio", test_negotiation_and_stdio, &k_spawn),
        cmocka_unit_test(test_binary_and_large),
        cmocka_unit_test(test_tty_resize_signals_timeout),
        cmocka_unit_test(test_fifty_and_never_reads),
        cmocka_unit_test(test_refusals_through_library),
        cmocka_unit_test(test_host_disconnects_mid_exec),
        cmocka_unit_test(test_agent_killed_mid_rpc),
    };
    return cmocka_run_group_tests_name("bridge <-> hcs-gcs", tests, NULL, NULL);
}
