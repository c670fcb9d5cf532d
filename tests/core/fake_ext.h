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
#include "fake_ctl.h"
#include "hcs.h"

typedef fake_api fake_ext;

/* Points the module at bin/<rel> (set_path), loads it (load), resolves the
 * control surface from the module named module. 0 on success. */
int fake_ext_load(fake_ext *x, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module);
/* A control export of the double (NULL when missing). */
void *fake_ext_proc(fake_ext *x, const char *name);
void fake_ext_setup(fake_ext *x);
/* Marks the tracked functions the test called (see fake_ext_track), then
 * checks: no violation, no handle left, every string handed out freed
 * exactly once with its allocator, every port reservation released. */
void fake_ext_teardown(fake_ext *x);
/* Adds names[0..n) to the functions the suite must reach (at most 128 in
 * all); fake_ext_every_function_reached, its last test, checks them. */
void fake_ext_track(const char *const *names, size_t n);
void fake_ext_every_function_reached(void **state);
void fake_ext_push(fake_ext *x, const char *fn, int32_t call_hr, const char *doc);
const fake_call *fake_ext_nth(fake_ext *x, const char *fn, int nth);
/* Frees recorded by the hooks: with LocalFree / with CoTaskMemFree. */
size_t fake_ext_frees(int cotask);
const char *fake_ext_path(const char *rel);

#endif /* FAKE_EXT_H */
