/* Contract tests under wine: processes, their stdio streams, events and
 * kill semantics, against the test-double computecore.dll (its processes
 * run a mini shell: fake_control.h). */
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

/* Reads a stream to its end (NUL-terminated, static buffer per call). */
static char *read_all(hcs_stream *s, char *buf, size_t cap)
{
    size_t len = 0, got;
    for (;;) {
        assert_int_equal(hcs_compute_stream_read(s, buf + len, cap - 1 - len, &got), HCS_S_OK);
        if (got == 0)
            break;
        len += got;
        assert_true(len < cap - 1);
    }
    buf[len] = 0;
    return buf;
}

static void test_stdio_and_exit_code(void **state)
{
    static const char params[] =
        "{\"CommandLine\":\"echo h\xc3\xa9llo;err oops;exit 3\",\"CreateStdInPipe\":false,"
        "\"CreateStdOutPipe\":true,\"CreateStdErrPipe\":true}";
    hcs_system *s = open_running();
    hcs_process *p = NULL;
    char out[256], err[256], *status = NULL;
    uint32_t code = 0;
    size_t units;
    const fake_call *c;
    (void)state;
    assert_int_equal(hcs_compute_process_create(s, params, 1000, &p), HCS_S_OK);
    c = fake_nth("HcsCreateProcess", 0);
    assert_int_equal(c->wlen[0], (fake_utf16(params, &units), units));
    assert_memory_equal(c->wstr[0], fake_utf16(params, NULL), units * 2);
    assert_int_equal(c->h[2], 0); /* security descriptor: NULL */
    /* the result was collected with the process information */
    assert_int_equal(F.count("HcsWaitForOperationResultAndProcessInfo"), 1);
    assert_true(hcs_compute_process_pid(p) >= 1000);
    assert_null(hcs_compute_process_stdio(p, HCS_STDIN));
    assert_non_null(hcs_compute_process_stdio(p, HCS_STDOUT));
    assert_int_not_equal(hcs_compute_stream_os_handle(hcs_compute_process_stdio(p, HCS_STDOUT)), 0);
    assert_string_equal(read_all(hcs_compute_process_stdio(p, HCS_STDOUT), out, sizeof out),
                        "h\xc3\xa9llo\n");
    assert_string_equal(read_all(hcs_compute_process_stdio(p, HCS_STDERR), err, sizeof err),
                        "oops\n");
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, &status), HCS_S_OK);
    assert_int_equal(code, 3);
    assert_contains(status, "\"ExitCode\":3");
    hcs_free(status);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_stdin_cat_and_close_stdin(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = NULL;
    char out[256];
    (void)state;
    assert_int_equal(hcs_compute_process_create(s, "{\"CommandLine\":\"cat\",\"CreateStdInPipe\":true,"
                                           "\"CreateStdOutPipe\":true}",
                                        1000, &p),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_stream_write(hcs_compute_process_stdio(p, HCS_STDIN), "abc\n", 4), HCS_S_OK);
    assert_int_equal(hcs_compute_stream_write(hcs_compute_process_stdio(p, HCS_STDIN), "def", 3), HCS_S_OK);
    assert_int_equal(hcs_compute_process_close_stdio(p, HCS_STDIN, 1000), HCS_S_OK);
    assert_null(hcs_compute_process_stdio(p, HCS_STDIN));
    /* hcsshim's CloseStdin: HCS is told too */
    assert_string_equal(fake_nth("HcsModifyProcess", 0)->str[0],
                        "{\"Operation\":\"CloseHandle\",\"CloseHandle\":{\"Handle\":\"StdIn\"}}");
    assert_string_equal(read_all(hcs_compute_process_stdio(p, HCS_STDOUT), out, sizeof out),
                        "abc\ndef");
    assert_exit_code(p, 0);
    /* the process is gone: writing to the closed stream is refused */
    assert_int_equal(hcs_compute_process_close_stdio(p, HCS_STDOUT, 1000), HCS_S_OK);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_relay(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = NULL;
    HANDLE in_r, in_w, out_r, out_w, err_r, err_w;
    char buf[256];
    DWORD n = 0, total = 0;
    (void)state;
    assert_true(CreatePipe(&in_r, &in_w, NULL, 0));
    assert_true(CreatePipe(&out_r, &out_w, NULL, 1 << 16));
    assert_true(CreatePipe(&err_r, &err_w, NULL, 1 << 16));
    assert_true(WriteFile(in_w, "piped input\n", 12, &n, NULL));
    CloseHandle(in_w);
    assert_int_equal(hcs_compute_process_create(s, "{\"CommandLine\":\"cat;err done;exit 7\","
                                           "\"CreateStdInPipe\":true,\"CreateStdOutPipe\":"
                                           "true,\"CreateStdErrPipe\":true}",
                                        1000, &p),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_process_relay(p, (hcs_os_handle)in_r, (hcs_os_handle)out_w,
                                       (hcs_os_handle)err_w),
                     HCS_S_OK);
    CloseHandle(out_w);
    CloseHandle(err_w);
    while (ReadFile(out_r, buf + total, sizeof buf - 1 - total, &n, NULL) && n)
        total += n;
    buf[total] = 0;
    assert_string_equal(buf, "piped input\n");
    total = 0;
    while (ReadFile(err_r, buf + total, sizeof buf - 1 - total, &n, NULL) && n)
        total += n;
    buf[total] = 0;
    assert_string_equal(buf, "done\n");
    assert_exit_code(p, 7);
    CloseHandle(in_r);
    CloseHandle(out_r);
    CloseHandle(err_r);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

/* Kill through fresh handles: a signal stuck on the process's own handle
 * (HCS serializes per handle) does not hold the kill back. */
static void test_kill_uses_fresh_handles(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "hang", 1000);
    hcs_op *stuck = NULL;
    const fake_call *open_sys, *open_proc, *term;
    (void)state;
    assert_int_equal(hcs_compute_op_create(&stuck), HCS_S_OK);
    fake_push_pending("HcsSignalProcess", FAKE_PENDING_NEVER);
    assert_int_equal(hcs_compute_process_begin(p, HCS_PROCESS_VERB_SIGNAL, "{\"Signal\":\"CtrlC\"}",
                                       stuck),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_S_OK);
    open_sys = fake_nth("HcsOpenComputeSystem", 1); /* #0 was open_running */
    assert_string_equal(open_sys->str[0], "fakevm-running");
    open_proc = fake_nth("HcsOpenProcess", 0);
    assert_int_equal(open_proc->n[0], hcs_compute_process_pid(p));
    assert_int_equal(open_proc->n[1], GENERIC_ALL);
    term = fake_nth("HcsTerminateProcess", 0);
    /* not the process's own handle (that one is stuck) */
    assert_int_not_equal(term->h[0], fake_nth("HcsSignalProcess", 0)->h[0]);
    assert_exit_code(p, 137);
    /* the fresh handles were closed again */
    assert_int_equal(F.count("HcsCloseProcess"), 1);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
    /* already stopped: success, S_FALSE */
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_S_FALSE);
    assert_null(hcs_error_last());
    F.complete_all();
    assert_int_equal(hcs_compute_op_wait(stuck, 5000, NULL), HCS_S_OK);
    hcs_compute_op_close(stuck);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_kill_after_system_gone(void **state)
{
    hcs_system *s = NULL;
    hcs_process *p = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_create("vm-gone", "{}", 1000, &s), HCS_S_OK);
    assert_int_equal(hcs_compute_system_start(s, NULL, 1000), HCS_S_OK);
    p = spawn(s, "hang", 1000);
    fake_push_result("HcsOpenComputeSystem", HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND, NULL);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_S_FALSE);
    /* access denied is "the process has ended" only as TerminateProcess's
     * answer (hcsshim v2/process.go Kill); from the open it is an error */
    fake_push_result("HcsOpenProcess", HCS_ERR_ACCESSDENIED, NULL);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_ACCESSDENIED);
    assert_contains(hcs_error_last()->message, "open the process");
    fake_push_result("HcsTerminateProcess", HCS_ERR_ACCESSDENIED, NULL);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_S_FALSE);
    /* ERROR_VMCOMPUTE_INVALID_STATE from the kill: not delivered, no error
     * (hcsshim processSignalResult) */
    fake_push_result("HcsTerminateProcess", HCS_ERR_VMCOMPUTE_INVALID_STATE, NULL);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_S_FALSE);
    /* a real failure is reported */
    fake_push_result("HcsOpenComputeSystem", HCS_ERR_SERVICE_DISCONNECT, NULL);
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_ERR_SERVICE_DISCONNECT);
    assert_contains(hcs_error_last()->message, "kill process ");
    assert_contains(hcs_error_last()->message, "open compute system \"vm-gone\"");
    assert_int_equal(hcs_compute_process_kill(p, 2000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_wait(p, 5000, NULL, NULL), HCS_S_OK);
    hcs_compute_process_close(p);
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_S_OK);
    hcs_compute_system_close(s);
}

static void test_process_events(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "sleep 50;exit 4", 1000);
    hcs_events *q = new_queue();
    hcs_event *e = NULL;
    const fake_call *c;
    (void)state;
    assert_int_equal(hcs_compute_process_subscribe(p, q, 0, 11), HCS_S_OK);
    c = fake_nth("HcsSetProcessCallback", 0);
    assert_true(fake_is_key(c->h[1]));
    assert_int_not_equal(c->h[2], 0);
    e = next_event(q, HCS_EVENT_PROCESS_EXITED);
    assert_int_equal(e->process_id, hcs_compute_process_pid(p));
    assert_string_equal(e->system_id, "fakevm-running");
    assert_int_equal(e->tag, 11);
    assert_contains(e->data, "\"ExitCode\":4");
    hcs_compute_event_free(e);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

static void test_open_info_properties_modify(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = NULL, *p2 = NULL, *from = NULL;
    hcs_compute_process_info info;
    hcs_op *op = NULL;
    char *json = NULL;
    (void)state;
    p = spawn(s, "hang", 1000);
    assert_int_equal(hcs_compute_process_open(s, hcs_compute_process_pid(p), &p2), HCS_S_OK);
    assert_int_equal(hcs_compute_process_pid(p2), hcs_compute_process_pid(p));
    assert_null(hcs_compute_process_stdio(p2, HCS_STDOUT));
    assert_int_equal(hcs_compute_process_get_info(p2, 1000, &info, &json), HCS_S_OK);
    assert_int_equal(info.process_id, hcs_compute_process_pid(p));
    assert_null(info.std_out);
    hcs_compute_process_info_clear(&info);
    hcs_free(json);
    assert_int_equal(hcs_compute_process_properties(p2, "{\"PropertyTypes\":[\"ProcessList\"]}", 1000,
                                            &json),
                     HCS_S_OK);
    assert_contains(json, "\"ImageName\":\"fake.exe\"");
    hcs_free(json);
    assert_int_equal(hcs_compute_process_resize(p2, 40, 120, 1000), HCS_S_OK);
    assert_string_equal(fake_nth("HcsModifyProcess", 0)->str[0],
                        "{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":40,"
                        "\"Width\":120}}");
    assert_int_equal(hcs_compute_process_modify(p2, "{\"Operation\":\"x\"}", 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_signal(p2, "{\"Signal\":15}", 1000), HCS_S_OK);
    assert_string_equal(fake_nth("HcsSignalProcess", 0)->str[0], "{\"Signal\":15}");
    /* an operation knows its process */
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_process_begin(p2, HCS_PROCESS_VERB_PROPERTIES, NULL, op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_process(op, &from), HCS_S_OK);
    assert_ptr_equal(from, p2);
    assert_int_equal(hcs_compute_op_wait(op, 1000, &json), HCS_S_OK);
    hcs_free(json);
    hcs_compute_op_close(op);
    /* raw terminate on this handle, then again: the raw HCS answer */
    assert_int_equal(hcs_compute_process_terminate(p2, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_wait(p, 5000, NULL, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_process_terminate(p2, NULL, 1000), HCS_ERR_PROCESS_ALREADY_STOPPED);
    assert_contains(hcs_error_last()->message, "terminate process ");
    /* close stdin of an exited process: fine */
    hcs_compute_process_close(p2);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_open_missing_process(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = (hcs_process *)1;
    (void)state;
    assert_int_equal(hcs_compute_process_open(s, 4242, &p), HCS_ERR_WIN32_NOT_FOUND);
    assert_null(p);
    assert_contains(hcs_error_last()->message,
                    "open process 4242 in compute system \"fakevm-running\"");
    hcs_compute_system_close(s);
}

/* A failed creation names the command line (hcsshim's pain #13). */
static void test_create_failure_names_command(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = (hcs_process *)1;
    (void)state;
    fake_push_result("HcsCreateProcess", HCS_ERR_WIN32_FILE_NOT_FOUND,
                     "{\"Error\":-2147024894,\"ErrorMessage\":\"The system cannot find the "
                     "file specified.\"}");
    assert_int_equal(hcs_compute_process_create(s, "{\"CommandArgs\":[\"/bin/nope\",\"-x\"],"
                                           "\"CreateStdOutPipe\":true}",
                                        1000, &p),
                     HCS_ERR_WIN32_FILE_NOT_FOUND);
    assert_null(p);
    assert_contains(hcs_error_last()->message,
                    "create process \"/bin/nope -x\" in compute system \"fakevm-running\": "
                    "The system cannot find the file specified.");
    hcs_compute_system_close(s);
}

/* The asynchronous form: pid and streams come with the operation result,
 * owned by the caller. */
static void test_create_begin(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = NULL;
    hcs_compute_process_info info;
    hcs_op *op = NULL;
    char out[64];
    (void)state;
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_process_create_begin(s, "{\"CommandLine\":\"echo async\","
                                                 "\"CreateStdOutPipe\":true}",
                                              op, &p),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_op_wait_process(op, 5000, &info, NULL), HCS_S_OK);
    assert_true(info.process_id >= 1000);
    assert_non_null(info.std_out);
    assert_null(info.std_in);
    assert_string_equal(read_all(info.std_out, out, sizeof out), "async\n");
    /* non-blocking form on a finished operation: pid again, no handles */
    {
        hcs_compute_process_info again;
        assert_int_equal(hcs_compute_op_result_process(op, &again, NULL), HCS_S_OK);
        assert_int_equal(again.process_id, info.process_id);
        assert_null(again.std_out);
        hcs_compute_process_info_clear(&again);
    }
    hcs_compute_process_info_clear(&info);
    assert_null(info.std_out);
    hcs_compute_op_close(op);
    assert_int_equal(hcs_compute_process_wait(p, 5000, NULL, NULL), HCS_S_OK);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

static void test_wait_timeout(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "hang", 1000);
    uint32_t code = 5;
    (void)state;
    assert_int_equal(hcs_compute_process_wait(p, 10, &code, NULL), HCS_ERR_OPERATION_TIMEOUT);
    assert_contains(hcs_error_last()->message, "did not exit within 10 ms");
    assert_int_equal(hcs_compute_process_kill(p, 1000), HCS_S_OK);
    assert_exit_code(p, 137);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

/* An exit HCS reports without an ExitCode is not exit code 0, and a
 * non-zero LastWaitResult (HCS could not wait) is an error: hcsshim's
 * v2/process.go waitBackground leaves the code at -1 in both cases, its
 * older ExitCode() turned LastWaitResult into syscall.Errno. The real
 * HcsWaitForProcessExit may return S_OK with no document. */
static void test_exit_without_code(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = spawn(s, "exit 0", 1000);
    uint32_t code = 0;
    char *status = NULL;
    (void)state;
    fake_push_result("HcsWaitForProcessExit", HCS_S_OK, NULL); /* S_OK, no document */
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, NULL), HCS_S_FALSE);
    assert_int_equal(code, HCS_COMPUTE_EXIT_CODE_UNKNOWN);
    code = 0;
    fake_push_result("HcsWaitForProcessExit", HCS_S_OK, "{\"ProcessId\":1000,\"Exited\":true}");
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, &status), HCS_S_FALSE);
    assert_int_equal(code, HCS_COMPUTE_EXIT_CODE_UNKNOWN);
    assert_string_equal(status, "{\"ProcessId\":1000,\"Exited\":true}");
    hcs_free(status);
    code = 0;
    fake_push_result("HcsWaitForProcessExit", HCS_S_OK,
                     "{\"Exited\":true,\"ExitCode\":0,\"LastWaitResult\":6}");
    assert_int_equal(hcs_compute_process_wait(p, 5000, &code, NULL),
                     hcs_hresult_from_win32(6)); /* ERROR_INVALID_HANDLE */
    assert_int_equal(code, HCS_COMPUTE_EXIT_CODE_UNKNOWN);
    assert_contains(hcs_error_last()->message, "LastWaitResult 6");
    /* the real exit afterwards: its code */
    assert_exit_code(p, 0);
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
}

/* Process-isolated containers on Windows Server 2022: the create wait fails
 * (E_INVALIDARG) although the process runs and its handle came back;
 * hcsshim's createProcess (internal/hcs/system.go) recovers the process
 * with HcsGetProcessInfo, and reports the create's own error only when that
 * fails too. */
static void test_create_wait_failed_recovered(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = NULL;
    fake_step st;
    char buf[64];
    (void)state;
    memset(&st, 0, sizeof st);
    st.fn = "HcsCreateProcess";
    st.result_hr = HCS_ERR_INVALIDARG;
    st.started_anyway = 1;
    F.push(&st);
    assert_int_equal(hcs_compute_process_create(
                         s, "{\"CommandLine\":\"echo recovered\",\"CreateStdOutPipe\":true}",
                         5000, &p),
                     HCS_S_OK);
    assert_non_null(p);
    assert_int_equal(F.count("HcsGetProcessInfo"), 1);
    assert_true(hcs_compute_process_pid(p) != 0);
    /* INVALID_HANDLE_VALUE for the streams not asked for: no stream */
    assert_null(hcs_compute_process_stdio(p, HCS_STDIN));
    assert_null(hcs_compute_process_stdio(p, HCS_STDERR));
    assert_string_equal(read_all(hcs_compute_process_stdio(p, HCS_STDOUT), buf, sizeof buf),
                        "recovered\n");
    assert_exit_code(p, 0);
    hcs_compute_process_close(p);

    /* the recovery fails as well: the create's error, the handle closed */
    F.push(&st);
    fake_push_result("HcsGetProcessInfo", HCS_ERR_HANDLE, NULL);
    p = (hcs_process *)1;
    assert_int_equal(hcs_compute_process_create(s, "{\"CommandLine\":\"echo x\"}", 5000, &p),
                     HCS_ERR_INVALIDARG);
    assert_null(p);
    assert_contains(hcs_error_last()->message, "create process \"echo x\"");
    assert_int_equal(F.count("HcsGetProcessInfo"), 2);
    hcs_compute_system_close(s);
}

/* A creation that times out is cancelled, then terminated. */
static void test_create_timeout_terminates(void **state)
{
    hcs_system *s = open_running();
    hcs_process *p = (hcs_process *)1;
    (void)state;
    fake_push_pending("HcsCreateProcess", FAKE_PENDING_NEVER);
    assert_int_equal(hcs_compute_process_create(s, "{\"CommandLine\":\"hang\"}", 50, &p),
                     HCS_ERR_OPERATION_TIMEOUT);
    assert_null(p);
    assert_contains(hcs_error_last()->message,
                    "create process \"hang\" in compute system \"fakevm-running\": did not "
                    "complete within 50 ms");
    assert_int_equal(F.count("HcsCancelOperation"), 1);
    assert_int_equal(F.count("HcsTerminateProcess"), 1);
    assert_int_equal(F.count("HcsCloseProcess"), 1);
    hcs_compute_system_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stdio_and_exit_code, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_stdin_cat_and_close_stdin, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_relay, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_kill_uses_fresh_handles, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_kill_after_system_gone, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_process_events, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_open_info_properties_modify, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_open_missing_process, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_failure_names_command, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_begin, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_wait_timeout, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_exit_without_code, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_wait_failed_recovered, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_timeout_terminates, fake_setup,
                                        fake_teardown),
    };
    if (fake_load("computecore.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
