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

int fake_load(const char *rel)
{
    return fake_ctl_load(&F, rel, hcs_compute_set_dll_path, hcs_compute_load,
                         L"computecore.dll", FAKE_CTL_COMPUTE);
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
    fake_ctl_setup(&F);
    return 0;
}

int fake_teardown(void **state)
{
    (void)state;
    F.complete_all();
    fake_settle();
    /* handle closes handed off a callback thread (hcsi_obj_unref) */
    assert_true(hcsi_obj_drain_deferred(5000));
    /* every string handed out freed exactly once, with LocalFree */
    fake_ctl_teardown(&F);
    return 0;
}

void fake_push_result(const char *fn, int32_t result_hr, const char *doc)
{
    fake_ctl_push(&F, fn, 0, result_hr, doc);
}

void fake_push_pending(const char *fn, int pending_ms)
{
    fake_step s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.pending_ms = pending_ms;
    F.push(&s);
}

const fake_call *fake_nth(const char *fn, int nth) { return fake_ctl_nth(&F, fn, nth); }

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
