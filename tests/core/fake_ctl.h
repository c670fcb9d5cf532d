/* What the suites' two clients of the test doubles share (fake_client.c for
 * computecore.dll, fake_ext.c for computenetwork.dll, computestorage.dll and
 * vmdevicehost.dll): the control surface the doubles export (fake_control.h,
 * fake_base.h) resolved from a loaded double, the log of what libhcs frees
 * through its test hooks, and the checks after each test. */
#ifndef FAKE_CTL_H
#define FAKE_CTL_H

#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#include "fake_control.h"
#include "hcs.h"

typedef struct fake_api {
    HMODULE m;
    /* every double (fake_base.c or fake_computecore.c) */
    fake_void_fn reset;
    fake_push_fn push;
    fake_int_fn call_count;
    fake_call_fn call;
    fake_find_fn find;
    fake_count_fn count;
    fake_violations_fn violations;
    fake_int_fn live_handles;
    fake_strings_fn strings;
    int (*string_alloc)(size_t i); /* FakeStringAlloc: FAKE_FREED_* */
    /* computecore's double only (FAKE_CTL_COMPUTE) */
    fake_void_fn complete_all;
    fake_fire_fn fire;
    fake_int_fn callbacks_running;
    /* objects alive before a test (a failed test leaks its own) */
    size_t live_before;
} fake_api;

/* Which double: computecore's hands out LocalAlloc'ed strings only, so a
 * CoTaskMemFree there is only recorded (a wrong allocator must not corrupt
 * the heap before the teardown reports it); the others' CoTaskMemFree is
 * real. */
enum { FAKE_CTL_COMPUTE = 1, FAKE_CTL_EXT = 2 };
/* The allocators of fake_base.h (FK_LOCAL, FK_COTASK). */
enum { FAKE_FREED_LOCAL = 1, FAKE_FREED_COTASK = 2 };

/* The directory of the test executable + rel (UTF-8, static buffer). */
const char *fake_exe_path(const char *rel);
/* Points a module at the double bin/<rel> (set_path), loads it (load),
 * resolves a's control surface from the module named module and installs
 * the free hooks. 0 on success. */
int fake_ctl_load(fake_api *a, const char *rel, hcs_result (*set_path)(const char *),
                  hcs_result (*load)(void), const WCHAR *module, int kind);
/* Before a test: the double reset, the free log emptied, no error. */
void fake_ctl_setup(fake_api *a);
/* After a test: the double saw no violation, holds no open handle, libhcs
 * has as many objects as before the test, and what the double handed out
 * was freed exactly once, each with its allocator (a handle, allocator 0,
 * must have been released to the double). */
void fake_ctl_teardown(const fake_api *a);
/* Frees the hooks recorded since the setup, with allocator alloc. */
size_t fake_ctl_frees(int alloc);
/* Pushes a step for fn. */
void fake_ctl_push(const fake_api *a, const char *fn, int32_t call_hr, int32_t result_hr,
                   const char *doc);
/* The nth call of fn (asserts it exists). */
const fake_call *fake_ctl_nth(const fake_api *a, const char *fn, int nth);

#endif /* FAKE_CTL_H */
