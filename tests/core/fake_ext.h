/* The contract suites' side of the test doubles of computenetwork.dll,
 * computestorage.dll and vmdevicehost.dll (fake_base.h): loads one through
 * its module's test override, resolves the control surface, records what
 * libhcs frees with which allocator, and checks a test left nothing
 * behind. */
#ifndef FAKE_EXT_H
#define FAKE_EXT_H

#include <windows.h>
#include <objbase.h>

#include <stddef.h>
#include <stdint.h>

#include "fake_control.h"
#include "hcs.h"

typedef struct fake_ext {
    HMODULE m;
    fake_void_fn reset;
    fake_push_fn push;
    fake_int_fn call_count;
    fake_call_fn call;
    fake_find_fn find;
    fake_count_fn count;
    fake_violations_fn violations;
    fake_int_fn live_handles;
    fake_strings_fn strings;
    int (*string_alloc)(size_t i);
    size_t live_before;
} fake_ext;

/* Points the module at bin/<rel> (set_path), loads it (load), resolves the
 * control surface from the module named module. 0 on success. */
int fake_ext_load(fake_ext *x, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module);
/* A control export of the double (NULL when missing). */
void *fake_ext_proc(fake_ext *x, const char *name);
void fake_ext_setup(fake_ext *x);
/* No violation, no handle left, every string handed out freed exactly
 * once with its allocator, every port reservation released. */
void fake_ext_teardown(fake_ext *x);
void fake_ext_push(fake_ext *x, const char *fn, int32_t call_hr, const char *doc);
const fake_call *fake_ext_nth(fake_ext *x, const char *fn, int nth);
/* Frees recorded by the hooks: with LocalFree / with CoTaskMemFree. */
size_t fake_ext_frees(int cotask);
const char *fake_ext_path(const char *rel);
void fake_ext_assert_contains(const char *hay, const char *needle);

#endif /* FAKE_EXT_H */
