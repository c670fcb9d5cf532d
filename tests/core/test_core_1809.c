/* Contract tests under wine against the Windows 10 1809 / Server 2019
 * function set (bin/1809/computecore.dll): no HcsWaitForComputeSystemExit or
 * HcsWaitForProcessExit (they arrived with 21H1 / Server 2022, hcs-api.md).
 * The library learns exits from the exit events, as hcsshim always does, so
 * the waits (and hcsctl exec, wait, shutdown) work there too. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/compute_int.h"
#include "fake_client.h"
#include "hcs.h"
#include "core_test_util.h"

static void test_function_set(void **state)
{
    (void)state;
    assert_int_equal(hcs_compute_function_present("HcsWaitForProcessExit"), 0);
    assert_int_equal(hcs_compute_function_present("HcsWaitForComputeSystemExit"), 0);
    assert_int_equal(hcs_compute_function_present("HcsCreateComputeSystemInNamespace"), 0);
    assert_int_equal(hcs_compute_function_present("HcsSetProcessCallback"), 1);
}

/* exec + wait: the exit code comes with the ProcessExited event */
static void test_process_wait_from_event(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "exit 7", 5000);
    uint32_t code = 0;
    char *status = NULL;
    (void)state;
    /* the callback was registered on the handle right after the create */
    assert_int_equal(F.count("HcsSetProcessCallback"), 1);
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, &status), HCS_S_OK);
    assert_int_equal(code, 7);
    assert_contains(status, "\"ExitCode\":7");
    hcs_free(status);
    /* waiting again: the same answer */
    code = 0;
    assert_int_equal(hcs_compute_process_wait(p, 10, &code, NULL), HCS_S_OK);
    assert_int_equal(code, 7);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_process_wait_timeout_and_subscribe(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "hang", 5000);
    hcs_events *q = NULL;
    uint32_t code = 0;
    (void)state;
    assert_int_equal(hcs_compute_process_wait(p, 20, &code, NULL), HCS_ERR_OPERATION_TIMEOUT);
    assert_contains(hcs_error_last()->message, "did not exit within 20 ms");
    /* subscribing with the default options reuses the registration */
    assert_int_equal(hcs_compute_events_create(&q), HCS_S_OK);
    assert_int_equal(hcs_compute_process_subscribe(p, q, 0, 5), HCS_S_OK);
    assert_int_equal(F.count("HcsSetProcessCallback"), 1);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_S_OK);
    assert_exit_code(p, 137);
    expect_event(q, HCS_EVENT_PROCESS_EXITED, 5);
    hcs_compute_process_close(p);
    hcs_compute_events_close(q);
    hcs_compute_system_close(s);
}

/* a process that exited before it was opened: no event will come; the
 * open learns it from its ProcessStatus (HcsGetProcessProperties), exit code
 * included */
static void test_open_exited_process(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "exit 3", 5000), *p2 = NULL;
    uint32_t code = 0;
    (void)state;
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_process_open(s, hcs_compute_process_pid(p), &p2), HCS_S_OK);
    code = 0;
    assert_int_equal(hcs_compute_process_wait(p2, 1000, &code, NULL), HCS_S_OK);
    assert_int_equal(code, 3);
    hcs_compute_process_close(p2);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

/* the system's exit: SystemExitStatus from the SystemExited event */
static void test_system_wait_from_event(void **state)
{
    hcs_system *s = NULL, *s2 = NULL;
    char *exit_json = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_create("vm1809", "{}", 5000, &s), HCS_S_OK);
    assert_int_equal(hcs_compute_system_start(s, NULL, 5000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s, 20, NULL), HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 5000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s, 5000, &exit_json), HCS_S_OK);
    assert_non_null(exit_json);
    assert_contains(exit_json, "\"ExitType\"");
    hcs_free(exit_json);
    /* opened after it stopped: its state says so */
    assert_int_equal(hcs_compute_system_open("vm1809", &s2), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s2, 1000, &exit_json), HCS_S_OK);
    assert_null(exit_json);
    hcs_compute_system_close(s2);
    hcs_compute_system_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_function_set, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_process_wait_from_event, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_process_wait_timeout_and_subscribe, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_open_exited_process, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_system_wait_from_event, fake_setup, fake_teardown),
    };
    if (fake_load("1809\\computecore.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
