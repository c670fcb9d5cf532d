/* The portable parts of the network and storage modules, on every OS: the
 * HCN builders (hcsshim's wire shapes: numeric flags and protocols,
 * SchemaVersion 2.0), the HNS feature table, what a document needs from
 * it, ErrorRecord messages, the HNSCall version response, LayerData /
 * OsLayerOptions, and the function tables' names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hdv/hdv_int.h"
#include "network/network_int.h"
#include "storage/storage_int.h"
#include "hcs.h"

static void contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static void test_network_builder(void **state)
{
    hcs_schema_hcn_subnet sn[2] = {{"10.0.0.0/24", "10.0.0.1", 0, 4096}, {"10.0.1.0/24", NULL, 5, 0}};
    hcs_schema_hcn_policy pol = {"VxlanPort", "{\"Port\":4790}"};
    hcs_schema_hcn_network_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_hcn_network_options)HCS_SCHEMA_HCN_NETWORK_OPTIONS_INIT;
    o.type = "Overlay";
    o.name = "ov";
    o.subnets = sn;
    o.subnet_count = 2;
    o.adapter_name = "Ethernet";
    o.flags = 8;
    o.policies = &pol;
    o.policy_count = 1;
    assert_int_equal(hcs_schema_build_hcn_network(&o, &json), HCS_S_OK);
    assert_string_equal(
        json,
        "{\"Name\":\"ov\",\"Health\":{\"Extra\":{}},\"SchemaVersion\":{\"Major\":2,"
        "\"Minor\":0},\"Type\":\"Overlay\",\"Policies\":[{\"Type\":\"NetAdapterName\","
        "\"Settings\":{\"NetworkAdapterName\":\"Ethernet\"}},{\"Type\":\"VxlanPort\","
        "\"Settings\":{\"Port\":4790}}],\"MacPool\":{},\"Dns\":{},\"Ipams\":[{\"Type\":"
        "\"Static\",\"Subnets\":[{\"IpAddressPrefix\":\"10.0.0.0/24\",\"Policies\":[{\"Type\":"
        "\"VSID\",\"Settings\":{\"IsolationId\":4096}}],\"Routes\":[{\"NextHop\":\"10.0.0.1\","
        "\"DestinationPrefix\":\"0.0.0.0/0\"}]},{\"IpAddressPrefix\":\"10.0.1.0/24\","
        "\"Policies\":[{\"Type\":\"VLAN\",\"Settings\":{\"IsolationId\":5}}]}]}],\"Flags\":8}");
    hcs_free(json);
    /* errors name the option */
    o.type = "Bridge";
    assert_int_equal(hcs_schema_build_hcn_network(&o, &json), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "unknown type \"Bridge\"");
    o.type = "L2Bridge";
    o.subnet_count = 0;
    assert_int_equal(hcs_schema_build_hcn_network(&o, &json), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "a L2Bridge network needs at least one subnet");
    pol.settings_json = "[1]";
    o.type = NULL;
    assert_int_equal(hcs_schema_build_hcn_network(&o, &json), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "policy settings must be a JSON object");
    assert_null(json);
}

static void test_endpoint_builder(void **state)
{
    hcs_schema_hcn_port_mapping pm = {0, 80, 8080, NULL, 0};
    hcs_schema_hcn_acl acl;
    static const char *const exc[] = {"10.0.0.0/8"};
    hcs_schema_hcn_endpoint_options o;
    char *json = NULL;
    (void)state;
    memset(&acl, 0, sizeof acl);
    acl.action = "Block";
    acl.direction = "Out";
    acl.remote_addresses = "10.1.0.0/16";
    acl.priority = 200;
    o = (hcs_schema_hcn_endpoint_options)HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_INIT;
    o.network_id = "b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30";
    o.port_mappings = &pm;
    o.port_mapping_count = 1;
    o.acls = &acl;
    o.acl_count = 1;
    o.outbound_nat_exceptions = exc;
    o.outbound_nat_exception_count = 1;
    o.max_bandwidth_bytes = 1000000;
    o.remote = 1;
    assert_int_equal(hcs_schema_build_hcn_endpoint(&o, &json), HCS_S_OK);
    assert_string_equal(
        json,
        "{\"Health\":{\"Extra\":{}},\"SchemaVersion\":{\"Major\":2,\"Minor\":0},"
        "\"HostComputeNetwork\":\"b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30\",\"Policies\":[{\"Type\":"
        "\"PortMapping\",\"Settings\":{\"Protocol\":6,\"InternalPort\":80,\"ExternalPort\":8080}},"
        "{\"Type\":\"ACL\",\"Settings\":{\"RemoteAddresses\":\"10.1.0.0/16\",\"Priority\":200,"
        "\"Action\":\"Block\",\"Direction\":\"Out\"}},{\"Type\":\"OutBoundNAT\",\"Settings\":"
        "{\"Exceptions\":[\"10.0.0.0/8\"]}},{\"Type\":\"QOS\",\"Settings\":"
        "{\"MaximumOutgoingBandwidthInBytes\":1000000}}],\"Dns\":{},\"Flags\":1}");
    hcs_free(json);
    acl.action = "Deny";
    assert_int_equal(hcs_schema_build_hcn_endpoint(&o, &json), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "ACL action must be Allow, Block or Pass, not \"Deny\"");
    o.network_id = NULL;
    assert_int_equal(hcs_schema_build_hcn_endpoint(&o, &json), HCS_ERR_INVALIDARG);
    contains(hcs_error_last()->message, "network_id is required");
}

static void test_lb_and_route_builders(void **state)
{
    static const char *const eps[] = {"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60"};
    static const char *const vips[] = {"10.0.0.100"};
    hcs_schema_hcn_lb_mapping m = {17, 53, 0, 2, 1};
    hcs_schema_hcn_lb_options lo;
    hcs_schema_hcn_route_options ro;
    char *json = NULL;
    (void)state;
    lo = (hcs_schema_hcn_lb_options)HCS_SCHEMA_HCN_LB_OPTIONS_INIT;
    lo.endpoint_ids = eps;
    lo.endpoint_count = 1;
    lo.frontend_vips = vips;
    lo.frontend_vip_count = 1;
    lo.mappings = &m;
    lo.mapping_count = 1;
    lo.flags = HCS_SCHEMA_HCN_LB_FLAG_DSR;
    assert_int_equal(hcs_schema_build_hcn_lb(&lo, &json), HCS_S_OK);
    assert_string_equal(json,
                        "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"HostComputeEndpoints\":"
                        "[\"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60\"],\"FrontendVIPs\":"
                        "[\"10.0.0.100\"],\"PortMappings\":[{\"Protocol\":17,\"InternalPort\":53,"
                        "\"ExternalPort\":53,\"DistributionType\":2,\"Flags\":1}],\"Flags\":1}");
    /* DSR + session affinity needed */
    assert_int_equal(hcsi_net_features_needed(HCSI_NET_LB, 0, json),
                     ((uint64_t)1 << HCS_NET_FEATURE_DSR) |
                         ((uint64_t)1 << HCS_NET_FEATURE_SESSION_AFFINITY));
    hcs_free(json);
    lo.mapping_count = 0;
    assert_int_equal(hcs_schema_build_hcn_lb(&lo, &json), HCS_ERR_INVALIDARG);
    ro = (hcs_schema_hcn_route_options)HCS_SCHEMA_HCN_ROUTE_OPTIONS_INIT;
    ro.endpoint_ids = eps;
    ro.endpoint_count = 1;
    ro.destination_prefix = "10.1.0.0/16";
    ro.next_hop = "10.0.0.1";
    ro.need_encap = 1;
    assert_int_equal(hcs_schema_build_hcn_route(&ro, &json), HCS_S_OK);
    assert_string_equal(json,
                        "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"HostComputeEndpoints\":"
                        "[\"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60\"],\"Setting\":[{"
                        "\"DestinationPrefix\":\"10.1.0.0/16\",\"NextHop\":\"10.0.0.1\","
                        "\"NeedEncap\":true}]}");
    hcs_free(json);
}

static void test_feature_table(void **state)
{
    (void)state;
    assert_int_equal(hcs_net_version_supports(9, 2, HCS_NET_FEATURE_V2_API), 1);
    assert_int_equal(hcs_net_version_supports(9, 1, HCS_NET_FEATURE_V2_API), 0);
    assert_int_equal(hcs_net_version_supports(9, 5, HCS_NET_FEATURE_DSR), 1);
    assert_int_equal(hcs_net_version_supports(10, 1, HCS_NET_FEATURE_DSR), 0);
    assert_int_equal(hcs_net_version_supports(10, 2, HCS_NET_FEATURE_DSR), 1);
    assert_int_equal(hcs_net_version_supports(12, 0, HCS_NET_FEATURE_L4_PROXY), 0);
    assert_int_equal(hcs_net_version_supports(12, 1, HCS_NET_FEATURE_L4_PROXY), 1);
    assert_int_equal(hcs_net_version_supports(15, 3, HCS_NET_FEATURE_MODIFY_LOADBALANCER), 0);
    assert_int_equal(hcs_net_version_supports(16, 0, HCS_NET_FEATURE_ACCELNET), 1);
    assert_int_equal(hcs_net_version_supports(16, 0, HCS_NET_FEATURE_COUNT), -1);
    assert_string_equal(hcs_net_feature_name(HCS_NET_FEATURE_IPV6_DUAL_STACK), "IPv6DualStack");
    assert_null(hcs_net_feature_name(-1));
    assert_int_equal(hcsi_net_features_needed(HCSI_NET_NETWORK, 0,
                                              "{\"Flags\":1024,\"Policies\":[{\"Type\":"
                                              "\"SetPolicy\"},{\"Type\":\"NetAdapterName\"}]}"),
                     ((uint64_t)1 << HCS_NET_FEATURE_DISABLE_HOST_PORT) |
                         ((uint64_t)1 << HCS_NET_FEATURE_SET_POLICY));
    assert_int_equal(hcsi_net_features_needed(HCSI_NET_LB, 1, "{}"),
                     (uint64_t)1 << HCS_NET_FEATURE_MODIFY_LOADBALANCER);
    assert_int_equal(hcsi_net_features_needed(HCSI_NET_ENDPOINT, 0, "not json"), 0);
    assert_int_equal(hcsi_net_first_missing((uint64_t)1 << HCS_NET_FEATURE_TIER_ACL, 13, 9),
                     HCS_NET_FEATURE_TIER_ACL);
    assert_int_equal(hcsi_net_unsupported(HCS_NET_FEATURE_TIER_ACL, 13, 9, "create x"),
                     HCS_ERR_HCN_REQUEST_UNSUPPORTED);
    assert_string_equal(hcs_error_last()->message,
                        "create x: this host's HNS 13.9 does not support TierAcl (needs HNS "
                        "14.0 and later)");
}

static void test_errors_and_version(void **state)
{
    uint32_t ma = 0, mi = 0;
    (void)state;
    assert_int_equal(hcsi_net_fail(HCS_ERR_HCN_INVALID_JSON,
                                   "{\"Success\":false,\"Error\":\"bad field Foo\",\"ErrorCode\":1}",
                                   "create network \"%s\"", "n"),
                     HCS_ERR_HCN_INVALID_JSON);
    assert_string_equal(hcs_error_last()->message,
                        "create network \"n\": bad field Foo (HCN_E_INVALID_JSON 0x803B001B)");
    assert_string_equal(hcs_error_last()->detail,
                        "{\"Success\":false,\"Error\":\"bad field Foo\",\"ErrorCode\":1}");
    assert_int_equal(hcsi_net_fail(HCS_ERR_HCN_INVALID_JSON, NULL, "x"), HCS_ERR_HCN_INVALID_JSON);
    contains(hcs_error_last()->message, "x: ");
    assert_null(hcs_error_last()->detail);
    assert_int_equal(hcsi_net_parse_version("{\"Success\":true,\"Output\":{\"Major\":13,"
                                            "\"Minor\":2}}", &ma, &mi), HCS_S_OK);
    assert_int_equal(ma, 13);
    assert_int_equal(mi, 2);
    assert_int_equal(hcsi_net_parse_version("{\"Success\":true}", &ma, &mi), HCS_ERR_INVALID_JSON);
    assert_int_equal(hcsi_net_parse_version("{\"Success\":false,\"Error\":\"denied\"}", &ma, &mi),
                     HCS_ERR_HCN_REQUEST_UNSUPPORTED);
    contains(hcs_error_last()->message, "denied");
    assert_string_equal(hcs_net_event_type_name(HCS_NET_EVENT_ENDPOINT_DETACHED),
                        "NetworkEndpointDetached");
    assert_string_equal(hcs_net_event_type_name(7), "Unknown");
}

static void test_layer_builders_and_names(void **state)
{
    hcs_layer_ref l[2] = {{"8bd1e9c3-0000-4000-8000-000000000001", "C:\\layers\\top", NULL},
                          {"8bd1e9c3-0000-4000-8000-000000000002", "base", "VirtualSmbShareName"}};
    char *json = NULL;
    (void)state;
    assert_int_equal(hcs_layer_build_data(l, 2, "WCIFS", &json), HCS_S_OK);
    assert_string_equal(json, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"Layers\":[{\"Id\":"
                              "\"8bd1e9c3-0000-4000-8000-000000000001\",\"Path\":"
                              "\"C:\\\\layers\\\\top\"},{\"Id\":\"8bd1e9c3-0000-4000-8000-"
                              "000000000002\",\"Path\":\"base\",\"PathType\":"
                              "\"VirtualSmbShareName\"}],\"FilterType\":\"WCIFS\"}");
    hcs_free(json);
    assert_int_equal(hcs_layer_build_data(NULL, 0, NULL, &json), HCS_S_OK);
    assert_string_equal(json, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"Layers\":[]}");
    hcs_free(json);
    assert_int_equal(hcs_layer_build_data(l, 1, "Overlay", &json), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_layer_build_os_options("Vm", 1, 0, &json), HCS_S_OK);
    assert_string_equal(json, "{\"Type\":\"Vm\",\"DisableCiCacheOptimization\":true}");
    hcs_free(json);
    assert_int_equal(hcs_layer_build_os_options("Host", 0, 0, &json), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_layer_function_count(), 14);
    assert_string_equal(hcs_layer_function_name(13), "HcsDetachOverlayFilter");
    assert_int_equal(hcs_hdv_function_count(), 17);
    assert_string_equal(hcs_hdv_function_name(16), "HdvUnregisterDoorbellPage");
    assert_null(hcs_hdv_function_name(17));
    assert_int_equal(hcs_net_function_count(), 50);
    assert_int_equal(hcs_net_function_present("HcnNoSuch"), -1);
    assert_int_equal(hcs_layer_function_present("HcsNoSuch"), -1);
    assert_int_equal(hcs_hdv_function_present("HdvNoSuch"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_builder),
        cmocka_unit_test(test_endpoint_builder),
        cmocka_unit_test(test_lb_and_route_builders),
        cmocka_unit_test(test_feature_table),
        cmocka_unit_test(test_errors_and_version),
        cmocka_unit_test(test_layer_builders_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
