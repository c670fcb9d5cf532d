/* Contract tests under wine: the service functions, VM access grants, the
 * guest-state and runtime-state files, WER, processor compatibility, live
 * migration — and one test that drives every one of the 60 functions
 * through the public API and checks the double saw each of them. */
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

static void test_service(void **state)
{
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_compute_service_properties("{\"PropertyTypes\":[\"Basic\"]}", &json),
                     HCS_S_OK);
    assert_contains(json, "\"SupportedSchemaVersions\"");
    assert_string_equal(fake_nth("HcsGetServiceProperties", 0)->str[0],
                        "{\"PropertyTypes\":[\"Basic\"]}");
    hcs_free(json);
    assert_int_equal(hcs_compute_service_properties(NULL, &json), HCS_S_OK);
    assert_null(fake_nth("HcsGetServiceProperties", 1)->str[0]);
    hcs_free(json);
    fake_push_result("HcsModifyServiceSettings", 0, "{\"Applied\":true}");
    assert_int_equal(hcs_compute_service_modify("{\"PropertyType\":\"CpuGroup\"}", &json), HCS_S_OK);
    assert_string_equal(json, "{\"Applied\":true}");
    hcs_free(json);
    /* result optional: still freed */
    fake_push_result("HcsModifyServiceSettings", 0, "{\"Applied\":true}");
    assert_int_equal(hcs_compute_service_modify("{}", NULL), HCS_S_OK);
    /* a failure with an error document */
    fake_push_result("HcsModifyServiceSettings", HCS_ERR_INVALID_JSON,
                     "{\"Error\":-2143878899,\"ErrorMessage\":\"bad settings\"}");
    assert_int_equal(hcs_compute_service_modify("{\"x\":1}", &json), HCS_ERR_INVALID_JSON);
    assert_null(json);
    assert_contains(hcs_error_last()->message,
                    "modify the service settings (HcsModifyServiceSettings): bad settings "
                    "(HCS_E_INVALID_JSON 0x8037010D)");
    assert_int_equal(hcs_compute_service_submit_wer_report("{\"ReportId\":\"r\"}"), HCS_S_OK);
    assert_string_equal(fake_nth("HcsSubmitWerReport", 0)->str[0], "{\"ReportId\":\"r\"}");
}

static void test_files_and_access(void **state)
{
    static const char path[] = "C:\\VMs\\d\xc3\xa9mo\\guest.vmgs";
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_compute_guest_state_file_create(path), HCS_S_OK);
    assert_wstr(fake_nth("HcsCreateEmptyGuestStateFile", 0), 0, path);
    assert_int_equal(hcs_compute_runtime_state_file_create("C:\\VMs\\r.vmrs"), HCS_S_OK);
    assert_string_equal(fake_nth("HcsCreateEmptyRuntimeStateFile", 0)->str[0],
                        "C:\\VMs\\r.vmrs");
    assert_int_equal(hcs_compute_vm_access_grant("A2E5E2C5-0000-4000-8000-000000000001", path),
                     HCS_S_OK);
    assert_string_equal(fake_nth("HcsGrantVmAccess", 0)->str[0],
                        "A2E5E2C5-0000-4000-8000-000000000001");
    assert_wstr(fake_nth("HcsGrantVmAccess", 0), 1, path);
    assert_int_equal(hcs_compute_vm_access_revoke("vm", "C:\\x.vhdx"), HCS_S_OK);
    assert_string_equal(fake_nth("HcsRevokeVmAccess", 0)->str[1], "C:\\x.vhdx");
    assert_int_equal(hcs_compute_vm_group_access_grant("C:\\base.vhdx"), HCS_S_OK);
    assert_int_equal(hcs_compute_vm_group_access_revoke("C:\\base.vhdx"), HCS_S_OK);
    assert_string_equal(fake_nth("HcsRevokeVmGroupAccess", 0)->str[0], "C:\\base.vhdx");
    assert_int_equal(hcs_compute_processor_compat_from_saved_state("C:\\VMs\\r.vmrs", &json),
                     HCS_S_OK);
    assert_string_equal(json, "{\"ProcessorFeatures\":\"fake-features\"}");
    hcs_free(json);
    assert_int_equal(hcs_compute_processor_compat_from_saved_state("C:\\VMs\\r.vmrs", NULL),
                     HCS_S_OK);
    /* failures name the operation and the path */
    fake_push_result("HcsGrantVmAccess", HCS_ERR_WIN32_FILE_NOT_FOUND, NULL);
    assert_int_equal(hcs_compute_vm_access_grant("vm1", "C:\\missing.vhdx"),
                     HCS_ERR_WIN32_FILE_NOT_FOUND);
    assert_contains(hcs_error_last()->message,
                    "grant access to \"C:\\missing.vhdx\" for VM \"vm1\" (HcsGrantVmAccess)");
    fake_push_result("HcsCreateEmptyRuntimeStateFile", HCS_ERR_ACCESSDENIED, NULL);
    assert_int_equal(hcs_compute_runtime_state_file_create("C:\\r.vmrs"), HCS_ERR_ACCESSDENIED);
    assert_contains(hcs_error_last()->message,
                    "create the runtime state file \"C:\\r.vmrs\"");
    /* invalid UTF-8 never reaches the DLL */
    assert_int_equal(hcs_compute_guest_state_file_create("bad\xff.vmgs"),
                     HCS_ERR_WIN32_NO_UNICODE_TRANSLATION);
    assert_int_equal(F.count("HcsCreateEmptyGuestStateFile"), 1);
}

static void test_live_migration(void **state)
{
    hcs_system *s = open_running();
    hcs_op *op = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_migration_initialize(s, "{\"InitializeOptions\":{}}", 1000),
                     HCS_S_OK);
    assert_string_equal(fake_nth("HcsInitializeLiveMigrationOnSource", 0)->str[0],
                        "{\"InitializeOptions\":{}}");
    assert_int_equal(hcs_compute_system_migration_start(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_transfer(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_finalize(s, "{\"Result\":\"Success\"}", 1000),
                     HCS_S_OK);
    fake_push_result("HcsCancelLiveMigration", HCS_ERR_INVALID_STATE, NULL);
    assert_int_equal(hcs_compute_system_migration_cancel(s, NULL, 1000), HCS_ERR_INVALID_STATE);
    assert_contains(hcs_error_last()->message,
                    "cancel live migration of compute system \"fakevm-running\"");
    /* destination side: start with the socket attached to the operation */
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_add_resource(op, HCS_RESOURCE_SOCKET,
                                         "hcs:/VirtualMachine/LiveMigrationSocket",
                                         (hcs_os_handle)0x2a),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_MIGRATION_TRANSFER, "{}", op),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_op_wait(op, 1000, NULL), HCS_S_OK);
    hcs_compute_op_close(op);
    /* an unknown verb */
    assert_int_equal(hcs_compute_system_begin(s, (hcs_compute_system_verb)99, NULL, NULL), HCS_ERR_POINTER);
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_system_begin(s, (hcs_compute_system_verb)99, NULL, op), HCS_ERR_INVALIDARG);
    hcs_compute_op_close(op);
    hcs_compute_system_close(s);
}

/* Every function of the table, through the public API. */
static void test_every_function_reached(void **state)
{
    hcs_events *q = new_queue();
    hcs_system *s = NULL, *s2 = NULL, *from = NULL;
    hcs_process *p = NULL, *pfrom = NULL;
    hcs_op *op = NULL;
    hcs_compute_process_info info;
    hcs_compute_system_create_options o;
    char *json = NULL;
    void *ctx;
    uint64_t id;
    int type;
    size_t i;
    (void)state;
    /* enumeration */
    assert_int_equal(hcs_compute_enumerate(NULL, 1000, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_compute_enumerate_in_namespace("ns", NULL, 1000, &json), HCS_S_OK);
    hcs_free(json);
    /* systems */
    assert_int_equal(hcs_compute_system_create("all-1", "{}", 1000, &s), HCS_S_OK);
    hcs_compute_system_create_options_init(&o, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION);
    o.namespace_id = "ns";
    assert_int_equal(hcs_compute_system_create_ex("all-2", "{}", &o, 1000, &s2), HCS_S_OK);
    hcs_compute_system_close(s2);
    assert_int_equal(hcs_compute_system_open_in_namespace("ns", "all-2", &s2), HCS_S_OK);
    hcs_compute_system_close(s2);
    assert_int_equal(hcs_compute_system_subscribe(s, q, 0, 0), HCS_S_OK);
    assert_int_equal(hcs_compute_system_start(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_pause(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_resume(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_save(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_properties(s, NULL, 1000, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_compute_system_modify(s, "{}", 0, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_initialize(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_start(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_transfer(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_finalize(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_cancel(s, NULL, 1000), HCS_S_OK);
    /* operations */
    assert_int_equal(hcs_compute_op_create_with_events(q, 0, 0, &op), HCS_S_OK);
    hcs_compute_op_close(op);
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_set_context(op, &type), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_context(op, &ctx), HCS_S_OK);
    assert_int_equal(hcs_compute_op_add_resource(op, HCS_RESOURCE_FILE, "x", 0), HCS_S_OK);
    assert_int_equal(hcs_compute_op_set_callback(op, NULL, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_PROPERTIES, NULL, op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_wait(op, 1000, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_op_result(op, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_type(op, &type), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_id(op, &id), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_system(op, &from), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_process(op, &pfrom), HCS_ERR_WIN32_NOT_FOUND);
    assert_int_equal(hcs_compute_op_properties(op, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_compute_op_cancel(op), HCS_ERR_NOTIMPL);
    hcs_compute_op_close(op);
    /* processes */
    p = spawn(s, "hang", 1000);
    assert_int_equal(hcs_compute_process_subscribe(p, q, 0, 0), HCS_S_OK);
    assert_int_equal(hcs_compute_process_get_info(p, 1000, &info, NULL), HCS_S_OK);
    hcs_compute_process_info_clear(&info);
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_process_begin(p, HCS_PROCESS_VERB_INFO, NULL, op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_wait(op, 1000, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_op_result_process(op, &info, NULL), HCS_S_OK);
    hcs_compute_process_info_clear(&info);
    hcs_compute_op_close(op);
    assert_int_equal(hcs_compute_process_properties(p, NULL, 1000, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_compute_process_modify(p, "{}", 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_signal(p, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_terminate(p, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_process_wait(p, 5000, NULL, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_process_kill(p, 1000), HCS_ERR_S_FALSE); /* HcsOpenProcess */
    hcs_compute_process_close(p);
    assert_int_equal(hcs_compute_system_shutdown(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s, 1000, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_system_open("fakevm-running", &s2), HCS_S_OK);
    assert_int_equal(hcs_compute_system_crash(s2, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_terminate(s2, NULL, 1000), HCS_ERR_S_FALSE);
    hcs_compute_system_close(s2);
    hcs_compute_system_close(s);
    /* service, files */
    assert_int_equal(hcs_compute_service_properties(NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_compute_service_modify("{}", NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_service_submit_wer_report("{}"), HCS_S_OK);
    assert_int_equal(hcs_compute_guest_state_file_create("g.vmgs"), HCS_S_OK);
    assert_int_equal(hcs_compute_runtime_state_file_create("r.vmrs"), HCS_S_OK);
    assert_int_equal(hcs_compute_vm_access_grant("vm", "f"), HCS_S_OK);
    assert_int_equal(hcs_compute_vm_access_revoke("vm", "f"), HCS_S_OK);
    assert_int_equal(hcs_compute_vm_group_access_grant("f"), HCS_S_OK);
    assert_int_equal(hcs_compute_vm_group_access_revoke("f"), HCS_S_OK);
    assert_int_equal(hcs_compute_processor_compat_from_saved_state("r.vmrs", NULL), HCS_S_OK);
    fake_settle();
    hcs_compute_events_close(q);
    /* the double saw every one of the 60 */
    for (i = 0; i < hcs_compute_function_count(); i++) {
        const char *name = hcs_compute_function_name(i);
        if (F.count(name) == 0)
            fail_msg("%s was never called", name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_service, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_files_and_access, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_live_migration, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_every_function_reached, fake_setup,
                                        fake_teardown),
    };
    if (fake_load("computecore.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
