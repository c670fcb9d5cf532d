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

#include "gcs_fake_guest.h"

static void test_echo_stdout(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"echo", "hello", NULL};
    char buf[64];
    uint32_t code = 99;
    (void)s;
    env_up(&e, 5000);
    gt_options(&pc, argv, 0, 1, 0);
    pc.cwd = "/";
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *p1 = NULL, *p2 = NULL;
    static const char *const echo[] = {"echo", NULL};
    static const char *const cat[] = {"cat", NULL};
    char buf[64];
    uint32_t code = 99;
    (void)s;
    env_up(&e, 5000);
    p1 = gt_spawn(&e, &pc, echo, 0, 1, 0);
    p2 = gt_spawn(&e, &pc, cat, 1, 1, 0);
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"sh3", NULL};
    int po[2], pe[2];
    char out[64], err[64];
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, argv, 0, 1, 1);
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_OS_HANDLE_NONE, po[1], pe[1]), 0);
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const cat[] = {"cat", NULL};
    static const char *const big[] = {"big", NULL};
    int pin[2], po[2];
    char out[64];
    uint32_t code = 1;
    (void)s;
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, cat, 1, 1, 0);
    assert_int_equal(pipe(pin), 0);
    assert_int_equal(pipe(po), 0);
    assert_int_equal(write(pin[1], "via-relay", 9), 9);
    close(pin[1]); /* EOF reaches the guest as a half-close */
    assert_int_equal(hcs_gcs_process_relay(p, pin[0], po[1], HCS_OS_HANDLE_NONE), 0);
    close(po[1]);
    read_pipe(po[0], out, sizeof out);
    assert_string_equal(out, "via-relay");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    close(pin[0]);
    close(po[0]);

    /* 4 MiB drained to nowhere (unread output must not block the exit) */
    p = gt_spawn(&e, &pc, big, 0, 1, 0);
    assert_int_equal(hcs_gcs_process_relay(p, HCS_OS_HANDLE_NONE, HCS_OS_HANDLE_NONE, HCS_OS_HANDLE_NONE), 0);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    env_down(&e);
}

static void test_never_dials(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"nodial", NULL};
    uint64_t t0;
    (void)s;
    env_up(&e, 200);
    gt_options(&pc, argv, 0, 1, 1);
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"sleep", NULL};
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    gt_options(&pc, argv, 0, 1, 1);
    pc.tty = 1;
    pc.tty_height = 24;
    pc.tty_width = 80;
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"hang", NULL};
    uint32_t code = 0;
    (void)s;
    env_up(&e, 5000);
    p = gt_spawn(&e, &pc, argv, 0, 0, 0);
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
    hcs_gcs_process_options pc;
    hcs_gcs_process *pr = NULL;
    (void)s;
    assert_int_equal(peer_start(&p, guest_fn, NULL), 0);
    assert_int_equal(peer_connect(&p, NULL, &b), 0);
    gt_options(&pc, NULL, 0, 1, 0);
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
