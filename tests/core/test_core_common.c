/* The portable half of the Windows backend, on every OS: the key table,
 * event queues (threads, TSan), rich errors from result documents, the
 * ProcessStatus and ProcessParameters readers, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/compute_int.h"
#include "hcs.h"
#include "core_test_util.h"

static int g_destroyed;

typedef struct obj {
    hcsi_obj base;
    int v;
} obj;

static void obj_destroy(hcsi_obj *o)
{
    g_destroyed++;
    free(o);
}

static int match_v(const hcsi_obj *o, void *arg)
{
    return ((const obj *)o)->v == *(int *)arg;
}

static void test_keys(void **state)
{
    obj *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    hcsi_obj *got;
    uint64_t ka, kb;
    int want = 2;
    (void)state;
    g_destroyed = 0;
    assert_int_equal(hcsi_obj_init(&a->base, HCSI_KIND_SYSTEM, obj_destroy), HCS_S_OK);
    assert_int_equal(hcsi_obj_init(&b->base, HCSI_KIND_OP, obj_destroy), HCS_S_OK);
    a->v = 1;
    b->v = 2;
    ka = a->base.key;
    kb = b->base.key;
    assert_true(ka != 0 && kb != 0 && ka != kb);
    assert_int_equal(hcsi_obj_live_count(), 2);
    /* lookups by key and kind, with a reference */
    got = hcsi_obj_lookup(ka, HCSI_KIND_SYSTEM);
    assert_ptr_equal(got, &a->base);
    assert_null(hcsi_obj_lookup(ka, HCSI_KIND_OP));
    assert_null(hcsi_obj_lookup(0, HCSI_KIND_ANY));
    assert_ptr_equal(hcsi_obj_find(HCSI_KIND_ANY, match_v, &want), &b->base);
    hcsi_obj_unref(&b->base);
    /* unregistered: a late lookup finds nothing, the held reference keeps
     * the object alive until released */
    hcsi_obj_unregister(&a->base);
    hcsi_obj_unref(&a->base);
    assert_null(hcsi_obj_lookup(ka, HCSI_KIND_ANY));
    assert_int_equal(g_destroyed, 0);
    hcsi_obj_unref(got);
    assert_int_equal(g_destroyed, 1);
    hcsi_obj_unregister(&b->base);
    hcsi_obj_unref(&b->base);
    assert_int_equal(g_destroyed, 2);
    assert_int_equal(hcsi_obj_live_count(), 0);
    /* keys are never reused */
    a = calloc(1, sizeof *a);
    assert_int_equal(hcsi_obj_init(&a->base, HCSI_KIND_PROCESS, obj_destroy), HCS_S_OK);
    assert_true(a->base.key > kb);
    hcsi_obj_unref(&a->base);
    assert_int_equal(hcsi_obj_live_count(), 0);
}

static void test_events_basic(void **state)
{
    hcs_events *q = NULL;
    hcs_event *e = NULL;
    (void)state;
    assert_int_equal(hcsi_events_new(&q), HCS_S_OK);
    hcsi_events_push(q, hcsi_event_new(HCS_EVENT_SYSTEM_EXITED, "{\"Status\":0}", "vm",
                                       0, 0, 7));
    hcsi_events_push(q, hcsi_event_new(HCS_EVENT_PROCESS_EXITED, NULL, "vm", 12, 3, 8));
    assert_int_equal(hcsi_events_pending(q), 2);
    assert_int_equal(hcsi_events_wait(q, 0, &e), HCS_S_OK);
    assert_int_equal(e->type, HCS_EVENT_SYSTEM_EXITED);
    assert_string_equal(e->data, "{\"Status\":0}");
    assert_string_equal(e->system_id, "vm");
    assert_int_equal(e->tag, 7);
    hcs_compute_event_free(e);
    assert_int_equal(hcsi_events_wait(q, 0, &e), HCS_S_OK);
    assert_int_equal(e->process_id, 12);
    assert_int_equal(e->operation_id, 3);
    assert_null(e->data);
    hcs_compute_event_free(e);
    assert_int_equal(hcsi_events_wait(q, 10, &e), HCS_ERR_OPERATION_TIMEOUT);
    assert_null(e);
    assert_contains(hcs_error_last()->message, "no event within 10 ms");
    hcsi_events_close(q);
}

static void test_events_full_keeps_exits(void **state)
{
    hcs_events *q = NULL;
    hcs_event *e = NULL;
    size_t i;
    (void)state;
    assert_int_equal(hcsi_events_new(&q), HCS_S_OK);
    for (i = 0; i < HCSI_EVENTS_MAX_QUEUED + 10; i++)
        hcsi_events_push(q, hcsi_event_new(HCS_EVENT_SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED,
                                           NULL, NULL, 0, 0, 0));
    assert_int_equal(hcsi_events_dropped(q), 10);
    hcsi_events_push(q, hcsi_event_new(HCS_EVENT_SYSTEM_EXITED, NULL, NULL, 0, 0, 0));
    hcsi_events_push(q, hcsi_event_new(HCS_EVENT_SERVICE_DISCONNECT, NULL, NULL, 0, 0, 0));
    assert_int_equal(hcsi_events_pending(q), HCSI_EVENTS_MAX_QUEUED + 2);
    assert_int_equal(hcsi_events_dropped(q), 10);
    for (i = 0; i < HCSI_EVENTS_MAX_QUEUED; i++) {
        assert_int_equal(hcsi_events_wait(q, 0, &e), HCS_S_OK);
        hcs_compute_event_free(e);
    }
    assert_int_equal(hcsi_events_wait(q, 0, &e), HCS_S_OK);
    assert_int_equal(e->type, HCS_EVENT_SYSTEM_EXITED);
    hcs_compute_event_free(e);
    hcsi_events_close(q);
}

/* Producers on other threads, a consumer, a close that wakes a waiter. */
typedef struct prod {
    hcs_events *q;
    int n;
} prod;

static void producer(void *arg)
{
    prod *p = (prod *)arg;
    int i;
    for (i = 0; i < p->n; i++)
        hcsi_events_push(p->q, hcsi_event_new(HCS_EVENT_PROCESS_EXITED, "{}", "vm",
                                              (uint32_t)i, 0, 0));
}

static void closer(void *arg)
{
    hcsi_sleep_ms(30);
    hcsi_events_close((hcs_events *)arg);
}

static void test_events_threads(void **state)
{
    hcs_events *q = NULL;
    hcs_event *e = NULL;
    hcsi_thread t[3];
    prod p;
    int i, got = 0;
    (void)state;
    assert_int_equal(hcsi_events_new(&q), HCS_S_OK);
    p.q = q;
    p.n = 500;
    for (i = 0; i < 3; i++)
        assert_int_equal(hcsi_thread_start(&t[i], producer, &p), HCS_S_OK);
    while (got < 1500) {
        assert_int_equal(hcsi_events_wait(q, 5000, &e), HCS_S_OK);
        hcs_compute_event_free(e);
        got++;
    }
    for (i = 0; i < 3; i++)
        hcsi_thread_join(&t[i]);
    /* a waiter blocked without deadline is woken by the close */
    hcsi_obj_ref(&q->base); /* keep it for the wait below */
    assert_int_equal(hcsi_thread_start(&t[0], closer, q), HCS_S_OK);
    assert_int_equal(hcsi_events_wait(q, HCS_TIMEOUT_INFINITE, &e), HCS_ERR_HANDLE);
    assert_contains(hcs_error_last()->message, "the queue was closed");
    hcsi_thread_join(&t[0]);
    hcsi_events_push(q, hcsi_event_new(HCS_EVENT_SYSTEM_EXITED, NULL, NULL, 0, 0, 0));
    assert_int_equal(hcsi_events_pending(q), 0); /* closed: dropped */
    hcsi_obj_unref(&q->base);
    assert_int_equal(hcsi_obj_live_count(), 0);
}

static void test_rich_error(void **state)
{
    static const char doc[] =
        "{\"Error\":-2143878898,\"ErrorMessage\":\"A virtual machine or container with "
        "the specified identifier does not exist.\",\"ErrorEvents\":[{\"Message\":"
        "\"first\",\"Provider\":\"p1\",\"EventId\":1},{\"Message\":\"second\"},7]}";
    const hcs_error *e;
    (void)state;
    assert_int_equal(hcsi_core_fail(HCS_ERR_SYSTEM_NOT_FOUND, doc, "open \"%s\"", "x"),
                     HCS_ERR_SYSTEM_NOT_FOUND);
    e = hcs_error_last();
    assert_string_equal(e->message,
                        "open \"x\": A virtual machine or container with the specified "
                        "identifier does not exist. (HCS_E_SYSTEM_NOT_FOUND 0x8037010E); "
                        "event: first (provider p1, event id 1); event: second");
    assert_string_equal(e->detail, doc);
    /* no document: the code's text; an unknown code has no name */
    assert_int_equal(hcsi_core_fail(HCS_ERR_ACCESS_DENIED, NULL, "start"),
                     HCS_ERR_ACCESS_DENIED);
    assert_contains(hcs_error_last()->message, "start: ");
    assert_contains(hcs_error_last()->message, "(HCS_E_ACCESS_DENIED 0x8037011B)");
    assert_null(hcs_error_last()->detail);
    assert_int_equal(hcsi_core_fail((hcs_result)0x8037FFFFu, "not json", "x"),
                     (hcs_result)0x8037FFFFu);
    assert_contains(hcs_error_last()->message, "(0x8037FFFF)");
    assert_string_equal(hcs_error_last()->detail, "not json");
    hcs_error_clear();
}

static void test_predicates_and_parsers(void **state)
{
    uint32_t code = 0;
    char *cl;
    (void)state;
    assert_true(hcsi_core_is_already_stopped(HCS_ERR_PROCESS_ALREADY_STOPPED));
    assert_true(hcsi_core_is_already_stopped(HCS_ERR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED));
    assert_true(hcsi_core_is_already_stopped(HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND));
    assert_true(hcsi_core_is_already_stopped(HCS_ERR_ACCESSDENIED));
    assert_false(hcsi_core_is_already_stopped(HCS_ERR_ACCESS_DENIED));
    assert_true(hcsi_core_is_already_stopped(HCS_ERR_VMCOMPUTE_INVALID_STATE));
    /* opens: access denied is an error there, not an exit */
    assert_false(hcsi_core_is_gone(HCS_ERR_ACCESSDENIED));
    assert_false(hcsi_core_is_gone(HCS_ERR_VMCOMPUTE_INVALID_STATE));
    assert_true(hcsi_core_is_gone(HCS_ERR_WIN32_NOT_FOUND));
    assert_true(hcsi_core_is_gone(HCS_ERR_SYSTEM_NOT_FOUND));
    /* system shutdown / terminate */
    assert_true(hcsi_core_is_stop_done(HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND));
    assert_true(hcsi_core_is_stop_done(HCS_ERR_VMCOMPUTE_OPERATION_PENDING));
    assert_true(hcsi_core_is_stop_done(HCS_ERR_SYSTEM_ALREADY_STOPPED));
    assert_false(hcsi_core_is_stop_done(HCS_ERR_ACCESSDENIED));
    assert_true(hcsi_core_is_timeout(HCS_ERR_OPERATION_TIMEOUT));
    assert_false(hcsi_core_is_timeout(HCS_ERR_VMCOMPUTE_TIMEOUT)); /* a result */
    assert_false(hcsi_core_is_timeout(HCS_ERR_WIN32_WAIT_TIMEOUT));
    assert_true(hcsi_core_is_exit_timeout(HCS_ERR_WIN32_WAIT_TIMEOUT));
    assert_true(hcsi_core_is_exit_timeout(HCS_ERR_OPERATION_TIMEOUT));
    assert_false(hcsi_core_is_exit_timeout(HCS_ERR_VMCOMPUTE_TIMEOUT));
    assert_false(hcsi_core_is_timeout(HCS_ERR_FAIL));
    assert_int_equal(hcsi_core_parse_exit_code("{\"ExitCode\":3,\"Exited\":true}", &code), 1);
    assert_int_equal(code, 3);
    assert_int_equal(hcsi_core_parse_exit_code("{\"ExitCode\":3221225786}", &code), 1);
    assert_int_equal(code, 0xC000013Au);
    assert_int_equal(hcsi_core_parse_exit_code("{\"ExitCode\":-1073741510}", &code), 1);
    assert_int_equal(code, 0xC000013Au);
    assert_int_equal(hcsi_core_parse_exit_code("{\"ExitCode\":\"3\"}", &code), -1);
    assert_int_equal(hcsi_core_parse_exit_code("{}", &code), 0);
    assert_int_equal(hcsi_core_parse_exit_code("oops", &code), 0);
    assert_int_equal(hcsi_core_parse_exit_code(NULL, &code), 0);
    cl = hcsi_core_command_line("{\"CommandLine\":\"cmd /c dir\"}");
    assert_string_equal(cl, "cmd /c dir");
    free(cl);
    cl = hcsi_core_command_line("{\"CommandArgs\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
    assert_string_equal(cl, "/bin/sh -c echo hi");
    free(cl);
    assert_null(hcsi_core_command_line("{}"));
    assert_null(hcsi_core_command_line("]"));
    assert_int_equal(hcsi_core_timeout_dword(HCS_TIMEOUT_INFINITE), 0xFFFFFFFFu);
    assert_int_equal(hcsi_core_timeout_dword(HCS_TIMEOUT_DEFAULT), 240000);
    assert_int_equal(hcsi_core_timeout_dword(0), 0);
    assert_int_equal(hcsi_core_timeout_dword(5000000000ll), 0xFFFFFFFEu);
}

static void test_names(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(hcs_compute_function_count(), 60);
    assert_string_equal(hcs_compute_function_name(0), "HcsCreateOperation");
    assert_string_equal(hcs_compute_function_name(59),
                        "HcsGetProcessorCompatibilityFromSavedState");
    assert_null(hcs_compute_function_name(60));
    for (i = 0; i < hcs_compute_function_count(); i++)
        assert_int_equal(hcsi_cc_index(hcs_compute_function_name(i)), (int)i);
    assert_int_equal(hcsi_cc_index("HcsCancelLiveMigration") >= 0, 1);
    assert_string_equal(hcs_compute_event_type_name(HCS_EVENT_PROCESS_EXITED), "ProcessExited");
    assert_string_equal(hcs_compute_event_type_name(0x12345u), "Unknown");
    assert_string_equal(hcs_compute_op_type_name(HCS_OP_TYPE_LIVE_MIGRATION), "LiveMigration");
    assert_string_equal(hcs_compute_op_type_name(HCS_OP_TYPE_NONE), "None");
    assert_string_equal(hcs_compute_op_type_name(99), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_events_basic),
        cmocka_unit_test(test_events_full_keeps_exits),
        cmocka_unit_test(test_events_threads),
        cmocka_unit_test(test_rich_error),
        cmocka_unit_test(test_predicates_and_parsers),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
