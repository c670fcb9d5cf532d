/* Process stdio that can be bounded and cancelled, the stdin-closed
 * state, and SIGPIPE left alone — through the bridge, against the fake
 * guest. POSIX only (pio itself is also tested under wine: test_gcs_pio). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcs_fake_guest.h"

/* ---- bounded and cancellable stdio ---- */

static fake_proc *proc_of(env *e, uint32_t pid) { return &e->g.procs[pid - 100]; }

static void test_read_timeout(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"hang", NULL};
    char buf[64];
    size_t got = 7;
    uint64_t t0, ms;
    (void)s;
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, argv, 0, 1, 0);
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
                                                  HCS_TIMEOUT_DEFAULT), 0);
    assert_int_equal(got, 0);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_write_timeout_and_closed_stdin(void **s)
{
    env e;
    hcs_gcs_process_options pc;
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
    p = gt_spawn(&e, &pc, hang, 1, 0, 0);
    assert_int_equal(hcs_gcs_process_write_stdin_timeout(p, data, big, 100, &written),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_true(written > 0 && written < big);
    gt_expect_msg("process 100 stdin: the guest took ");
    gt_expect_msg(" bytes within 100 ms");
    hcs_gcs_process_close(p);

    /* a write after close_stdin says so */
    p = gt_spawn(&e, &pc, cat, 1, 1, 0);
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
    hcs_os_handle fd;
    char *data; /* the writer's 32 MiB, allocated before the thread starts */
    size_t n;
} io_arg;

static hcs_result io_main(void *arg)
{
    io_arg *a = (io_arg *)arg;
    char buf[64];
    size_t n = 0;
    hcs_result hr;
    if (a->op == 0) {
        hr = hcs_gcs_process_read(a->p, 1, buf, sizeof buf, &n);
    } else if (a->op == 1) {
        hr = hcs_gcs_process_write_stdin_timeout(a->p, a->data, 32u << 20,
                                                 HCS_TIMEOUT_INFINITE, &n);
    } else {
        hr = hcs_gcs_process_relay(a->p, HCS_OS_HANDLE_NONE, a->fd, HCS_OS_HANDLE_NONE);
    }
    a->n = n; /* read after the join */
    return hr;
}

static void test_cancel_from_another_thread(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL, *q = NULL;
    static const char *const hang[] = {"hang", NULL};
    io_arg a[3];
    gt_bg bg[3];
    int i, po[2];
    char buf[8];
    size_t got;
    uint32_t code;
    uint64_t t0;
    (void)s;
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, hang, 1, 1, 0);
    q = gt_spawn(&e, &pc, hang, 0, 1, 0);
    assert_int_equal(pipe(po), 0);
    memset(a, 0, sizeof a);
    for (i = 0; i < 3; i++) {
        a[i].p = i < 2 ? p : q;
        a[i].op = i;
        a[i].fd = po[1];
    }
    a[1].data = (char *)calloc(1, 32u << 20);
    assert_non_null(a[1].data);
    for (i = 0; i < 3; i++)
        gt_bg_start(&bg[i], io_main, &a[i]);
    /* a reader, a writer (the guest never reads) and a relay, all blocked:
     * the writer has made progress (the guest's stdin end has data) */
    assert_int_equal(hcsi_sock_wait_readable(proc_of(&e, 100)->io[0], 10000), 0);
    hcsi_sleep_ms(300);
    for (i = 0; i < 3; i++)
        assert_false(gt_bg_done(&bg[i]));
    t0 = hcsi_now_ns();
    assert_int_equal(hcs_gcs_process_cancel_io(p), 0);
    assert_int_equal(hcs_gcs_process_cancel_io(p), 0); /* idempotent */
    assert_int_equal(hcs_gcs_process_cancel_io(q), 0);
    for (i = 0; i < 3; i++) {
        gt_bg_join(&bg[i]);
        assert_int_equal(bg[i].hr, HCS_ERR_WIN32_OPERATION_ABORTED);
        assert_non_null(strstr(bg[i].msg, "I/O cancelled (hcs_gcs_process_cancel_io)"));
    }
    assert_true(hcsi_now_ns() - t0 < 2000000000ull);
    assert_non_null(strstr(bg[0].msg, "process 100 stdout"));
    assert_non_null(strstr(bg[1].msg, "process 100 stdin"));
    assert_true(a[1].n > 0 && a[1].n < (32u << 20)); /* what the stream took */
    free(a[1].data);
    assert_non_null(strstr(bg[2].msg, "process 101 stdout"));
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

static hcs_result close_main(void *arg)
{
    hcs_gcs_process_close((hcs_gcs_process *)arg);
    return HCS_S_OK;
}

/* Issue 14 item 1: a guest that dials the stdin relay and never reads it.
 * 16 MiB go into hcs_gcs_process_relay's stdin; the exit code arrives while
 * the relay's stdin thread is blocked writing to the guest. Close must not
 * wait for that write: it returns within a bound (it cancels the relay's
 * I/O before it joins the thread). */
static void test_close_while_stdin_blocked(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const sink[] = {"sink", NULL};
    int in[2], nul;
    gt_feeder f;
    gt_bg c;
    uint32_t code = 1;
    uint64_t ms;
    struct sigaction ign, before;
    (void)s;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &ign, &before), 0); /* the feeder's EPIPE */
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, sink, 1, 1, 1);
    assert_int_equal(pipe(in), 0);
    nul = open("/dev/null", O_WRONLY);
    assert_true(nul >= 0);
    gt_feed_start(&f, in[1], 16u << 20);
    /* stdout and stderr end when the guest's process is done: it was
     * done while the host's stdin writer was stuck */
    assert_int_equal(hcs_gcs_process_relay(p, in[0], nul, nul), 0);
    assert_int_equal(hcs_gcs_process_wait(p, 10000, &code), 0);
    assert_int_equal(code, 0);
    assert_true(proc_of(&e, 100)->queued > 0);
    gt_bg_start(&c, close_main, p);
    if (!gt_bg_wait(&c, 5000, &ms))
        fail_msg("hcs_gcs_process_close blocked for %llu ms (stdin thread in a write "
                 "the guest never reads)", (unsigned long long)ms);
    gt_bg_join(&c);
    print_message("close with the stdin relay blocked: %llu ms\n", (unsigned long long)ms);
    close(in[0]); /* the feeder fails with EPIPE and ends */
    gt_feed_join(&f);
    assert_true(f.sent < f.total);
    close(nul);
    env_down(&e);
    assert_int_equal(sigaction(SIGPIPE, &before, NULL), 0);
}

/* A relay whose destination is a non-blocking pipe nobody reads waits
 * for room together with the cancel: cancel_io ends it within a bound. */
static void test_cancel_relay_blocked_on_output(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    static const char *const big[] = {"big", NULL};
    io_arg a;
    gt_bg bg;
    int po[2], i;
    (void)s;
    env_up(&e, 5000);
    memset(&a, 0, sizeof a);
    a.p = gt_spawn(&e, &pc, big, 0, 1, 0); /* 4 MiB of stdout */
    assert_int_equal(pipe(po), 0);
    assert_int_equal(fcntl(po[1], F_SETFL, fcntl(po[1], F_GETFL) | O_NONBLOCK), 0);
    a.op = 2;
    a.fd = po[1];
    gt_bg_start(&bg, io_main, &a);
    /* the pipe fills up (64 KiB) and the relay waits for room */
    for (i = 0; i < 500; i++) {
        int room = 0;
        hcsi_sleep_ms(10);
        if (ioctl(po[1], FIONREAD, &room) == 0 && room >= 65536)
            break;
    }
    hcsi_sleep_ms(100);
    assert_false(gt_bg_done(&bg));
    assert_int_equal(hcs_gcs_process_cancel_io(a.p), 0);
    if (!gt_bg_wait(&bg, 5000, NULL))
        fail_msg("the relay did not return within 5 s of the cancel");
    gt_bg_join(&bg);
    assert_int_equal(bg.hr, HCS_ERR_WIN32_OPERATION_ABORTED);
    if (!strstr(bg.msg, "stdout: I/O cancelled (hcs_gcs_process_cancel_io)"))
        fail_msg("%s", bg.msg);
    hcs_gcs_process_close(a.p);
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
    hcs_gcs_process_options pc;
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
    p = gt_spawn(&e, &pc, argv, 0, 1, 0);
    assert_int_equal(pipe(po), 0);
    close(po[0]);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_OS_HANDLE_NONE, po[1], HCS_OS_HANDLE_NONE),
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
        cmocka_unit_test(test_read_timeout),
        cmocka_unit_test(test_write_timeout_and_closed_stdin),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_close_while_stdin_blocked),
        cmocka_unit_test(test_cancel_relay_blocked_on_output),
        cmocka_unit_test(test_no_sigpipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
