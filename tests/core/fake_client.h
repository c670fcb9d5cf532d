/* The contract suites' side of the test-double computecore.dll: loads it
 * through libhcs's test override, resolves the Fake* control functions,
 * records what libhcs frees, and checks a test left nothing behind. */
#ifndef FAKE_CLIENT_H
#define FAKE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "fake_control.h"
#include "fake_ctl.h"

extern fake_api F;

/* Points libhcs at the double (bin/<rel>), loads it, resolves F. 0 on
 * success. Installs the free hooks (fake_ctl.h). */
int fake_load(const char *rel);
/* cmocka setup/teardown: reset the double and the free log / check that
 * the test closed everything, broke no rule, and that every string the
 * double handed out was freed exactly once, with LocalFree. */
int fake_setup(void **state);
int fake_teardown(void **state);
/* Waits until no callback of the double is running (max 5 s). */
void fake_settle(void);

/* Step helpers. */
void fake_push_result(const char *fn, int32_t result_hr, const char *doc);
void fake_push_pending(const char *fn, int pending_ms);
/* The nth call of fn (asserts it exists). */
const fake_call *fake_nth(const char *fn, int nth);
/* The UTF-16 of s (static buffer) for comparisons; *units set. */
const uint16_t *fake_utf16(const char *s, size_t *units);
/* 1 when p looks like a small integer key rather than a pointer. */
int fake_is_key(uint64_t v);

#endif /* FAKE_CLIENT_H */
