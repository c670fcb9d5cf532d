/* Guest text made safe to print, in the library (hcsi_gcs_sanitize: error
 * messages and bridge warnings) and in hcsctl (cli/output.c, compiled in:
 * hcsctl_text and hcsctl_json_string): every code point U+0000..U+10FFFF
 * is checked against one list built here from two Unicode properties, so
 * the two tables cannot drift apart. Runs everywhere (also under wine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "gcs/codec.h"

/* General_Category=Cf, Unicode 15.0 */
static const uint32_t g_cf[][2] = {
    {0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
    {0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F},
    {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
};
/* Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.0) */
static const uint32_t g_di[][2] = {
    {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160},
    {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
    {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0000, 0xE0FFF},
};

static int in(const uint32_t (*r)[2], size_t n, uint32_t cp)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (cp >= r[i][0] && cp <= r[i][1])
            return 1;
    return 0;
}

/* Escaped although valid and printable: Cf, Default_Ignorable, Zl, Zp. */
static int invisible(uint32_t cp)
{
    return in(g_cf, sizeof g_cf / sizeof g_cf[0], cp) ||
           in(g_di, sizeof g_di / sizeof g_di[0], cp) || cp == 0x2028 || cp == 0x2029;
}

static size_t enc(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every code point but NUL and the surrogates, each followed by '|'
 * (which no escape contains). */
static char *all_code_points(size_t *len)
{
    char *b = (char *)malloc(0x110000u * 5u);
    size_t n = 0;
    uint32_t cp;
    assert_non_null(b);
    for (cp = 1; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        n += enc(cp, b + n);
        b[n++] = '|';
    }
    b[n] = '\0';
    *len = n;
    return b;
}

/* What FN wrote to a temporary file. */
static char *capture(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n,
                     size_t *len)
{
    FILE *f = tmpfile();
    long size;
    char *out;
    assert_non_null(f);
    fn(f, s, n);
    assert_int_equal(fflush(f), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    out = (char *)malloc((size_t)size + 1);
    assert_non_null(out);
    assert_int_equal(fread(out, 1, (size_t)size, f), (size_t)size);
    out[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return out;
}

enum { LIB, TEXT, JSON };

/* The expected output for cp in each style. */
static void expect_for(int style, uint32_t cp, char *o)
{
    size_t n;
    if (style == JSON) {
        if (cp == '"' || cp == '\\') {
            sprintf(o, "\\%c", (char)cp);
        } else if (cp == '\n' || cp == '\r' || cp == '\t' || cp == '\b' || cp == '\f') {
            sprintf(o, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't'
                                                : cp == '\b' ? 'b' : 'f');
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || invisible(cp)) {
            if (cp > 0xFFFF)
                sprintf(o, "\\u%04lx\\u%04lx", (unsigned long)(0xD800 + ((cp - 0x10000) >> 10)),
                        (unsigned long)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
            else
                sprintf(o, "\\u%04lx", (unsigned long)cp);
        } else {
            n = enc(cp, o);
            o[n] = '\0';
        }
        return;
    }
    if (style == TEXT && (cp == '\n' || cp == '\r' || cp == '\t')) {
        sprintf(o, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
    } else if (cp < 0x20 || cp == 0x7F) {
        sprintf(o, style == LIB ? "\\x%02lX" : "\\x%02lx", (unsigned long)cp);
    } else if ((cp >= 0x80 && cp <= 0x9F) || invisible(cp)) {
        if (style == LIB)
            sprintf(o, cp > 0xFFFF ? "\\U%08lX" : "\\u%04lX", (unsigned long)cp);
        else
            sprintf(o, cp > 0xFFFF ? "\\U%08lx" : "\\u%04lx", (unsigned long)cp);
    } else {
        n = enc(cp, o);
        o[n] = '\0';
    }
}

static void check_all(int style, const char *out)
{
    const char *p = out;
    uint32_t cp;
    size_t escaped = 0;
    char want[32];
    if (style == JSON) {
        assert_int_equal(*p, '"');
        p++;
    }
    for (cp = 1; cp <= 0x10FFFF; cp++) {
        size_t n;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        expect_for(style, cp, want);
        n = strlen(want);
        if (strncmp(p, want, n) != 0 || p[n] != '|')
            fail_msg("style %d, U+%04lX: expected \"%s\", got \"%.16s\"", style,
                     (unsigned long)cp, want, p);
        if (want[0] == '\\')
            escaped++;
        p += n + 1;
    }
    if (style == JSON)
        assert_string_equal(p, "\"");
    else
        assert_string_equal(p, "");
    /* 0x01..0x1F, DEL, C1 and the invisible ones (+ '"' '\\' in JSON) */
    assert_true(escaped > 31 + 1 + 32 + 4000);
}

static void text_n(FILE *f, const char *s, size_t n) { hcsctl_text_n(f, s, n); }
static void json_n(FILE *f, const char *s, size_t n) { hcsctl_json_string_n(f, s, n); }

static void test_every_code_point(void **s)
{
    size_t len, olen;
    char *all = all_code_points(&len), *out;
    uint32_t cp;
    (void)s;
    /* the tables themselves */
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        if (hcsi_gcs_invisible(cp) != invisible(cp))
            fail_msg("library: U+%04lX", (unsigned long)cp);
        if (hcsctl_invisible(cp) != invisible(cp))
            fail_msg("hcsctl: U+%04lX", (unsigned long)cp);
    }
    /* the named ones of issue 14 */
    assert_true(invisible(0x202E) && invisible(0x2066) && invisible(0x2069) &&
                invisible(0x061C) && invisible(0x200B) && invisible(0x200F) &&
                invisible(0x2060) && invisible(0x2064) && invisible(0xFEFF) &&
                invisible(0x00AD) && invisible(0x202A));
    assert_false(invisible(0x2065 + 0x10) || invisible(0xA0) || invisible(0xE9) ||
                 invisible(0x1F600) || invisible(0x200A) || invisible(0x2030));
    out = hcsi_gcs_sanitize(all, len);
    assert_non_null(out);
    check_all(LIB, out);
    free(out);
    out = capture(text_n, all, len, &olen);
    check_all(TEXT, out);
    free(out);
    out = capture(json_n, all, len, &olen);
    check_all(JSON, out);
    free(out);
    free(all);
}

static void test_invalid_utf8_and_cuts(void **s)
{
    /* stray continuation, overlong, surrogate, > U+10FFFF, truncated */
    static const char bad[] = "a\x80" "b\xC0\x80" "c\xED\xA0\x80" "d\xF5\x80" "e\xE2\x80";
    static const char want_lib[] =
        "a\\x80b\\xC0\\x80c\\xED\\xA0\\x80d\\xF5\\x80e\\xE2\\x80";
    /* a cut never splits a character (nor leaves half of one escaped), but
     * an invalid byte at the cut is still an invalid byte */
    static const struct {
        const char *in;
        size_t max;
        const char *want;
    } cuts[] = {
        {"abc\xE2\x80\xAEz", 4, "abc..."},
        {"abc\xE2\x80\xAEz", 5, "abc..."},
        {"abc\xE2\x80\xAEz", 6, "abc\\u202E..."},
        {"abc\xC3\xA9", 4, "abc..."},
        {"abc\xC3\xA9", 5, "abc\xC3\xA9"},
        {"abc\xFFxyz", 4, "abc\\xFF..."},
    };
    char *out;
    size_t olen, i;
    (void)s;
    out = hcsi_gcs_sanitize(bad, 100);
    assert_string_equal(out, want_lib);
    free(out);
    out = capture(text_n, bad, sizeof bad - 1, &olen);
    assert_string_equal(out, "a\\x80b\\xc0\\x80c\\xed\\xa0\\x80d\\xf5\\x80e\\xe2\\x80");
    free(out);
    out = capture(json_n, bad, sizeof bad - 1, &olen);
    assert_string_equal(out, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd"
                             "e\\ufffd\\ufffd\"");
    free(out);
    for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        out = hcsi_gcs_sanitize(cuts[i].in, cuts[i].max);
        assert_string_equal(out, cuts[i].want);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_invalid_utf8_and_cuts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
