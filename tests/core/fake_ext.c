/* See fake_ext.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/compute_int.h"
#include "fake_ext.h"

size_t fake_ext_frees(int cotask)
{
    return fake_ctl_frees(cotask ? FAKE_FREED_COTASK : FAKE_FREED_LOCAL);
}

const char *fake_ext_path(const char *rel) { return fake_exe_path(rel); }

void *fake_ext_proc(fake_ext *x, const char *name)
{
    return (void *)(void (*)(void))GetProcAddress(x->m, name);
}

int fake_ext_load(fake_ext *x, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module)
{
    return fake_ctl_load(x, rel, set_path, load, module, FAKE_CTL_EXT);
}

void fake_ext_setup(fake_ext *x) { fake_ctl_setup(x); }

static const char *g_tracked[128];
static int g_reached[128];
static size_t g_ntracked;

void fake_ext_track(const char *const *names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (g_ntracked == sizeof g_tracked / sizeof g_tracked[0]) {
            fprintf(stderr, "fake: more than %lu functions to track\n",
                    (unsigned long)g_ntracked);
            abort();
        }
        g_tracked[g_ntracked++] = names[i];
    }
}

void fake_ext_every_function_reached(void **state)
{
    size_t i;
    int missing = 0;
    (void)state;
    for (i = 0; i < g_ntracked; i++)
        if (!g_reached[i]) {
            print_error("never reached: %s\n", g_tracked[i]);
            missing++;
        }
    assert_int_equal(missing, 0);
}

void fake_ext_teardown(fake_ext *x)
{
    size_t i;
    for (i = 0; i < g_ntracked; i++)
        if (x->count(g_tracked[i]) > 0)
            g_reached[i] = 1;
    fake_ctl_teardown(x);
}

void fake_ext_push(fake_ext *x, const char *fn, int32_t call_hr, const char *doc)
{
    fake_ctl_push(x, fn, call_hr, 0, doc);
}

const fake_call *fake_ext_nth(fake_ext *x, const char *fn, int nth)
{
    return fake_ctl_nth(x, fn, nth);
}
