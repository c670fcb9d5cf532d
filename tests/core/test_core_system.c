/* Contract tests under wine: operations, enumeration, compute systems and
 * their events, against the test-double computecore.dll. Each test checks
 * what reached the DLL (UTF-16 documents, handles, contexts), and the
 * teardown checks handle lifetimes, the double's rules and the allocator
 * that freed every returned string. */
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
#include "core_test_util.h"

static void test_features(void **state)
{
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_compute_features(&json), HCS_S_OK);
    assert_contains(json, "\"loaded\":true");
    assert_contains(json, "computecore.dll");
    assert_contains(json, "\"available\":60,\"total\":60");
    assert_contains(json, "\"HcsCancelLiveMigration\":true");
    hcs_free(json);
    assert_int_equal(hcs_compute_function_present("HcsGetOperationProperties"), 1);
    assert_int_equal(hcs_compute_function_present("HcsNoSuchThing"), -1);
    assert_int_equal(hcs_compute_function_count(), 60);
}

/* UTF-8 in, the exact UTF-16 at the DLL (a surrogate pair included), one
 * fresh operation per call, waited with the given timeout, closed after. */
static void test_create_utf16_and_op_lifetime(void **state)
{
    static const char id[] = "vm-\xc3\xa9\xf0\x9f\x98\x80";
    static const char cfg[] = "{\"Owner\":\"caf\xc3\xa9\",\"SchemaVersion\":{\"Major\":2,"
                              "\"Minor\":1},\"VirtualMachine\":{}}";
    hcs_system *s = NULL;
    const fake_call *c;
    (void)state;
    assert_int_equal(hcs_compute_system_create(id, cfg, 1234, &s), HCS_S_OK);
    assert_string_equal(hcs_compute_system_id(s), id);
    c = fake_nth("HcsCreateComputeSystem", 0);
    assert_wstr(c, 0, id);
    assert_int_equal(c->wlen[0], 6); /* v m - e-acute + surrogate pair */
    assert_int_equal(c->wstr[0][4], 0xD83D);
    assert_int_equal(c->wstr[0][5], 0xDE00);
    assert_wstr(c, 1, cfg);
    assert_int_equal(c->h[1], 0); /* security descriptor: reserved, NULL */
    /* the operation: created with a key as context, waited, closed */
    assert_int_equal(F.count("HcsCreateOperation"), 1);
    assert_true(fake_is_key(fake_nth("HcsCreateOperation", 0)->h[0]));
    assert_int_equal(fake_nth("HcsCreateOperation", 0)->h[1], 0);
    assert_int_equal(fake_nth("HcsWaitForOperationResult", 0)->n[0], 1234);
    assert_int_equal(fake_nth("HcsWaitForOperationResult", 0)->h[0],
                     fake_nth("HcsCreateOperation", 0)->h[2]);
    assert_int_equal(F.count("HcsCloseOperation"), 1);
    assert_true(F.find("HcsCloseOperation", 0) > F.find("HcsWaitForOperationResult", 0));
    hcs_compute_system_close(s);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
}

static void test_create_failure_rich_error(void **state)
{
    static const char doc[] =
        "{\"Error\":-2143878899,\"ErrorMessage\":\"The JSON document is invalid.\","
        "\"ErrorEvents\":[{\"Message\":\"Unknown field 'Foo'\",\"Provider\":"
        "\"17103e3f-3c6e-4677-bb17-3b267eb5be57\",\"EventId\":11002,\"Source\":\"$.Foo\"}]}";
    hcs_system *s = (hcs_system *)1;
    const hcs_error *e;
    (void)state;
    fake_push_result("HcsCreateComputeSystem", HCS_ERR_INVALID_JSON, doc);
    assert_int_equal(hcs_compute_system_create("vm1", "{\"Foo\":1}", HCS_TIMEOUT_DEFAULT, &s),
                     HCS_ERR_INVALID_JSON);
    assert_null(s);
    e = hcs_error_last();
    assert_non_null(e);
    assert_int_equal(e->code, HCS_ERR_INVALID_JSON);
    assert_contains(e->message, "create compute system \"vm1\": The JSON document is "
                                "invalid. (HCS_E_INVALID_JSON 0x8037010D)");
    assert_contains(e->message, "; event: Unknown field 'Foo' (provider "
                                "17103e3f-3c6e-4677-bb17-3b267eb5be57, event id 11002, "
                                "source $.Foo)");
    assert_string_equal(e->detail, doc);
    /* the default timeout is hcsshim's 4 minutes */
    assert_int_equal(fake_nth("HcsWaitForOperationResult", 0)->n[0], 240000);
    /* the handle HCS returned was closed (teardown: none left open) */
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
}

static void test_create_call_failure(void **state)
{
    hcs_system *s = NULL;
    fake_step st;
    (void)state;
    memset(&st, 0, sizeof st);
    st.fn = "HcsCreateComputeSystem";
    st.call_hr = HCS_ERR_ACCESS_DENIED;
    F.push(&st);
    assert_int_equal(hcs_compute_system_create("vm1", "{}", 1000, &s), HCS_ERR_ACCESS_DENIED);
    assert_contains(hcs_error_last()->message,
                    "create compute system \"vm1\" (HcsCreateComputeSystem): ");
    assert_contains(hcs_error_last()->message, "HCS_E_ACCESS_DENIED 0x8037011B");
    assert_int_equal(F.count("HcsWaitForOperationResult"), 0);
}

/* A create that fails but hands a handle back all the same: the handle is
 * closed (teardown: no handle left open). A system whose callback cannot be
 * registered right after its create is terminated and closed, as hcsshim's
 * v2/system.go CreateComputeSystem does. */
static void test_create_failures_leave_nothing(void **state)
{
    hcs_system *s = (hcs_system *)1;
    hcs_events *q = NULL;
    hcs_compute_system_create_options o = HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_INIT;
    fake_step st;
    (void)state;
    memset(&st, 0, sizeof st);
    st.fn = "HcsCreateComputeSystem";
    st.call_hr = HCS_ERR_ACCESS_DENIED;
    st.handle_on_failure = 1;
    F.push(&st);
    assert_int_equal(hcs_compute_system_create("vm-h", "{}", 1000, &s), HCS_ERR_ACCESS_DENIED);
    assert_null(s);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);

    assert_int_equal(hcs_compute_events_create(&q), HCS_S_OK);
    o.events = q;
    o.event_options = HCS_EVENT_OPTION_NONE;
    fake_push_result("HcsSetComputeSystemCallback", HCS_ERR_INVALIDARG, NULL);
    assert_int_equal(hcs_compute_system_create_ex("vm-cb", "{}", &o, 1000, &s), HCS_ERR_INVALIDARG);
    assert_null(s);
    assert_contains(hcs_error_last()->message, "subscribe to compute system \"vm-cb\"");
    assert_int_equal(F.count("HcsTerminateComputeSystem"), 1);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 2);
    hcs_compute_events_close(q);
}

static void test_create_timeout_cancels_and_terminates(void **state)
{
    hcs_system *s = NULL;
    (void)state;
    fake_push_pending("HcsCreateComputeSystem", FAKE_PENDING_NEVER);
    assert_int_equal(hcs_compute_system_create("vm-slow", "{}", 50, &s), HCS_ERR_OPERATION_TIMEOUT);
    assert_null(s);
    assert_contains(hcs_error_last()->message,
                    "create compute system \"vm-slow\": did not complete within 50 ms");
    assert_contains(hcs_error_last()->message, "Not implemented"); /* E_NOTIMPL */
    assert_int_equal(F.count("HcsCancelOperation"), 1);
    /* hcsshim's rule: a system whose creation timed out is terminated */
    assert_int_equal(F.count("HcsTerminateComputeSystem"), 1);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
}

static void test_open_missing(void **state)
{
    hcs_system *s = (hcs_system *)1;
    (void)state;
    assert_int_equal(hcs_compute_system_open("nope", &s), HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND);
    assert_null(s);
    assert_contains(hcs_error_last()->message,
                    "open compute system \"nope\": No VM/container with that id "
                    "(ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND 0xC037010E)");
    assert_int_equal(fake_nth("HcsOpenComputeSystem", 0)->n[0], GENERIC_ALL);
}

static void test_verbs(void **state)
{
    hcs_system *s = open_running();
    char *props = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_pause(s, NULL, 1000), HCS_S_OK);
    assert_null(fake_nth("HcsPauseComputeSystem", 0)->str[0]);
    assert_int_equal(hcs_compute_system_properties(s, "{\"PropertyTypes\":[\"Memory\"]}", 1000,
                                           &props),
                     HCS_S_OK);
    assert_contains(props, "\"State\":\"Paused\"");
    assert_string_equal(fake_nth("HcsGetComputeSystemProperties", 0)->str[0],
                        "{\"PropertyTypes\":[\"Memory\"]}");
    hcs_free(props);
    assert_int_equal(hcs_compute_system_save(s, "{\"SaveType\":\"ToFile\",\"SaveStateFilePath\":"
                                        "\"C:\\\\vm\\\\s.vmrs\"}", 1000),
                     HCS_S_OK);
    assert_string_equal(fake_nth("HcsSaveComputeSystem", 0)->str[0],
                        "{\"SaveType\":\"ToFile\",\"SaveStateFilePath\":"
                        "\"C:\\\\vm\\\\s.vmrs\"}");
    assert_int_equal(hcs_compute_system_resume(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_modify(s, "{\"ResourcePath\":\"VirtualMachine/"
                                          "ComputeTopology/Memory/SizeInMB\","
                                          "\"RequestType\":\"Update\",\"Settings\":2048}",
                                       (hcs_os_handle)0x1234, 1000),
                     HCS_S_OK);
    assert_int_equal(fake_nth("HcsModifyComputeSystem", 0)->h[2], 0x1234);
    assert_int_equal(hcs_compute_system_shutdown(s, NULL, 1000), HCS_S_OK);
    /* stopped: terminate is "already stopped", success (S_FALSE) */
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_ERR_S_FALSE);
    /* start on a stopped system: the rich error */
    assert_int_equal(hcs_compute_system_start(s, NULL, 1000), HCS_ERR_INVALID_STATE);
    assert_contains(hcs_error_last()->message, "start compute system \"fakevm-running\"");
    assert_int_equal(hcs_compute_system_pause(s, NULL, 1000), HCS_ERR_SYSTEM_ALREADY_STOPPED);
    hcs_compute_system_close(s);
    /* every verb had its own operation, all closed */
    assert_int_equal(F.count("HcsCreateOperation"), F.count("HcsCloseOperation"));
}

/* ERROR_VMCOMPUTE_TIMEOUT (0xC0370109, "no response from the virtual
 * machine or container") is what an operation completed with, not the wait
 * running out: hcsshim's v2 system.go / process.go hand it back as the
 * operation's error and cancel nothing (hcs-api.md §6 lists it among the
 * results). Only HCS_E_OPERATION_TIMEOUT is a timed-out wait. */
static void test_vmcompute_timeout_is_a_result(void **state)
{
    hcs_system *s = open_running();
    const hcs_error *e;
    (void)state;
    fake_push_result("HcsPauseComputeSystem", HCS_ERR_VMCOMPUTE_TIMEOUT, NULL);
    assert_int_equal(hcs_compute_system_pause(s, NULL, 5000), HCS_ERR_VMCOMPUTE_TIMEOUT);
    e = hcs_error_last();
    assert_int_equal(e->code, HCS_ERR_VMCOMPUTE_TIMEOUT);
    assert_contains(e->message, "ERROR_VMCOMPUTE_TIMEOUT 0xC0370109");
    assert_null(strstr(e->message, "did not complete within"));
    assert_int_equal(F.count("HcsCancelOperation"), 0);
    /* the same code from the exit wait is the wait's result too */
    fake_push_result("HcsWaitForComputeSystemExit", HCS_ERR_VMCOMPUTE_TIMEOUT, NULL);
    assert_int_equal(hcs_compute_system_wait(s, 5000, NULL), HCS_ERR_VMCOMPUTE_TIMEOUT);
    assert_contains(hcs_error_last()->message, "wait for compute system \"fakevm-running\"");
    /* while WAIT_TIMEOUT from the exit wait is the time running out */
    fake_push_result("HcsWaitForComputeSystemExit", HCS_ERR_WIN32_WAIT_TIMEOUT, NULL);
    assert_int_equal(hcs_compute_system_wait(s, 5000, NULL), HCS_ERR_OPERATION_TIMEOUT);
    assert_contains(hcs_error_last()->message, "did not exit within 5000 ms");
    hcs_compute_system_close(s);
}

/* A result document with an unpaired surrogate (Windows does not validate
 * UTF-16): the operation succeeded, so the call succeeds, the unit becoming
 * U+FFFD -- hcsshim's Go strings convert the same way. */
static void test_result_with_lone_surrogate(void **state)
{
    hcs_system *s = open_running();
    char *props = NULL;
    (void)state;
    fake_push_result("HcsGetComputeSystemProperties", HCS_S_OK,
                     "{\"Name\":\"a\xEF\xB7\x90" "b\"}");
    assert_int_equal(hcs_compute_system_properties(s, NULL, 1000, &props), HCS_S_OK);
    assert_string_equal(props, "{\"Name\":\"a\xEF\xBF\xBD" "b\"}");
    hcs_free(props);
    hcs_compute_system_close(s);
}

/* What hcsshim's v2/system.go Shutdown and Terminate take as done: already
 * stopped, the system no longer existing (0xC037010E) and a stop already
 * under way (ERROR_VMCOMPUTE_OPERATION_PENDING 0xC0370103). */
static void test_stop_tolerated_results(void **state)
{
    hcs_system *s = open_running();
    (void)state;
    fake_push_result("HcsShutDownComputeSystem", HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND, NULL);
    assert_int_equal(hcs_compute_system_shutdown(s, NULL, 1000), HCS_S_FALSE);
    fake_push_result("HcsTerminateComputeSystem", HCS_ERR_VMCOMPUTE_OPERATION_PENDING, NULL);
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_S_FALSE);
    /* other verbs keep those codes */
    fake_push_result("HcsPauseComputeSystem", HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND, NULL);
    assert_int_equal(hcs_compute_system_pause(s, NULL, 1000), HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND);
    hcs_compute_system_close(s);
}

static void test_crash_and_wait(void **state)
{
    hcs_system *s = NULL;
    char *exit_doc = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_create("vm-crash", "{}", 1000, &s), HCS_S_OK);
    assert_int_equal(hcs_compute_system_start(s, "{}", 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s, 10, &exit_doc), HCS_ERR_OPERATION_TIMEOUT);
    assert_contains(hcs_error_last()->message,
                    "compute system \"vm-crash\" did not exit within 10 ms");
    assert_null(exit_doc);
    assert_int_equal(hcs_compute_system_crash(s, NULL, 1000), HCS_S_OK);
    assert_int_equal(hcs_compute_system_wait(s, HCS_TIMEOUT_INFINITE, &exit_doc), HCS_S_OK);
    assert_contains(exit_doc, "\"ExitType\":\"UnexpectedExit\"");
    assert_int_equal(fake_nth("HcsWaitForComputeSystemExit", 1)->n[0], 0xFFFFFFFFu);
    hcs_free(exit_doc);
    hcs_compute_system_close(s);
}

static void test_enumerate(void **state)
{
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_compute_enumerate("{\"Owners\":[\"fake\"]}", 1000, &json), HCS_S_OK);
    assert_contains(json, "\"Id\":\"fakevm-running\"");
    assert_contains(json, "\"State\":\"Stopped\"");
    assert_string_equal(fake_nth("HcsEnumerateComputeSystems", 0)->str[0],
                        "{\"Owners\":[\"fake\"]}");
    hcs_free(json);
    assert_int_equal(hcs_compute_enumerate_in_namespace("ns-1", NULL, 1000, &json), HCS_S_OK);
    assert_string_equal(fake_nth("HcsEnumerateComputeSystemsInNamespace", 0)->str[0],
                        "ns-1");
    assert_null(fake_nth("HcsEnumerateComputeSystemsInNamespace", 0)->str[1]);
    hcs_free(json);
}

/* A failed enumeration is an error, never an empty list. */
static void test_enumerate_failure(void **state)
{
    char *json = (char *)1;
    (void)state;
    fake_push_result("HcsEnumerateComputeSystems", HCS_ERR_ACCESS_DENIED,
                     "{\"Error\":-2143878885,\"ErrorMessage\":\"Access is denied. See "
                     "aka.ms/hcsadmin\"}");
    assert_int_equal(hcs_compute_enumerate(NULL, 1000, &json), HCS_ERR_ACCESS_DENIED);
    assert_null(json);
    assert_contains(hcs_error_last()->message,
                    "enumerate compute systems: Access is denied. See aka.ms/hcsadmin");
}

static HANDLE g_closed_ev;
static void wait_for_consumer_close(void) { WaitForSingleObject(g_closed_ev, 5000); }

/* A consumer that closes the system as soon as its event arrives can leave
 * the event callback holding the last reference. Real HcsCloseComputeSystem
 * waits for the handle's running callbacks, so closing it there waits for
 * itself (hcsshim v2/system.go; WSL HcsVirtualMachine.cpp and the deadlock
 * fix in microsoft/WSL PR #41269). The double records such a close as a
 * violation; the library must close on another thread. */
static void test_close_by_consumer_during_callback(void **state)
{
    hcs_events *q = NULL;
    hcs_system *s = NULL;
    int i;
    (void)state;
    g_closed_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(g_closed_ev);
    q = new_queue();
    s = open_running();
    assert_int_equal(hcs_compute_system_subscribe(s, q, 0, 1), HCS_S_OK);
    /* the callback holds on after queueing the event until the consumer closed */
    hcsi_cc_set_event_tramp_hook(wait_for_consumer_close);
    F.fire("fakevm-running", 0, HCS_EVENT_SYSTEM_EXITED, "{\"Status\":0}", 0);
    expect_event(q, HCS_EVENT_SYSTEM_EXITED, 1);
    hcs_compute_system_close(s);
    SetEvent(g_closed_ev);
    for (i = 0; i < 500 && F.callbacks_running() > 0; i++)
        Sleep(10);
    assert_int_equal(F.callbacks_running(), 0);
    assert_true(hcsi_obj_drain_deferred(5000));
    hcsi_cc_set_event_tramp_hook(NULL);
    /* closed once, and not on the callback (teardown: no violation) */
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
    hcs_compute_events_close(q);
    CloseHandle(g_closed_ev);
}

static void test_system_events(void **state)
{
    hcs_events *q = new_queue();
    hcs_system *s = open_running();
    hcs_event *e = NULL;
    const fake_call *c;
    (void)state;
    assert_int_equal(hcs_compute_system_subscribe(s, q, HCS_EVENT_OPTION_ENABLE_VM_LIFECYCLE, 77),
                     HCS_S_OK);
    c = fake_nth("HcsSetComputeSystemCallback", 0);
    assert_true(fake_is_key(c->h[1])); /* a key, not a pointer */
    assert_int_not_equal(c->h[1], (uint64_t)(uintptr_t)s);
    assert_int_equal(c->n[0], HCS_EVENT_OPTION_ENABLE_VM_LIFECYCLE);
    /* an event from another thread */
    F.fire("fakevm-running", 0, HCS_EVENT_SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED,
           "{\"Enabled\":true}", 0);
    e = next_event(q, HCS_EVENT_SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED);
    assert_string_equal(hcs_compute_event_type_name(e->type), "SystemRdpEnhancedModeStateChanged");
    assert_string_equal(e->data, "{\"Enabled\":true}");
    assert_string_equal(e->system_id, "fakevm-running");
    assert_int_equal(e->tag, 77);
    hcs_compute_event_free(e);
    /* terminate: the exit arrives with its SystemExitStatus */
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_S_OK);
    e = next_event(q, HCS_EVENT_SYSTEM_EXITED);
    assert_contains(e->data, "\"ExitType\":\"GracefulExit\"");
    hcs_compute_event_free(e);
    /* the service going away */
    F.fire(NULL, 0, HCS_EVENT_SERVICE_DISCONNECT, NULL, 0);
    e = next_event(q, HCS_EVENT_SERVICE_DISCONNECT);
    assert_null(e->data);
    hcs_compute_event_free(e);
    assert_int_equal(hcs_compute_events_wait(q, 20, &e), HCS_ERR_OPERATION_TIMEOUT);
    assert_null(e);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

/* A callback that arrives after the close finds no key: dropped. */
static void test_late_event_after_close(void **state)
{
    hcs_events *q = new_queue();
    hcs_system *s = open_running();
    (void)state;
    assert_int_equal(hcs_compute_system_subscribe(s, q, 0, 1), HCS_S_OK);
    hcs_compute_system_close(s);
    F.fire("fakevm-running", 0, HCS_EVENT_SYSTEM_CRASH_REPORT, "{}", 1 /* late */);
    fake_settle();
    assert_int_equal(hcs_compute_events_pending(q), 0);
    hcs_compute_events_close(q);
}

static void test_create_in_namespace_with_events(void **state)
{
    hcs_compute_system_create_options o;
    hcs_events *q = new_queue();
    hcs_system *s = NULL;
    hcs_event *e = NULL;
    hcs_op *op = NULL;
    uint64_t id = 0;
    const fake_call *c;
    (void)state;
    hcs_compute_system_create_options_init(&o, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION);
    o.namespace_id = "ns-1";
    o.events = q;
    o.event_options = HCS_EVENT_OPTION_ENABLE_LIVE_MIGRATION_EVENTS;
    o.event_tag = 5;
    assert_int_equal(hcs_compute_system_create_ex("vm-ns", "{}", &o, 1000, &s), HCS_S_OK);
    c = fake_nth("HcsCreateComputeSystemInNamespace", 0);
    assert_string_equal(c->str[0], "ns-1");
    assert_string_equal(c->str[1], "vm-ns");
    assert_int_equal(c->n[0], 0x00010000); /* HcsCreateOptions_1 */
    assert_int_equal(c->n[1], HCS_EVENT_OPTION_ENABLE_LIVE_MIGRATION_EVENTS);
    assert_true(fake_is_key(c->h[1]));
    assert_int_not_equal(c->h[2], 0);
    /* subscribed atomically: no separate HcsSetComputeSystemCallback */
    assert_int_equal(F.count("HcsSetComputeSystemCallback"), 0);
    assert_int_equal(hcs_compute_system_start(s, NULL, 1000), HCS_S_OK);
    /* the event names the operation while it is open */
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_MIGRATION_INITIALIZE, "{}", op),
                     HCS_S_OK);
    e = next_event(q, HCS_EVENT_GROUP_LIVE_MIGRATION);
    assert_int_equal(hcs_compute_op_get_id(op, &id), HCS_S_OK);
    assert_int_equal(e->operation_id, id);
    assert_int_equal(e->tag, 5);
    hcs_compute_event_free(e);
    hcs_compute_op_close(op);
    /* A synchronous call's event names that call's internal operation
     * while it is still open and carries no id once it was closed: the
     * double fires it from another thread, so either may be seen, but
     * never the id of the operation closed above. */
    assert_int_equal(hcs_compute_system_migration_start(s, "{}", 1000), HCS_S_OK);
    e = next_event(q, HCS_EVENT_GROUP_LIVE_MIGRATION);
    assert_int_not_equal(e->operation_id, id);
    assert_int_equal(e->tag, 5);
    hcs_compute_event_free(e);
    hcs_compute_system_close(s);
    /* open in the namespace too */
    assert_int_equal(hcs_compute_system_open_in_namespace("ns-1", "vm-ns", &s), HCS_S_OK);
    assert_string_equal(fake_nth("HcsOpenComputeSystemInNamespace", 0)->str[0], "ns-1");
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_S_OK);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

static void test_create_with_events_plain(void **state)
{
    hcs_compute_system_create_options o;
    hcs_events *q = new_queue();
    hcs_system *s = NULL;
    (void)state;
    hcs_compute_system_create_options_init(&o, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION);
    o.events = q;
    assert_int_equal(hcs_compute_system_create_ex("vm-ev", "{}", &o, 1000, &s), HCS_S_OK);
    /* registered before the creation was waited for */
    assert_true(F.find("HcsSetComputeSystemCallback", 0) <
                F.find("HcsWaitForOperationResult", 0));
    assert_int_equal(hcs_compute_system_terminate(s, NULL, 1000), HCS_S_OK);
    expect_event(q, HCS_EVENT_SYSTEM_EXITED, 0);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

/* ---- operations ---- */

typedef struct cb_state {
    HANDLE done;
    DWORD tid;
    hcs_result hr;
    char *doc;
    void *ctx;
} cb_state;

static void on_complete(hcs_op *op, void *ctx)
{
    cb_state *st = (cb_state *)ctx;
    st->tid = GetCurrentThreadId();
    st->ctx = ctx;
    st->hr = hcs_compute_op_result(op, &st->doc);
    SetEvent(st->done);
}

static void test_op_callback_from_other_thread(void **state)
{
    cb_state st;
    hcs_op *op = NULL;
    hcs_system *s = NULL;
    void *ctx = NULL;
    (void)state;
    memset(&st, 0, sizeof st);
    st.done = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_int_equal(hcs_compute_system_open("fakevm-running", &s), HCS_S_OK);
    assert_int_equal(hcs_compute_op_create_with_callback(on_complete, &st, &op), HCS_S_OK);
    assert_true(fake_is_key(fake_nth("HcsCreateOperation", 0)->h[0]));
    assert_int_not_equal(fake_nth("HcsCreateOperation", 0)->h[1], 0);
    assert_int_equal(hcs_compute_op_get_context(op, &ctx), HCS_S_OK);
    assert_ptr_equal(ctx, &st);
    fake_push_pending("HcsGetComputeSystemProperties", 100);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_PROPERTIES, NULL, op), HCS_S_OK);
    assert_int_equal(WaitForSingleObject(st.done, 5000), WAIT_OBJECT_0);
    assert_int_not_equal(st.tid, GetCurrentThreadId());
    assert_int_equal(st.hr, HCS_S_OK);
    assert_ptr_equal(st.ctx, &st);
    assert_contains(st.doc, "\"Id\":\"fakevm-running\"");
    hcs_free(st.doc);
    hcs_compute_op_close(op);
    hcs_compute_system_close(s);
    CloseHandle(st.done);
}

static void test_op_pending_result_and_accessors(void **state)
{
    hcs_op *op = NULL;
    hcs_system *s = NULL, *from = NULL;
    hcs_process *pfrom = (hcs_process *)1;
    char *doc = NULL;
    uint64_t id = 0;
    int type = 0, marker = 0;
    void *ctx = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_open("fakevm-running", &s), HCS_S_OK);
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    /* before use */
    assert_int_equal(hcs_compute_op_get_id(op, &id), HCS_ERR_OPERATION_NOT_STARTED);
    assert_int_equal(hcs_compute_op_result(op, &doc), HCS_ERR_OPERATION_NOT_STARTED);
    assert_int_equal(hcs_compute_op_get_type(op, &type), HCS_S_OK);
    assert_int_equal(type, HCS_OP_TYPE_NONE);
    assert_int_equal(hcs_compute_op_add_resource(op, HCS_RESOURCE_SOCKET,
                                         "hcs:/VirtualMachine/LiveMigrationSocket",
                                         (hcs_os_handle)0x99),
                     HCS_S_OK);
    assert_string_equal(fake_nth("HcsAddResourceToOperation", 0)->str[0],
                        "hcs:/VirtualMachine/LiveMigrationSocket");
    assert_int_equal(fake_nth("HcsAddResourceToOperation", 0)->n[0], HCS_RESOURCE_SOCKET);
    assert_int_equal(fake_nth("HcsAddResourceToOperation", 0)->h[1], 0x99);
    assert_int_equal(hcs_compute_op_set_context(op, &marker), HCS_S_OK);
    assert_true(fake_is_key(fake_nth("HcsSetOperationContext", 0)->h[1]));
    assert_int_equal(hcs_compute_op_get_context(op, &ctx), HCS_S_OK);
    assert_ptr_equal(ctx, &marker);
    fake_push_pending("HcsStartComputeSystem", FAKE_PENDING_NEVER);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_START, "{}", op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_result(op, &doc), HCS_ERR_OPERATION_PENDING);
    assert_contains(hcs_error_last()->message,
                    "start compute system \"fakevm-running\": still running");
    assert_int_equal(hcs_compute_op_get_id(op, &id), HCS_S_OK);
    assert_int_not_equal(id, 0);
    assert_int_equal(hcs_compute_op_get_type(op, &type), HCS_S_OK);
    assert_int_equal(type, HCS_OP_TYPE_START);
    assert_string_equal(hcs_compute_op_type_name(type), "Start");
    assert_int_equal(hcs_compute_op_get_system(op, &from), HCS_S_OK);
    assert_ptr_equal(from, s);
    assert_int_equal(hcs_compute_op_get_process(op, &pfrom), HCS_ERR_WIN32_NOT_FOUND);
    assert_null(pfrom);
    assert_int_equal(hcs_compute_op_properties(op, "{}", &doc), HCS_S_OK);
    assert_contains(doc, "\"State\":\"Pending\"");
    hcs_free(doc);
    assert_int_equal(hcs_compute_op_cancel(op), HCS_ERR_NOTIMPL); /* best effort */
    assert_int_equal(hcs_compute_op_wait(op, 10, &doc), HCS_ERR_OPERATION_TIMEOUT);
    F.complete_all();
    assert_int_equal(hcs_compute_op_wait(op, 5000, &doc), HCS_S_OK);
    assert_null(doc);
    assert_int_equal(hcs_compute_op_result(op, &doc), HCS_S_OK);
    /* an operation is used once: a second use is refused by HCS */
    assert_int_equal(F.count("HcsCloseOperation"), 0);
    hcs_compute_op_close(op);
    hcs_compute_system_close(s);
}

typedef struct waiter {
    hcs_op *op;
    hcs_result hr;
} waiter;

static void waiter_thread(void *arg)
{
    waiter *w = (waiter *)arg;
    w->hr = hcs_compute_op_wait(w->op, HCS_TIMEOUT_INFINITE, NULL);
}

/* Closing an operation another thread waits on: HcsCloseOperation only
 * after that wait returned (the double flags a close during a wait). */
static void test_close_while_waiting(void **state)
{
    hcs_op *op = NULL;
    hcs_system *s = open_running();
    hcsi_thread t;
    waiter w;
    (void)state;
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    fake_push_pending("HcsPauseComputeSystem", FAKE_PENDING_NEVER);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_PAUSE, NULL, op), HCS_S_OK);
    w.op = op;
    w.hr = -1;
    assert_int_equal(hcsi_thread_start(&t, waiter_thread, &w), HCS_S_OK);
    while (F.count("HcsWaitForOperationResult") == 0)
        Sleep(5);
    hcs_compute_op_close(op); /* deferred */
    Sleep(50);
    assert_int_equal(F.count("HcsCloseOperation"), 0);
    F.complete_all();
    hcsi_thread_join(&t);
    assert_int_equal(w.hr, HCS_S_OK);
    assert_int_equal(F.count("HcsCloseOperation"), 1);
    hcs_compute_system_close(s);
}

static void test_op_notifications(void **state)
{
    hcs_events *q = new_queue();
    hcs_op *op = NULL;
    hcs_system *s = open_running();
    hcs_event *e = NULL;
    uint64_t id = 0;
    (void)state;
    assert_int_equal(hcs_compute_op_create_with_events(q, HCS_OP_OPTION_PROGRESS_UPDATE, 9, &op),
                     HCS_S_OK);
    assert_int_equal(fake_nth("HcsCreateOperationWithNotifications", 0)->n[0],
                     HCS_OP_OPTION_PROGRESS_UPDATE);
    assert_true(fake_is_key(fake_nth("HcsCreateOperationWithNotifications", 0)->h[0]));
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_SAVE, "{}", op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_wait(op, 5000, NULL), HCS_S_OK);
    assert_int_equal(hcs_compute_op_get_id(op, &id), HCS_S_OK);
    e = next_event(q, HCS_EVENT_OPERATION_CALLBACK);
    assert_int_equal(e->operation_id, id);
    assert_int_equal(e->tag, 9);
    assert_null(e->system_id);
    hcs_compute_event_free(e);
    hcs_compute_op_close(op);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

/* With HcsEventOptionEnableOperationCallbacks, completions arrive as system
 * events and per-operation callbacks are refused. */
static void test_system_operation_callbacks(void **state)
{
    hcs_events *q = new_queue();
    hcs_op *op = NULL;
    hcs_system *s = open_running();
    hcs_event *e = NULL;
    (void)state;
    assert_int_equal(hcs_compute_system_subscribe(s, q, HCS_EVENT_OPTION_ENABLE_OPERATION_CALLBACKS,
                                          3),
                     HCS_S_OK);
    assert_int_equal(hcs_compute_op_create(&op), HCS_S_OK);
    assert_int_equal(hcs_compute_system_begin(s, HCS_SYSTEM_VERB_RESUME, NULL, op), HCS_S_OK);
    assert_int_equal(hcs_compute_op_set_callback(op, on_complete, NULL),
                     HCS_ERR_OPERATION_SYSTEM_CALLBACK_ALREADY_SET);
    assert_int_equal(hcs_compute_op_wait(op, 5000, NULL), HCS_S_OK);
    e = next_event(q, HCS_EVENT_OPERATION_CALLBACK);
    assert_string_equal(e->system_id, "fakevm-running");
    assert_int_not_equal(e->operation_id, 0);
    hcs_compute_event_free(e);
    hcs_compute_op_close(op);
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
}

/* Closing a system while another thread is inside a call on it. */
static void props_thread(void *arg)
{
    hcs_system *s = (hcs_system *)arg;
    char *json = NULL;
    if (HCS_SUCCEEDED(hcs_compute_system_properties(s, NULL, HCS_TIMEOUT_INFINITE, &json)))
        hcs_free(json);
}

static void test_system_close_during_call(void **state)
{
    hcs_system *s = open_running();
    hcsi_thread t;
    (void)state;
    fake_push_pending("HcsGetComputeSystemProperties", FAKE_PENDING_NEVER);
    assert_int_equal(hcsi_thread_start(&t, props_thread, s), HCS_S_OK);
    while (F.count("HcsWaitForOperationResult") == 0)
        Sleep(5);
    hcs_compute_system_close(s);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 0); /* still in use */
    F.complete_all();
    hcsi_thread_join(&t);
    assert_int_equal(F.count("HcsCloseComputeSystem"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_features, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_vmcompute_timeout_is_a_result, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_stop_tolerated_results, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_failures_leave_nothing, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_result_with_lone_surrogate, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_utf16_and_op_lifetime, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_failure_rich_error, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_call_failure, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_timeout_cancels_and_terminates,
                                        fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_open_missing, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_verbs, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_crash_and_wait, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_enumerate, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_enumerate_failure, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_system_events, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_close_by_consumer_during_callback, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_late_event_after_close, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_in_namespace_with_events, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_create_with_events_plain, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_op_callback_from_other_thread, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_op_pending_result_and_accessors, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_close_while_waiting, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_op_notifications, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_system_operation_callbacks, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_system_close_during_call, fake_setup,
                                        fake_teardown),
    };
    if (fake_load("computecore.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
