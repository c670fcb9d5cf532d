/* Threads, condition variables, clock and sockets of the platform layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/internal.h"
#include "base/platform.h"

typedef struct counter {
    hcsi_mutex m;
    hcsi_cond c;
    int value;
} counter;

static void bump(void *p)
{
    counter *c = (counter *)p;
    int i;
    for (i = 0; i < 10000; i++) {
        hcsi_mutex_lock(&c->m);
        c->value++;
        hcsi_mutex_unlock(&c->m);
    }
    hcsi_mutex_lock(&c->m);
    hcsi_cond_broadcast(&c->c);
    hcsi_mutex_unlock(&c->m);
}

static void test_threads_mutex(void **s)
{
    counter c;
    hcsi_thread t[4];
    int i;
    (void)s;
    hcsi_mutex_init(&c.m);
    hcsi_cond_init(&c.c);
    c.value = 0;
    for (i = 0; i < 4; i++)
        assert_int_equal(hcsi_thread_start(&t[i], bump, &c), 0);
    hcsi_mutex_lock(&c.m);
    while (c.value < 40000)
        hcsi_cond_wait(&c.c, &c.m);
    hcsi_mutex_unlock(&c.m);
    for (i = 0; i < 4; i++)
        hcsi_thread_join(&t[i]);
    assert_int_equal(c.value, 40000);
    hcsi_cond_destroy(&c.c);
    hcsi_mutex_destroy(&c.m);
}

static void test_cond_timeout_and_clock(void **s)
{
    hcsi_mutex m;
    hcsi_cond c;
    uint64_t t0, t1;
    int timed_out = 0;
    (void)s;
    hcsi_mutex_init(&m);
    hcsi_cond_init(&c);
    t0 = hcsi_now_ns();
    hcsi_mutex_lock(&m);
    while (!timed_out)
        timed_out = hcsi_cond_wait_until(&c, &m, hcsi_deadline_ms(30));
    hcsi_mutex_unlock(&m);
    t1 = hcsi_now_ns();
    assert_true(t1 - t0 >= 29000000u);
    assert_true(hcsi_deadline_ms(-1) == UINT64_MAX);
    hcsi_cond_destroy(&c);
    hcsi_mutex_destroy(&m);
}

static int g_once_count;
static void once_fn(void) { g_once_count++; }

static void test_once(void **s)
{
    static hcsi_once o = HCSI_ONCE_INIT;
    (void)s;
    hcsi_once_run(&o, once_fn);
    hcsi_once_run(&o, once_fn);
    assert_int_equal(g_once_count, 1);
}

static void test_socket_pair(void **s)
{
    hcsi_sock sv[2];
    char buf[16];
    size_t got = 0;
    (void)s;
    assert_int_equal(hcsi_net_init(), 0);
    assert_int_equal(hcsi_sock_pair(sv), 0);
    assert_int_equal(hcsi_sock_write_full(sv[0], "hello", 5), 0);
    assert_int_equal(hcsi_sock_read_full(sv[1], buf, 5, &got), 0);
    assert_memory_equal(buf, "hello", 5);
    /* nothing pending: a short wait times out */
    assert_int_equal(hcsi_sock_wait_readable(sv[1], 20), HCS_ERR_CONNECTION_TIMEOUT);
    /* half-close: the peer reads EOF, the other direction still works */
    assert_int_equal(hcsi_sock_shutdown_write(sv[0]), 0);
    assert_int_equal(hcsi_sock_read(sv[1], buf, sizeof buf, &got), 0);
    assert_int_equal(got, 0);
    assert_int_equal(hcsi_sock_write_full(sv[1], "back", 4), 0);
    assert_int_equal(hcsi_sock_read_full(sv[0], buf, 4, &got), 0);
    assert_memory_equal(buf, "back", 4);
    /* EOF before a full read is a clear error */
    hcsi_sock_close(sv[1]);
    assert_int_equal(hcsi_sock_read_full(sv[0], buf, 4, &got), HCS_ERR_CONNECTION_CLOSED);
    assert_int_equal(got, 0);
    hcsi_sock_close(sv[0]);
}

#ifndef _WIN32
#include <unistd.h>
static void test_unix_listen_accept(void **s)
{
    char dir[] = "/tmp/hcs-test-XXXXXX", path[64];
    hcsi_sock l, c, a;
    char b[3];
    (void)s;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/1073741824", dir);
    assert_int_equal(hcsi_sock_listen_unix(path, &l), 0);
    /* no one dials: bounded accept wait */
    assert_int_equal(hcsi_sock_accept(l, 20, &a), HCS_ERR_CONNECTION_TIMEOUT);
    assert_non_null(strstr(hcs_error_last()->message, "waiting for a connection"));
    assert_int_equal(hcsi_sock_connect_unix(path, &c), 0);
    assert_int_equal(hcsi_sock_accept(l, 1000, &a), 0);
    assert_int_equal(hcsi_sock_write_full(c, "abc", 3), 0);
    assert_int_equal(hcsi_sock_read_full(a, b, 3, NULL), 0);
    assert_memory_equal(b, "abc", 3);
    hcsi_sock_close(a);
    hcsi_sock_close(c);
    hcsi_sock_close(l);
    /* a path that does not exist, and one that is too long */
    assert_int_equal(hcsi_sock_connect_unix("/nonexistent/dir/sock", &c),
                     HCS_ERR_WIN32_FILE_NOT_FOUND);
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = 0;
    {
        char longp[200];
        memset(longp, 'x', sizeof longp - 1);
        longp[sizeof longp - 1] = 0;
        assert_int_equal(hcsi_sock_listen_unix(longp, &l), HCS_ERR_WIN32_BAD_PATHNAME);
        assert_non_null(strstr(hcs_error_last()->message, "too long"));
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/1073741824", dir);
    unlink(path);
    rmdir(dir);
}
#endif

static void test_random(void **s)
{
    unsigned char a[32], b[32];
    (void)s;
    assert_int_equal(hcsi_random_bytes(a, sizeof a), 0);
    assert_int_equal(hcsi_random_bytes(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_mutex),
        cmocka_unit_test(test_cond_timeout_and_clock),
        cmocka_unit_test(test_once),
        cmocka_unit_test(test_socket_pair),
#ifndef _WIN32
        cmocka_unit_test(test_unix_listen_accept),
#endif
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
