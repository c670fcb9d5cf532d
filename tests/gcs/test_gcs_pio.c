/* Bounded, cancellable stdio calls (src/gcs/pio.c) over a connected socket
 * pair: AF_UNIX on POSIX, loopback TCP on Windows (runs under wine, so the
 * WSAEventSelect implementation is exercised too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs/pio.h"
#include "gcs_test_util.h"

typedef struct pair {
    hcsi_sock us, peer;
    hcsi_gcs_pio io;
} pair;

static void pair_up(pair *p)
{
    hcsi_sock sv[2];
    assert_int_equal(hcsi_sock_pair(sv), 0);
    p->us = sv[0];
    p->peer = sv[1];
    assert_int_equal(hcsi_gcs_pio_init(&p->io), 0);
    assert_int_equal(hcsi_gcs_pio_attach(&p->io, 1, p->us), 0);
}

static void pair_down(pair *p)
{
    hcsi_sock_close(p->us);
    if (p->peer != HCSI_SOCK_INVALID)
        hcsi_sock_close(p->peer);
    hcsi_gcs_pio_destroy(&p->io);
}

static uint64_t ms_since(uint64_t t0) { return (hcsi_now_ns() - t0) / 1000000u; }

static void test_read_bound_then_data_then_eof(void **s)
{
    pair p;
    char buf[16];
    size_t got = 9;
    uint64_t t0;
    (void)s;
    pair_up(&p);
    t0 = hcsi_now_ns();
    assert_int_equal(hcsi_gcs_pio_read(&p.io, 1, p.us, buf, sizeof buf, &got, 100),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(got, 0);
    assert_true(ms_since(t0) >= 90 && ms_since(t0) < 3000);
    assert_int_equal(hcsi_gcs_pio_read(&p.io, 1, p.us, buf, sizeof buf, &got, 0),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(hcsi_sock_write_full(p.peer, "abc", 3), 0);
    assert_int_equal(hcsi_gcs_pio_read(&p.io, 1, p.us, buf, sizeof buf, &got, 5000), 0);
    assert_int_equal(got, 3);
    assert_memory_equal(buf, "abc", 3);
    hcsi_sock_shutdown_write(p.peer);
    assert_int_equal(hcsi_gcs_pio_read(&p.io, 1, p.us, buf, sizeof buf, &got, -1), 0);
    assert_int_equal(got, 0); /* EOF */
    pair_down(&p);
}

static void test_write_bound_and_closed_peer(void **s)
{
    pair p;
    size_t n = 64u << 20, written = 0;
    char *data = (char *)calloc(1, n);
    hcs_result hr = HCS_S_OK;
    int i;
    (void)s;
    assert_non_null(data);
    pair_up(&p);
    /* the peer never reads: the buffers fill and the bound stops us */
    assert_int_equal(hcsi_gcs_pio_write(&p.io, 1, p.us, data, n, 100, &written),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_true(written > 0 && written < n);
    /* a peer that closed: the write fails as closed (a TCP peer may take a
     * few writes before the reset arrives) */
    hcsi_sock_close(p.peer);
    p.peer = HCSI_SOCK_INVALID;
    for (i = 0; i < 200 && hr == HCS_S_OK; i++) {
        hr = hcsi_gcs_pio_write(&p.io, 1, p.us, data, 1024, 1000, &written);
        if (hr == HCS_S_OK)
            hcsi_sleep_ms(5);
    }
    assert_int_equal(hr, HCS_ERR_CONNECTION_CLOSED);
    gt_expect_msg("the guest closed the stream");
    free(data);
    pair_down(&p);
}

typedef struct op_arg {
    pair *p;
    int write;
    char *data; /* the writer's 64 MiB, allocated before the thread starts */
    hcs_result hr;
    size_t n;
} op_arg;

static void op_main(void *arg)
{
    op_arg *a = (op_arg *)arg;
    if (a->write) {
        a->hr = hcsi_gcs_pio_write(&a->p->io, 0, a->p->us, a->data, 64u << 20, -1, &a->n);
    } else {
        char buf[16];
        a->hr = hcsi_gcs_pio_read(&a->p->io, 1, a->p->us, buf, sizeof buf, &a->n, -1);
    }
}

static void test_cancel_wakes_reader_and_writer(void **s)
{
    pair r, w;
    op_arg ra, wa;
    hcsi_thread tr, tw;
    char buf[4];
    size_t got;
    uint64_t t0;
    (void)s;
    pair_up(&r);
    pair_up(&w);
    assert_int_equal(hcsi_gcs_pio_attach(&w.io, 0, w.us), 0);
    memset(&ra, 0, sizeof ra);
    memset(&wa, 0, sizeof wa);
    ra.p = &r;
    wa.p = &w;
    wa.write = 1;
    wa.data = (char *)calloc(1, 64u << 20);
    assert_non_null(wa.data);
    assert_int_equal(hcsi_thread_start(&tr, op_main, &ra), 0);
    assert_int_equal(hcsi_thread_start(&tw, op_main, &wa), 0);
    /* the writer has made progress (its peer has data), then it fills the
     * buffers and blocks; the reader has long been waiting */
    assert_int_equal(hcsi_sock_wait_readable(w.peer, 10000), 0);
    hcsi_sleep_ms(200);
    t0 = hcsi_now_ns();
    hcsi_gcs_pio_cancel(&r.io);
    hcsi_gcs_pio_cancel(&w.io);
    hcsi_thread_join(&tr);
    hcsi_thread_join(&tw);
    assert_true(ms_since(t0) < 2000);
    assert_int_equal(ra.hr, HCS_ERR_WIN32_OPERATION_ABORTED);
    assert_int_equal(wa.hr, HCS_ERR_WIN32_OPERATION_ABORTED);
    assert_true(wa.n > 0 && wa.n < (64u << 20));
    free(wa.data);
    assert_true(hcsi_gcs_pio_cancelled(&r.io));
    /* sticky, even with data waiting */
    assert_int_equal(hcsi_sock_write_full(r.peer, "x", 1), 0);
    assert_int_equal(hcsi_gcs_pio_read(&r.io, 1, r.us, buf, sizeof buf, &got, 1000),
                     HCS_ERR_WIN32_OPERATION_ABORTED);
    pair_down(&r);
    pair_down(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_bound_then_data_then_eof),
        cmocka_unit_test(test_write_bound_and_closed_peer),
        cmocka_unit_test(test_cancel_wakes_reader_and_writer),
    };
    if (HCS_FAILED(hcsi_net_init()))
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
