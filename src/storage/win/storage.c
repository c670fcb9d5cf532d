/*
 * The storage module on Windows: computestorage.dll loaded at run time
 * (win/loader.h), every function behind the UTF-8 API of hcs/storage.h; the VHD
 * handle quirk of HcsFormatWritableLayerVhd (virtdisk.dll, also loaded at
 * run time) and the token privileges the layer calls need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win/loader.h" /* windows.h first: virtdisk.h needs its types */

#include <virtdisk.h>

#include "storage/storage_int.h"

#define CX(name) HCSI_CS_IX_##name
#define CS(t, name) ((hcsi_cs_pfn_##name)(t)->fn[CX(name)])

#define HCSI_CS_PFN_TYPEDEF(ret, name, params)                                     \
    typedef ret(WINAPI *hcsi_cs_pfn_##name) params;
HCSI_CS_FUNCS(HCSI_CS_PFN_TYPEDEF)
#undef HCSI_CS_PFN_TYPEDEF

static hcsi_dll_slot *const g_slot = &hcsi_dll_computestorage;

HCSI_DLL_LOADER_API(g_slot, hcs_layer_load, hcs_layer_set_dll_path, hcs_layer_function_present)

/* ---- the calls ---- */

#define MAX_ARGS 4

/* Calls function ix with up to 4 string arguments (a NULL where
 * `optional` has the bit is passed as NULL, else it is an error) and
 * records the rich error: "<what> (<function>): <text> (<NAME> 0x..)". */
static hcs_result cs_call(int ix, const char *what, unsigned optional, int nargs,
                          const char *a0, const char *a1, const char *a2, const char *a3)
{
    const char *in[MAX_ARGS];
    uint16_t *w[MAX_ARGS] = {NULL, NULL, NULL, NULL};
    const hcsi_dll *t;
    hcs_result hr;
    int i;
    in[0] = a0;
    in[1] = a1;
    in[2] = a2;
    in[3] = a3;
    for (i = 0; i < nargs; i++)
        if (!in[i] && !(optional & (1u << i)))
            return hcsi_err(HCS_ERR_POINTER, "%s (%s): argument %d is NULL", what,
                            hcsi_cs_names[ix], i + 1);
    hr = hcsi_dll_need(g_slot, &t, ix, -1, -1);
    for (i = 0; i < nargs && HCS_SUCCEEDED(hr); i++)
        hr = hcsi_w_arg(in[i], what, &w[i]);
    if (HCS_SUCCEEDED(hr)) {
        switch (nargs) {
        case 1:
            hr = ((hcsi_cs_pfn_HcsDestroyLayer)t->fn[ix])(HCSI_W(w[0]));
            break;
        case 2:
            hr = ((hcsi_cs_pfn_HcsAttachLayerStorageFilter)t->fn[ix])(HCSI_W(w[0]),
                                                                      HCSI_W(w[1]));
            break;
        case 3:
            hr = ((hcsi_cs_pfn_HcsImportLayer)t->fn[ix])(HCSI_W(w[0]), HCSI_W(w[1]),
                                                         HCSI_W(w[2]));
            break;
        default:
            hr = ((hcsi_cs_pfn_HcsExportLayer)t->fn[ix])(HCSI_W(w[0]), HCSI_W(w[1]),
                                                         HCSI_W(w[2]), HCSI_W(w[3]));
            break;
        }
        if (HCS_FAILED(hr)) {
            if (hr == HCS_ERR_WIN32_PRIVILEGE_NOT_HELD)
                hr = hcsi_core_fail(hr, NULL,
                                    "%s (%s; it needs SeBackupPrivilege and "
                                    "SeRestorePrivilege enabled: call "
                                    "hcs_layer_privileges_enable first)",
                                    what, hcsi_cs_names[ix]);
            else
                hr = hcsi_core_fail(hr, NULL, "%s (%s)", what, hcsi_cs_names[ix]);
        }
    }
    for (i = 0; i < MAX_ARGS; i++)
        free(w[i]);
    return hr;
}

/* A "verb \"a\" ..." description; static fallback on OOM. */

#define Q(s) ((s) ? (s) : "(null)")

#define CS_CALL(ix, optional, n, a0, a1, a2, a3, ...)                                 \
    do {                                                                              \
        char *what_ = hcsi_asprintf(__VA_ARGS__);                                          \
        hcs_result r_ = cs_call(ix, what_ ? what_ : hcsi_cs_names[ix], optional, n,  \
                                a0, a1, a2, a3);                                      \
        free(what_);                                                                  \
        return r_;                                                                    \
    } while (0)

hcs_result hcs_layer_import(const char *layer_path, const char *source_folder,
                            const char *layer_data_json)
{
    CS_CALL(CX(HcsImportLayer), 0, 3, layer_path, source_folder, layer_data_json, NULL,
            "import layer \"%s\" from \"%s\"", Q(layer_path), Q(source_folder));
}

hcs_result hcs_layer_export(const char *layer_path, const char *export_folder,
                            const char *layer_data_json, const char *options_json)
{
    CS_CALL(CX(HcsExportLayer), 8, 4, layer_path, export_folder, layer_data_json,
            options_json, "export layer \"%s\" to \"%s\"", Q(layer_path),
            Q(export_folder));
}

hcs_result hcs_layer_export_legacy_writable(const char *mount_path, const char *folder,
                                            const char *export_folder,
                                            const char *layer_data_json)
{
    CS_CALL(CX(HcsExportLegacyWritableLayer), 0, 4, mount_path, folder, export_folder,
            layer_data_json, "export legacy writable layer \"%s\" to \"%s\"", Q(folder),
            Q(export_folder));
}

hcs_result hcs_layer_destroy(const char *layer_path)
{
    CS_CALL(CX(HcsDestroyLayer), 0, 1, layer_path, NULL, NULL, NULL,
            "destroy layer \"%s\"", Q(layer_path));
}

hcs_result hcs_layer_setup_base(const char *layer_path, hcs_os_handle vhd,
                                const char *options_json)
{
    const hcsi_dll *t;
    uint16_t *wp = NULL, *wo = NULL;
    hcs_result hr;
    if (!layer_path || !options_json)
        return hcsi_err(HCS_ERR_POINTER, "set up base layer (HcsSetupBaseOSLayer): %s is NULL",
                        layer_path ? "options_json" : "layer_path");
    hr = hcsi_dll_need(g_slot, &t, CX(HcsSetupBaseOSLayer), -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_w_arg(layer_path, "layer path", &wp);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_w_arg(options_json, "options", &wo);
    if (HCS_SUCCEEDED(hr)) {
        hr = CS(t, HcsSetupBaseOSLayer)(HCSI_W(wp), (HANDLE)HCSI_OS_HANDLE_PTR(vhd), HCSI_W(wo));
        if (HCS_FAILED(hr))
            hr = hcsi_core_fail(hr, NULL, "set up base layer \"%s\"%s (HcsSetupBaseOSLayer)",
                                layer_path, vhd ? " with a VHD" : "");
    }
    free(wp);
    free(wo);
    return hr;
}

hcs_result hcs_layer_setup_base_volume(const char *layer_path, const char *volume_path,
                                       const char *options_json)
{
    CS_CALL(CX(HcsSetupBaseOSVolume), 0, 3, layer_path, volume_path, options_json, NULL,
            "set up base layer \"%s\" on volume \"%s\"", Q(layer_path), Q(volume_path));
}

hcs_result hcs_layer_init_writable(const char *layer_path, const char *layer_data_json,
                                   const char *options_json)
{
    CS_CALL(CX(HcsInitializeWritableLayer), 4, 3, layer_path, layer_data_json,
            options_json, NULL, "initialize writable layer \"%s\"", Q(layer_path));
}

hcs_result hcs_layer_init_legacy_writable(const char *mount_path, const char *folder,
                                          const char *layer_data_json,
                                          const char *options_json)
{
    CS_CALL(CX(HcsInitializeLegacyWritableLayer), 8, 4, mount_path, folder,
            layer_data_json, options_json,
            "initialize legacy writable layer \"%s\" mounted at \"%s\"", Q(folder),
            Q(mount_path));
}

hcs_result hcs_layer_attach_filter(const char *layer_path, const char *layer_data_json)
{
    CS_CALL(CX(HcsAttachLayerStorageFilter), 0, 2, layer_path, layer_data_json, NULL, NULL,
            "attach the layer storage filter to \"%s\"", Q(layer_path));
}

hcs_result hcs_layer_detach_filter(const char *layer_path)
{
    CS_CALL(CX(HcsDetachLayerStorageFilter), 0, 1, layer_path, NULL, NULL, NULL,
            "detach the layer storage filter from \"%s\"", Q(layer_path));
}

hcs_result hcs_layer_attach_overlay(const char *volume_mount_point,
                                    const char *layer_data_json)
{
    CS_CALL(CX(HcsAttachOverlayFilter), 0, 2, volume_mount_point, layer_data_json, NULL,
            NULL, "attach the overlay filter to \"%s\"", Q(volume_mount_point));
}

hcs_result hcs_layer_detach_overlay(const char *volume_mount_point,
                                    const char *layer_data_json)
{
    CS_CALL(CX(HcsDetachOverlayFilter), 0, 2, volume_mount_point, layer_data_json, NULL,
            NULL, "detach the overlay filter from \"%s\"", Q(volume_mount_point));
}

/* ---- VHDs ---- */

hcs_result hcs_layer_format_vhd(hcs_os_handle vhd)
{
    const hcsi_dll *t;
    hcs_result hr = hcsi_dll_need(g_slot, &t, CX(HcsFormatWritableLayerVhd), -1, -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = CS(t, HcsFormatWritableLayerVhd)((HANDLE)HCSI_OS_HANDLE_PTR(vhd));
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "format the writable layer VHD "
                                        "(HcsFormatWritableLayerVhd)");
    return hr;
}

hcs_result hcs_layer_vhd_mount_path(hcs_os_handle vhd, char **path)
{
    const hcsi_dll *t;
    PWSTR w = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    if (!path)
        return hcsi_err(HCS_ERR_POINTER, "hcs_layer_vhd_mount_path: path is NULL");
    *path = NULL;
    hr = hcsi_dll_need(g_slot, &t, CX(HcsGetLayerVhdMountPath), -1, -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = CS(t, HcsGetLayerVhdMountPath)((HANDLE)HCSI_OS_HANDLE_PTR(vhd), &w);
    chr = hcsi_w_take(w, HCSI_W_LOCAL, "mount path from computestorage.dll", &res);
    if (HCS_FAILED(hr)) {
        free(res);
        return hcsi_core_fail(hr, NULL, "read the mount path of the layer VHD "
                                        "(HcsGetLayerVhdMountPath)");
    }
    if (HCS_FAILED(chr))
        return chr;
    if (!res && !(res = hcsi_strdup("")))
        return hcsi_err_oom();
    *path = res;
    return HCS_S_OK;
}

/* ---- the Windows build ---- */

static uint32_t g_build_override;

void hcsi_storage_set_build(uint32_t build) { g_build_override = build; }

uint32_t hcs_layer_windows_build(void)
{
    typedef LONG(WINAPI * rtl_fn)(OSVERSIONINFOW *);
    OSVERSIONINFOW v;
    HMODULE nt;
    rtl_fn fn;
    if (g_build_override)
        return g_build_override;
    nt = GetModuleHandleW(L"ntdll.dll");
    fn = nt ? (rtl_fn)(hcsi_proc)GetProcAddress(nt, "RtlGetVersion") : NULL;
    memset(&v, 0, sizeof v);
    v.dwOSVersionInfoSize = sizeof v;
    if (!fn || fn(&v) != 0)
        return 0;
    return (uint32_t)v.dwBuildNumber;
}

/* virtdisk.dll's OpenVirtualDisk, loaded at run time (System32). */
typedef DWORD(WINAPI *open_vd_fn)(PVIRTUAL_STORAGE_TYPE, PCWSTR, VIRTUAL_DISK_ACCESS_MASK,
                                  OPEN_VIRTUAL_DISK_FLAG, POPEN_VIRTUAL_DISK_PARAMETERS,
                                  PHANDLE);

static hcs_result open_vhd(const char *path, int kind, int read_only, HANDLE *out)
{
    uint16_t *w = NULL;
    hcs_result hr = hcsi_w_arg(path, "VHD path", &w);
    *out = NULL;
    if (HCS_FAILED(hr))
        return hr;
    if (kind == HCS_VHD_HANDLE_FILE) {
        HANDLE h = CreateFileW(HCSI_W(w), GENERIC_READ | (read_only ? 0 : GENERIC_WRITE),
                               FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                               FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            hr = hcs_hresult_from_win32(GetLastError());
            hr = hcsi_err(hr, "open the VHD \"%s\" as a file (CreateFileW): %s", path,
                          hcs_strerror(hr));
        } else {
            *out = h;
        }
    } else {
        HMODULE m = LoadLibraryExW(L"virtdisk.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
        open_vd_fn fn = m ? (open_vd_fn)(hcsi_proc)GetProcAddress(m, "OpenVirtualDisk") : NULL;
        VIRTUAL_STORAGE_TYPE st;
        OPEN_VIRTUAL_DISK_PARAMETERS p;
        HANDLE h = NULL;
        DWORD e;
        if (!fn) {
            hr = hcs_hresult_from_win32(m ? ERROR_PROC_NOT_FOUND : GetLastError());
            hr = hcsi_err(hr, "open the VHD \"%s\" as a virtual disk: virtdisk.dll%s is "
                              "not available: %s",
                          path, m ? "'s OpenVirtualDisk" : "", hcs_strerror(hr));
        } else {
            memset(&st, 0, sizeof st); /* VIRTUAL_STORAGE_TYPE_DEVICE_UNKNOWN */
            memset(&p, 0, sizeof p);
            p.Version = OPEN_VIRTUAL_DISK_VERSION_2;
            p.Version2.ReadOnly = read_only ? TRUE : FALSE;
            e = fn(&st, HCSI_W(w), VIRTUAL_DISK_ACCESS_NONE, OPEN_VIRTUAL_DISK_FLAG_NONE, &p,
                   &h);
            if (e != ERROR_SUCCESS) {
                hr = hcs_hresult_from_win32(e);
                hr = hcsi_err(hr, "open the VHD \"%s\" as a virtual disk (OpenVirtualDisk): %s",
                              path, hcs_strerror(hr));
            } else {
                *out = h;
            }
        }
    }
    free(w);
    return hr;
}

hcs_result hcs_layer_format_vhd_file(const char *vhd_path, int kind)
{
    HANDLE h = NULL;
    hcs_result hr;
    uint32_t build = 0;
    int auto_kind = kind == HCS_VHD_HANDLE_AUTO;
    if (!vhd_path)
        return hcsi_err(HCS_ERR_POINTER, "hcs_layer_format_vhd_file: vhd_path is NULL");
    if (kind < HCS_VHD_HANDLE_AUTO || kind > HCS_VHD_HANDLE_VIRTDISK)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_layer_format_vhd_file: unknown kind %d", kind);
    if (auto_kind) {
        build = hcs_layer_windows_build();
        kind = build && build <= HCSI_CS_FILE_HANDLE_MAX_BUILD ? HCS_VHD_HANDLE_FILE
                                                                 : HCS_VHD_HANDLE_VIRTDISK;
    }
    hr = open_vhd(vhd_path, kind, 0, &h);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_layer_format_vhd((hcs_os_handle)h);
    CloseHandle(h);
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "format \"%s\" through a %s handle%s", vhd_path,
                             kind == HCS_VHD_HANDLE_FILE ? "file" : "virtual disk",
                             auto_kind ? (kind == HCS_VHD_HANDLE_FILE
                                              ? " (Windows build 17763 or older wants one)"
                                              : " (Windows builds after 17763 want one)")
                                       : "");
    return hr;
}

hcs_result hcs_layer_vhd_mount_path_file(const char *vhd_path, char **path)
{
    HANDLE h = NULL;
    hcs_result hr;
    if (path)
        *path = NULL;
    if (!vhd_path || !path)
        return hcsi_err(HCS_ERR_POINTER, "hcs_layer_vhd_mount_path_file: %s is NULL",
                        vhd_path ? "path" : "vhd_path");
    hr = open_vhd(vhd_path, HCS_VHD_HANDLE_VIRTDISK, 1, &h);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_layer_vhd_mount_path((hcs_os_handle)h, path);
    CloseHandle(h);
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "\"%s\"", vhd_path);
    return hr;
}

/* ---- privileges ---- */

hcs_result hcs_layer_privileges_enable_list(const char *const *names, size_t count)
{
    HANDLE token = NULL;
    hcsi_buf missing, unknown;
    hcs_result hr = HCS_S_OK;
    size_t i;
    if (count && !names)
        return hcsi_err(HCS_ERR_POINTER, "hcs_layer_privileges_enable_list: names is NULL");
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
        hr = hcs_hresult_from_win32(GetLastError());
        return hcsi_err(hr, "enable privileges: OpenProcessToken: %s", hcs_strerror(hr));
    }
    hcsi_buf_init(&missing, 0);
    hcsi_buf_init(&unknown, 0);
    for (i = 0; i < count; i++) {
        TOKEN_PRIVILEGES tp;
        uint16_t *w = NULL;
        DWORD e;
        if (!names[i] || HCS_FAILED(hcsi_w_arg(names[i], "privilege", &w))) {
            hcs_error_clear();
            (void)hcsi_buf_printf(&unknown, "%s\"%s\"", unknown.len ? ", " : "",
                                  names[i] ? names[i] : "(null)");
            continue;
        }
        memset(&tp, 0, sizeof tp);
        tp.PrivilegeCount = 1;
        tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
        if (!LookupPrivilegeValueW(NULL, HCSI_W(w), &tp.Privileges[0].Luid)) {
            free(w);
            (void)hcsi_buf_printf(&unknown, "%s\"%s\"", unknown.len ? ", " : "", names[i]);
            continue;
        }
        free(w);
        SetLastError(ERROR_SUCCESS);
        if (!AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL))
            e = GetLastError();
        else
            e = GetLastError(); /* ERROR_NOT_ALL_ASSIGNED on success too */
        if (e != ERROR_SUCCESS)
            (void)hcsi_buf_printf(&missing, "%s%s", missing.len ? ", " : "", names[i]);
    }
    CloseHandle(token);
    if (unknown.len)
        hr = hcsi_err(hcs_hresult_from_win32(ERROR_NO_SUCH_PRIVILEGE),
                      "enable privileges: no such privilege: %s%s%s", unknown.data,
                      missing.len ? "; not held: " : "", missing.len ? missing.data : "");
    else if (missing.len)
        hr = hcsi_err(HCS_ERR_WIN32_PRIVILEGE_NOT_HELD,
                      "enable privileges: %s %s not held by this process: run it "
                      "elevated (as Administrator)",
                      missing.data, strchr(missing.data, ',') ? "are" : "is");
    hcsi_buf_free(&missing);
    hcsi_buf_free(&unknown);
    return hr;
}

hcs_result hcs_layer_privileges_enable(void)
{
    static const char *const names[] = {"SeBackupPrivilege", "SeRestorePrivilege"};
    return hcs_layer_privileges_enable_list(names, 2);
}
