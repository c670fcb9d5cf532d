/* Contract tests under wine: hcs/storage.h against the test-double
 * computestorage.dll. All 14 functions are reached (the last test checks
 * the tally); the mount path is freed with LocalFree; the VHD handle kind
 * follows the Windows build (file handle on 17763, virtual disk later);
 * privileges name what is missing. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storage/storage_int.h"
#include "fake_ext.h"
#include "hcs.h"
#include "core_test_util.h"

static fake_ext X;

#define contains assert_contains
#define LD "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"Layers\":[]}"

static int setup(void **state)
{
    (void)state;
    fake_ext_setup(&X);
    hcsi_storage_set_build(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hcsi_storage_set_build(0);
    fake_ext_teardown(&X);
    return 0;
}

static void test_layers(void **state)
{
    static const char path[] = "C:\\layers\\caf\xc3\xa9";
    const fake_call *c;
    (void)state;
    assert_int_equal(hcs_layer_import(path, "C:\\export", LD), HCS_S_OK);
    c = fake_ext_nth(&X, "HcsImportLayer", 0);
    assert_string_equal(c->str[0], path);
    assert_string_equal(c->str[1], "C:\\export");
    assert_string_equal(c->str[2], LD);
    assert_int_equal(hcs_layer_export(path, "C:\\out", LD, "{\"IsWritableLayer\":true}"),
                     HCS_S_OK);
    assert_string_equal(fake_ext_nth(&X, "HcsExportLayer", 0)->str[3], "{\"IsWritableLayer\":true}");
    assert_int_equal(hcs_layer_export(path, "C:\\out", LD, NULL), HCS_S_OK);
    assert_null(fake_ext_nth(&X, "HcsExportLayer", 1)->str[3]);
    assert_int_equal(hcs_layer_export_legacy_writable("C:\\m", "C:\\f", "C:\\e", LD), HCS_S_OK);
    assert_int_equal(hcs_layer_destroy(path), HCS_S_OK);
    assert_int_equal(hcs_layer_setup_base(path, HCS_OS_HANDLE_NONE, "{\"Type\":\"Container\"}"),
                     HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HcsSetupBaseOSLayer", 0)->n[0], 0);
    assert_int_equal(hcs_layer_setup_base_volume(path, "\\\\?\\Volume{x}\\", "{}"), HCS_S_OK);
    assert_int_equal(hcs_layer_init_writable(path, LD, NULL), HCS_S_OK);
    assert_int_equal(hcs_layer_init_legacy_writable("C:\\m", "C:\\f", LD, "{}"), HCS_S_OK);
    assert_int_equal(hcs_layer_attach_filter(path, LD), HCS_S_OK);
    assert_int_equal(hcs_layer_detach_filter(path), HCS_S_OK);
    assert_int_equal(hcs_layer_attach_overlay("C:\\v", LD), HCS_S_OK);
    assert_int_equal(hcs_layer_detach_overlay("C:\\v", LD), HCS_S_OK);
    /* NULL where it is required never reaches the DLL */
    assert_int_equal(hcs_layer_import(path, NULL, LD), HCS_ERR_POINTER);
    contains(hcs_error_last()->message, "argument 2 is NULL");
    assert_int_equal(X.count("HcsImportLayer"), 1);
}

static void test_errors(void **state)
{
    (void)state;
    fake_ext_push(&X, "HcsImportLayer", HCS_ERR_WIN32_PRIVILEGE_NOT_HELD, NULL);
    assert_int_equal(hcs_layer_import("C:\\l", "C:\\s", LD), HCS_ERR_WIN32_PRIVILEGE_NOT_HELD);
    contains(hcs_error_last()->message,
             "import layer \"C:\\l\" from \"C:\\s\" (HcsImportLayer; it needs "
             "SeBackupPrivilege and SeRestorePrivilege enabled: call "
             "hcs_layer_privileges_enable first)");
    fake_ext_push(&X, "HcsDestroyLayer", HCS_ERR_INVALID_LAYER, NULL);
    assert_int_equal(hcs_layer_destroy("C:\\l"), HCS_ERR_INVALID_LAYER);
    contains(hcs_error_last()->message, "destroy layer \"C:\\l\" (HcsDestroyLayer): ");
    contains(hcs_error_last()->message, "(HCS_E_INVALID_LAYER 0x80370112)");
}

static const char *temp_vhd(void)
{
    static char path[1024];
    char dir[MAX_PATH];
    FILE *f;
    GetTempPathA(sizeof dir, dir);
    snprintf(path, sizeof path, "%slibhcs-test-%lu.vhdx", dir, (unsigned long)GetCurrentProcessId());
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("vhdxfile", f);
    fclose(f);
    return path;
}

static void test_vhds(void **state)
{
    const char *vhd = temp_vhd();
    char *mount = NULL;
    hcs_result hr;
    (void)state;
    /* 17763: a CreateFile handle */
    hcsi_storage_set_build(17763);
    assert_int_equal(hcs_layer_windows_build(), 17763);
    assert_int_equal(hcs_layer_format_vhd_file(vhd, HCS_VHD_HANDLE_AUTO), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HcsFormatWritableLayerVhd", 0)->n[0], 1);
    /* the format failing: the message names the handle kind and why */
    fake_ext_push(&X, "HcsFormatWritableLayerVhd", HCS_ERR_INVALIDARG, NULL);
    assert_int_equal(hcs_layer_format_vhd_file(vhd, HCS_VHD_HANDLE_AUTO), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message,
             "format \"");
    contains(hcs_error_last()->message,
             "through a file handle (Windows build 17763 or older wants one)");
    /* later builds: a virtual disk handle (wine's virtdisk may not open
     * the file: then the error says so and nothing reaches the DLL) */
    hcsi_storage_set_build(20348);
    hr = hcs_layer_format_vhd_file(vhd, HCS_VHD_HANDLE_AUTO);
    if (HCS_FAILED(hr)) {
        contains(hcs_error_last()->message, "as a virtual disk");
        assert_int_equal(X.count("HcsFormatWritableLayerVhd"), 2);
    } else {
        assert_int_equal(X.count("HcsFormatWritableLayerVhd"), 3);
    }
    /* explicit kind, raw handle */
    assert_int_equal(hcs_layer_format_vhd_file(vhd, HCS_VHD_HANDLE_FILE), HCS_S_OK);
    assert_int_equal(hcs_layer_format_vhd_file(vhd, 7), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_layer_format_vhd_file("C:\\no\\such.vhdx", HCS_VHD_HANDLE_FILE),
                     HCS_ERR_WIN32_PATH_NOT_FOUND);
    contains(hcs_error_last()->message, "open the VHD \"C:\\no\\such.vhdx\" as a file");
    assert_int_equal(hcs_layer_format_vhd((hcs_os_handle)0x1234), HCS_S_OK);
    /* mount path: LocalFree'd inside, UTF-8 out */
    assert_int_equal(hcs_layer_vhd_mount_path((hcs_os_handle)0x1234, &mount), HCS_S_OK);
    assert_string_equal(mount, "\\\\?\\Volume{5a8d1f4b-0000-4000-8000-00000000c0de}\\");
    hcs_free(mount);
    assert_int_equal(fake_ext_frees(0), 1);
    hr = hcs_layer_vhd_mount_path_file(vhd, &mount);
    if (HCS_SUCCEEDED(hr))
        hcs_free(mount);
    else
        contains(hcs_error_last()->message, "as a virtual disk");
    fake_ext_push(&X, "HcsGetLayerVhdMountPath", HCS_ERR_WIN32_NOT_FOUND, NULL);
    assert_int_equal(hcs_layer_vhd_mount_path((hcs_os_handle)0x1234, &mount),
                     HCS_ERR_WIN32_NOT_FOUND);
    assert_null(mount);
    DeleteFileA(vhd);
}

static void test_privileges(void **state)
{
    static const char *const bad[] = {"SeBackupPrivilege", "SeNoSuchPrivilege"};
    hcs_result hr;
    (void)state;
    hr = hcs_layer_privileges_enable();
    if (HCS_FAILED(hr)) { /* a token without them: the message names them */
        assert_int_equal(hr, HCS_ERR_WIN32_PRIVILEGE_NOT_HELD);
        contains(hcs_error_last()->message, "not held by this process: run it elevated");
    }
    assert_int_equal(hcs_layer_privileges_enable_list(bad, 2), hcs_hresult_from_win32(1313));
    contains(hcs_error_last()->message, "no such privilege: \"SeNoSuchPrivilege\"");
    assert_int_equal(hcs_layer_privileges_enable_list(NULL, 1), HCS_ERR_POINTER);
}

static void test_loader(void **state)
{
    (void)state;
    assert_int_equal(hcs_layer_function_present("HcsAttachOverlayFilter"), 1);
    assert_int_equal(hcs_layer_set_dll_path(fake_ext_path("nope\\computestorage.dll")), HCS_S_OK);
    assert_int_equal(hcs_layer_destroy("C:\\l"), HCS_ERR_WIN32_MOD_NOT_FOUND);
    contains(hcs_error_last()->message, "computestorage.dll could not be loaded from \"");
    assert_int_equal(hcs_layer_function_present("HcsAttachOverlayFilter"), 0);
    assert_int_equal(hcs_layer_set_dll_path(fake_ext_path("computestorage.dll")), HCS_S_OK);
    assert_int_equal(hcs_layer_load(), HCS_S_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vhds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privileges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader, setup, teardown),
        cmocka_unit_test(fake_ext_every_function_reached),
    };
    fake_ext_track(hcsi_cs_names, HCSI_CS_COUNT);
    if (fake_ext_load(&X, "computestorage.dll", hcs_layer_set_dll_path, hcs_layer_load,
                      L"computestorage.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
