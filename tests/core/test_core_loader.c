/* Contract tests under wine: the loader's failure paths. A missing DLL
 * (HCS not installed), a DLL without the newer functions (the mingw-w64 10
 * surface: bin/min/computecore.dll), and the System32-only default. */
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

static void test_missing_dll(void **state)
{
    char *json = (char *)1;
    hcs_system *s = (hcs_system *)1;
    hcs_op *op = (hcs_op *)1;
    (void)state;
    assert_int_equal(hcs_compute_set_dll_path(fake_exe_path("no-such-dir\\computecore.dll")),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_load(), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_contains(hcs_error_last()->message, "computecore.dll could not be loaded from \"");
    assert_contains(hcs_error_last()->message, "no-such-dir\\computecore.dll\"");
    /* every call fails the same way; enumerations do not return [] */
    assert_int_equal(hcs_compute_enumerate(NULL, 1000, &json), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_null(json);
    assert_int_equal(hcs_compute_system_open("vm", &s), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_null(s);
    assert_int_equal(hcs_compute_op_create(&op), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_int_equal(hcs_compute_service_properties(NULL, &json), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_int_equal(hcs_compute_function_present("HcsCreateOperation"), 0);
    /* features report it without failing */
    assert_int_equal(hcs_compute_features(&json), HCS_S_OK);
    assert_contains(json, "\"loaded\":false");
    assert_contains(json, "\"available\":0,\"total\":60");
    assert_contains(json, "\"HcsCreateOperation\":false");
    hcs_free(json);
}

/* Production loading: System32 only (the executable's directory, which
 * holds a computecore.dll, is not searched). */
static void test_system32_only(void **state)
{
    char *json = NULL;
    hcs_result hr;
    (void)state;
    SetEnvironmentVariableW(L"HCS_TEST_COMPUTECORE_PATH", NULL);
    assert_int_equal(hcs_compute_set_dll_path(NULL), HCS_S_OK);
    hr = hcs_compute_load();
    assert_int_equal(hcs_compute_features(&json), HCS_S_OK);
    if (HCS_FAILED(hr)) { /* wine, or Windows without HCS */
        assert_int_equal(hr, HCS_ERR_WIN32_MOD_NOT_FOUND);
        assert_contains(hcs_error_last() ? hcs_error_last()->message : NULL, "");
        assert_contains(json, "\"loaded\":false");
        assert_contains(json, "could not be loaded from System32");
        assert_contains(json, "enable the Hyper-V or Containers feature");
    } else { /* a real Windows host with HCS: the system's DLL */
        assert_contains(json, "\"loaded\":true");
        assert_null(strstr(json, fake_exe_path("")));
    }
    hcs_free(json);
}

static void test_missing_functions(void **state)
{
    char *json = NULL;
    hcs_op *op = NULL;
    hcs_events *q = NULL;
    hcs_system *s = NULL;
    (void)state;
    assert_int_equal(fake_load("min\\computecore.dll"), 0);
    assert_int_equal(hcs_compute_features(&json), HCS_S_OK);
    assert_contains(json, "\"loaded\":true");
    assert_contains(json, "\\\\min\\\\computecore.dll"); /* JSON-escaped */
    assert_contains(json, "\"available\":52,\"total\":60");
    assert_contains(json, "\"HcsGetOperationProperties\":false");
    assert_contains(json, "\"HcsWaitForOperationResult\":true");
    hcs_free(json);
    assert_int_equal(hcs_compute_function_present("HcsCancelLiveMigration"), 0);
    assert_int_equal(hcs_compute_function_present("HcsCreateOperation"), 1);
    assert_int_equal(hcs_compute_function_present("HcsBogus"), -1);
    /* what the build has works */
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    /* what it lacks: a clear error naming the function */
    assert_int_equal(hcs_compute_op_properties(op, NULL, &json), HCS_ERR_WIN32_PROC_NOT_FOUND);
    assert_contains(hcs_error_last()->message,
                    "HcsGetOperationProperties is not available on this Windows build (");
    assert_contains(hcs_error_last()->message, "\\min\\computecore.dll does not export it)");
    assert_int_equal(hcs_compute_op_add_resource(op, HCS_RESOURCE_SOCKET, "x", 0),
                     HCS_ERR_WIN32_PROC_NOT_FOUND);
    assert_contains(hcs_error_last()->message, "HcsAddResourceToOperation is not available");
    hcs_compute_op_close(op);
    assert_int_equal(hcs_compute_events_create(&q), HCS_S_OK);
    assert_int_equal(hcs_compute_op_create_with_events(q, 0, 0, &op), HCS_ERR_WIN32_PROC_NOT_FOUND);
    assert_contains(hcs_error_last()->message, "HcsCreateOperationWithNotifications");
    hcs_compute_events_close(q);
    assert_int_equal(hcs_compute_system_open("fakevm-running", &s), HCS_S_OK);
    assert_int_equal(hcs_compute_system_migration_start(s, NULL, 1000), HCS_ERR_WIN32_PROC_NOT_FOUND);
    assert_contains(hcs_error_last()->message, "HcsStartLiveMigrationOnSource is not available");
    assert_int_equal(hcs_compute_system_migration_cancel(s, NULL, 1000), HCS_ERR_WIN32_PROC_NOT_FOUND);
    assert_contains(hcs_error_last()->message, "HcsCancelLiveMigration is not available");
    /* nothing reached the DLL for them; no operation left behind */
    assert_int_equal(F.count("HcsCreateOperation"), F.count("HcsCloseOperation"));
    assert_int_equal(hcs_compute_system_pause(s, NULL, 1000), HCS_S_OK);
    hcs_compute_system_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_dll),
        cmocka_unit_test(test_system32_only),
        cmocka_unit_test_teardown(test_missing_functions, fake_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
