/* GUID parse/format/generate and the Windows byte layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/internal.h"
#include "hcs/guid.h"

static void test_parse_format(void **s)
{
    hcs_guid g;
    char buf[HCS_GUID_STRING_LEN + 1];
    (void)s;
    assert_int_equal(hcs_guid_parse("E0E16197-DD56-4A10-9195-5EE7A155A838", &g), 0);
    assert_int_equal(g.data1, 0xE0E16197u);
    assert_int_equal(g.data2, 0xDD56);
    assert_int_equal(g.data3, 0x4A10);
    assert_int_equal(g.data4[0], 0x91);
    assert_int_equal(g.data4[7], 0x38);
    assert_int_equal(hcs_guid_format(&g, buf, sizeof buf), 0);
    assert_string_equal(buf, "e0e16197-dd56-4a10-9195-5ee7a155a838");
    assert_int_equal(hcs_guid_parse("{e0e16197-dd56-4a10-9195-5ee7a155a838}", &g), 0);
    assert_int_equal(g.data1, 0xE0E16197u);
}

static void test_windows_layout(void **s)
{
    /* Hyper-V socket service GUID of vsock port 0x40000000 (the GCS):
     * data1 holds the port; bytes go little-endian for the first 3 groups. */
    hcs_guid g, back;
    uint8_t b[16];
    static const uint8_t want[16] = {0x00, 0x00, 0x00, 0x40, 0xcb, 0xfa, 0xe6, 0x11,
                                     0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3};
    (void)s;
    assert_int_equal(hcs_guid_parse("40000000-facb-11e6-bd58-64006a7986d3", &g), 0);
    hcs_guid_to_bytes(&g, b);
    assert_memory_equal(b, want, 16);
    hcs_guid_from_bytes(b, &back);
    assert_true(hcs_guid_equal(&g, &back));
}

static void expect_bad(const char *text, const char *needle)
{
    hcs_guid g;
    const hcs_error *e;
    memset(&g, 0xAB, sizeof g);
    assert_int_equal(hcs_guid_parse(text, &g), HCS_ERR_INVALIDARG);
    e = hcs_error_last();
    if (!strstr(e->message, needle))
        fail_msg("\"%s\" lacks \"%s\"", e->message, needle);
}

static void test_rejects(void **s)
{
    char buf[8];
    hcs_guid g;
    (void)s;
    expect_bad("", "expected 36 characters");
    expect_bad("e0e16197-dd56-4a10-9195-5ee7a155a83", "got 35");
    expect_bad("e0e16197-dd56-4a10-9195-5ee7a155a8388", "got 37");
    expect_bad("e0e16197xdd56-4a10-9195-5ee7a155a838", "expected '-' at position 8");
    expect_bad("e0e1619g-dd56-4a10-9195-5ee7a155a838", "hex digit at position 7, found 'g'");
    expect_bad("{e0e16197-dd56-4a10-9195-5ee7a155a838", "braced");
    expect_bad("{e0e16197-dd56-4a10-9195-5ee7a155a838]", "braced");
    expect_bad("{e0e16197-dd56-4a10-9195-5ee7a15za838}", "position 32, found 'z'");
    expect_bad("e0e16197-dd56-4a10-9195-5ee7a155a83\xC3", "position 35");
    assert_int_equal(hcs_guid_parse(NULL, &g), HCS_ERR_INVALIDARG);
    memset(&g, 0, sizeof g);
    assert_int_equal(hcs_guid_format(&g, buf, sizeof buf), HCS_ERR_WIN32_INSUFFICIENT_BUFFER);
}

static void test_generate(void **s)
{
    hcs_guid a, b;
    char buf[37];
    (void)s;
    assert_int_equal(hcs_guid_generate(&a), 0);
    assert_int_equal(hcs_guid_generate(&b), 0);
    assert_false(hcs_guid_equal(&a, &b));
    assert_int_equal(a.data3 >> 12, 4);            /* version 4 */
    assert_int_equal(a.data4[0] & 0xC0, 0x80);     /* RFC 4122 variant */
    hcs_guid_format(&a, buf, sizeof buf);
    assert_int_equal(buf[14], '4');
    assert_false(hcs_guid_is_nil(&a));
    memset(&a, 0, sizeof a);
    assert_true(hcs_guid_is_nil(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_windows_layout),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
