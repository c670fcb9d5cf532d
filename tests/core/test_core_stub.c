/* Not on Windows: every function of hcs/compute.h that returns a result
 * fails with HCS_ERR_WIN32_NOT_SUPPORTED, names itself and says the Host
 * Compute Service is only available on Windows; outputs are cleared;
 * nothing can be created, so nothing pretends to work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hcs.h"
#include "core_test_util.h"

static int g_checked;

#define CHECK(call, fn) assert_not_windows((call), fn, &g_checked)

static void test_every_function(void **state)
{
    hcs_system *s = (hcs_system *)1;
    hcs_process *p = (hcs_process *)1;
    hcs_op *op = (hcs_op *)1;
    hcs_events *q = (hcs_events *)1;
    hcs_event *ev = (hcs_event *)1;
    hcs_compute_process_info info;
    hcs_compute_system_create_options o;
    char *json = (char *)1;
    void *ctx = (void *)1;
    uint64_t id = 1;
    uint32_t code = 1;
    int type = 1;
    size_t got = 1;
    char buf[4];
    (void)state;
    /* nothing can be created: the handles below stay NULL */
    CHECK(hcs_compute_load(), "hcs_compute_load");
    CHECK(hcs_compute_set_dll_path("x"), "hcs_compute_set_dll_path");
    CHECK(hcs_compute_features(&json), "hcs_compute_features");
    assert_null(json);
    CHECK(hcs_compute_events_create(&q), "hcs_compute_events_create");
    assert_null(q);
    CHECK(hcs_compute_op_create(&op), "hcs_compute_op_create");
    assert_null(op);
    CHECK(hcs_compute_op_create_with_callback(NULL, NULL, &op), "hcs_compute_op_create_with_callback");
    CHECK(hcs_compute_op_create_with_events(NULL, 0, 0, &op), "hcs_compute_op_create_with_events");
    assert_null(op);
    CHECK(hcs_compute_system_create("vm", "{}", 1000, &s), "hcs_compute_system_create");
    assert_null(s);
    hcs_compute_system_create_options_init(&o, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION);
    CHECK(hcs_compute_system_create_ex("vm", "{}", &o, 1000, &s), "hcs_compute_system_create_ex");
    CHECK(hcs_compute_system_create_begin("vm", "{}", &o, NULL, &s), "hcs_compute_system_create_begin");
    CHECK(hcs_compute_system_open("vm", &s), "hcs_compute_system_open");
    CHECK(hcs_compute_system_open_in_namespace("ns", "vm", &s), "hcs_compute_system_open_in_namespace");
    assert_null(s);
    /* enumerations fail rather than return an empty list */
    json = (char *)1;
    CHECK(hcs_compute_enumerate(NULL, 1000, &json), "hcs_compute_enumerate");
    assert_null(json);
    CHECK(hcs_compute_enumerate_in_namespace("ns", NULL, 1000, &json), "hcs_compute_enumerate_in_namespace");
    CHECK(hcs_compute_enumerate_begin(NULL, NULL, NULL), "hcs_compute_enumerate_begin");
    /* functions on handles (none can exist; NULL is what a caller has) */
    CHECK(hcs_compute_op_set_callback(NULL, NULL, NULL), "hcs_compute_op_set_callback");
    CHECK(hcs_compute_op_set_context(NULL, NULL), "hcs_compute_op_set_context");
    CHECK(hcs_compute_op_get_context(NULL, &ctx), "hcs_compute_op_get_context");
    assert_null(ctx);
    CHECK(hcs_compute_op_get_type(NULL, &type), "hcs_compute_op_get_type");
    assert_int_equal(type, 0);
    CHECK(hcs_compute_op_get_id(NULL, &id), "hcs_compute_op_get_id");
    assert_int_equal(id, 0);
    CHECK(hcs_compute_op_get_system(NULL, &s), "hcs_compute_op_get_system");
    CHECK(hcs_compute_op_get_process(NULL, &p), "hcs_compute_op_get_process");
    assert_null(p);
    CHECK(hcs_compute_op_result(NULL, &json), "hcs_compute_op_result");
    memset(&info, 0xFF, sizeof info);
    CHECK(hcs_compute_op_result_process(NULL, &info, &json), "hcs_compute_op_result_process");
    assert_null(info.std_in);
    assert_int_equal(info.process_id, 0);
    CHECK(hcs_compute_op_wait(NULL, 0, &json), "hcs_compute_op_wait");
    CHECK(hcs_compute_op_wait_process(NULL, 0, &info, &json), "hcs_compute_op_wait_process");
    CHECK(hcs_compute_op_cancel(NULL), "hcs_compute_op_cancel");
    CHECK(hcs_compute_op_properties(NULL, NULL, &json), "hcs_compute_op_properties");
    CHECK(hcs_compute_op_add_resource(NULL, HCS_RESOURCE_SOCKET, "x", 0), "hcs_compute_op_add_resource");
    hcs_compute_op_close(NULL);
    CHECK(hcs_compute_system_start(NULL, NULL, 0), "hcs_compute_system_start");
    CHECK(hcs_compute_system_shutdown(NULL, NULL, 0), "hcs_compute_system_shutdown");
    CHECK(hcs_compute_system_terminate(NULL, NULL, 0), "hcs_compute_system_terminate");
    CHECK(hcs_compute_system_crash(NULL, NULL, 0), "hcs_compute_system_crash");
    CHECK(hcs_compute_system_pause(NULL, NULL, 0), "hcs_compute_system_pause");
    CHECK(hcs_compute_system_resume(NULL, NULL, 0), "hcs_compute_system_resume");
    CHECK(hcs_compute_system_save(NULL, NULL, 0), "hcs_compute_system_save");
    CHECK(hcs_compute_system_properties(NULL, NULL, 0, &json), "hcs_compute_system_properties");
    CHECK(hcs_compute_system_modify(NULL, "{}", 0, 0), "hcs_compute_system_modify");
    CHECK(hcs_compute_system_wait(NULL, 0, &json), "hcs_compute_system_wait");
    CHECK(hcs_compute_system_subscribe(NULL, NULL, 0, 0), "hcs_compute_system_subscribe");
    CHECK(hcs_compute_system_migration_initialize(NULL, NULL, 0), "hcs_compute_system_migration_initialize");
    CHECK(hcs_compute_system_migration_start(NULL, NULL, 0), "hcs_compute_system_migration_start");
    CHECK(hcs_compute_system_migration_transfer(NULL, NULL, 0), "hcs_compute_system_migration_transfer");
    CHECK(hcs_compute_system_migration_finalize(NULL, NULL, 0), "hcs_compute_system_migration_finalize");
    CHECK(hcs_compute_system_migration_cancel(NULL, NULL, 0), "hcs_compute_system_migration_cancel");
    CHECK(hcs_compute_system_begin(NULL, HCS_SYSTEM_VERB_START, NULL, NULL), "hcs_compute_system_begin");
    assert_null(hcs_compute_system_id(NULL));
    hcs_compute_system_close(NULL);
    CHECK(hcs_compute_process_create(NULL, "{}", 0, &p), "hcs_compute_process_create");
    CHECK(hcs_compute_process_create_begin(NULL, "{}", NULL, &p), "hcs_compute_process_create_begin");
    CHECK(hcs_compute_process_open(NULL, 4, &p), "hcs_compute_process_open");
    assert_null(p);
    assert_int_equal(hcs_compute_process_pid(NULL), 0);
    assert_null(hcs_compute_process_stdio(NULL, HCS_STDOUT));
    CHECK(hcs_compute_process_close_stdio(NULL, HCS_STDIN, 0), "hcs_compute_process_close_stdio");
    CHECK(hcs_compute_process_relay(NULL, 0, 0, 0), "hcs_compute_process_relay");
    CHECK(hcs_compute_process_get_info(NULL, 0, &info, &json), "hcs_compute_process_get_info");
    CHECK(hcs_compute_process_properties(NULL, NULL, 0, &json), "hcs_compute_process_properties");
    CHECK(hcs_compute_process_modify(NULL, "{}", 0), "hcs_compute_process_modify");
    CHECK(hcs_compute_process_resize(NULL, 24, 80, 0), "hcs_compute_process_resize");
    CHECK(hcs_compute_process_signal(NULL, NULL, 0), "hcs_compute_process_signal");
    CHECK(hcs_compute_process_terminate(NULL, NULL, 0), "hcs_compute_process_terminate");
    CHECK(hcs_compute_process_kill(NULL, 0), "hcs_compute_process_kill");
    CHECK(hcs_compute_process_wait(NULL, 0, &code, &json), "hcs_compute_process_wait");
    assert_int_equal(code, 0);
    CHECK(hcs_compute_process_subscribe(NULL, NULL, 0, 0), "hcs_compute_process_subscribe");
    CHECK(hcs_compute_process_begin(NULL, HCS_PROCESS_VERB_SIGNAL, NULL, NULL), "hcs_compute_process_begin");
    hcs_compute_process_close(NULL);
    CHECK(hcs_compute_stream_read(NULL, buf, sizeof buf, &got), "hcs_compute_stream_read");
    assert_int_equal(got, 0);
    CHECK(hcs_compute_stream_write(NULL, "x", 1), "hcs_compute_stream_write");
    assert_int_equal(hcs_compute_stream_os_handle(NULL), HCS_OS_HANDLE_NONE);
    hcs_compute_stream_close(NULL);
    hcs_compute_process_info_clear(&info);
    CHECK(hcs_compute_events_wait(NULL, 0, &ev), "hcs_compute_events_wait");
    assert_null(ev);
    assert_int_equal(hcs_compute_events_pending(NULL), 0);
    assert_int_equal(hcs_compute_events_dropped(NULL), 0);
    hcs_compute_events_close(NULL);
    CHECK(hcs_compute_service_properties(NULL, &json), "hcs_compute_service_properties");
    CHECK(hcs_compute_service_modify("{}", &json), "hcs_compute_service_modify");
    CHECK(hcs_compute_service_submit_wer_report("{}"), "hcs_compute_service_submit_wer_report");
    CHECK(hcs_compute_guest_state_file_create("a.vmgs"), "hcs_compute_guest_state_file_create");
    CHECK(hcs_compute_runtime_state_file_create("a.vmrs"), "hcs_compute_runtime_state_file_create");
    CHECK(hcs_compute_vm_access_grant("vm", "f"), "hcs_compute_vm_access_grant");
    CHECK(hcs_compute_vm_access_revoke("vm", "f"), "hcs_compute_vm_access_revoke");
    CHECK(hcs_compute_vm_group_access_grant("f"), "hcs_compute_vm_group_access_grant");
    CHECK(hcs_compute_vm_group_access_revoke("f"), "hcs_compute_vm_group_access_revoke");
    CHECK(hcs_compute_processor_compat_from_saved_state("a.vmrs", &json),
          "hcs_compute_processor_compat_from_saved_state");
    assert_null(json);
    /* 74 functions with a result code */
    assert_int_equal(g_checked, 74);
}

/* What works everywhere: names and metadata, "not present". */
static void test_metadata(void **state)
{
    (void)state;
    assert_int_equal(hcs_compute_function_count(), 60);
    assert_string_equal(hcs_compute_function_name(2), "HcsCloseOperation");
    assert_int_equal(hcs_compute_function_present("HcsCreateOperation"), 0);
    assert_int_equal(hcs_compute_function_present("NoSuchFunction"), -1);
    assert_string_equal(hcs_compute_event_type_name(HCS_EVENT_SYSTEM_EXITED), "SystemExited");
    assert_string_equal(hcs_compute_op_type_name(HCS_OP_TYPE_CREATE_PROCESS), "CreateProcess");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_function),
        cmocka_unit_test(test_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
