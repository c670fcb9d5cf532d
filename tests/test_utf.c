/* Strict UTF-8 <-> UTF-16 conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/internal.h"
#include "base/platform.h"

static void test_roundtrip_mixed(void **s)
{
    /* The string toolchain.md measured under wine: 13 units incl. NUL. */
    const char *in = "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC";
    static const uint16_t want[] = {0x0043, 0x0061, 0x0066, 0x00e9, 0x0020, 0x20ac,
                                    0x0020, 0xd83d, 0xde00, 0x0020, 0x65e5, 0x672c};
    uint16_t *w = NULL;
    char *back = NULL;
    size_t n = 0, m = 0;
    (void)s;
    assert_int_equal(strlen(in), 21);
    assert_int_equal(hcsi_utf8_to_utf16(in, (size_t)-1, &w, &n), 0);
    assert_int_equal(n, 12);
    assert_memory_equal(w, want, sizeof want);
    assert_int_equal(w[12], 0);
    assert_int_equal(hcsi_utf16_to_utf8(w, n, &back, &m), 0);
    assert_int_equal(m, 21);
    assert_string_equal(back, in);
    free(w);
    free(back);
}

static void test_empty(void **s)
{
    uint16_t *w = NULL;
    char *b = NULL;
    size_t n = 99;
    (void)s;
    assert_int_equal(hcsi_utf8_to_utf16("", 0, &w, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(w[0], 0);
    assert_int_equal(hcsi_utf16_to_utf8(w, 0, &b, &n), 0);
    assert_int_equal(n, 0);
    assert_string_equal(b, "");
    free(w);
    free(b);
}

static void test_boundaries(void **s)
{
    /* U+007F, U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF */
    const char *in = "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
    static const uint16_t want[] = {0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0xD800, 0xDC00, 0xDBFF, 0xDFFF};
    uint16_t *w = NULL;
    size_t n = 0;
    (void)s;
    assert_int_equal(hcsi_utf8_to_utf16(in, strlen(in), &w, &n), 0);
    assert_int_equal(n, 9);
    assert_memory_equal(w, want, sizeof want);
    free(w);
}

static void expect_bad8(const char *in, size_t len, const char *needle)
{
    uint16_t *w = (uint16_t *)0x1;
    const hcs_error *e;
    assert_int_equal(hcsi_utf8_to_utf16(in, len, &w, NULL),
                     HCS_ERR_WIN32_NO_UNICODE_TRANSLATION);
    assert_ptr_equal(w, (uint16_t *)0x1);
    e = hcs_error_last();
    assert_non_null(e);
    if (!strstr(e->message, needle))
        fail_msg("\"%s\" lacks \"%s\"", e->message, needle);
}

static void test_utf8_rejections(void **s)
{
    size_t off = 0;
    (void)s;
    expect_bad8("\xC0\xAF", 2, "byte offset 0: overlong encoding");
    expect_bad8("ab\xE0\x80\xAF", 5, "byte offset 2: overlong encoding");
    expect_bad8("abc\xF0\x82\x82\xAC", 7, "byte offset 3: overlong encoding");
    expect_bad8("\xED\xA0\x80", 3, "encoded surrogate");
    expect_bad8("\xF4\x90\x80\x80", 4, "above U+10FFFF");
    expect_bad8("\xF5\x80\x80\x80", 4, "invalid lead byte");
    expect_bad8("x\x80", 2, "byte offset 1: unexpected continuation byte");
    expect_bad8("\xE2\x82", 2, "truncated sequence");
    expect_bad8("\xE2\x28\xA1", 3, "missing continuation byte");
    expect_bad8("\xFF", 1, "invalid lead byte");
    expect_bad8("a\0b", 3, "embedded NUL");
    assert_false(hcsi_utf8_valid("ok\xC3", 3, &off));
    assert_int_equal(off, 2);
    assert_true(hcsi_utf8_valid("ok\xC3\xA9", 4, &off));
}

static void expect_bad16(const uint16_t *in, size_t len, const char *needle)
{
    char *o = (char *)0x1;
    const hcs_error *e;
    assert_int_equal(hcsi_utf16_to_utf8(in, len, &o, NULL),
                     HCS_ERR_WIN32_NO_UNICODE_TRANSLATION);
    assert_ptr_equal(o, (char *)0x1);
    e = hcs_error_last();
    if (!strstr(e->message, needle))
        fail_msg("\"%s\" lacks \"%s\"", e->message, needle);
}

static void test_utf16_rejections(void **s)
{
    static const uint16_t lone_hi[] = {0x41, 0xD83D};
    static const uint16_t lone_hi_mid[] = {0xD83D, 0x41};
    static const uint16_t lone_lo[] = {0x41, 0x42, 0xDE00};
    static const uint16_t nul[] = {0x41, 0, 0x42};
    (void)s;
    expect_bad16(lone_hi, 2, "unit 1: unpaired high surrogate 0xD83D");
    expect_bad16(lone_hi_mid, 2, "unit 0: unpaired high surrogate");
    expect_bad16(lone_lo, 3, "unit 2: unpaired low surrogate 0xDE00");
    {
        /* lenient: U+FFFD for each unpaired unit, pairs kept, NUL still refused */
        static const uint16_t mix[] = {'a', 0xD83D, 'b', 0xDE00, 0xD83D, 0xDE00, 0};
        static const uint16_t with_nul[] = {'a', 0, 'b'};
        char *u = NULL;
        size_t n = 0;
        assert_int_equal(hcsi_utf16_to_utf8_lenient(mix, (size_t)-1, &u, &n), HCS_S_OK);
        assert_string_equal(u, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xF0\x9F\x98\x80");
        assert_int_equal(n, strlen(u));
        free(u);
        assert_true(HCS_FAILED(hcsi_utf16_to_utf8_lenient(with_nul, 3, &u, NULL)));
    }
    expect_bad16(nul, 3, "unit 1: embedded NUL");
}

static void test_null_args(void **s)
{
    uint16_t *w;
    char *o;
    (void)s;
    assert_int_equal(hcsi_utf8_to_utf16(NULL, 0, &w, NULL), HCS_ERR_INVALIDARG);
    assert_int_equal(hcsi_utf16_to_utf8(NULL, 0, &o, NULL), HCS_ERR_INVALIDARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_mixed),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_utf8_rejections),
        cmocka_unit_test(test_utf16_rejections),
        cmocka_unit_test(test_null_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
