/* The HCN (computenetwork) document builders of hcs/schema_build.h, over the
 * generated HCN types and the schema encoder, emitting what hcsshim's hcn
 * package emits: SchemaVersion 2.0, numeric flags and protocols, struct-valued
 * Dns / Health / MacPool present. Portable. */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "hcs/schema.h"
#include "schema/schema_internal.h"

static hcs_result bad(const char *what, const char *fmt, const char *arg)
{
    return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s%s%s", what, fmt, arg ? arg : "",
                    arg ? "\"" : "");
}

/* An enum field from a policy type name: known names by value, others
 * kept as raw text (newer HNS policy types). */
static void policy_type(hcs_schema_enum *e, hcs_schema_type_id type, const char *name)
{
    int v = hcs_schema_enum_from_string(type, name);
    e->set = 1;
    e->v = v;
    e->raw = v < 0 ? (char *)name : NULL;
}

/* Checks that settings is a JSON object (or NULL). */
static hcs_result check_object(const char *what, const char *settings)
{
    hcsi_json *v = NULL;
    hcs_result r;
    int ok;
    if (!settings)
        return HCS_S_OK;
    r = hcsi_json_parse(settings, strlen(settings), "policy settings", &v);
    if (HCS_FAILED(r))
        return hcsi_err_wrap(r, "%s", what);
    ok = hcsi_json_kind_of(v) == HCSI_JSON_OBJECT;
    hcsi_json_put(v);
    return ok ? HCS_S_OK : bad(what, "policy settings must be a JSON object", NULL);
}

/* ---- networks ---- */

hcs_result hcs_schema_build_hcn_network(const hcs_schema_hcn_network_options *o, char **json)
{
    static const char what[] = "HCN network";
    hcsi_doc_arena a = HCSI_DOC_ARENA_INIT;
    hcs_hcn_HostComputeNetwork n;
    hcs_hcn_MacPool pool;
    hcs_hcn_MacRange range;
    hcs_hcn_DNS dns;
    hcs_hcn_Ipam ipam;
    hcs_hcn_Health health;
    hcs_hcn_ExtraParams extra;
    hcs_hcn_Version v;
    hcs_result r = HCS_S_OK;
    int mode = HCS_HCN_NetworkMode_NAT;
    size_t i, npol;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_HCN_NETWORK_OPTIONS_VERSION, "hcs_schema_hcn_network_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->name)
        return bad(what, "name is required", NULL);
    if ((o->subnet_count && !o->subnets) || (o->dns_server_count && !o->dns_servers) ||
        (o->policy_count && !o->policies))
        return bad(what, "a count without its array", NULL);
    if (!o->mac_pool_start != !o->mac_pool_end)
        return bad(what, "mac_pool_start and mac_pool_end go together", NULL);
    if (o->type) {
        mode = hcs_schema_enum_from_string(HCS_SCHEMA_HCN_NetworkMode, o->type);
        if (mode < 0)
            return bad(what, "unknown type \"", o->type);
    }
    if ((mode == HCS_HCN_NetworkMode_L2Bridge || mode == HCS_HCN_NetworkMode_Overlay ||
         mode == HCS_HCN_NetworkMode_L2Tunnel) && !o->subnet_count)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: a %s network needs at least one subnet",
                        what, o->type);
    for (i = 0; i < o->subnet_count; i++)
        if (!o->subnets[i].prefix)
            return bad(what, "subnet prefix is required", NULL);
    for (i = 0; i < o->policy_count; i++) {
        if (!o->policies[i].type)
            return bad(what, "policy type is required", NULL);
        r = check_object(what, o->policies[i].settings_json);
        if (HCS_FAILED(r))
            return r;
    }
    memset(&n, 0, sizeof n);
    memset(&pool, 0, sizeof pool);
    memset(&range, 0, sizeof range);
    memset(&dns, 0, sizeof dns);
    memset(&ipam, 0, sizeof ipam);
    memset(&health, 0, sizeof health);
    memset(&extra, 0, sizeof extra);
    hcsi_hcn_version20(&v);
    n.Name = (char *)o->name;
    HCSI_SETE(n.Type, mode);
    npol = o->policy_count + (o->adapter_name ? 1 : 0);
    if (npol) {
        hcs_hcn_NetworkPolicy *pol = (hcs_hcn_NetworkPolicy *)hcsi_doc_alloc(&a, npol, sizeof *pol);
        size_t k = 0;
        if (!pol)
            goto done;
        if (o->adapter_name) {
            hcs_hcn_NetAdapterNameNetworkPolicySetting s;
            memset(&s, 0, sizeof s);
            s.NetworkAdapterName = (char *)o->adapter_name;
            HCSI_SETE(pol[k].Type, HCS_HCN_NetworkPolicyType_NetAdapterName);
            pol[k++].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_NetAdapterNameNetworkPolicySetting, &s, &r);
        }
        for (i = 0; i < o->policy_count; i++, k++) {
            policy_type(&pol[k].Type, HCS_SCHEMA_HCN_NetworkPolicyType, o->policies[i].type);
            pol[k].Settings = (char *)o->policies[i].settings_json;
        }
        n.Policies.items = pol;
        n.Policies.n = npol;
    }
    if (o->mac_pool_start) {
        range.StartMacAddress = (char *)o->mac_pool_start;
        range.EndMacAddress = (char *)o->mac_pool_end;
        pool.Ranges.items = &range;
        pool.Ranges.n = 1;
    }
    n.MacPool = &pool;
    dns.Domain = (char *)o->dns_domain;
    dns.ServerList.items = (char **)o->dns_servers;
    dns.ServerList.n = o->dns_server_count;
    n.Dns = &dns;
    if (o->subnet_count) {
        hcs_hcn_Subnet *sn = (hcs_hcn_Subnet *)hcsi_doc_alloc(&a, o->subnet_count, sizeof *sn);
        if (!sn)
            goto done;
        for (i = 0; i < o->subnet_count; i++) {
            const hcs_schema_hcn_subnet *in = &o->subnets[i];
            sn[i].IpAddressPrefix = (char *)in->prefix;
            if (in->gateway) {
                hcs_hcn_Route *rt = (hcs_hcn_Route *)hcsi_doc_alloc(&a, 1, sizeof *rt);
                if (!rt)
                    goto done;
                rt->NextHop = (char *)in->gateway;
                rt->DestinationPrefix = "0.0.0.0/0";
                sn[i].Routes.items = rt;
                sn[i].Routes.n = 1;
            }
            if (in->vlan || in->vsid) {
                hcs_hcn_SubnetPolicy *sp =
                    (hcs_hcn_SubnetPolicy *)hcsi_doc_alloc(&a, 2, sizeof *sp);
                size_t k = 0;
                if (!sp)
                    goto done;
                if (in->vlan) {
                    hcs_hcn_VlanPolicySetting s;
                    memset(&s, 0, sizeof s);
                    HCSI_SETV(s.IsolationId, in->vlan);
                    HCSI_SETE(sp[k].Type, HCS_HCN_SubnetPolicyType_VLAN);
                    sp[k++].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_VlanPolicySetting, &s, &r);
                }
                if (in->vsid) {
                    hcs_hcn_VsidPolicySetting s;
                    memset(&s, 0, sizeof s);
                    HCSI_SETV(s.IsolationId, in->vsid);
                    HCSI_SETE(sp[k].Type, HCS_HCN_SubnetPolicyType_VSID);
                    sp[k++].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_VsidPolicySetting, &s, &r);
                }
                sn[i].Policies.items = sp;
                sn[i].Policies.n = k;
            }
        }
        HCSI_SETE(ipam.Type, HCS_HCN_IpamType_Static);
        ipam.Subnets.items = sn;
        ipam.Subnets.n = o->subnet_count;
        n.Ipams.items = &ipam;
        n.Ipams.n = 1;
    }
    if (o->flags)
        HCSI_SETV(n.Flags, o->flags);
    health.Extra = &extra;
    n.Health = &health;
    n.SchemaVersion = &v;
done:
    return hcsi_doc_finish(&a, r, HCS_SCHEMA_HCN_HostComputeNetwork, &n, json);
}

/* ---- endpoints ---- */

static hcs_result acl_policy(hcsi_doc_arena *a, const hcs_schema_hcn_acl *in, hcs_hcn_EndpointPolicy *out,
                             const char *what)
{
    hcs_hcn_AclPolicySetting s;
    hcs_result r = HCS_S_OK;
    int action = HCS_HCN_ActionType_Allow, dir = HCS_HCN_DirectionType_In, rule = -1;
    memset(&s, 0, sizeof s);
    if (in->action &&
        (action = hcs_schema_enum_from_string(HCS_SCHEMA_HCN_ActionType, in->action)) < 0)
        return bad(what, "ACL action must be Allow, Block or Pass, not \"", in->action);
    if (in->direction &&
        (dir = hcs_schema_enum_from_string(HCS_SCHEMA_HCN_DirectionType, in->direction)) < 0)
        return bad(what, "ACL direction must be In or Out, not \"", in->direction);
    if (in->rule_type &&
        (rule = hcs_schema_enum_from_string(HCS_SCHEMA_HCN_RuleType, in->rule_type)) < 0)
        return bad(what, "ACL rule_type must be Host or Switch, not \"", in->rule_type);
    s.Protocols = (char *)in->protocols;
    s.LocalAddresses = (char *)in->local_addresses;
    s.RemoteAddresses = (char *)in->remote_addresses;
    s.LocalPorts = (char *)in->local_ports;
    s.RemotePorts = (char *)in->remote_ports;
    if (in->priority)
        HCSI_SETV(s.Priority, in->priority);
    HCSI_SETE(s.Action, action);
    HCSI_SETE(s.Direction, dir);
    if (rule >= 0)
        HCSI_SETE(s.RuleType, rule);
    HCSI_SETE(out->Type, HCS_HCN_EndpointPolicyType_ACL);
    out->Settings = hcsi_doc_encode(a, HCS_SCHEMA_HCN_AclPolicySetting, &s, &r);
    return r;
}

/* The pieces of an endpoint document that are not policies; e points into
 * *p (the caller's storage), strings are borrowed from o. */
typedef struct endpoint_parts {
    hcs_hcn_IpConfig ip;
    hcs_hcn_DNS dns;
    hcs_hcn_Route route;
    hcs_hcn_Health health;
    hcs_hcn_ExtraParams extra;
    hcs_hcn_Version version;
} endpoint_parts;

/* Name, network, one IP configuration, DNS, a default route, MAC, the
 * health/extra objects HNS returns and SchemaVersion 2.0. */
static void endpoint_fill(hcs_hcn_HostComputeEndpoint *e, endpoint_parts *p,
                          const hcs_schema_hcn_endpoint_options *o)
{
    memset(e, 0, sizeof *e);
    memset(p, 0, sizeof *p);
    hcsi_hcn_version20(&p->version);
    e->Name = (char *)o->name;
    e->HostComputeNetwork = (char *)o->network_id;
    if (o->ip_address) {
        p->ip.IpAddress = (char *)o->ip_address;
        if (o->prefix_length)
            HCSI_SETV(p->ip.PrefixLength, o->prefix_length);
        e->IpConfigurations.items = &p->ip;
        e->IpConfigurations.n = 1;
    }
    p->dns.Search.items = (char **)o->dns_search;
    p->dns.Search.n = o->dns_search_count;
    p->dns.ServerList.items = (char **)o->dns_servers;
    p->dns.ServerList.n = o->dns_server_count;
    e->Dns = &p->dns;
    if (o->gateway) {
        p->route.NextHop = (char *)o->gateway;
        p->route.DestinationPrefix = "0.0.0.0/0";
        e->Routes.items = &p->route;
        e->Routes.n = 1;
    }
    e->MacAddress = (char *)o->mac_address;
    p->health.Extra = &p->extra;
    e->Health = &p->health;
    e->SchemaVersion = &p->version;
}

hcs_result hcs_schema_build_hcn_endpoint(const hcs_schema_hcn_endpoint_options *o, char **json)
{
    static const char what[] = "HCN endpoint";
    hcsi_doc_arena a = HCSI_DOC_ARENA_INIT;
    hcs_hcn_HostComputeEndpoint e;
    endpoint_parts parts;
    hcs_hcn_EndpointPolicy *pol = NULL;
    hcs_result r = HCS_S_OK;
    size_t i, k = 0, npol;
    int nat;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_VERSION, "hcs_schema_hcn_endpoint_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->network_id)
        return bad(what, "network_id is required", NULL);
    if ((o->port_mapping_count && !o->port_mappings) || (o->acl_count && !o->acls) ||
        (o->dns_server_count && !o->dns_servers) || (o->dns_search_count && !o->dns_search) ||
        (o->outbound_nat_exception_count && !o->outbound_nat_exceptions) ||
        (o->policy_count && !o->policies))
        return bad(what, "a count without its array", NULL);
    for (i = 0; i < o->port_mapping_count; i++)
        if (!o->port_mappings[i].internal_port)
            return bad(what, "port mapping internal_port is required", NULL);
    for (i = 0; i < o->policy_count; i++) {
        if (!o->policies[i].type)
            return bad(what, "policy type is required", NULL);
        r = check_object(what, o->policies[i].settings_json);
        if (HCS_FAILED(r))
            return r;
    }
    nat = o->outbound_nat_vip || o->outbound_nat_exception_count;
    npol = o->port_mapping_count + o->acl_count + (size_t)nat +
           (o->max_bandwidth_bytes ? 1 : 0) + o->policy_count;
    endpoint_fill(&e, &parts, o);
    if (npol && !(pol = (hcs_hcn_EndpointPolicy *)hcsi_doc_alloc(&a, npol, sizeof *pol)))
        goto done;
    for (i = 0; i < o->port_mapping_count; i++, k++) {
        const hcs_schema_hcn_port_mapping *in = &o->port_mappings[i];
        hcs_hcn_PortMappingPolicySetting s;
        memset(&s, 0, sizeof s);
        HCSI_SETV(s.Protocol, in->protocol ? in->protocol : 6);
        HCSI_SETV(s.InternalPort, in->internal_port);
        HCSI_SETV(s.ExternalPort, in->external_port ? in->external_port : in->internal_port);
        s.VIP = (char *)in->vip;
        if (in->flags)
            HCSI_SETV(s.Flags, in->flags);
        HCSI_SETE(pol[k].Type, HCS_HCN_EndpointPolicyType_PortMapping);
        pol[k].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_PortMappingPolicySetting, &s, &r);
    }
    for (i = 0; i < o->acl_count && HCS_SUCCEEDED(r); i++, k++)
        r = acl_policy(&a, &o->acls[i], &pol[k], what);
    if (nat && HCS_SUCCEEDED(r)) {
        hcs_hcn_OutboundNatPolicySetting s;
        memset(&s, 0, sizeof s);
        s.VirtualIP = (char *)o->outbound_nat_vip;
        s.Exceptions.items = (char **)o->outbound_nat_exceptions;
        s.Exceptions.n = o->outbound_nat_exception_count;
        HCSI_SETE(pol[k].Type, HCS_HCN_EndpointPolicyType_OutBoundNAT);
        pol[k++].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_OutboundNatPolicySetting, &s, &r);
    }
    if (o->max_bandwidth_bytes && HCS_SUCCEEDED(r)) {
        hcs_hcn_QosPolicySetting s;
        memset(&s, 0, sizeof s);
        HCSI_SETV(s.MaximumOutgoingBandwidthInBytes, o->max_bandwidth_bytes);
        HCSI_SETE(pol[k].Type, HCS_HCN_EndpointPolicyType_QOS);
        pol[k++].Settings = hcsi_doc_encode(&a, HCS_SCHEMA_HCN_QosPolicySetting, &s, &r);
    }
    for (i = 0; i < o->policy_count && HCS_SUCCEEDED(r); i++, k++) {
        policy_type(&pol[k].Type, HCS_SCHEMA_HCN_EndpointPolicyType, o->policies[i].type);
        pol[k].Settings = (char *)o->policies[i].settings_json;
    }
    if (npol) {
        e.Policies.items = pol;
        e.Policies.n = npol;
    }
    if (o->remote)
        HCSI_SETV(e.Flags, 1);
done:
    return hcsi_doc_finish(&a, r, HCS_SCHEMA_HCN_HostComputeEndpoint, &e, json);
}

/* ---- load balancers and routes ---- */

hcs_result hcs_schema_build_hcn_lb(const hcs_schema_hcn_lb_options *o, char **json)
{
    static const char what[] = "HCN load balancer";
    hcsi_doc_arena a = HCSI_DOC_ARENA_INIT;
    hcs_hcn_HostComputeLoadBalancer lb;
    hcs_hcn_LoadBalancerPortMapping *pm;
    hcs_hcn_Version v;
    size_t i;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_HCN_LB_OPTIONS_VERSION, "hcs_schema_hcn_lb_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->endpoint_count || !o->endpoint_ids)
        return bad(what, "at least one endpoint is required", NULL);
    if (!o->mapping_count || !o->mappings)
        return bad(what, "at least one port mapping is required", NULL);
    if (o->frontend_vip_count && !o->frontend_vips)
        return bad(what, "a count without its array", NULL);
    if (o->flags & ~(uint32_t)(HCS_SCHEMA_HCN_LB_FLAG_DSR | HCS_SCHEMA_HCN_LB_FLAG_IPV6))
        return bad(what, "flags: only DSR (1) and IPv6 (2) exist", NULL);
    for (i = 0; i < o->mapping_count; i++) {
        if (!o->mappings[i].internal_port)
            return bad(what, "port mapping internal_port is required", NULL);
        if (o->mappings[i].distribution > 2)
            return bad(what, "distribution must be 0, 1 or 2", NULL);
    }
    memset(&lb, 0, sizeof lb);
    hcsi_hcn_version20(&v);
    pm = (hcs_hcn_LoadBalancerPortMapping *)hcsi_doc_alloc(&a, o->mapping_count, sizeof *pm);
    if (pm) {
        for (i = 0; i < o->mapping_count; i++) {
            const hcs_schema_hcn_lb_mapping *in = &o->mappings[i];
            HCSI_SETV(pm[i].Protocol, in->protocol ? in->protocol : 6);
            HCSI_SETV(pm[i].InternalPort, in->internal_port);
            HCSI_SETV(pm[i].ExternalPort, in->external_port ? in->external_port : in->internal_port);
            if (in->distribution)
                HCSI_SETV(pm[i].DistributionType, in->distribution);
            if (in->flags)
                HCSI_SETV(pm[i].Flags, in->flags);
        }
        lb.HostComputeEndpoints.items = (char **)o->endpoint_ids;
        lb.HostComputeEndpoints.n = o->endpoint_count;
        lb.SourceVIP = (char *)o->source_vip;
        lb.FrontendVIPs.items = (char **)o->frontend_vips;
        lb.FrontendVIPs.n = o->frontend_vip_count;
        lb.PortMappings.items = pm;
        lb.PortMappings.n = o->mapping_count;
        lb.SchemaVersion = &v;
        if (o->flags)
            HCSI_SETV(lb.Flags, o->flags);
    }
    return hcsi_doc_finish(&a, HCS_S_OK, HCS_SCHEMA_HCN_HostComputeLoadBalancer, &lb, json);
}

hcs_result hcs_schema_build_hcn_route(const hcs_schema_hcn_route_options *o, char **json)
{
    static const char what[] = "HCN SDN route";
    hcs_hcn_HostComputeRoute rt;
    hcs_hcn_SDNRoutePolicySetting s;
    hcs_hcn_Version v;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_HCN_ROUTE_OPTIONS_VERSION, "hcs_schema_hcn_route_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->endpoint_count || !o->endpoint_ids)
        return bad(what, "at least one endpoint is required", NULL);
    if (!o->destination_prefix)
        return bad(what, "destination_prefix is required", NULL);
    if (!o->next_hop)
        return bad(what, "next_hop is required", NULL);
    memset(&rt, 0, sizeof rt);
    memset(&s, 0, sizeof s);
    hcsi_hcn_version20(&v);
    s.DestinationPrefix = (char *)o->destination_prefix;
    s.NextHop = (char *)o->next_hop;
    HCSI_SETV(s.NeedEncap, o->need_encap ? 1 : 0);
    rt.HostComputeEndpoints.items = (char **)o->endpoint_ids;
    rt.HostComputeEndpoints.n = o->endpoint_count;
    rt.Setting.items = &s;
    rt.Setting.n = 1;
    rt.SchemaVersion = &v;
    return hcs_schema_encode(HCS_SCHEMA_HCN_HostComputeRoute, &rt, 0, json, NULL);
}

hcs_result hcs_schema_build_hcn_namespace(const hcs_schema_hcn_namespace_options *o, char **json)
{
    static const char what[] = "HCN namespace";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_hcn_HostComputeNamespace ns;
    hcs_hcn_Version v;
    hcs_result r = HCS_S_OK;
    int type = HCS_HCN_NamespaceType_HostDefault;
    size_t i;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_VERSION, "hcs_schema_hcn_namespace_options", json);
    if (HCS_FAILED(r))
        return r;
    if (o->endpoint_count && !o->endpoint_ids)
        return bad(what, "endpoint_ids is required", NULL);
    if (o->type) {
        type = hcs_schema_enum_from_string(HCS_SCHEMA_HCN_NamespaceType, o->type);
        if (type < 0)
            return hcsi_err(HCS_ERR_INVALIDARG, "%s: unknown type \"%s\" (Host, HostDefault, Guest, GuestDefault)",
                            what, o->type);
    }
    memset(&ns, 0, sizeof ns);
    hcsi_hcn_version20(&v);
    HCSI_SETE(ns.Type, type);
    if (o->endpoint_count) {
        hcs_hcn_NamespaceResource *res =
            (hcs_hcn_NamespaceResource *)hcsi_doc_alloc(&b, o->endpoint_count, sizeof *res);
        if (!res) {
            hcsi_doc_free(&b);
            return hcsi_err_oom();
        }
        for (i = 0; i < o->endpoint_count; i++) {
            hcs_hcn_NamespaceResourceEndpoint ep;
            memset(&ep, 0, sizeof ep);
            ep.ID = (char *)o->endpoint_ids[i];
            HCSI_SETE(res[i].Type, HCS_HCN_NamespaceResourceType_Endpoint);
            res[i].Data = hcsi_doc_encode(&b, HCS_SCHEMA_HCN_NamespaceResourceEndpoint, &ep, &r);
            if (!res[i].Data) {
                hcsi_doc_free(&b);
                return HCS_FAILED(r) ? r : hcsi_err_oom();
            }
        }
        ns.Resources.items = res;
        ns.Resources.n = o->endpoint_count;
    }
    ns.SchemaVersion = &v;
    return hcsi_doc_finish(&b, HCS_S_OK, HCS_SCHEMA_HCN_HostComputeNamespace, &ns, json);
}

hcs_result hcs_schema_build_hcn_query(const char *filter_json, int detailed, char **json)
{
    hcs_hcn_HostComputeQuery q;
    hcs_hcn_Version v;
    hcsi_json *f = NULL;
    char *canon = NULL;
    hcs_result r;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "HCN query: no output");
    *json = NULL;
    memset(&q, 0, sizeof q);
    hcsi_hcn_version20(&v);
    q.SchemaVersion = &v;
    if (detailed)
        HCSI_SETV(q.Flags, 1);
    if (filter_json) {
        r = hcsi_json_parse(filter_json, strlen(filter_json), "HCN query filter", &f);
        if (HCS_FAILED(r))
            return r;
        if (hcsi_json_kind_of(f) != HCSI_JSON_OBJECT) {
            hcsi_json_put(f);
            return hcsi_err(HCS_ERR_INVALIDARG, "HCN query filter: expected a JSON object");
        }
        r = hcsi_json_to_string(f, 0, &canon);
        hcsi_json_put(f);
        if (HCS_FAILED(r))
            return r;
        q.Filter = canon;
    }
    r = hcs_schema_encode(HCS_SCHEMA_HCN_HostComputeQuery, &q, 0, json, NULL);
    free(canon);
    return r;
}
