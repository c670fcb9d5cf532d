/*
 * hcs-gcs against a hostile host (issue 14): the cleanup promise ("nothing
 * the host started outlives the host's connection") with background
 * children, setsid escapes and exited leaders; stdio dials a host never
 * accepts (a full backlog): bounded by --stdio-timeout, abandoned on
 * SIGTERM and on bridge EOF even when every worker is stuck.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ghost.h"

#define MAX_PIDS 512

/* Reads "pid\n" lines until EOF; returns how many. */
static size_t read_pids(int fd, pid_t *pids, size_t max)
{
    hcsi_buf b;
    size_t n = 0;
    char *p;
    hcsi_buf_init(&b, 0);
    assert_int_equal(gh_read_all(fd, &b, 20000), 0);
    assert_int_equal(hcsi_buf_putc(&b, '\0'), 0);
    for (p = b.data; p && *p && n < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        pids[n++] = (pid_t)v;
        p = end;
        while (*p == '\n')
            p++;
    }
    hcsi_buf_free(&b);
    return n;
}

/* How many are alive (a zombie of someone else's is not: gh_pid_alive). */
static size_t alive(const pid_t *pids, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        k += gh_pid_alive(pids[i]) != 0;
    return k;
}

static void kill_all(const pid_t *pids, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        (void)kill(pids[i], SIGKILL);
}

/* A process that starts background children (some in sessions of their
 * own), prints their pids and exits; waited for or not, none of them may
 * outlive the host's connection. */
/* GH_CASE arguments. */
static const int k_zero = 0, k_one = 1;

/* *s: whether the host waits for the process first. */
static void test_descendants(void **s)
{
    int wait_first = GH_CASE_INT(s);
    ghost h;
    gh_proc p;
    pid_t pids[MAX_PIDS];
    size_t n, i, left = 0;
    const char *extra[] = {"--reconnect", NULL};
    gh_up(&h, extra);
    gh_exec_ok(&h,
               "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"i=0; while [ $i -lt 200 ]; do "
               "sleep 1000 >/dev/null & echo $!; i=$((i+1)); done; i=0; while [ $i -lt 20 ]; "
               "do setsid sleep 1000 >/dev/null & echo $!; i=$((i+1)); done; "
               "(sleep 1000 >/dev/null & echo $!; exec sleep 1000 >/dev/null) & echo $!; "
               "exit 0\"]",
               GH_OUT, &p);
    n = read_pids(p.out, pids, MAX_PIDS);
    close(p.out);
    p.out = -1;
    assert_int_equal(n, 222);
    if (wait_first)
        assert_int_equal(gh_exit_code_in(&h, GH_ZERO, p.pid), 0);
    usleep(100000);
    assert_true(alive(pids, n) >= 200);
    /* The host goes away: the agent cleans up and dials again. */
    close(h.br);
    h.br = -1;
    for (i = 0; i < 500; i++) {
        left = alive(pids, n);
        if (left == 0)
            break;
        usleep(10000);
    }
    if (left)
        kill_all(pids, n);
    assert_int_equal(left, 0);
    (void)gh_stop(&h, 2000);
    gh_cleanup(&h);
}

/* A unix listener at DIR/port whose backlog is full: connects to it do not
 * complete (blocking) or fail with EAGAIN (non-blocking). */
typedef struct stuck {
    int lis;
    int filler[8];
    int nf;
} stuck;

static void stuck_listener(ghost *h, uint32_t port, stuck *st)
{
    struct sockaddr_un sa;
    memset(st, 0, sizeof *st);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%lu", h->dir, (unsigned long)port);
    st->lis = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(st->lis >= 0);
    assert_int_equal(bind(st->lis, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(st->lis, 0), 0);
    while (st->nf < 8) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(c >= 0);
        if (connect(c, (struct sockaddr *)&sa, sizeof sa) != 0) {
            assert_int_equal(errno, EAGAIN);
            close(c);
            break;
        }
        st->filler[st->nf++] = c;
    }
    assert_true(st->nf >= 1 && st->nf < 8); /* full now */
}

static void stuck_close(stuck *st)
{
    int i;
    for (i = 0; i < st->nf; i++)
        close(st->filler[i]);
    close(st->lis);
}

static uint64_t send_stuck_exec(ghost *h, uint32_t port)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
             "\",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":[\\\"/bin/true\\\"],"
             "\\\"CreateStdOutPipe\\\":true}\",\"VsockStdioRelaySettings\":{\"StdOut\":%lu}}}",
             (unsigned long)port);
    return gh_send(h, GH_EXEC, body);
}

/* --stdio-timeout bounds a dial the host never accepts: the request fails
 * saying so, and the bridge keeps answering. */
static void test_dial_deadline(void **s)
{
    ghost h;
    stuck st;
    gh_frame f;
    uint64_t t0, id;
    const char *extra[] = {"--stdio-timeout", "1", NULL};
    (void)s;
    gh_up(&h, extra);
    stuck_listener(&h, 0x50000000u, &st);
    t0 = gh_now_ms();
    id = send_stuck_exec(&h, 0x50000000u);
    assert_int_equal(gh_recv(&h, id, 10000, &f), 0);
    assert_non_null(strstr(f.body, "not accepted within 1000 ms"));
    assert_non_null(strstr(f.body, "\"Result\":-2147467259"));
    assert_true(gh_now_ms() - t0 < 5000);
    gh_frame_free(&f);
    (void)gh_run(&h, "\"CommandArgs\":[\"/bin/true\"]", NULL);
    stuck_close(&st);
    (void)gh_stop_exited(&h, 10000);
    gh_cleanup(&h);
}

/* 66 dials stuck (every worker busy, the reader waiting for one): SIGTERM
 * (*s = 0) or the host hanging up (*s = 1) ends the agent quickly. */
static void test_stuck_dials(void **s)
{
    int how = GH_CASE_INT(s);
    ghost h;
    stuck st;
    int i, status;
    uint64_t t0;
    gh_up(&h, NULL); /* the default --stdio-timeout: 30 s */
    stuck_listener(&h, 0x50000001u, &st);
    for (i = 0; i < 66; i++)
        (void)send_stuck_exec(&h, 0x50000001u);
    usleep(300000);
    t0 = gh_now_ms();
    if (how == 0) {
        kill(h.agent, SIGTERM);
    } else {
        close(h.br);
        h.br = -1;
    }
    status = gh_reap(&h, 10000);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(gh_now_ms() - t0 < 5000);
    stuck_close(&st);
    gh_cleanup(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        GH_CASE("test_descendants_waited", test_descendants, &k_one),
        GH_CASE("test_descendants_not_waited", test_descendants, &k_zero),
        cmocka_unit_test(test_dial_deadline),
        GH_CASE("test_stuck_dials_sigterm", test_stuck_dials, &k_zero),
        GH_CASE("test_stuck_dials_eof", test_stuck_dials, &k_one),
    };
    return cmocka_run_group_tests_name("hcs-gcs against a hostile host", tests, NULL, NULL);
}
