/* Assertions the contract suites share. Include after cmocka.h (and after
 * fake_client.h for the computecore double's assert_wstr). */
#ifndef HCS_TEST_CORE_TEST_UTIL_H
#define HCS_TEST_CORE_TEST_UTIL_H

#include <string.h>

/* hay (a JSON result, an error message) contains needle. */
static inline void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

#ifdef FAKE_CLIENT_H
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
