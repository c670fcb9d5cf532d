/* See fake_ctl.h. */
#include <objbase.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/compute_int.h"
#include "fake_ctl.h"

typedef struct freed {
    uintptr_t p;
    int alloc;
} freed;

static CRITICAL_SECTION g_cs;
static int g_cs_init;
static freed *g_freed;
static size_t g_nfreed, g_capfreed;
static int g_kind;

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

static void rec_free(void *p, int alloc)
{
    EnterCriticalSection(&g_cs);
    if (g_nfreed == g_capfreed) {
        size_t nc = g_capfreed ? g_capfreed * 2 : 256;
        freed *n = (freed *)realloc(g_freed, nc * sizeof *n);
        if (!n)
            abort();
        g_freed = n;
        g_capfreed = nc;
    }
    g_freed[g_nfreed].p = (uintptr_t)p;
    g_freed[g_nfreed].alloc = alloc;
    g_nfreed++;
    LeaveCriticalSection(&g_cs);
}

static void hook_local(void *p)
{
    rec_free(p, FAKE_FREED_LOCAL);
    LocalFree((HLOCAL)p);
}

static void hook_cotask(void *p)
{
    rec_free(p, FAKE_FREED_COTASK);
    if (g_kind != FAKE_CTL_COMPUTE) /* see FAKE_CTL_COMPUTE */
        CoTaskMemFree(p);
}

size_t fake_ctl_frees(int alloc)
{
    size_t i, n = 0;
    EnterCriticalSection(&g_cs);
    for (i = 0; i < g_nfreed; i++)
        n += g_freed[i].alloc == alloc;
    LeaveCriticalSection(&g_cs);
    return n;
}

#define RESOLVE(field, type, name)                                                  \
    do {                                                                           \
        a->field = (type)(void (*)(void))GetProcAddress(a->m, name);               \
        if (!a->field) {                                                           \
            fprintf(stderr, "fake: %s not exported\n", name);                     \
            return -1;                                                             \
        }                                                                          \
    } while (0)

int fake_ctl_load(fake_api *a, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module, int kind)
{
    memset(a, 0, sizeof *a);
    if (!g_cs_init) {
        InitializeCriticalSection(&g_cs);
        g_cs_init = 1;
    }
    if (HCS_FAILED(set_path(fake_exe_path(rel))) || HCS_FAILED(load())) {
        const hcs_error *e = hcs_error_last();
        fprintf(stderr, "fake: cannot load %s: %s\n", fake_exe_path(rel),
                e ? e->message : "?");
        return -1;
    }
    a->m = GetModuleHandleW(module);
    if (!a->m)
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
    RESOLVE(string_alloc, int (*)(size_t), "FakeStringAlloc");
    if (kind == FAKE_CTL_COMPUTE) {
        RESOLVE(complete_all, fake_void_fn, "FakeCompleteAll");
        RESOLVE(fire, fake_fire_fn, "FakeFire");
        RESOLVE(callbacks_running, fake_int_fn, "FakeCallbacksRunning");
    }
    g_kind = kind;
    hcsi_core_set_free_hooks(hook_local, hook_cotask);
    return 0;
}

void fake_ctl_setup(fake_api *a)
{
    a->reset();
    EnterCriticalSection(&g_cs);
    g_nfreed = 0;
    LeaveCriticalSection(&g_cs);
    hcs_error_clear();
    a->live_before = hcsi_obj_live_count();
}

static int freed_cmp(const void *a, const void *b)
{
    const freed *x = (const freed *)a, *y = (const freed *)b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->alloc - y->alloc;
}

void fake_ctl_teardown(const fake_api *a)
{
    char text[8192];
    void **handed;
    freed *h, *f;
    size_t n, i, nf;
    int v = a->violations(text, sizeof text);
    if (v)
        print_error("double saw %d violation(s):\n%s", v, text);
    assert_int_equal(v, 0);
    if (a->live_handles() != 0)
        print_error("%d handle(s) left open in the double\n", a->live_handles());
    assert_int_equal(a->live_handles(), 0);
    assert_int_equal(hcsi_obj_live_count(), a->live_before);
    /* what was handed out == what was freed, allocator by allocator */
    n = a->strings(NULL, 0);
    handed = (void **)calloc(n + 1, sizeof *handed);
    h = (freed *)calloc(n + 1, sizeof *h);
    assert_non_null(handed);
    assert_non_null(h);
    assert_int_equal(a->strings(handed, n), n);
    for (i = 0; i < n; i++) {
        h[i].p = (uintptr_t)handed[i];
        h[i].alloc = a->string_alloc(i);
        if (h[i].alloc == 0) {
            print_error("handle %p handed out and never released\n", handed[i]);
            fail();
        }
    }
    EnterCriticalSection(&g_cs);
    nf = g_nfreed;
    f = (freed *)calloc(nf + 1, sizeof *f);
    if (f && nf)
        memcpy(f, g_freed, nf * sizeof *f);
    LeaveCriticalSection(&g_cs);
    assert_non_null(f);
    if (n != nf)
        print_error("%lu string(s) handed out, %lu freed\n", (unsigned long)n,
                    (unsigned long)nf);
    assert_int_equal(n, nf);
    qsort(h, n, sizeof *h, freed_cmp);
    qsort(f, nf, sizeof *f, freed_cmp);
    for (i = 0; i < n; i++)
        if (h[i].p != f[i].p || h[i].alloc != f[i].alloc)
            fail_msg("%p handed out (allocator %d) but freed: %p (allocator %d)",
                     (void *)h[i].p, h[i].alloc, (void *)f[i].p, f[i].alloc);
    free(handed);
    free(h);
    free(f);
}

void fake_ctl_push(const fake_api *a, const char *fn, int32_t call_hr, int32_t result_hr,
                   const char *doc)
{
    fake_step s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.call_hr = call_hr;
    s.result_hr = result_hr;
    s.result_doc = doc;
    a->push(&s);
}

const fake_call *fake_ctl_nth(const fake_api *a, const char *fn, int nth)
{
    int i = a->find(fn, nth);
    if (i < 0)
        print_error("no call #%d of %s\n", nth, fn);
    assert_true(i >= 0);
    return a->call(i);
}
