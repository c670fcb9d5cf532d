/*
 * A test-double computestorage.dll: the 14 functions of the SDK header.
 * Every call is recorded (string arguments; for handles, n[0] says what
 * kind of handle arrived: 1 a disk file (GetFileType FILE_TYPE_DISK), 2
 * anything else, 0 NULL) and answered from the script (call_hr) or with
 * S_OK. HcsGetLayerVhdMountPath hands out a LocalAlloc'ed string.
 *
 * With mingw-w64 10 the SDK's computestorage.h is included and the 12
 * functions it declares are checked against the library's X-macro.
 */
#include <windows.h>
#include <computestorage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storage_int.h"
#include "fake_base.h"

#define FAKE_DECL(ret, name, params) FAKE_API ret WINAPI name params;
HCSI_CS_FUNCS(FAKE_DECL)
#undef FAKE_DECL

void fk_world_reset(void) {}

static HRESULT strings(const char *fn, PCWSTR a, PCWSTR b, PCWSTR c3, PCWSTR d)
{
    fake_call *c = fk_rec(fn);
    fk_str(c, 0, a);
    fk_str(c, 1, b);
    fk_str(c, 2, c3);
    fk_str(c, 3, d);
    return fk_answer(c);
}

static uint64_t handle_kind(HANDLE h)
{
    if (!h)
        return 0;
    return GetFileType(h) == FILE_TYPE_DISK ? 1 : 2;
}

HRESULT WINAPI HcsImportLayer(PCWSTR a, PCWSTR b, PCWSTR c)
{
    return strings("HcsImportLayer", a, b, c, NULL);
}
HRESULT WINAPI HcsExportLayer(PCWSTR a, PCWSTR b, PCWSTR c, PCWSTR d)
{
    return strings("HcsExportLayer", a, b, c, d);
}
HRESULT WINAPI HcsExportLegacyWritableLayer(PCWSTR a, PCWSTR b, PCWSTR c, PCWSTR d)
{
    return strings("HcsExportLegacyWritableLayer", a, b, c, d);
}
HRESULT WINAPI HcsDestroyLayer(PCWSTR a) { return strings("HcsDestroyLayer", a, NULL, NULL, NULL); }
HRESULT WINAPI HcsSetupBaseOSLayer(PCWSTR a, HANDLE h, PCWSTR b)
{
    fake_call *c = fk_rec("HcsSetupBaseOSLayer");
    fk_str(c, 0, a);
    fk_str(c, 1, b);
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->n[0] = handle_kind(h);
    return fk_answer(c);
}
HRESULT WINAPI HcsInitializeWritableLayer(PCWSTR a, PCWSTR b, PCWSTR c)
{
    return strings("HcsInitializeWritableLayer", a, b, c, NULL);
}
HRESULT WINAPI HcsInitializeLegacyWritableLayer(PCWSTR a, PCWSTR b, PCWSTR c, PCWSTR d)
{
    return strings("HcsInitializeLegacyWritableLayer", a, b, c, d);
}
HRESULT WINAPI HcsAttachLayerStorageFilter(PCWSTR a, PCWSTR b)
{
    return strings("HcsAttachLayerStorageFilter", a, b, NULL, NULL);
}
HRESULT WINAPI HcsDetachLayerStorageFilter(PCWSTR a)
{
    return strings("HcsDetachLayerStorageFilter", a, NULL, NULL, NULL);
}
HRESULT WINAPI HcsFormatWritableLayerVhd(HANDLE h)
{
    fake_call *c = fk_rec_h("HcsFormatWritableLayerVhd", FK_H(h), 0, 0);
    c->n[0] = handle_kind(h);
    if (!h || h == INVALID_HANDLE_VALUE)
        fk_violation("HcsFormatWritableLayerVhd: no handle");
    return fk_answer(c);
}
HRESULT WINAPI HcsGetLayerVhdMountPath(HANDLE h, PWSTR *path)
{
    fake_call *c = fk_rec_h("HcsGetLayerVhdMountPath", FK_H(h), 0, 0);
    fake_step st;
    c->n[0] = handle_kind(h);
    fk_commit(c);
    *path = NULL;
    fk_step(c->fn, &st);
    if (FAILED(st.call_hr))
        return st.call_hr;
    *path = fk_out(st.result_doc ? st.result_doc
                                 : "\\\\?\\Volume{5a8d1f4b-0000-4000-8000-00000000c0de}\\",
                   FK_LOCAL);
    return S_OK;
}
HRESULT WINAPI HcsSetupBaseOSVolume(PCWSTR a, PCWSTR b, PCWSTR c)
{
    return strings("HcsSetupBaseOSVolume", a, b, c, NULL);
}
HRESULT WINAPI HcsAttachOverlayFilter(PCWSTR a, PCWSTR b)
{
    return strings("HcsAttachOverlayFilter", a, b, NULL, NULL);
}
HRESULT WINAPI HcsDetachOverlayFilter(PCWSTR a, PCWSTR b)
{
    return strings("HcsDetachOverlayFilter", a, b, NULL, NULL);
}
