/*
 * hcs-gcs end to end, stdio: a scripted host (ghost.c) drives a real agent
 * process over unix:DIR and --stdio; stdio relays are real sockets.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "ghost.h"

static void test_exec_all_stdio(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    hcsi_buf out, err;
    gh_exec_ok(h,
               "\"CommandLine\":\"/bin/sh -c \\\"cat; echo out; echo err >&2; exit 3\\\"\","
               "\"WorkingDirectory\":\"/\"",
               GH_IN | GH_OUT | GH_ERR, &p);
    gh_write_all(p.in, "hello stdin\n", 12);
    shutdown(p.in, SHUT_WR);
    gh_read_both(&p, &out, &err, 10000);
    assert_int_equal(gh_exit_code(h, p.pid), 3);
    assert_int_equal(out.len, 16);
    assert_memory_equal(out.data, "hello stdin\nout\n", 16);
    assert_int_equal(err.len, 4);
    assert_memory_equal(err.data, "err\n", 4);
    /* The first successful wait removed it. */
    assert_int_equal((uint32_t)gh_wait(h, p.pid, 0xFFFFFFFFu, NULL, 5000), 0x80070490u);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    gh_close_proc(&p);
}

static void test_env_cwd_args(void **s)
{
    ghost *h = (ghost *)*s;
    hcsi_buf out;
    assert_int_equal(gh_run(h,
                            "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"echo \\\"$FOO|$EMPTY|$#\\\"; pwd; "
                            "printf '%s\\\\n' \\\"$@\\\"\",\"sh\",\"a b\",\"\",\"c\"],"
                            "\"Environment\":{\"FOO\":\"bar baz\",\"EMPTY\":\"\"},"
                            "\"WorkingDirectory\":\"/tmp\"",
                            &out),
                     0);
    assert_int_equal(hcsi_buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, "bar baz||3\n/tmp\na b\n\nc\n");
    hcsi_buf_free(&out);

    /* No Environment: an empty environment, as the Go GCS passes. */
    assert_int_equal(gh_run(h, "\"CommandArgs\":[\"/usr/bin/env\"]", &out), 0);
    assert_int_equal(out.len, 0);
    hcsi_buf_free(&out);

    /* A program name without '/' is found through the agent's $PATH. */
    (void)gh_run(h, "\"CommandLine\":\"echo found\"", &out);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.data, "found\n", 6);
    hcsi_buf_free(&out);
}

/* A thread writing data to a stdin socket while the test reads. */
typedef struct writer_arg {
    int fd;
    const unsigned char *data;
    size_t len;
    int close_after;
    size_t written;
    pthread_t t;
} writer_arg;

static void *writer_main(void *p)
{
    writer_arg *w = (writer_arg *)p;
    while (w->written < w->len) {
        ssize_t n = send(w->fd, w->data + w->written, w->len - w->written, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the process never reads: the agent ends the relay */
        w->written += (size_t)n;
    }
    if (w->close_after)
        shutdown(w->fd, SHUT_WR);
    return NULL;
}

static void writer_start(writer_arg *w, int fd, const unsigned char *data, size_t len,
                         int close_after)
{
    w->fd = fd;
    w->data = data;
    w->len = len;
    w->close_after = close_after;
    w->written = 0;
    assert_int_equal(pthread_create(&w->t, NULL, writer_main, w), 0);
}

static void test_binary_safe(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    hcsi_buf out;
    size_t n = 3u * 1024u * 1024u + 17u, i;
    unsigned char *data = (unsigned char *)malloc(n);
    writer_arg w;
    uint32_t x = 12345;
    assert_non_null(data);
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(i < 256 ? i : (x >> 16));
    }
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/cat\"]", GH_IN | GH_OUT, &p);
    writer_start(&w, p.in, data, n, 1);
    gh_slurp(p.out, &out, 30000);
    pthread_join(w.t, NULL);
    assert_int_equal(w.written, n);
    gh_close_proc(&p);
    assert_int_equal(gh_exit_code(h, p.pid), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, data, n);
    hcsi_buf_free(&out);
    free(data);
}

static void test_large_output(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    uint64_t total = 0, t0;
    char buf[65536];
    t0 = gh_now_ms();
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"head -c 104857600 /dev/zero; echo end >&2\"]",
               GH_OUT | GH_ERR, &p);
    for (;;) {
        ssize_t r = read(p.out, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        assert_true(r >= 0);
        if (r == 0)
            break;
        total += (uint64_t)r;
    }
    assert_int_equal(gh_drain(p.err, 10000), 4);
    gh_close_proc(&p);
    assert_int_equal(gh_exit_code(h, p.pid), 0);
    assert_true(total == 104857600u);
    print_message("100 MB relayed in %llu ms\n", (unsigned long long)(gh_now_ms() - t0));
}

/* A UVM process without a tty gets the sockets themselves as its stdio
 * (spec 6.3, as the Go GCS): its exit is reported when it exits, even
 * while a background child still holds stdout and the host has neither
 * read EOF nor closed its end. */
static void test_uvm_stdio_is_the_socket(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    uint64_t id;
    hcsi_buf out;
    struct pollfd pf;
    gh_exec_ok(h,
               "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"[ -S /proc/self/fd/0 ] && "
               "[ -S /proc/self/fd/1 ] && [ -S /proc/self/fd/2 ] && echo sockets; "
               "sleep 60 & exit 3\"]",
               GH_IN | GH_OUT | GH_ERR, &p);
    gh_slurp_until(p.out, &out, "sockets\n", 10000);
    id = gh_send_wait_in(h, GH_ZERO, p.pid, 0xFFFFFFFFu);
    gh_expect_body(h, id, 10000, "{\"Result\":0,\"ActivityId\":\"" GH_ZERO "\",\"ExitCode\":3}");
    /* The background sleep still holds stdout: no EOF yet. */
    pf.fd = p.out;
    pf.events = POLLIN;
    pf.revents = 0;
    assert_int_equal(poll(&pf, 1, 0), 0);
    hcsi_buf_free(&out);
    gh_close_proc(&p); /* the teardown kills the sleep */
}

/* With a tty the output is relayed, and the drain rule holds: the exit
 * code waits until the host has read to EOF and closed its end. */
static void test_tty_exit_held_until_drained(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    gh_frame f;
    uint64_t id;
    hcsi_buf out;
    gh_exec_ok(h,
               "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"head -c 300000 /dev/zero | tr '\\\\000' x\"],"
               "\"Environment\":{\"PATH\":\"/usr/bin:/bin\"},\"EmulateConsole\":true",
               GH_OUT, &p);
    id = gh_send_wait_in(h, GH_ZERO, p.pid, 0xFFFFFFFFu);
    /* Not answered while the output sits unread in the relay. */
    assert_int_equal(gh_recv(h, id, 400, &f), -1);
    gh_slurp(p.out, &out, 10000);
    assert_true(out.len >= 300000);
    /* EOF read, but our end still open: still held. */
    assert_int_equal(gh_recv(h, id, 200, &f), -1);
    gh_close_proc(&p);
    gh_expect_body(h, id, 5000, "{\"Result\":0,\"ActivityId\":\"" GH_ZERO "\",\"ExitCode\":0}");
    hcsi_buf_free(&out);
}

static void test_never_reads_stdin(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    writer_arg w;
    size_t n = 8u * 1024u * 1024u;
    unsigned char *data = (unsigned char *)calloc(1, n);
    uint64_t t0;
    assert_non_null(data);
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"sleep 0.3; exit 4\"]", GH_IN | GH_OUT, &p);
    writer_start(&w, p.in, data, n, 0);
    t0 = gh_now_ms();
    (void)gh_drain(p.out, 10000);
    close(p.out);
    p.out = -1;
    /* The exit is reported although stdin was never read nor closed. */
    assert_int_equal(gh_exit_code(h, p.pid), 4);
    assert_true(gh_now_ms() - t0 < 5000);
    /* ... and the agent stopped the stdin relay: the writer is unblocked. */
    pthread_join(w.t, NULL);
    assert_true(w.written < n);
    gh_close_proc(&p);
    free(data);
}

static void test_tty_resize(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    hcsi_buf out;
    hcsi_json *r;
    gh_exec_ok(h,
               "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"stty size; read x; stty size; "
               "test -t 0 && echo tty-ok; exit 5\"],"
               "\"Environment\":{\"PATH\":\"/usr/bin:/bin\"},"
               "\"EmulateConsole\":true,\"ConsoleSize\":[24,80]",
               GH_IN | GH_OUT | GH_ERR, &p);
    gh_slurp_until(p.out, &out, "24 80", 10000);
    r = gh_resize_in(h, GH_ZERO, p.pid, 40, 120, 5000);
    assert_int_equal(gh_result(r), 0);
    hcsi_json_put(r);
    gh_write_all(p.in, "go\n", 3);
    assert_int_equal(gh_read_until(p.out, &out, "40 120", 10000), 0);
    assert_int_equal(gh_read_until(p.out, &out, "tty-ok", 10000), 0);
    assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
    /* With a tty stderr is merged: the stderr socket just closes. */
    assert_int_equal(gh_drain(p.err, 10000), 0);
    gh_close_proc(&p);
    assert_int_equal(gh_exit_code(h, p.pid), 5);
    hcsi_buf_free(&out);

    /* Resizing a process without a tty: the Go GCS's error. */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"5\"]", 0, &p);
    r = gh_resize_in(h, GH_ZERO, p.pid, 40, 120, 5000);
    assert_int_equal((uint32_t)gh_result(r), 0x80004005u);
    assert_non_null(strstr(gh_error_message(r), "is not a tty and cannot be resized"));
    hcsi_json_put(r);
    (void)gh_signal_wait(h, p.pid, 9);
}

typedef struct many {
    gh_proc p[50];
} many;

static void test_fifty_concurrent(void **s)
{
    ghost *h = (ghost *)*s;
    many *m = (many *)calloc(1, sizeof *m);
    int i;
    hcsi_json *r, *list = NULL;
    const char *props = NULL;
    assert_non_null(m);
    for (i = 0; i < 50; i++) {
        char params[256];
        snprintf(params, sizeof params,
                 "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"read x; echo proc-%d-$x; exit %d\"]",
                 i, i + 100);
        gh_exec_ok(h, params, GH_IN | GH_OUT, &m->p[i]);
    }
    /* All 50 alive at once: the property query lists them. */
    r = gh_call(h, GH_PROPERTIES,
                "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
                "\",\"Query\":\"{\\\"PropertyTypes\\\":[\\\"ProcessList\\\"]}\"}",
                5000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", &props, NULL), 1);
    assert_int_equal(hcsi_json_parse(props, strlen(props), "props", &list), 0);
    assert_int_equal(hcsi_json_array_len(hcsi_json_get(list, "ProcessList")), 50);
    hcsi_json_put(list);
    hcsi_json_put(r);
    for (i = 49; i >= 0; i--) {
        char line[8];
        snprintf(line, sizeof line, "%d\n", i * 7);
        gh_write_all(m->p[i].in, line, strlen(line));
        shutdown(m->p[i].in, SHUT_WR);
    }
    for (i = 0; i < 50; i++) {
        hcsi_buf out;
        char want[64];
        gh_slurp(m->p[i].out, &out, 20000);
        gh_close_proc(&m->p[i]);
        snprintf(want, sizeof want, "proc-%d-%d\n", i, i * 7);
        assert_int_equal(out.len, strlen(want));
        assert_memory_equal(out.data, want, out.len);
        hcsi_buf_free(&out);
        assert_int_equal(gh_exit_code(h, m->p[i].pid), (uint32_t)(i + 100));
    }
    free(m);
}

static void test_stdio_mode(void **s)
{
    ghost h;
    hcsi_buf out;
    (void)s;
    gh_start(&h, 1, NULL);
    gh_negotiate(&h);
    assert_int_equal(gh_run(&h, "\"CommandArgs\":[\"/bin/echo\",\"over stdio\"]", &out), 0);
    assert_int_equal(out.len, 11);
    assert_memory_equal(out.data, "over stdio\n", 11);
    hcsi_buf_free(&out);
    gh_finish(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        GH_TEST(test_exec_all_stdio),
        GH_TEST(test_env_cwd_args),
        GH_TEST(test_binary_safe),
        GH_TEST(test_large_output),
        GH_TEST(test_uvm_stdio_is_the_socket),
        GH_TEST(test_tty_exit_held_until_drained),
        GH_TEST(test_never_reads_stdin),
        GH_TEST(test_tty_resize),
        GH_TEST(test_fifty_concurrent),
        cmocka_unit_test(test_stdio_mode),
    };
    return cmocka_run_group_tests_name("hcs-gcs stdio", tests, NULL, NULL);
}
