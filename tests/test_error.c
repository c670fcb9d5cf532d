/* The error model: code table, lookups, parsing, the per-thread record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/internal.h"
#include "base/platform.h"

static size_t count_group(hcs_hresult_group g)
{
    size_t i, n = 0;
    for (i = 0; i < hcs_hresult_count(); i++)
        if (hcs_hresult_at(i)->group == g)
            n++;
    return n;
}

static void test_table_counts(void **s)
{
    (void)s;
    assert_int_equal(count_group(HCS_GROUP_HCS), 32);
    assert_int_equal(count_group(HCS_GROUP_HCN), 46);
    assert_int_equal(count_group(HCS_GROUP_GCN), 9);
    assert_int_equal(count_group(HCS_GROUP_VMCOMPUTE), 20);
    assert_null(hcs_hresult_at(hcs_hresult_count()));
}

static void test_table_unique_and_named(void **s)
{
    size_t i, j, n = hcs_hresult_count();
    (void)s;
    for (i = 0; i < n; i++) {
        const hcs_hresult_info *a = hcs_hresult_at(i);
        assert_non_null(a->name);
        assert_non_null(a->macro);
        assert_true(strncmp(a->macro, "HCS_ERR_", 8) == 0);
        assert_true(strlen(a->description) > 3);
        /* user text, not the reference doc's editorial notes */
        if (a->description[0] == '(' || strstr(a->description, "note:") ||
            strstr(a->description, "docs") || strstr(a->description, "SDK only"))
            fail_msg("%s: description is an annotation: %s", a->name, a->description);
        for (j = i + 1; j < n; j++) {
            assert_int_not_equal(a->code, hcs_hresult_at(j)->code);
            assert_string_not_equal(a->name, hcs_hresult_at(j)->name);
        }
    }
}

static void test_known_values(void **s)
{
    hcs_hresult_info info;
    (void)s;
    assert_true(hcs_hresult_lookup((hcs_result)0x8037010Eu, &info));
    assert_string_equal(info.name, "HCS_E_SYSTEM_NOT_FOUND");
    assert_int_equal(info.group, HCS_GROUP_HCS);
    assert_true(hcs_hresult_lookup((hcs_result)0xC037010Du, &info));
    assert_string_equal(info.name, "ERROR_VMCOMPUTE_INVALID_JSON");
    assert_string_equal(hcs_hresult_name((hcs_result)0x8037011Bu), "HCS_E_ACCESS_DENIED");
    assert_string_equal(hcs_hresult_name((hcs_result)0x803B0037u), "HCN_E_VFP_NOT_ALLOWED");
    assert_string_equal(hcs_hresult_name((hcs_result)0x803B0021u), "GCN_E_MODULE_NOT_FOUND");
    assert_string_equal(hcs_hresult_name((hcs_result)0x803B0036u),
                        "HCN_INTERFACEPARAMETERS_ALREADY_APPLIED");
    assert_string_equal(hcs_hresult_name((hcs_result)0x80070057u), "E_INVALIDARG");
    assert_string_equal(hcs_hresult_name((hcs_result)0x80070490u), "ERROR_NOT_FOUND");
    assert_int_equal(HCS_ERR_PROCESS_ALREADY_STOPPED, (hcs_result)0x8037011Fu);
    assert_int_equal(HCS_ERR_VMCOMPUTE_TIMEOUT, (hcs_result)0xC0370109u);
    assert_null(hcs_hresult_name((hcs_result)0x80370103u)); /* unused slot */
}

static void test_both_forms(void **s)
{
    hcs_hresult_info info;
    (void)s;
    /* 0xC037xxxx and 0x8037xxxx describe the same condition. */
    assert_string_equal(hcs_strerror((hcs_result)0xC037010Eu),
                        hcs_strerror((hcs_result)0x8037010Eu));
    assert_int_equal(hcs_hresult_equivalent((hcs_result)0x8037010Du), (hcs_result)0xC037010Du);
    assert_int_equal(hcs_hresult_equivalent((hcs_result)0xC037010Du), (hcs_result)0x8037010Du);
    /* 0xC0370114 has no ERROR_VMCOMPUTE_ name; it still decodes via its
     * 0x8037 form, keeping the code asked for. */
    assert_true(hcs_hresult_lookup((hcs_result)0xC0370114u, &info));
    assert_string_equal(info.name, "HCS_E_SERVICE_NOT_AVAILABLE");
    assert_int_equal(info.code, (hcs_result)0xC0370114u);
    /* legacy-only codes have no 0x8037 twin */
    assert_int_equal(hcs_hresult_equivalent((hcs_result)0xC0370103u), (hcs_result)0xC0370103u);
}

static void test_from_name(void **s)
{
    hcs_result hr = 0;
    (void)s;
    assert_true(hcs_hresult_from_name("HCS_E_ACCESS_DENIED", &hr));
    assert_int_equal(hr, (hcs_result)0x8037011Bu);
    /* not an SDK code (hcsshim's ErrProcNotFound is ERROR_PROC_NOT_FOUND) */
    assert_false(hcs_hresult_from_name("HCS_E_PROCESS_NOT_FOUND", &hr));
    assert_true(hcs_hresult_from_name("hcs_err_access_denied", &hr));
    assert_int_equal(hr, (hcs_result)0x8037011Bu);
    assert_true(hcs_hresult_from_name("E_NOTIMPL", &hr));
    assert_int_equal(hr, (hcs_result)0x80004001u);
    assert_true(hcs_hresult_from_name("ERROR_INVALID_PARAMETER", &hr));
    assert_int_equal(hr, (hcs_result)0x80070057u);
    assert_false(hcs_hresult_from_name("NO_SUCH_CODE", &hr));
    assert_false(hcs_hresult_from_name(NULL, &hr));
}

static void test_parse_forms(void **s)
{
    hcs_result hr = 0;
    (void)s;
    assert_int_equal(hcs_hresult_parse("0x8037010E", &hr), 0);
    assert_int_equal(hr, (hcs_result)0x8037010Eu);
    assert_int_equal(hcs_hresult_parse("0X8037010e", &hr), 0);
    assert_int_equal(hr, (hcs_result)0x8037010Eu);
    assert_int_equal(hcs_hresult_parse("-2143878898", &hr), 0);
    assert_int_equal(hr, (hcs_result)0x8037010Eu);
    assert_int_equal(hcs_hresult_parse("2151088398", &hr), 0);
    assert_int_equal(hr, (hcs_result)0x8037010Eu);
    assert_int_equal(hcs_hresult_parse("-2147483648", &hr), 0);
    assert_int_equal(hr, INT32_MIN);
    assert_int_equal(hcs_hresult_parse("0", &hr), 0);
    assert_int_equal(hr, 0);
    assert_int_equal(hcs_hresult_parse("HCS_E_ACCESS_DENIED", &hr), 0);
    assert_int_equal(hr, (hcs_result)0x8037011Bu);
}

static void expect_parse_error(const char *text, const char *needle)
{
    hcs_result hr = 12345;
    const hcs_error *e;
    assert_int_equal(hcs_hresult_parse(text, &hr), HCS_ERR_INVALIDARG);
    assert_int_equal(hr, 12345); /* untouched */
    e = hcs_error_last();
    assert_non_null(e);
    assert_int_equal(e->code, HCS_ERR_INVALIDARG);
    if (!strstr(e->message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e->message, needle);
}

static void test_parse_rejects(void **s)
{
    (void)s;
    expect_parse_error("", "empty");
    expect_parse_error("0x", "no hex digits");
    expect_parse_error("0x80370G0E", "invalid hex digit 'G'");
    expect_parse_error("0x123456789", "larger than 32 bits");
    expect_parse_error("4294967296", "32-bit");
    expect_parse_error("-2147483649", "below");
    expect_parse_error("12ab", "invalid character 'a'");
    expect_parse_error("-0x10", "cannot be negative");
    expect_parse_error("-", "no digits");
    expect_parse_error("NOT_A_CODE", "not a known HRESULT name (try a number");
    /* a near miss gets a suggestion */
    expect_parse_error("HCS_E_ACCESS_DENIDE", "did you mean HCS_E_ACCESS_DENIED?");
    expect_parse_error("HCS_E_PROCESS_NOT_FOUND", "did you mean HCS_E_");
    expect_parse_error("0x8037010E ", "invalid hex digit ' '");
}

static void test_facility_and_win32(void **s)
{
    (void)s;
    assert_int_equal(hcs_hresult_facility((hcs_result)0x8037010Eu), 0x37);
    assert_string_equal(hcs_facility_name(0x37), "VIRTUALIZATION");
    assert_string_equal(hcs_facility_name(7), "WIN32");
    assert_null(hcs_facility_name(0x123));
    assert_int_equal(hcs_hresult_from_win32(1168), (hcs_result)0x80070490u);
    assert_int_equal(hcs_hresult_from_win32(0), 0);
    assert_int_equal(hcs_hresult_to_win32((hcs_result)0x80070490u), 1168);
    assert_int_equal(hcs_hresult_to_win32((hcs_result)0x8037010Eu), 0);
    assert_true(hcs_hresult_is_failure((hcs_result)0xC037010Eu));
    assert_false(hcs_hresult_is_failure(1));
}

static void test_strerror_unknown(void **s)
{
    (void)s;
    assert_string_equal(hcs_strerror((hcs_result)0x8007FFFEu), "Unknown Win32 error");
    assert_string_equal(hcs_strerror((hcs_result)0x803701FFu),
                        "Unknown virtualization (HCS) error");
    assert_string_equal(hcs_strerror(0), "The operation completed successfully");
    assert_string_equal(hcs_strerror(7), "Success");
}

static void test_thread_record(void **s)
{
    hcs_error *e;
    (void)s;
    hcs_error_clear();
    assert_null(hcs_error_last());
    assert_int_equal(hcsi_err(HCS_ERR_INVALID_JSON, "bad field %s", "Foo"),
                     HCS_ERR_INVALID_JSON);
    assert_string_equal(hcs_error_last()->message, "bad field Foo");
    assert_null(hcs_error_last()->detail);
    hcsi_err_wrap(HCS_ERR_FAIL, "decoding %s", "Create");
    assert_string_equal(hcs_error_last()->message, "decoding Create: bad field Foo");
    assert_int_equal(hcs_error_last()->code, HCS_ERR_INVALID_JSON);
    hcsi_err_detail(HCS_ERR_UNEXPECTED_EXIT, "[{\"Message\":\"x\"}]", "guest said %d", 1);
    e = hcs_error_take();
    assert_non_null(e);
    assert_null(hcs_error_last());
    assert_string_equal(e->detail, "[{\"Message\":\"x\"}]");
    assert_string_equal(e->message, "guest said 1");
    hcs_error_free(e);
    e = hcs_error_new(HCS_ERR_TERMINATED, NULL, NULL);
    assert_string_equal(e->message, "VM/container was forcefully exited");
    hcs_error_free(e);
    hcs_error_set(HCS_ERR_NOTIMPL, NULL, NULL);
    assert_string_equal(hcs_error_last()->message, "Not implemented");
    hcs_error_clear();
}

static void thread_body(void *arg)
{
    /* Each thread has its own record; set one and exit without clearing:
     * the TLS destructor must free it (checked by ASan's leak detector). */
    hcsi_err(HCS_ERR_FAIL, "thread %d", *(int *)arg);
    *(int *)arg = hcs_error_last() && strcmp(hcs_error_last()->message, "thread 7") == 0;
}

static void test_thread_isolation(void **s)
{
    hcsi_thread t;
    int v = 7;
    (void)s;
    hcsi_err(HCS_ERR_INVALIDARG, "main");
    assert_int_equal(hcsi_thread_start(&t, thread_body, &v), 0);
    hcsi_thread_join(&t);
    assert_int_equal(v, 1);
    assert_string_equal(hcs_error_last()->message, "main");
    hcs_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_counts),
        cmocka_unit_test(test_table_unique_and_named),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_both_forms),
        cmocka_unit_test(test_from_name),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_facility_and_win32),
        cmocka_unit_test(test_strerror_unknown),
        cmocka_unit_test(test_thread_record),
        cmocka_unit_test(test_thread_isolation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
