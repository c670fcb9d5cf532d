/* The portable half of the network module: function names, the object
 * kinds, notification names, ErrorRecord messages, the HNS feature table
 * (hcsshim's hcnglobals.go) and what a document needs from it. Built and
 * tested on every OS. The builders are in network/build.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "hcs/schema.h"
#include "network/network_int.h"

HCSI_FUNCTION_TABLE(hcsi_hcn_names, HCSI_HCN_COUNT, HCSI_HCN_FUNCS,
                    hcs_net_function_count, hcs_net_function_name)


#define KIND_IX(a, b, c, d, e, f, g)                                                \
    {HCSI_HCN_IX_##a, HCSI_HCN_IX_##b, HCSI_HCN_IX_##c, HCSI_HCN_IX_##d,            \
     HCSI_HCN_IX_##e, HCSI_HCN_IX_##f, HCSI_HCN_IX_##g}

static const hcsi_hcn_kind k_kinds[] = {
    {"network", "networks",
     KIND_IX(HcnEnumerateNetworks, HcnCreateNetwork, HcnOpenNetwork, HcnModifyNetwork,
             HcnQueryNetworkProperties, HcnDeleteNetwork, HcnCloseNetwork)},
    {"endpoint", "endpoints",
     KIND_IX(HcnEnumerateEndpoints, HcnCreateEndpoint, HcnOpenEndpoint,
             HcnModifyEndpoint, HcnQueryEndpointProperties, HcnDeleteEndpoint,
             HcnCloseEndpoint)},
    {"namespace", "namespaces",
     KIND_IX(HcnEnumerateNamespaces, HcnCreateNamespace, HcnOpenNamespace,
             HcnModifyNamespace, HcnQueryNamespaceProperties, HcnDeleteNamespace,
             HcnCloseNamespace)},
    {"load balancer", "load balancers",
     KIND_IX(HcnEnumerateLoadBalancers, HcnCreateLoadBalancer, HcnOpenLoadBalancer,
             HcnModifyLoadBalancer, HcnQueryLoadBalancerProperties,
             HcnDeleteLoadBalancer, HcnCloseLoadBalancer)},
    {"SDN route", "SDN routes",
     KIND_IX(HcnEnumerateSdnRoutes, HcnCreateSdnRoute, HcnOpenSdnRoute,
             HcnModifySdnRoute, HcnQuerySdnRouteProperties, HcnDeleteSdnRoute,
             HcnCloseSdnRoute)},
    /* guest network services: no enumerate / open / query in the SDK */
    {"guest network service", "guest network services",
     {-1, HCSI_HCN_IX_HcnCreateGuestNetworkService, -1,
      HCSI_HCN_IX_HcnModifyGuestNetworkService, -1,
      HCSI_HCN_IX_HcnDeleteGuestNetworkService,
      HCSI_HCN_IX_HcnCloseGuestNetworkService}},
};

const hcsi_hcn_kind *hcsi_hcn_kind_of(int kind)
{
    return kind >= 0 && (size_t)kind < HCSI_ARRAY_LEN(k_kinds) ? &k_kinds[kind] : NULL;
}

/* ---- notifications ---- */

const char *hcs_net_event_type_name(uint32_t type)
{
    switch (type) {
    case HCS_NET_EVENT_FLAG: return "Invalid";
    case HCS_NET_EVENT_NETWORK_PRE_CREATE: return "NetworkPreCreate";
    case HCS_NET_EVENT_NETWORK_CREATE: return "NetworkCreate";
    case HCS_NET_EVENT_NETWORK_PRE_DELETE: return "NetworkPreDelete";
    case HCS_NET_EVENT_NETWORK_DELETE: return "NetworkDelete";
    case HCS_NET_EVENT_NAMESPACE_CREATE: return "NamespaceCreate";
    case HCS_NET_EVENT_NAMESPACE_DELETE: return "NamespaceDelete";
    case HCS_NET_EVENT_GNS_CREATE: return "GuestNetworkServiceCreate";
    case HCS_NET_EVENT_GNS_DELETE: return "GuestNetworkServiceDelete";
    case HCS_NET_EVENT_ENDPOINT_ATTACHED: return "NetworkEndpointAttached";
    case HCS_NET_EVENT_ENDPOINT_DETACHED: return "NetworkEndpointDetached";
    case HCS_NET_EVENT_GNS_STATE_CHANGED: return "GuestNetworkServiceStateChanged";
    case HCS_NET_EVENT_GNS_INTERFACE_STATE_CHANGED:
        return "GuestNetworkServiceInterfaceStateChanged";
    case HCS_NET_EVENT_SERVICE_DISCONNECT: return "ServiceDisconnect";
    default: return "Unknown";
    }
}

hcs_result hcs_net_event_status(const hcs_event *e)
{
    if (!e || !(e->type & HCS_NET_EVENT_FLAG) || (e->type & 0x80000000u))
        return HCS_S_OK;
    return (hcs_result)e->process_id;
}

/* ---- HNS versions (hcsshim hcnglobals.go) ---- */

typedef struct vrange {
    uint32_t min_major, min_minor, max_major, max_minor;
} vrange;

#define ANY UINT32_MAX
#define FROM(a, b) {a, b, ANY, ANY}

static const struct {
    const char *name;
    vrange r[5];
    int n;
    const char *text;
} k_features[HCS_NET_FEATURE_COUNT] = {
    {"V2Api", {FROM(9, 2)}, 1, "9.2 and later"},
    {"RemoteSubnet", {FROM(9, 2)}, 1, "9.2 and later"},
    {"HostRoute", {FROM(9, 2)}, 1, "9.2 and later"},
    {"DSR", {{9, 3, 9, ANY}, FROM(10, 2)}, 2, "9.3-9.x or 10.2 and later"},
    {"Slash32EndpointPrefixes", {{9, 3, 9, ANY}, FROM(10, 4)}, 2,
     "9.3-9.x or 10.4 and later"},
    {"VxlanPort", {FROM(10, 3)}, 1, "10.3 and later"},
    {"IPv6DualStack", {FROM(11, 10)}, 1, "11.10 and later"},
    {"SessionAffinity", {FROM(12, 0)}, 1, "12.0 and later"},
    {"SetPolicy", {FROM(13, 0)}, 1, "13.0 and later"},
    {"L4Proxy",
     {{9, 5, 9, ANY}, {10, 5, 10, ANY}, {11, 11, 11, ANY}, {12, 1, 12, ANY}, FROM(13, 1)},
     5,
     "9.5-9.x, 10.5-10.x, 11.11-11.x, 12.1-12.x or 13.1 and later"},
    {"L4WfpProxy", {FROM(13, 2)}, 1, "13.2 and later"},
    {"TierAcl", {FROM(14, 0)}, 1, "14.0 and later"},
    {"NetworkACL", {FROM(15, 0)}, 1, "15.0 and later"},
    {"NestedIpSet", {FROM(15, 0)}, 1, "15.0 and later"},
    {"DisableHostPort", {FROM(15, 1)}, 1, "15.1 and later"},
    {"ModifyLoadbalancer", {FROM(15, 4)}, 1, "15.4 and later"},
    {"Accelnet", {FROM(15, 4)}, 1, "15.4 and later"},
};

static int ver_le(uint32_t a1, uint32_t a2, uint32_t b1, uint32_t b2)
{
    return a1 < b1 || (a1 == b1 && a2 <= b2);
}

const char *hcs_net_feature_name(int feature)
{
    return feature >= 0 && feature < HCS_NET_FEATURE_COUNT ? k_features[feature].name
                                                            : NULL;
}

int hcs_net_version_supports(uint32_t major, uint32_t minor, int feature)
{
    int i;
    if (feature < 0 || feature >= HCS_NET_FEATURE_COUNT)
        return -1;
    for (i = 0; i < k_features[feature].n; i++) {
        const vrange *r = &k_features[feature].r[i];
        if (ver_le(r->min_major, r->min_minor, major, minor) &&
            ver_le(major, minor, r->max_major, r->max_minor))
            return 1;
    }
    return 0;
}

int hcsi_net_first_missing(uint64_t mask, uint32_t major, uint32_t minor)
{
    int f;
    for (f = 0; f < HCS_NET_FEATURE_COUNT; f++)
        if ((mask & ((uint64_t)1 << f)) && hcs_net_version_supports(major, minor, f) != 1)
            return f;
    return -1;
}

hcs_result hcsi_net_unsupported(int feature, uint32_t major, uint32_t minor,
                                const char *context)
{
    return hcsi_err(HCS_ERR_HCN_REQUEST_UNSUPPORTED,
                    "%s%sthis host's HNS %lu.%lu does not support %s (needs HNS %s)",
                    context ? context : "", context ? ": " : "", (unsigned long)major,
                    (unsigned long)minor, k_features[feature].name,
                    k_features[feature].text);
}

/* Policy type -> feature (network and endpoint policies). */
static int policy_feature(const char *type)
{
    static const struct {
        const char *type;
        int feature;
    } map[] = {
        {"SetPolicy", HCS_NET_FEATURE_SET_POLICY},
        {"L4Proxy", HCS_NET_FEATURE_L4_PROXY},
        {"L4WFPPROXY", HCS_NET_FEATURE_L4_WFP_PROXY},
        {"TierAcl", HCS_NET_FEATURE_TIER_ACL},
        {"NetworkACL", HCS_NET_FEATURE_NETWORK_ACL},
        {"RemoteSubnetRoute", HCS_NET_FEATURE_REMOTE_SUBNET},
        {"HostRoute", HCS_NET_FEATURE_HOST_ROUTE},
        {"VxlanPort", HCS_NET_FEATURE_VXLAN_PORT},
    };
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(map); i++)
        if (strcmp(map[i].type, type) == 0)
            return map[i].feature;
    return -1;
}

static uint64_t policies_needed(const hcsi_json *arr)
{
    uint64_t mask = 0;
    size_t i, n = hcsi_json_kind_of(arr) == HCSI_JSON_ARRAY ? hcsi_json_array_len(arr) : 0;
    for (i = 0; i < n; i++) {
        hcsi_json *t = hcsi_json_get(hcsi_json_array_at(arr, i), "Type");
        int f;
        if (hcsi_json_kind_of(t) != HCSI_JSON_STRING)
            continue;
        f = policy_feature(hcsi_json_str(t, NULL));
        if (f >= 0)
            mask |= (uint64_t)1 << f;
    }
    return mask;
}

uint64_t hcsi_net_features_needed(int kind, int modify, const char *settings)
{
    hcsi_json *root = NULL, *v;
    uint64_t mask = 0;
    if (!settings || HCS_FAILED(hcsi_json_parse(settings, strlen(settings), "settings",
                                                &root))) {
        hcs_error_clear();
        return 0;
    }
    if (hcsi_json_kind_of(root) != HCSI_JSON_OBJECT) {
        hcsi_json_put(root);
        return 0;
    }
    if (modify) {
        if (kind == HCSI_NET_LB)
            mask |= (uint64_t)1 << HCS_NET_FEATURE_MODIFY_LOADBALANCER;
        /* a policy request: {"Settings":{"Policies":[...]}} */
        v = hcsi_json_get(root, "Settings");
        if (hcsi_json_kind_of(v) == HCSI_JSON_OBJECT)
            mask |= policies_needed(hcsi_json_get(v, "Policies"));
    } else {
        mask |= policies_needed(hcsi_json_get(root, "Policies"));
        v = hcsi_json_get(root, "Flags");
        if (hcsi_json_kind_of(v) == HCSI_JSON_INT) {
            int64_t fl = hcsi_json_i64(v);
            if (kind == HCSI_NET_LB && (fl & HCS_SCHEMA_HCN_LB_FLAG_DSR))
                mask |= (uint64_t)1 << HCS_NET_FEATURE_DSR;
            if (kind == HCSI_NET_LB && (fl & HCS_SCHEMA_HCN_LB_FLAG_IPV6))
                mask |= (uint64_t)1 << HCS_NET_FEATURE_IPV6_DUAL_STACK;
            if (kind == HCSI_NET_NETWORK && (fl & 1024))
                mask |= (uint64_t)1 << HCS_NET_FEATURE_DISABLE_HOST_PORT;
        }
        if (kind == HCSI_NET_LB) {
            hcsi_json *pm = hcsi_json_get(root, "PortMappings");
            size_t i, n = hcsi_json_kind_of(pm) == HCSI_JSON_ARRAY ? hcsi_json_array_len(pm) : 0;
            for (i = 0; i < n; i++) {
                hcsi_json *d = hcsi_json_get(hcsi_json_array_at(pm, i), "DistributionType");
                if (hcsi_json_kind_of(d) == HCSI_JSON_INT && hcsi_json_i64(d) != 0)
                    mask |= (uint64_t)1 << HCS_NET_FEATURE_SESSION_AFFINITY;
            }
        }
    }
    hcsi_json_put(root);
    return mask;
}

hcs_result hcsi_net_parse_version(const char *response, uint32_t *major,
                                  uint32_t *minor)
{
    hcsi_json *root = NULL, *out = NULL;
    const char *err = NULL;
    int ok = 0;
    uint32_t ma = 0, mi = 0;
    hcs_result hr;
    if (!response)
        return hcsi_err(HCS_ERR_INVALID_JSON, "HNS version: HNSCall returned no response");
    hr = hcsi_json_parse(response, strlen(response), "HNS version response", &root);
    if (HCS_FAILED(hr))
        return hr;
    if (hcsi_json_kind_of(root) != HCSI_JSON_OBJECT) {
        hcsi_json_put(root);
        return hcsi_err(HCS_ERR_INVALID_JSON, "HNS version response: not an object");
    }
    if (hcsi_json_get_bool(root, "HNS version response", "Success", &ok) < 0 ||
        hcsi_json_get_str(root, "HNS version response", "Error", &err, NULL) < 0) {
        hcsi_json_put(root);
        return HCS_ERR_INVALID_JSON;
    }
    if (!ok) {
        hr = hcsi_err_detail(HCS_ERR_HCN_REQUEST_UNSUPPORTED, response,
                             "HNS version: HNSCall GET /globals/version failed: %s",
                             err && *err ? err : "no reason given");
        hcsi_json_put(root);
        return hr;
    }
    if (hcsi_json_get_obj(root, "HNS version response", "Output", &out) != 1 ||
        hcsi_json_get_u32(out, "HNS version", "Major", &ma) != 1 ||
        hcsi_json_get_u32(out, "HNS version", "Minor", &mi) != 1) {
        hcsi_json_put(root);
        return hcsi_err(HCS_ERR_INVALID_JSON,
                        "HNS version response: no Output {Major, Minor} in %s", response);
    }
    hcsi_json_put(root);
    if (major)
        *major = ma;
    if (minor)
        *minor = mi;
    return HCS_S_OK;
}
