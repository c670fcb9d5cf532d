/* Contract tests under wine: hcs/network.h against the test-double
 * computenetwork.dll (which also answers vmcompute's HNSCall). Every one
 * of the 50 bound functions and HNSCall is reached (the last test checks
 * the tally), every HCN string is freed with CoTaskMemFree, port
 * reservation arrays with HcnFreeGuestNetworkPortReservations. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "win/loader.h"
#include "network/network_int.h"
#include "fake_ext.h"
#include "hcs.h"
#include "core_test_util.h"

static fake_ext X;
/* reached besides the 50 bound functions */
static const char *const k_hns_call[] = {"HNSCall"};

typedef int (*fire_fn)(uint32_t type, int32_t status, const char *data);
typedef void (*version_fn)(int major, int minor);
typedef void (*fire_ctx_fn)(void *cb, void *ctx, uint32_t type);

#define NET1 "0e7a0001-0000-0000-0000-000000000000" /* exists in the double */
#define ID_A "3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60"
#define ID_B "b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30"

static int setup(void **state)
{
    (void)state;
    fake_ext_setup(&X);
    /* a fresh vmcompute table: the HNS version is read again */
    hcsi_dll_set_path(&hcsi_dll_vmcompute, fake_ext_path("computenetwork.dll"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_ext_teardown(&X);
    return 0;
}

#define contains assert_contains

static void test_networks(void **state)
{
    hcs_network *n = NULL, *o = NULL;
    char *json = NULL;
    size_t before;
    (void)state;
    assert_int_equal(hcs_net_network_create(ID_A, "{\"Name\":\"caf\xc3\xa9\",\"Type\":\"NAT\"}", &n),
                     HCS_S_OK);
    assert_string_equal(hcs_net_network_id(n), ID_A);
    assert_string_equal(fake_ext_nth(&X, "HcnCreateNetwork", 0)->str[3], ID_A);
    assert_string_equal(fake_ext_nth(&X, "HcnCreateNetwork", 0)->str[0],
                        "{\"Name\":\"caf\xc3\xa9\",\"Type\":\"NAT\"}");
    assert_int_equal(hcs_net_network_properties(n, NULL, &json), HCS_S_OK);
    contains(json, "\"ID\":\"" ID_A "\"");
    /* the default query is hcsshim's HostComputeQuery */
    contains(fake_ext_nth(&X, "HcnQueryNetworkProperties", 0)->str[0],
             "\"SchemaVersion\":{\"Major\":2,\"Minor\":0}");
    hcs_free(json);
    assert_int_equal(hcs_net_network_modify(n, "{\"ResourceType\":\"Policy\",\"RequestType\":\"Add\","
                                       "\"Settings\":{\"Policies\":[]}}"),
                     HCS_S_OK);
    assert_int_equal(hcs_net_network_list(NULL, &json), HCS_S_OK);
    contains(json, ID_A);
    contains(json, NET1);
    hcs_free(json);
    assert_int_equal(hcs_net_network_list("{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Flags\":1}",
                                  &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_network_get("{" ID_A "}", NULL, &json), HCS_S_OK);
    contains(json, "caf\xc3\xa9");
    hcs_free(json);
    assert_int_equal(hcs_net_network_open(NET1, &o), HCS_S_OK);
    assert_string_equal(hcs_net_network_id(o), NET1);
    hcs_net_network_close(o);
    hcs_net_network_close(n);
    assert_int_equal(hcs_net_network_delete(ID_A), HCS_S_OK);
    /* strings: all CoTaskMemFree, none LocalFree */
    before = fake_ext_frees(0);
    assert_int_equal(before, 0);
    assert_true(fake_ext_frees(1) >= 4);
}

static void test_created_ids_and_errors(void **state)
{
    hcs_network *n = NULL;
    char *json = (char *)1;
    const hcs_error *e;
    (void)state;
    /* no id: the nil GUID goes to HNS, the id comes from the properties */
    assert_int_equal(hcs_net_network_create(NULL, "{\"Name\":\"auto\"}", &n), HCS_S_OK);
    assert_string_equal(fake_ext_nth(&X, "HcnCreateNetwork", 0)->str[3],
                        "00000000-0000-0000-0000-000000000000");
    assert_string_equal(hcs_net_network_id(n), "a0000001-0000-0000-0000-000000000000");
    hcs_net_network_close(n);
    /* not found: HNS's text, the code's name, the record as detail */
    assert_int_equal(hcs_net_network_get(ID_B, NULL, &json), HCS_ERR_WIN32_NOT_FOUND);
    assert_null(json);
    e = hcs_error_last();
    contains(e->message, "open network \"" ID_B "\" (HcnOpenNetwork): network " ID_B
                         " not found (ERROR_NOT_FOUND 0x80070490)");
    contains(e->detail, "\"Success\":false");
    /* a scripted failure with a plain-text record */
    fake_ext_push(&X, "HcnDeleteNetwork", (int32_t)0x803B002Cu, "still in use by 2 endpoints");
    assert_int_equal(hcs_net_network_delete(NET1), HCS_ERR_HCN_ENTITY_HAS_REFERENCES);
    contains(hcs_error_last()->message, "delete network \"" NET1 "\" (HcnDeleteNetwork): "
                                        "still in use by 2 endpoints (HCN_E_ENTITY_HAS_REFERENCES");
    /* S_OK with an error record is a failure (hcsshim hcn/hcnerrors.go
     * checkForErrors), with the record's text */
    {
        fake_step st;
        memset(&st, 0, sizeof st);
        st.fn = "HcnDeleteNetwork";
        st.call_hr = 0;
        st.error_record = "{\"Success\":false,\"Error\":\"policy rejected\"}";
        X.push(&st);
        assert_int_equal(hcs_net_network_delete(NET1), HCS_ERR_FAIL);
        contains(hcs_error_last()->message, "delete network \"" NET1 "\" (HcnDeleteNetwork): "
                                            "policy rejected (E_FAIL");
    }
    /* bad ids never reach HCN */
    assert_int_equal(hcs_net_network_delete("not-a-guid"), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "id");
    assert_int_equal(hcs_net_network_open(NULL, &n), HCS_ERR_POINTER);
    assert_null(n);
    assert_int_equal(hcs_net_network_create(ID_A, NULL, &n), HCS_ERR_POINTER);
    assert_int_equal(hcs_net_network_create(ID_A, "{\"Name\":\"x\xff\"}", &n), HCS_ERR_WIN32_NO_UNICODE_TRANSLATION);
    assert_int_equal(X.count("HcnCreateNetwork"), 1);
}

static void test_endpoints(void **state)
{
    hcs_network *n = NULL;
    hcs_endpoint *e = NULL, *e2 = NULL;
    hcs_namespace *ns = NULL;
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_net_network_open(NET1, &n), HCS_S_OK);
    assert_int_equal(hcs_net_endpoint_create(n, ID_A, "{\"Name\":\"ep\"}", &e), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HcnCreateEndpoint", 0)->h[0] != 0, 1);
    assert_int_equal(hcs_net_endpoint_stats(e, NULL, &json), HCS_S_OK);
    contains(json, "BytesReceived");
    hcs_free(json);
    assert_int_equal(hcs_net_endpoint_addresses(e, "{}", &json), HCS_S_OK);
    contains(json, "192.168.100.10");
    assert_string_equal(fake_ext_nth(&X, "HcnQueryEndpointAddresses", 0)->str[0], "{}");
    hcs_free(json);
    assert_int_equal(hcs_net_endpoint_properties(e, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_endpoint_modify(e, "{\"ResourceType\":\"Port\",\"RequestType\":\"Update\"}"),
                     HCS_S_OK);
    assert_int_equal(hcs_net_endpoint_list(NULL, &json), HCS_S_OK);
    contains(json, ID_A);
    hcs_free(json);
    assert_int_equal(hcs_net_endpoint_get(ID_A, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_endpoint_open(ID_A, &e2), HCS_S_OK);
    hcs_net_endpoint_close(e2);
    /* namespaces */
    assert_int_equal(hcs_net_namespace_create(ID_B, "{\"Type\":\"HostDefault\"}", &ns), HCS_S_OK);
    assert_int_equal(hcs_net_namespace_add_endpoint(ID_B, ID_A), HCS_S_OK);
    assert_string_equal(fake_ext_nth(&X, "HcnModifyNamespace", 0)->str[0],
                        "{\"ResourceType\":\"Endpoint\",\"RequestType\":\"Add\",\"Settings\":"
                        "{\"EndpointId\":\"" ID_A "\"}}");
    assert_int_equal(hcs_net_namespace_remove_endpoint(ID_B, ID_A), HCS_S_OK);
    contains(fake_ext_nth(&X, "HcnModifyNamespace", 1)->str[0], "\"RequestType\":\"Remove\"");
    assert_int_equal(hcs_net_namespace_list(NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_namespace_properties(ns, NULL, &json), HCS_S_OK);
    hcs_free(json);
    hcs_net_namespace_close(ns);
    assert_int_equal(hcs_net_namespace_get(ID_B, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_namespace_delete(ID_B), HCS_S_OK);
    hcs_net_endpoint_close(e);
    assert_int_equal(hcs_net_endpoint_delete(ID_A), HCS_S_OK);
    hcs_net_network_close(n);
}

static const char *const k_eps[] = {ID_A};

/* A load balancer document (the builder's) over the endpoint ID_A: TCP port
 * internal -> external, with flags. */
static char *lb_doc(uint16_t internal, uint16_t external, uint32_t flags)
{
    hcs_schema_hcn_lb_mapping m = {6, internal, external, 0, 0};
    const hcs_schema_hcn_lb_options lo = {.version = HCS_SCHEMA_HCN_LB_OPTIONS_VERSION,
                                          .endpoint_ids = k_eps,
                                          .endpoint_count = 1,
                                          .mappings = &m,
                                          .mapping_count = 1,
                                          .flags = flags};
    char *doc = NULL;
    assert_int_equal(hcs_schema_build_hcn_lb(&lo, &doc), HCS_S_OK);
    return doc;
}

static void test_lb_and_routes(void **state)
{
    hcs_schema_hcn_route_options ro;
    hcs_lb *lb = NULL, *lb2 = NULL;
    hcs_route *rt = NULL, *rt2 = NULL;
    char *doc = lb_doc(80, 8080, 0), *json = NULL;
    (void)state;
    assert_int_equal(hcs_net_lb_create(ID_A, doc, &lb), HCS_S_OK);
    hcs_free(doc);
    assert_int_equal(hcs_net_lb_modify(lb, "{\"PortMappings\":[]}"), HCS_S_OK);
    assert_int_equal(hcs_net_lb_properties(lb, NULL, &json), HCS_S_OK);
    contains(json, "\"InternalPort\":80");
    hcs_free(json);
    assert_int_equal(hcs_net_lb_list(NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_lb_get(ID_A, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_lb_open(ID_A, &lb2), HCS_S_OK);
    hcs_net_lb_close(lb2);
    hcs_net_lb_close(lb);
    assert_int_equal(hcs_net_lb_delete(ID_A), HCS_S_OK);
    ro = (hcs_schema_hcn_route_options)HCS_SCHEMA_HCN_ROUTE_OPTIONS_INIT;
    ro.endpoint_ids = k_eps;
    ro.endpoint_count = 1;
    ro.destination_prefix = "10.1.0.0/16";
    ro.next_hop = "10.0.0.1";
    assert_int_equal(hcs_schema_build_hcn_route(&ro, &doc), HCS_S_OK);
    assert_int_equal(hcs_net_route_create(NULL, doc, &rt), HCS_S_OK);
    hcs_free(doc);
    contains(fake_ext_nth(&X, "HcnCreateSdnRoute", 0)->str[0], "\"Setting\":[{");
    assert_int_equal(hcs_net_route_modify(rt, "{}"), HCS_S_OK);
    assert_int_equal(hcs_net_route_properties(rt, NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_route_list(NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_route_get(hcs_net_route_id(rt), NULL, &json), HCS_S_OK);
    hcs_free(json);
    assert_int_equal(hcs_net_route_open(hcs_net_route_id(rt), &rt2), HCS_S_OK);
    hcs_net_route_close(rt2);
    assert_int_equal(hcs_net_route_delete(hcs_net_route_id(rt)), HCS_S_OK);
    hcs_net_route_close(rt);
}

static void test_notifications(void **state)
{
    fire_fn fire = (fire_fn)fake_ext_proc(&X, "FakeNetFire");
    hcs_events *q = new_queue();
    hcs_net_subscription *sub = NULL;
    hcs_event *ev = NULL;
    const fake_call *reg;
    (void)state;
    assert_int_equal(hcs_net_subscribe(q, 42, &sub), HCS_S_OK);
    reg = fake_ext_nth(&X, "HcnRegisterServiceCallback", 0);
    assert_true(reg->h[0] != 0 && reg->h[0] < 0x100000u); /* a key, not a pointer */
    assert_int_equal(fire(0x2, 0, "{\"ID\":\"" ID_A "\"}"), 1);
    ev = next_event(q, HCS_NET_EVENT_NETWORK_CREATE);
    assert_string_equal(hcs_net_event_type_name(ev->type), "NetworkCreate");
    assert_int_equal(ev->tag, 42);
    assert_int_equal(hcs_net_event_status(ev), HCS_S_OK);
    contains(ev->data, ID_A);
    hcs_compute_event_free(ev);
    assert_int_equal(fire(0x01000000u, (int32_t)0x803B0020u, NULL), 1);
    ev = next_event(q, HCS_NET_EVENT_SERVICE_DISCONNECT);
    assert_int_equal(hcs_net_event_status(ev), HCS_ERR_HCN_MANAGER_STOPPED);
    assert_null(ev->data);
    hcs_compute_event_free(ev);
    hcs_net_unsubscribe(sub);
    assert_int_equal(X.count("HcnUnregisterServiceCallback"), 1);
    /* nothing after unsubscribe, even a late callback with the old key */
    {
        fire_ctx_fn late = (fire_ctx_fn)fake_ext_proc(&X, "FakeNetFireContext");
        (void)late;
    }
    assert_int_equal(fire(0x4, 0, NULL), 0);
    assert_int_equal(hcs_compute_events_pending(q), 0);
    hcs_compute_events_close(q);
}

static void test_guest_network_services(void **state)
{
    fire_fn fire = (fire_fn)fake_ext_proc(&X, "FakeNetFire");
    hcs_gns *g = NULL;
    hcs_events *q = NULL;
    hcs_net_subscription *sub = NULL;
    hcs_port_reservation *r1 = NULL, *r2 = NULL;
    hcs_port_range_entry *entries = NULL;
    uint16_t start = 0, end = 0;
    size_t n = 0;
    (void)state;
    assert_int_equal(hcs_net_gns_create(ID_A, "{\"Name\":\"gns\"}", &g), HCS_S_OK);
    assert_string_equal(hcs_net_gns_id(g), ID_A);
    assert_int_equal(hcs_net_gns_modify(g, "{\"State\":\"Ready\"}"), HCS_S_OK);
    assert_int_equal(hcs_compute_events_create(&q), HCS_S_OK);
    assert_int_equal(hcs_net_gns_subscribe(g, q, 7, &sub), HCS_S_OK);
    assert_int_equal(fire(0x11, 0, "{\"State\":\"Ready\"}"), 1);
    expect_event(q, HCS_NET_EVENT_GNS_STATE_CHANGED, 7);
    assert_int_equal(hcs_net_gns_reserve_port(g, HCS_PORT_PROTOCOL_TCP, HCS_PORT_ACCESS_SHARED, 8080,
                                          &r1), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HcnReserveGuestNetworkServicePort", 0)->n[0], 1 * 16 + 2);
    assert_int_equal(fake_ext_nth(&X, "HcnReserveGuestNetworkServicePort", 0)->n[1], 8080);
    assert_int_equal(hcs_net_gns_reserve_port(g, 9, 1, 1, &r2), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_net_gns_reserve_port_range(g, 10, &start, &end, &r2), HCS_S_OK);
    assert_int_equal(start, 50000);
    assert_int_equal(end, 50009);
    assert_int_equal(hcs_net_port_reservations_list(&entries, &n), HCS_S_OK);
    assert_int_equal(n, 2);
    assert_string_equal(entries[0].owning_partition_id, "11111111-0000-0000-0000-000000000000");
    assert_int_equal(entries[0].protocol, HCS_PORT_PROTOCOL_TCP);
    assert_int_equal(entries[0].priority, 7);
    assert_int_equal(entries[1].starting_port, 50000);
    assert_int_equal(entries[1].ending_port, 50009);
    assert_int_equal(entries[1].delivery_mode, 3);
    hcs_free(entries);
    assert_int_equal(X.count("HcnFreeGuestNetworkPortReservations"), 1);
    assert_int_equal(hcs_net_port_reservation_release(r1), HCS_S_OK);
    assert_int_equal(hcs_net_port_reservation_release(r2), HCS_S_OK);
    assert_int_equal(hcs_net_port_reservation_release(NULL), HCS_S_OK);
    hcs_net_unsubscribe(sub);
    assert_int_equal(X.count("HcnUnregisterGuestNetworkServiceCallback"), 1);
    hcs_compute_events_close(q);
    hcs_net_gns_close(g);
    assert_int_equal(hcs_net_gns_delete(ID_A), HCS_S_OK);
}

static void test_hns_version_and_gates(void **state)
{
    version_fn setv = (version_fn)fake_ext_proc(&X, "FakeNetSetVersion");
    uint32_t ma = 0, mi = 0;
    hcs_lb *lb = (hcs_lb *)1;
    char *doc = NULL;
    (void)state;
    assert_int_equal(hcs_net_hns_version(&ma, &mi), HCS_S_OK);
    assert_int_equal(ma, 15);
    assert_int_equal(mi, 4);
    assert_string_equal(fake_ext_nth(&X, "HNSCall", 0)->str[1], "/globals/version");
    assert_string_equal(fake_ext_nth(&X, "HNSCall", 0)->str[0], "GET");
    assert_int_equal(hcs_net_hns_version(&ma, &mi), HCS_S_OK); /* cached */
    assert_int_equal(X.count("HNSCall"), 1);
    assert_int_equal(hcs_net_feature_require(HCS_NET_FEATURE_ACCELNET), HCS_S_OK);
    /* an older host: a DSR load balancer is refused before HNS sees it */
    setv(10, 1);
    hcsi_dll_set_path(&hcsi_dll_vmcompute, fake_ext_path("computenetwork.dll"));
    doc = lb_doc(80, 0, HCS_SCHEMA_HCN_LB_FLAG_DSR);
    assert_int_equal(hcs_net_lb_create(ID_A, doc, &lb), HCS_ERR_HCN_REQUEST_UNSUPPORTED);
    assert_null(lb);
    contains(hcs_error_last()->message,
             "create load balancer \"" ID_A "\": this host's HNS 10.1 does not support DSR "
             "(needs HNS 9.3-9.x or 10.2 and later)");
    assert_int_equal(X.count("HcnCreateLoadBalancer"), 0);
    hcs_free(doc);
    assert_int_equal(hcs_net_feature_require(HCS_NET_FEATURE_TIER_ACL),
                     HCS_ERR_HCN_REQUEST_UNSUPPORTED);
    assert_int_equal(hcs_net_feature_require(HCS_NET_FEATURE_REMOTE_SUBNET), HCS_S_OK);
    /* version unknown: nothing is blocked, the requirement says why */
    setv(0, 0);
    hcsi_dll_set_path(&hcsi_dll_vmcompute, fake_ext_path("computenetwork.dll"));
    assert_int_equal(hcs_net_feature_require(HCS_NET_FEATURE_DSR), HCS_ERR_HCN_REQUEST_UNSUPPORTED);
    contains(hcs_error_last()->message, "no globals");
    assert_int_equal(hcs_net_lb_create(ID_A, "{\"Flags\":1}", &lb), HCS_S_OK);
    hcs_net_lb_close(lb);
    /* no vmcompute.dll at all */
    hcsi_dll_set_path(&hcsi_dll_vmcompute, fake_ext_path("no-such\\vmcompute.dll"));
    assert_int_equal(hcs_net_hns_version(&ma, &mi), HCS_ERR_WIN32_MOD_NOT_FOUND);
    contains(hcs_error_last()->message, "HNS version: vmcompute.dll could not be loaded");
}

static void test_missing_dll_and_functions(void **state)
{
    char *json = (char *)1;
    hcs_network *n = (hcs_network *)1;
    (void)state;
    assert_int_equal(hcs_net_function_count(), 50);
    assert_string_equal(hcs_net_function_name(0), "HcnEnumerateNetworks");
    assert_string_equal(hcs_net_function_name(49), "HcnCloseSdnRoute");
    assert_null(hcs_net_function_name(50));
    assert_int_equal(hcs_net_function_present("HcnCreateNetwork"), 1);
    assert_int_equal(hcs_net_function_present("HcnNoSuch"), -1);
    assert_int_equal(hcs_net_set_dll_path(fake_ext_path("no-such\\computenetwork.dll")), HCS_S_OK);
    assert_int_equal(hcs_net_network_list(NULL, &json), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_null(json);
    contains(hcs_error_last()->message, "computenetwork.dll could not be loaded from \"");
    assert_int_equal(hcs_net_network_open(NET1, &n), HCS_ERR_WIN32_MOD_NOT_FOUND);
    assert_null(n);
    assert_int_equal(hcs_net_function_present("HcnCreateNetwork"), 0);
    assert_int_equal(hcs_compute_features(&json), HCS_S_OK);
    contains(json, "{\"name\":\"computenetwork.dll\",\"loaded\":false");
    contains(json, "\"available\":0,\"total\":50");
    hcs_free(json);
    /* back */
    assert_int_equal(hcs_net_set_dll_path(fake_ext_path("computenetwork.dll")), HCS_S_OK);
    assert_int_equal(hcs_net_load(), HCS_S_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_networks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_ids_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lb_and_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_network_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hns_version_and_gates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dll_and_functions, setup, teardown),
        cmocka_unit_test(fake_ext_every_function_reached),
    };
    fake_ext_track(hcsi_hcn_names, HCSI_HCN_COUNT);
    fake_ext_track(k_hns_call, 1);
    if (fake_ext_load(&X, "computenetwork.dll", hcs_net_set_dll_path, hcs_net_load,
                      L"computenetwork.dll") != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
