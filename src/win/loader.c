/* The run-time DLL loader and the UTF-16 helpers of the Windows backend
 * (win/loader.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "win/loader.h"
#include "hcs/guid.h"
#include "network/network_int.h"
#include "storage/storage_int.h"
#include "hdv/hdv_int.h"

/* ---- the DLLs ---- */

static const char *const k_vmcompute_names[] = {"HNSCall"};

/* A DLL's descriptor from its base name and test-override tag: the narrow
 * and wide spellings of the file and of HCS_TEST_<ENV>_PATH come from the
 * same literals (a macro: string pasting). */
#define DLL_DESC(base, ENV, setter, hint, names, count)                             \
    {base ".dll",                                                                   \
     L"" base ".dll",                                                               \
     L"HCS_TEST_" ENV "_PATH",                                                      \
     "HCS_TEST_" ENV "_PATH or " setter,                                            \
     hint,                                                                          \
     names,                                                                         \
     count}

/* computecore.dll and vmcompute.dll come with the same service. */
#define MISSING_HCS                                                                 \
    "the Host Compute Service is not installed on this Windows (enable the "       \
    "Hyper-V or Containers feature)"

static const hcsi_dll_desc k_desc_computecore =
    DLL_DESC("computecore", "COMPUTECORE", "hcs_compute_set_dll_path", MISSING_HCS,
             hcsi_cc_names, HCSI_CC_COUNT);
static const hcsi_dll_desc k_desc_computenetwork = DLL_DESC(
    "computenetwork", "COMPUTENETWORK", "hcs_net_set_dll_path",
    "the Host Network Service API is not installed on this Windows (it needs "
    "Windows 10 1809 / Server 2019 or later with the Hyper-V or Containers feature)",
    hcsi_hcn_names, HCSI_HCN_COUNT);
static const hcsi_dll_desc k_desc_computestorage = DLL_DESC(
    "computestorage", "COMPUTESTORAGE", "hcs_layer_set_dll_path",
    "the container storage API is not installed on this Windows (it needs "
    "Windows 10 1809 / Server 2019 or later with the Containers feature)",
    hcsi_cs_names, HCSI_CS_COUNT);
static const hcsi_dll_desc k_desc_vmdevicehost = DLL_DESC(
    "vmdevicehost", "VMDEVICEHOST", "hcs_hdv_set_dll_path",
    "the device virtualization host is not installed on this Windows (enable the "
    "Hyper-V feature)",
    hcsi_hdv_names, HCSI_HDV_COUNT);
static const hcsi_dll_desc k_desc_vmcompute =
    DLL_DESC("vmcompute", "VMCOMPUTE", "hcs_net_set_dll_path", MISSING_HCS,
             k_vmcompute_names, 1);

hcsi_dll_slot hcsi_dll_computecore = {&k_desc_computecore, NULL, 0, NULL};
hcsi_dll_slot hcsi_dll_computenetwork = {&k_desc_computenetwork, NULL, 0, NULL};
hcsi_dll_slot hcsi_dll_computestorage = {&k_desc_computestorage, NULL, 0, NULL};
hcsi_dll_slot hcsi_dll_vmdevicehost = {&k_desc_vmdevicehost, NULL, 0, NULL};
hcsi_dll_slot hcsi_dll_vmcompute = {&k_desc_vmcompute, NULL, 0, NULL};

hcsi_dll_slot *const hcsi_dll_all[] = {
    &hcsi_dll_computecore, &hcsi_dll_computenetwork, &hcsi_dll_computestorage,
    &hcsi_dll_vmdevicehost, &hcsi_dll_vmcompute, NULL};

static hcsi_once g_load_once = HCSI_ONCE_INIT;
static hcsi_mutex g_load_lock;

static void load_lock_init(void) { hcsi_mutex_init(&g_load_lock); }

static void load_lock(void)
{
    hcsi_once_run(&g_load_once, load_lock_init);
    hcsi_mutex_lock(&g_load_lock);
}

/* ---- strings ---- */

char *hcsi_w_lossy(const WCHAR *w, size_t n)
{
    char *out = NULL;
    if (HCS_FAILED(hcsi_utf16_to_utf8_lenient((const uint16_t *)w, n, &out, NULL))) {
        hcs_error_clear();
        return NULL;
    }
    return out;
}

static char *module_file(HMODULE m)
{
    WCHAR buf[1024];
    DWORD n = GetModuleFileNameW(m, buf, (DWORD)HCSI_ARRAY_LEN(buf));
    if (n == 0 || n >= HCSI_ARRAY_LEN(buf))
        return NULL;
    return hcsi_w_lossy(buf, n);
}

static char *env_utf8(const WCHAR *name)
{
    WCHAR buf[1024];
    DWORD n = GetEnvironmentVariableW(name, buf, (DWORD)HCSI_ARRAY_LEN(buf));
    if (n == 0 || n >= HCSI_ARRAY_LEN(buf))
        return NULL;
    return hcsi_w_lossy(buf, n);
}

static hcsi_dll *dll_load(hcsi_dll_slot *s)
{
    const hcsi_dll_desc *d = s->desc;
    hcsi_dll *t = (hcsi_dll *)calloc(1, sizeof *t + (size_t)d->count * sizeof(hcsi_proc));
    char *override = NULL;
    DWORD err = 0;
    int i;
    if (!t)
        return NULL;
    t->desc = d;
    if (s->override_set)
        override = s->override_path ? hcsi_strdup(s->override_path) : NULL;
    else
        override = env_utf8(d->env);
    if (override && *override) {
        uint16_t *w = NULL;
        if (HCS_SUCCEEDED(hcsi_utf8_to_utf16(override, (size_t)-1, &w, NULL))) {
            t->module = LoadLibraryExW((LPCWSTR)w, NULL, 0);
            err = GetLastError();
            free(w);
        } else {
            hcs_error_clear();
            err = ERROR_NO_UNICODE_TRANSLATION;
        }
        t->path = override;
        override = NULL;
        if (!t->module) {
            t->load_hr = hcs_hresult_from_win32(err);
            t->error = hcsi_asprintf("%s could not be loaded from \"%s\" (the test "
                                     "override, %s): %s (0x%08lX)",
                                     d->dll, t->path, d->override_how,
                                     hcs_strerror(t->load_hr),
                                     (unsigned long)(uint32_t)t->load_hr);
        }
    } else {
        free(override);
        t->module = LoadLibraryExW(d->wdll, NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
        err = GetLastError();
        t->path = hcsi_strdup(d->dll);
        if (!t->module) {
            t->load_hr = hcs_hresult_from_win32(err);
            t->error = hcsi_asprintf("%s could not be loaded from System32: %s "
                                     "(0x%08lX); %s",
                                     d->dll, hcs_strerror(t->load_hr),
                                     (unsigned long)(uint32_t)t->load_hr,
                                     d->missing_hint);
        }
    }
    if (t->module) {
        char *file = module_file(t->module);
        if (file) {
            free(t->path);
            t->path = file;
        }
        for (i = 0; i < d->count; i++)
            t->fn[i] = (hcsi_proc)GetProcAddress(t->module, d->names[i]);
    }
    if (!t->path)
        t->path = hcsi_strdup(d->dll);
    if (HCS_FAILED(t->load_hr) && !t->error)
        t->error = hcsi_asprintf("%s could not be loaded", d->dll);
    return t;
}

const hcsi_dll *hcsi_dll_current(hcsi_dll_slot *s)
{
    hcsi_dll *t;
    load_lock();
    if (!s->table)
        s->table = dll_load(s);
    t = s->table;
    hcsi_mutex_unlock(&g_load_lock);
    return t;
}

hcs_result hcsi_dll_get(hcsi_dll_slot *s, const hcsi_dll **out)
{
    const hcsi_dll *t = hcsi_dll_current(s);
    if (!t)
        return hcsi_err_oom();
    if (HCS_FAILED(t->load_hr))
        return hcsi_err(t->load_hr, "%s", t->error ? t->error : s->desc->dll);
    *out = t;
    return HCS_S_OK;
}

hcs_result hcsi_dll_missing(const hcsi_dll *t, int ix)
{
    return hcsi_err(HCS_ERR_WIN32_PROC_NOT_FOUND,
                    "%s is not available on this Windows build (%s does not "
                    "export it)",
                    t->desc->names[ix], t->path ? t->path : t->desc->dll);
}

hcs_result hcsi_dll_has(const hcsi_dll *t, const int *ixs)
{
    for (; *ixs >= 0; ixs++)
        if (!t->fn[*ixs])
            return hcsi_dll_missing(t, *ixs);
    return HCS_S_OK;
}

hcs_result hcsi_dll_has3(const hcsi_dll *t, int a, int b, int c)
{
    int ixs[4];
    ixs[0] = a;
    ixs[1] = b;
    ixs[2] = c;
    ixs[3] = -1; /* a -1 earlier ends the list: that is what "none" means */
    return hcsi_dll_has(t, ixs);
}

hcs_result hcsi_dll_need(hcsi_dll_slot *s, const hcsi_dll **out, int a, int b,
                         int c)
{
    const hcsi_dll *t = NULL;
    hcs_result hr = hcsi_dll_get(s, &t);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_dll_has3(t, a, b, c);
    if (HCS_FAILED(hr))
        return hr;
    *out = t;
    return HCS_S_OK;
}

hcs_result hcsi_dll_set_path(hcsi_dll_slot *s, const char *dll_path)
{
    char *copy = NULL;
    if (dll_path && !(copy = hcsi_strdup(dll_path)))
        return hcsi_err_oom();
    load_lock();
    free(s->override_path);
    s->override_path = copy;
    s->override_set = 1;
    /* The old table stays allocated (and its module loaded): objects made
     * with it keep using it, and the DLL's threads may still run in it. */
    s->table = NULL;
    hcsi_mutex_unlock(&g_load_lock);
    return HCS_S_OK;
}

int hcsi_dll_present(hcsi_dll_slot *s, const char *name)
{
    const hcsi_dll *t;
    int i;
    if (!name)
        return -1;
    for (i = 0; i < s->desc->count; i++)
        if (strcmp(s->desc->names[i], name) == 0)
            break;
    if (i == s->desc->count)
        return -1;
    t = hcsi_dll_current(s);
    if (!t || HCS_FAILED(t->load_hr))
        return 0;
    return t->fn[i] != NULL;
}

hcs_result hcsi_dll_features_json(hcsi_dll_slot *s, hcsi_buf *b)
{
    const hcsi_dll *t = hcsi_dll_current(s);
    hcs_result hr;
    int i, avail = 0;
    if (!t)
        return hcsi_err_oom();
    for (i = 0; i < s->desc->count; i++)
        avail += t->fn[i] != NULL;
    hr = hcsi_buf_printf(b, "{\"name\":\"%s\",\"loaded\":%s,\"path\":", s->desc->dll,
                         t->module ? "true" : "false");
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_json_write_string(b, t->path, strlen(t->path), 0);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_buf_puts(b, ",\"error\":");
    if (HCS_SUCCEEDED(hr))
        hr = t->error ? hcsi_json_write_string(b, t->error, strlen(t->error), 0)
                      : hcsi_buf_puts(b, "null");
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_buf_printf(b, ",\"available\":%d,\"total\":%d,\"functions\":{",
                             avail, s->desc->count);
    for (i = 0; i < s->desc->count && HCS_SUCCEEDED(hr); i++)
        hr = hcsi_buf_printf(b, "%s\"%s\":%s", i ? "," : "", s->desc->names[i],
                             t->fn[i] ? "true" : "false");
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_buf_puts(b, "}}");
    return hr;
}

/* ---- allocators ---- */

static void default_local_free(void *p) { (void)LocalFree((HLOCAL)p); }
static void default_cotaskmem_free(void *p)
{
    /* Resolved at run time so that the library links no ole32. */
    typedef void(WINAPI * fn_t)(void *);
    static fn_t fn;
    if (!fn) {
        HMODULE m = LoadLibraryExW(L"combase.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
        if (!m) /* before Windows 8 */
            m = LoadLibraryExW(L"ole32.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
        fn = m ? (fn_t)(hcsi_proc)GetProcAddress(m, "CoTaskMemFree") : NULL;
    }
    if (fn)
        fn(p);
}

static hcsi_core_free_fn g_local_free = default_local_free;
static hcsi_core_free_fn g_cotaskmem_free = default_cotaskmem_free;

void hcsi_core_set_free_hooks(hcsi_core_free_fn local_free,
                              hcsi_core_free_fn cotaskmem_free)
{
    g_local_free = local_free ? local_free : default_local_free;
    g_cotaskmem_free = cotaskmem_free ? cotaskmem_free : default_cotaskmem_free;
}

void hcsi_w_free(const void *p, hcsi_w_alloc alloc)
{
    if (!p)
        return;
    if (alloc == HCSI_W_COTASKMEM)
        g_cotaskmem_free((void *)p);
    else
        g_local_free((void *)p);
}

hcs_result hcsi_w_arg(const char *s, const char *what, uint16_t **out)
{
    hcs_result hr;
    *out = NULL;
    if (!s)
        return HCS_S_OK;
    hr = hcsi_utf8_to_utf16(s, (size_t)-1, out, NULL);
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "%s", what);
    return HCS_S_OK;
}

hcs_result hcsi_w_take(const WCHAR *s, hcsi_w_alloc alloc, const char *what,
                       char **out)
{
    hcs_result hr = HCS_S_OK;
    if (out)
        *out = NULL;
    if (!s)
        return HCS_S_OK;
    if (out) {
        /* an operation that succeeded must not fail over a stray
         * surrogate in its result: U+FFFD for it (hcsshim's Go strings
         * convert the same way) */
        hr = hcsi_utf16_to_utf8_lenient((const uint16_t *)s, (size_t)-1, out, NULL);
        if (HCS_FAILED(hr))
            hr = hcsi_err_wrap(hr, "%s", what);
    }
    hcsi_w_free(s, alloc);
    return hr;
}

/* ---- GUIDs ---- */

hcs_result hcsi_guid_arg(const char *id, int nil_ok, const char *what, GUID *out)
{
    hcs_guid g;
    hcs_result hr;
    memset(out, 0, sizeof *out);
    if (!id || !*id) {
        if (nil_ok)
            return HCS_S_OK;
        return hcsi_err(HCS_ERR_POINTER, "%s is missing", what);
    }
    hr = hcs_guid_parse(id, &g);
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "%s", what);
    out->Data1 = g.data1;
    out->Data2 = g.data2;
    out->Data3 = g.data3;
    memcpy(out->Data4, g.data4, 8);
    return HCS_S_OK;
}

void hcsi_guid_text(const GUID *g, char out[37])
{
    hcs_guid h;
    h.data1 = g->Data1;
    h.data2 = g->Data2;
    h.data3 = g->Data3;
    memcpy(h.data4, g->Data4, 8);
    if (HCS_FAILED(hcs_guid_format(&h, out, 37)))
        out[0] = 0;
}
