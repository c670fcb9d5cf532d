/* Assertions the contract suites share. Include after cmocka.h (and after
 * fake_client.h for the computecore double's assert_wstr). */
#ifndef HCS_TEST_CORE_TEST_UTIL_H
#define HCS_TEST_CORE_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "hcs.h"

/* hay (a JSON result, an error message) contains needle. */
static inline void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

/* On systems other than Windows a call fails with HCS_ERR_WIN32_NOT_SUPPORTED
 * and records "<fn>: the Host Compute Service is only available on Windows";
 * *checked counts the calls checked (the stub suites). */
static inline void assert_not_windows(hcs_result hr, const char *fn, int *checked)
{
    const hcs_error *e = hcs_error_last();
    char want[200];
    if (hr != HCS_ERR_WIN32_NOT_SUPPORTED)
        fail_msg("%s returned 0x%08lX", fn, (unsigned long)(uint32_t)hr);
    assert_non_null(e);
    assert_int_equal(e->code, HCS_ERR_WIN32_NOT_SUPPORTED);
    snprintf(want, sizeof want, "%s: the Host Compute Service is only available on Windows",
             fn);
    assert_string_equal(e->message, want);
    hcs_error_clear();
    (*checked)++;
}

/* A new event queue (asserting). */
static inline hcs_events *new_queue(void)
{
    hcs_events *q = NULL;
    assert_int_equal(hcs_compute_events_create(&q), HCS_S_OK);
    return q;
}

/* The next event of q (waiting up to 5 s), which must be of type type;
 * the caller frees it. */
static inline hcs_event *next_event(hcs_events *q, uint32_t type)
{
    hcs_event *e = NULL;
    assert_int_equal(hcs_compute_events_wait(q, 5000, &e), HCS_S_OK);
    assert_int_equal(e->type, type);
    return e;
}

/* The next event of q is of type, with tag: checked and freed. */
static inline void expect_event(hcs_events *q, uint32_t type, uint64_t tag)
{
    hcs_event *e = next_event(q, type);
    assert_int_equal(e->tag, tag);
    hcs_compute_event_free(e);
}

#ifdef FAKE_CLIENT_H
/* The double's running system (asserting). */
static inline hcs_system *open_running(void)
{
    hcs_system *s = NULL;
    assert_int_equal(hcs_compute_system_open("fakevm-running", &s), HCS_S_OK);
    return s;
}

/* Starts the command line cmd of the double's mini shell (fake_control.h)
 * in s, waiting up to timeout_ms (asserting). */
static inline hcs_process *spawn(hcs_system *s, const char *cmd, int64_t timeout_ms)
{
    char params[256];
    hcs_process *p = NULL;
    snprintf(params, sizeof params, "{\"CommandLine\":\"%s\"}", cmd);
    assert_int_equal(hcs_compute_process_create(s, params, timeout_ms, &p), HCS_S_OK);
    return p;
}

/* p exits (within 5 s) with code. */
static inline void assert_exit_code(hcs_process *p, uint32_t code)
{
    uint32_t c = ~code; /* the wait must write it */
    assert_int_equal(hcs_compute_process_wait(p, 5000, &c, NULL), HCS_S_OK);
    assert_int_equal(c, code);
}

/* The double received argument i of call c as the UTF-16 of expect. */
static inline void assert_wstr(const fake_call *c, int i, const char *expect)
{
    size_t n;
    const uint16_t *w = fake_utf16(expect, &n);
    assert_non_null(c->wstr[i]);
    assert_int_equal(c->wlen[i], n);
    assert_memory_equal(c->wstr[i], w, n * sizeof(uint16_t));
}
#endif

#endif /* HCS_TEST_CORE_TEST_UTIL_H */
