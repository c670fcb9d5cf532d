/* See fake_client.h. */
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

fake_api F;

/* Objects alive before a test (a failed test leaks its own). */
static size_t g_live_before;

static CRITICAL_SECTION g_free_cs;
static void **g_freed;
static size_t g_nfreed, g_capfreed;
static size_t g_cotask;

static void rec_free(void *p)
{
    EnterCriticalSection(&g_free_cs);
    if (g_nfreed == g_capfreed) {
        size_t nc = g_capfreed ? g_capfreed * 2 : 256;
        void **n = (void **)realloc(g_freed, nc * sizeof *n);
        if (!n)
            abort();
        g_freed = n;
        g_capfreed = nc;
    }
    g_freed[g_nfreed++] = p;
    LeaveCriticalSection(&g_free_cs);
}

static void hook_local_free(void *p)
{
    rec_free(p);
    LocalFree((HLOCAL)p);
}

static void hook_cotask_free(void *p)
{
    (void)p;
    EnterCriticalSection(&g_free_cs);
    g_cotask++;
    LeaveCriticalSection(&g_free_cs);
    /* never free: a wrong allocator must not corrupt the heap in tests */
}

size_t fake_local_frees(void)
{
    size_t n;
    EnterCriticalSection(&g_free_cs);
    n = g_nfreed;
    LeaveCriticalSection(&g_free_cs);
    return n;
}

size_t fake_cotask_frees(void) { return g_cotask; }

const char *fake_exe_path(const char *rel)
{
    static char out[2048];
    WCHAR w[1024];
    char dir[1536];
    DWORD n = GetModuleFileNameW(NULL, w, 1024);
    char *slash;
    if (n == 0 || n >= 1024)
        return NULL;
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, dir, sizeof dir, NULL, NULL))
        return NULL;
    slash = strrchr(dir, '\\');
    if (slash)
        *slash = 0;
    snprintf(out, sizeof out, "%s\\%s", dir, rel);
    return out;
}

#define RESOLVE(field, type, name)                                                  \
    do {                                                                           \
        F.field = (type)(void (*)(void))GetProcAddress(m, name);                  \
        if (!F.field) {                                                            \
            fprintf(stderr, "fake: %s not exported\n", name);                     \
            return -1;                                                             \
        }                                                                          \
    } while (0)

int fake_load(const char *rel)
{
    HMODULE m;
    InitializeCriticalSection(&g_free_cs);
    if (HCS_FAILED(hcs_compute_set_dll_path(fake_exe_path(rel))) ||
        HCS_FAILED(hcs_compute_load())) {
        const hcs_error *e = hcs_error_last();
        fprintf(stderr, "fake: cannot load %s: %s\n", fake_exe_path(rel),
                e ? e->message : "?");
        return -1;
    }
    m = GetModuleHandleW(L"computecore.dll");
    if (!m)
        return -1;
    RESOLVE(reset, fake_void_fn, "FakeReset");
    RESOLVE(push, fake_push_fn, "FakePush");
    RESOLVE(call_count, fake_int_fn, "FakeCallCount");
    RESOLVE(call, fake_call_fn, "FakeCall");
    RESOLVE(find, fake_find_fn, "FakeFind");
    RESOLVE(count, fake_count_fn, "FakeCount");
    RESOLVE(violations, fake_violations_fn, "FakeViolations");
    RESOLVE(live_handles, fake_int_fn, "FakeLiveHandles");
    RESOLVE(strings, fake_strings_fn, "FakeStrings");
    RESOLVE(complete_all, fake_void_fn, "FakeCompleteAll");
    RESOLVE(fire, fake_fire_fn, "FakeFire");
    RESOLVE(callbacks_running, fake_int_fn, "FakeCallbacksRunning");
    hcsi_core_set_free_hooks(hook_local_free, hook_cotask_free);
    return 0;
}

void fake_settle(void)
{
    int i;
    for (i = 0; i < 500 && F.callbacks_running() > 0; i++)
        Sleep(10);
    assert_int_equal(F.callbacks_running(), 0);
}

int fake_setup(void **state)
{
    (void)state;
    fake_settle();
    F.reset();
    EnterCriticalSection(&g_free_cs);
    g_nfreed = 0;
    g_cotask = 0;
    LeaveCriticalSection(&g_free_cs);
    hcs_error_clear();
    g_live_before = hcsi_obj_live_count();
    return 0;
}

static int ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

int fake_teardown(void **state)
{
    char text[8192];
    void **handed;
    size_t n, i;
    int v;
    (void)state;
    F.complete_all();
    fake_settle();
    /* handle closes handed off a callback thread (hcsi_obj_unref) */
    assert_true(hcsi_obj_drain_deferred(5000));
    v = F.violations(text, sizeof text);
    if (v)
        print_error("double saw %d violation(s):\n%s", v, text);
    assert_int_equal(v, 0);
    if (F.live_handles() != 0)
        print_error("%d HCS handle(s) left open\n", F.live_handles());
    assert_int_equal(F.live_handles(), 0);
    assert_int_equal(hcsi_obj_live_count(), g_live_before);
    /* every string handed out freed exactly once, with LocalFree */
    n = F.strings(NULL, 0);
    handed = (void **)calloc(n + 1, sizeof *handed);
    assert_non_null(handed);
    assert_int_equal(F.strings(handed, n), n);
    EnterCriticalSection(&g_free_cs);
    if (g_nfreed != n)
        print_error("%lu string(s) handed out, %lu freed with LocalFree\n", (unsigned long)n,
                    (unsigned long)g_nfreed);
    assert_int_equal(g_nfreed, n);
    qsort(handed, n, sizeof *handed, ptr_cmp);
    qsort(g_freed, g_nfreed, sizeof *g_freed, ptr_cmp);
    for (i = 0; i < n; i++)
        assert_ptr_equal(handed[i], g_freed[i]);
    assert_int_equal(g_cotask, 0);
    LeaveCriticalSection(&g_free_cs);
    free(handed);
    return 0;
}

void fake_push_result(const char *fn, int32_t result_hr, const char *doc)
{
    fake_step s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.result_hr = result_hr;
    s.result_doc = doc;
    F.push(&s);
}

void fake_push_pending(const char *fn, int pending_ms)
{
    fake_step s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.pending_ms = pending_ms;
    F.push(&s);
}

const fake_call *fake_nth(const char *fn, int nth)
{
    int i = F.find(fn, nth);
    if (i < 0)
        print_error("no call #%d of %s\n", nth, fn);
    assert_true(i >= 0);
    return F.call(i);
}

const uint16_t *fake_utf16(const char *s, size_t *units)
{
    static uint16_t buf[4096];
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, (WCHAR *)buf, 4096);
    assert_true(n > 0);
    if (units)
        *units = (size_t)n - 1;
    return buf;
}

int fake_is_key(uint64_t v) { return v != 0 && v < 0x100000u; }
