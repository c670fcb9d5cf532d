/* See fake_ext.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/compute_int.h"
#include "fake_ext.h"

static CRITICAL_SECTION g_cs;
static int g_cs_init;
static struct {
    void *p;
    int alloc;
} g_freed[4096];
static size_t g_nfreed;

static void rec(void *p, int alloc)
{
    EnterCriticalSection(&g_cs);
    if (g_nfreed < sizeof g_freed / sizeof g_freed[0]) {
        g_freed[g_nfreed].p = p;
        g_freed[g_nfreed].alloc = alloc;
        g_nfreed++;
    }
    LeaveCriticalSection(&g_cs);
}

static void hook_local(void *p)
{
    rec(p, 1);
    LocalFree((HLOCAL)p);
}

static void hook_cotask(void *p)
{
    rec(p, 2);
    CoTaskMemFree(p);
}

size_t fake_ext_frees(int cotask)
{
    size_t i, n = 0;
    EnterCriticalSection(&g_cs);
    for (i = 0; i < g_nfreed; i++)
        n += g_freed[i].alloc == (cotask ? 2 : 1);
    LeaveCriticalSection(&g_cs);
    return n;
}

const char *fake_ext_path(const char *rel)
{
    static char out[2048];
    char dir[1536];
    WCHAR w[1024];
    char *slash;
    DWORD n = GetModuleFileNameW(NULL, w, 1024);
    if (n == 0 || n >= 1024 || !WideCharToMultiByte(CP_UTF8, 0, w, -1, dir, sizeof dir, NULL, NULL))
        return NULL;
    slash = strrchr(dir, '\\');
    if (slash)
        *slash = 0;
    snprintf(out, sizeof out, "%s\\%s", dir, rel);
    return out;
}

void *fake_ext_proc(fake_ext *x, const char *name)
{
    return (void *)(void (*)(void))GetProcAddress(x->m, name);
}

#define RES(field, type, name)                                                          \
    do {                                                                               \
        x->field = (type)fake_ext_proc(x, name);                                       \
        if (!x->field) {                                                               \
            fprintf(stderr, "fake: %s not exported\n", name);                         \
            return -1;                                                                 \
        }                                                                              \
    } while (0)

int fake_ext_load(fake_ext *x, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module)
{
    memset(x, 0, sizeof *x);
    if (!g_cs_init) {
        InitializeCriticalSection(&g_cs);
        g_cs_init = 1;
    }
    if (HCS_FAILED(set_path(fake_ext_path(rel))) || HCS_FAILED(load())) {
        const hcs_error *e = hcs_error_last();
        fprintf(stderr, "fake: cannot load %s: %s\n", fake_ext_path(rel), e ? e->message : "?");
        return -1;
    }
    x->m = GetModuleHandleW(module);
    if (!x->m)
        return -1;
    RES(reset, fake_void_fn, "FakeReset");
    RES(push, fake_push_fn, "FakePush");
    RES(call_count, fake_int_fn, "FakeCallCount");
    RES(call, fake_call_fn, "FakeCall");
    RES(find, fake_find_fn, "FakeFind");
    RES(count, fake_count_fn, "FakeCount");
    RES(violations, fake_violations_fn, "FakeViolations");
    RES(live_handles, fake_int_fn, "FakeLiveHandles");
    RES(strings, fake_strings_fn, "FakeStrings");
    RES(string_alloc, int (*)(size_t), "FakeStringAlloc");
    hcsi_core_set_free_hooks(hook_local, hook_cotask);
    return 0;
}

void fake_ext_setup(fake_ext *x)
{
    x->reset();
    EnterCriticalSection(&g_cs);
    g_nfreed = 0;
    LeaveCriticalSection(&g_cs);
    hcs_error_clear();
    x->live_before = hcsi_obj_live_count();
}

typedef struct pa {
    uintptr_t p;
    int alloc;
} pa;

static int pa_cmp(const void *a, const void *b)
{
    const pa *x = (const pa *)a, *y = (const pa *)b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->alloc - y->alloc;
}

void fake_ext_teardown(fake_ext *x)
{
    char text[8192];
    static void *handed[4096];
    static pa h[4096], f[4096];
    size_t n, i, nf;
    int v = x->violations(text, sizeof text);
    if (v)
        print_error("double saw %d violation(s):\n%s", v, text);
    assert_int_equal(v, 0);
    if (x->live_handles() != 0)
        print_error("%d handle(s) left open in the double\n", x->live_handles());
    assert_int_equal(x->live_handles(), 0);
    assert_int_equal(hcsi_obj_live_count(), x->live_before);
    /* what was handed out == what was freed, allocator by allocator */
    n = x->strings(handed, 4096);
    for (i = 0; i < n; i++) {
        h[i].p = (uintptr_t)handed[i];
        h[i].alloc = x->string_alloc(i);
        if (h[i].alloc == 0) {
            print_error("handle %p handed out and never released\n", handed[i]);
            fail();
        }
    }
    EnterCriticalSection(&g_cs);
    nf = g_nfreed;
    for (i = 0; i < nf; i++) {
        f[i].p = (uintptr_t)g_freed[i].p;
        f[i].alloc = g_freed[i].alloc;
    }
    LeaveCriticalSection(&g_cs);
    if (n != nf)
        print_error("%lu string(s) handed out, %lu freed\n", (unsigned long)n,
                    (unsigned long)nf);
    assert_int_equal(n, nf);
    qsort(h, n, sizeof *h, pa_cmp);
    qsort(f, nf, sizeof *f, pa_cmp);
    for (i = 0; i < n; i++)
        if (h[i].p != f[i].p || h[i].alloc != f[i].alloc)
            fail_msg("%p handed out (allocator %d) but freed: %p (allocator %d)",
                     (void *)h[i].p, h[i].alloc, (void *)f[i].p, f[i].alloc);
}

void fake_ext_push(fake_ext *x, const char *fn, int32_t call_hr, const char *doc)
{
    fake_step s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.call_hr = call_hr;
    s.result_doc = doc;
    x->push(&s);
}

const fake_call *fake_ext_nth(fake_ext *x, const char *fn, int nth)
{
    int i = x->find(fn, nth);
    if (i < 0)
        print_error("no call #%d of %s\n", nth, fn);
    assert_true(i >= 0);
    return x->call(i);
}

void fake_ext_assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}
