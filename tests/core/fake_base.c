/* See fake_base.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_base.h"

static CRITICAL_SECTION g_cs;
static fake_call **g_calls;
static int g_ncalls, g_capcalls;
static fake_step *g_steps;
static int g_nsteps, g_capsteps;
static char g_violations[8192];
static int g_nviolations;
static int g_live;
static struct {
    void *p;
    int alloc;
} g_out[4096];
static size_t g_nout;

void fk_lock(void) { EnterCriticalSection(&g_cs); }
void fk_unlock(void) { LeaveCriticalSection(&g_cs); }

char *fk_u8(PCWSTR w)
{
    int n;
    char *s;
    if (!w)
        return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    s = (char *)calloc(n > 0 ? (size_t)n : 1, 1);
    if (s && n > 0)
        WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

void *fk_alloc(size_t size)
{
    void *p = calloc(1, size);
    if (!p)
        abort();
    return p;
}

fake_call *fk_rec(const char *fn)
{
    fake_call *c = (fake_call *)fk_alloc(sizeof *c);
    c->fn = fn;
    c->tid = GetCurrentThreadId();
    return c;
}

fake_call *fk_rec_h(const char *fn, uint64_t h0, uint64_t h1, uint64_t h2)
{
    fake_call *c = fk_rec(fn);
    c->h[0] = h0;
    c->h[1] = h1;
    c->h[2] = h2;
    return c;
}

void fk_str(fake_call *c, int i, PCWSTR w)
{
    size_t n;
    if (!w || i >= FAKE_MAX_STR)
        return;
    n = wcslen(w);
    c->wstr[i] = (uint16_t *)malloc((n + 1) * sizeof(uint16_t));
    if (c->wstr[i])
        memcpy(c->wstr[i], w, (n + 1) * sizeof(uint16_t));
    c->wlen[i] = n;
    c->str[i] = fk_u8(w);
}

void fk_commit(fake_call *c)
{
    char path[1024];
    DWORD n;
    fk_lock();
    if (g_ncalls == g_capcalls) {
        int nc = g_capcalls ? g_capcalls * 2 : 256;
        fake_call **a = (fake_call **)realloc(g_calls, (size_t)nc * sizeof *a);
        if (!a)
            abort();
        g_calls = a;
        g_capcalls = nc;
    }
    g_calls[g_ncalls++] = c;
    fk_unlock();
    /* FAKE_HCS_LOG: one line per call, for the CLI tests */
    n = GetEnvironmentVariableA("FAKE_HCS_LOG", path, sizeof path);
    if (n && n < sizeof path) {
        FILE *f = fopen(path, "ab");
        int i;
        if (f) {
            fputs(c->fn, f);
            for (i = 0; i < FAKE_MAX_STR; i++)
                if (c->str[i])
                    fprintf(f, "\t%s", c->str[i]);
            fprintf(f, "\t#%llu,%llu\n", (unsigned long long)c->n[0],
                    (unsigned long long)c->n[1]);
            fclose(f);
        }
    }
}

int fk_step(const char *fn, fake_step *s)
{
    int i, found = 0;
    fk_lock();
    for (i = 0; i < g_nsteps; i++) {
        if (strcmp(g_steps[i].fn, fn) == 0) {
            *s = g_steps[i];
            memmove(&g_steps[i], &g_steps[i + 1], (size_t)(g_nsteps - i - 1) * sizeof *g_steps);
            g_nsteps--;
            found = 1;
            break;
        }
    }
    fk_unlock();
    if (!found) {
        memset(s, 0, sizeof *s);
        s->fn = fn;
    }
    return found;
}

HRESULT fk_answer(fake_call *c)
{
    fake_step st;
    fk_commit(c);
    fk_step(c->fn, &st);
    return st.call_hr;
}

void fk_violation(const char *fmt, ...)
{
    va_list ap;
    size_t len;
    fk_lock();
    len = strlen(g_violations);
    if (len + 2 < sizeof g_violations) {
        va_start(ap, fmt);
        vsnprintf(g_violations + len, sizeof g_violations - len - 1, fmt, ap);
        va_end(ap);
        strcat(g_violations, "\n");
    }
    g_nviolations++;
    fk_unlock();
}

void fk_handed(void *p, int alloc)
{
    fk_lock();
    if (p && g_nout < sizeof g_out / sizeof g_out[0]) {
        g_out[g_nout].p = p;
        g_out[g_nout].alloc = alloc;
        g_nout++;
    }
    fk_unlock();
}

int fk_forget(void *p)
{
    size_t i;
    int found = 0;
    fk_lock();
    for (i = 0; i < g_nout; i++) {
        if (g_out[i].p == p) {
            g_out[i] = g_out[--g_nout];
            found = 1;
            break;
        }
    }
    fk_unlock();
    return found;
}

PWSTR fk_out(const char *utf8, int alloc)
{
    int n;
    PWSTR w;
    if (!utf8)
        return NULL;
    n = MultiByteToWideChar(CP_UTF8, 0, utf8, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    w = alloc == FK_COTASK ? (PWSTR)CoTaskMemAlloc((size_t)n * sizeof(WCHAR))
                           : (PWSTR)LocalAlloc(LMEM_FIXED, (size_t)n * sizeof(WCHAR));
    if (!w)
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, utf8, -1, w, n);
    /* U+FDD0 in a scripted document stands for a lone surrogate: Windows'
     * UTF-16 strings are not validated, so HCS can hand one out */
    {
        int i;
        for (i = 0; i < n; i++)
            if (w[i] == 0xFDD0)
                w[i] = 0xD800;
    }
    fk_handed(w, alloc);
    return w;
}

void fk_live(int delta)
{
    fk_lock();
    g_live += delta;
    fk_unlock();
}

/* ---- control surface ---- */

FAKE_API void FakeReset(void)
{
    fk_lock();
    g_ncalls = 0; /* the entries leak: tests may still hold pointers */
    g_nsteps = 0;
    g_violations[0] = 0;
    g_nviolations = 0;
    g_live = 0;
    g_nout = 0;
    fk_world_reset();
    fk_unlock();
}

static char *dupstr(const char *s)
{
    char *d;
    if (!s)
        return NULL;
    d = (char *)malloc(strlen(s) + 1);
    if (!d)
        abort();
    strcpy(d, s);
    return d;
}

/* Steps are copied (the caller's strings may not outlive the call) and
 * the script grows: a pushed step is never dropped. */
FAKE_API void FakePush(const fake_step *s)
{
    fk_lock();
    if (g_nsteps == g_capsteps) {
        int nc = g_capsteps ? g_capsteps * 2 : 32;
        fake_step *n = (fake_step *)realloc(g_steps, (size_t)nc * sizeof *n);
        if (!n)
            abort();
        g_steps = n;
        g_capsteps = nc;
    }
    g_steps[g_nsteps] = *s;
    g_steps[g_nsteps].fn = dupstr(s->fn);
    g_steps[g_nsteps].result_doc = dupstr(s->result_doc);
    g_nsteps++;
    fk_unlock();
}

/* A counter of the double, read under the lock. */
static int locked_int(const int *p)
{
    int n;
    fk_lock();
    n = *p;
    fk_unlock();
    return n;
}

FAKE_API int FakeCallCount(void) { return locked_int(&g_ncalls); }

FAKE_API const fake_call *FakeCall(int index)
{
    const fake_call *c = NULL;
    fk_lock();
    if (index >= 0 && index < g_ncalls)
        c = g_calls[index];
    fk_unlock();
    return c;
}

FAKE_API int FakeFind(const char *fn, int nth)
{
    int i, r = -1;
    fk_lock();
    for (i = 0; i < g_ncalls && r < 0; i++)
        if (strcmp(g_calls[i]->fn, fn) == 0 && nth-- == 0)
            r = i;
    fk_unlock();
    return r;
}

FAKE_API int FakeCount(const char *fn)
{
    int i, n = 0;
    fk_lock();
    for (i = 0; i < g_ncalls; i++)
        n += strcmp(g_calls[i]->fn, fn) == 0;
    fk_unlock();
    return n;
}

FAKE_API int FakeViolations(char *buf, size_t n)
{
    int v;
    fk_lock();
    v = g_nviolations;
    if (buf && n)
        snprintf(buf, n, "%s", g_violations);
    fk_unlock();
    return v;
}

FAKE_API int FakeLiveHandles(void) { return locked_int(&g_live); }

/* Allocations handed out and not yet given back to the DLL's own free
 * function; allocs (optional) gets each one's allocator. */
FAKE_API size_t FakeStrings(void **out, size_t max)
{
    size_t i, n;
    fk_lock();
    n = g_nout;
    for (i = 0; out && i < n && i < max; i++)
        out[i] = g_out[i].p;
    fk_unlock();
    return n;
}

FAKE_API int FakeStringAlloc(size_t i)
{
    int a;
    fk_lock();
    a = i < g_nout ? g_out[i].alloc : 0;
    fk_unlock();
    return a;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved);
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        InitializeCriticalSection(&g_cs);
        fk_world_reset();
    }
    return TRUE;
}
