/* The JSON wrapper: strict parsing, typed getters, Go-exact writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/internal.h"
#include "base/json.h"

static char *roundtrip(const char *in, unsigned flags)
{
    hcsi_json *v = NULL;
    char *out = NULL;
    assert_int_equal(hcsi_json_parse(in, strlen(in), "test", &v), 0);
    assert_int_equal(hcsi_json_to_string(v, flags, &out), 0);
    hcsi_json_put(v);
    return out;
}

static void expect_rt(const char *in, const char *want, unsigned flags)
{
    char *out = roundtrip(in, flags);
    assert_string_equal(out, want);
    free(out);
}

static void test_go_writer(void **s)
{
    (void)s;
    /* order kept, compact, no slash escaping */
    expect_rt("{ \"b\" : 1, \"a\": [true, false, null], \"p\": \"C:\\\\x/y\" }",
              "{\"b\":1,\"a\":[true,false,null],\"p\":\"C:\\\\x/y\"}", 0);
    /* bare scalars at top level */
    expect_rt("2", "2", 0);
    expect_rt("-0.25\t", "-0.25", 0);
    expect_rt("[-0.0,-0]", "[0,0]", 0);
    expect_rt("true", "true", 0);
    /* strings that look like big numbers are untouched */
    expect_rt("[\"99999999999999999999999\",\"1e999\"]", "[\"99999999999999999999999\",\"1e999\"]", 0);
    /* 64-bit integers exact, both signs, and above INT64_MAX */
    expect_rt("[9007199254740993,-9223372036854775808,18446744073709551615]",
              "[9007199254740993,-9223372036854775808,18446744073709551615]", 0);
    /* control characters as Go writes them */
    expect_rt("\"a\\u0001\\b\\f\\n\\r\\t\\u001f\"", "\"a\\u0001\\b\\f\\n\\r\\t\\u001f\"", 0);
    /* HTML escaping only when asked */
    expect_rt("\"<a&b>\"", "\"<a&b>\"", 0);
    expect_rt("\"<a&b>\"", "\"\\u003ca\\u0026b\\u003e\"", HCSI_JSON_HTML_ESCAPE);
    /* U+2028/2029 always escaped; other non-ASCII kept raw */
    expect_rt("\"\\u2028x\\u2029\\u00e9\"", "\"\\u2028x\\u2029\xC3\xA9\"", 0);
    /* doubles like Go */
    expect_rt("[0.5,3.0,1e18,1e21,1.5e-7,-2.25,0.000001]",
              "[0.5,3,1000000000000000000,1e+21,1.5e-7,-2.25,0.000001]", 0);
    /* beyond 64 bits a whole double keeps its exponent so that it reparses */
    expect_rt("[66666666666666666666.6, 1e20]", "[6.666666666666666e+19,1e+20]", 0);
    expect_rt("[-1e19,-9223372036854775808.0,1.5e19]",
              "[-1e+19,-9.223372036854776e+18,1.5e+19]", 0);
}

static void expect_bad(const char *in, size_t len, const char *needle)
{
    hcsi_json *v = (hcsi_json *)0x1;
    const hcs_error *e;
    assert_int_equal(hcsi_json_parse(in, len, "Create response", &v), HCS_ERR_INVALID_JSON);
    assert_null(v);
    e = hcs_error_last();
    if (!strstr(e->message, needle))
        fail_msg("\"%s\" lacks \"%s\"", e->message, needle);
    if (!strstr(e->message, "Create response"))
        fail_msg("\"%s\" does not name the document", e->message);
}

static void test_parse_rejects(void **s)
{
    char deep[200];
    int i;
    (void)s;
    expect_bad("", 0, "unexpected end of input");
    expect_bad("{\"a\":", 5, "unexpected end of input");
    expect_bad("{\"a\":1} x", 9, "byte offset 8");
    expect_bad("{\"a\":1}{}", 9, "trailing data");
    expect_bad("{a:1}", 5, "byte offset");
    expect_bad("[1,]", 4, "byte offset");
    expect_bad("\"\xC3\x28\"", 4, "byte offset");
    expect_bad("{\"a\":\"x\0y\"}", 11, "NUL byte");
    for (i = 0; i < 100; i++)
        deep[i] = '[';
    for (i = 100; i < 200; i++)
        deep[i] = ']';
    expect_bad(deep, 200, "byte offset");
    expect_bad(NULL, 0, "no data");
    /* json-c would clamp these to the range limits: rejected instead */
    expect_bad("[18446744073709551616]", 22, "byte offset 1: malformed or out-of-range number");
    expect_bad("{\"A\":-9223372036854775809}", 26, "byte offset 5: malformed or out-of-range number");
    expect_bad("77777777777777777777777777777777 ", 33, "out-of-range number");
    expect_bad("[1, 1e999]", 10, "byte offset 4: malformed or out-of-range number");
    expect_bad("[-1.5E+400]", 11, "byte offset 1: malformed");
    /* strings json-c itself lets through */
    expect_bad("\"a\x05" "b\"", 5, "byte offset 2: control character 0x05 inside a string");
    expect_bad("[\"\xC1\xA8\"]", 5, "byte offset 2: invalid UTF-8");
    expect_bad("{\"\xE0\x80\xAF\":1}", 8, "byte offset 2: invalid UTF-8");
    /* number grammar json-c itself lets through */
    expect_bad("-.0", 3, "byte offset 0: malformed");
    expect_bad("[0.]", 4, "byte offset 1: malformed");
    expect_bad("[01]", 4, "byte offset 1: malformed");
    expect_bad("[1e]", 4, "byte offset 1: malformed");
    expect_bad("[-]", 3, "byte offset 1: malformed");
}

static void test_typed_getters(void **s)
{
    const char *doc = "{\"S\":\"x\",\"I\":-5,\"Big\":18446744073709551615,\"H\":2147942487,"
                      "\"Neg\":-2147024809,\"B\":true,\"O\":{},\"A\":[1],\"N\":null,\"D\":1.5}";
    hcsi_json *v, *o;
    const char *str;
    size_t len;
    int64_t i64;
    uint64_t u64;
    int32_t i32;
    uint32_t u32;
    int b;
    (void)s;
    assert_int_equal(hcsi_json_parse(doc, strlen(doc), "doc", &v), 0);
    assert_int_equal(hcsi_json_get_str(v, "X", "S", &str, &len), 1);
    assert_string_equal(str, "x");
    assert_int_equal(len, 1);
    assert_int_equal(hcsi_json_get_str(v, "X", "Missing", &str, NULL), 0);
    assert_int_equal(hcsi_json_get_str(v, "X", "N", &str, NULL), 0); /* null = absent */
    assert_int_equal(hcsi_json_get_str(v, "X", "I", &str, NULL), -1);
    assert_string_equal(hcs_error_last()->message, "X.I: expected a string, got integer");
    assert_int_equal(hcsi_json_get_i64(v, "X", "I", &i64), 1);
    assert_int_equal(i64, -5);
    assert_int_equal(hcsi_json_get_u64(v, "X", "Big", &u64), 1);
    assert_true(u64 == UINT64_MAX);
    assert_int_equal(hcsi_json_get_i64(v, "X", "Big", &i64), -1);
    assert_int_equal(hcsi_json_get_u64(v, "X", "I", &u64), -1);
    /* HRESULTs: unsigned and signed spellings give the same int32 */
    assert_int_equal(hcsi_json_get_i32(v, "X", "H", &i32), 1);
    assert_int_equal(i32, (int32_t)0x80070057u);
    assert_int_equal(hcsi_json_get_i32(v, "X", "Neg", &i32), 1);
    assert_int_equal(i32, (int32_t)0x80070057u);
    assert_int_equal(hcsi_json_get_u32(v, "X", "I", &u32), -1);
    assert_int_equal(hcsi_json_get_i32(v, "X", "D", &i32), -1);
    assert_string_equal(hcs_error_last()->message, "X.D: expected an integer, got number");
    assert_int_equal(hcsi_json_get_bool(v, "X", "B", &b), 1);
    assert_true(b);
    assert_int_equal(hcsi_json_get_bool(v, "X", "S", &b), -1);
    assert_int_equal(hcsi_json_get_obj(v, "X", "O", &o), 1);
    assert_int_equal(hcsi_json_object_len(o), 0);
    assert_int_equal(hcsi_json_get_arr(v, "X", "A", &o), 1);
    assert_int_equal(hcsi_json_array_len(o), 1);
    assert_int_equal(hcsi_json_get_obj(v, "X", "A", &o), -1);
    hcsi_json_put(v);
}

static void test_build_and_iterate(void **s)
{
    hcsi_json *o = hcsi_json_object(), *a = hcsi_json_array();
    hcsi_json_iter it;
    const char *k;
    hcsi_json *val;
    char *out;
    int n = 0;
    (void)s;
    assert_int_equal(hcsi_json_set_str(o, "Z", "last"), 0);
    assert_int_equal(hcsi_json_set_int(o, "A", -1), 0);
    assert_int_equal(hcsi_json_set_uint(o, "U", UINT64_MAX), 0);
    assert_int_equal(hcsi_json_set_bool(o, "B", 0), 0);
    assert_int_equal(hcsi_json_append(a, hcsi_json_string("q\"")), 0);
    assert_int_equal(hcsi_json_set(o, "Arr", a), 0);
    assert_int_equal(hcsi_json_set(o, "Nil", NULL), 0);
    assert_int_equal(hcsi_json_to_string(o, 0, &out), 0);
    assert_string_equal(out, "{\"Z\":\"last\",\"A\":-1,\"U\":18446744073709551615,\"B\":false,"
                             "\"Arr\":[\"q\\\"\"],\"Nil\":null}");
    free(out);
    hcsi_json_iter_init(o, &it);
    while (hcsi_json_iter_next(&it, &k, &val))
        n++;
    assert_int_equal(n, 6);
    hcsi_json_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_writer),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_typed_getters),
        cmocka_unit_test(test_build_and_iterate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
