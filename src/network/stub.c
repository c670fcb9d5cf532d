/* The network module on other systems: every call fails with
 * HCS_ERR_WIN32_NOT_SUPPORTED "<function>: the Host Compute Service is only
 * available on Windows"; outputs are cleared, nothing can be created.
 * tests/core/test_core_stub.c checks every function of hcs/network.h. */
#include <stddef.h>
#include <string.h>

#include "network/network_int.h"

HCSI_STUB(hcs_net_load, (void), HCSI_STUB_NO_OUTPUT)
HCSI_STUB(hcs_net_set_dll_path, (const char *dll_path), HCSI_STUB_NO_OUTPUT)
int hcs_net_function_present(const char *name)
{
    return hcsi_stub_function_present(hcsi_hcn_names, HCSI_HCN_COUNT, name);
}

/* The functions every kind of HCN object has (HCSI_STUB: outputs cleared). */
#define NET_KIND_STUB(prefix, type)                                                   \
    HCSI_STUB(prefix##_list, (const char *query_json, char **json),                   \
              HCSI_STUB_CLEAR(json))                                                  \
    HCSI_STUB(prefix##_get, (const char *id, const char *query_json, char **json),    \
              HCSI_STUB_CLEAR(json))                                                  \
    HCSI_STUB(prefix##_open, (const char *id, type **out), HCSI_STUB_CLEAR(out))      \
    HCSI_STUB(prefix##_modify, (type *h, const char *request_json), HCSI_STUB_NO_OUTPUT) \
    HCSI_STUB(prefix##_properties, (type *h, const char *query_json, char **json),    \
              HCSI_STUB_CLEAR(json))                                                  \
    HCSI_STUB(prefix##_delete, (const char *id), HCSI_STUB_NO_OUTPUT)                 \
    void prefix##_close(type *h) { (void)h; }                                         \
    const char *prefix##_id(const type *h)                                            \
    {                                                                                 \
        (void)h;                                                                      \
        return NULL;                                                                  \
    }

NET_KIND_STUB(hcs_net_network, hcs_network)
NET_KIND_STUB(hcs_net_endpoint, hcs_endpoint)
NET_KIND_STUB(hcs_net_namespace, hcs_namespace)
NET_KIND_STUB(hcs_net_lb, hcs_lb)
NET_KIND_STUB(hcs_net_route, hcs_route)

#define CREATE_STUB(prefix, type)                                                     \
    HCSI_STUB(prefix##_create, (const char *id, const char *settings_json, type **out), \
              HCSI_STUB_CLEAR(out))
CREATE_STUB(hcs_net_network, hcs_network)
CREATE_STUB(hcs_net_namespace, hcs_namespace)
CREATE_STUB(hcs_net_lb, hcs_lb)
CREATE_STUB(hcs_net_route, hcs_route)
CREATE_STUB(hcs_net_gns, hcs_gns)

HCSI_STUB(hcs_net_endpoint_create, (hcs_network *network, const char *id,
          const char *settings_json, hcs_endpoint **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_net_endpoint_stats, (hcs_endpoint *e, const char *query_json, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_net_endpoint_addresses, (hcs_endpoint *e, const char *query_json, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_net_namespace_add_endpoint, (const char *namespace_id, const char *endpoint_id),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_net_namespace_remove_endpoint, (const char *namespace_id, const char *endpoint_id),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_net_subscribe, (hcs_events *q, uint64_t tag, hcs_net_subscription **out),
          HCSI_STUB_CLEAR(out))

void hcs_net_unsubscribe(hcs_net_subscription *sub) { (void)sub; }

HCSI_STUB(hcs_net_gns_modify, (hcs_gns *g, const char *settings_json), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_net_gns_delete, (const char *id), HCSI_STUB_NO_OUTPUT)

const char *hcs_net_gns_id(const hcs_gns *g)
{
    (void)g;
    return NULL;
}

void hcs_net_gns_close(hcs_gns *g) { (void)g; }

HCSI_STUB(hcs_net_gns_subscribe, (hcs_gns *g, hcs_events *q, uint64_t tag,
          hcs_net_subscription **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_net_gns_reserve_port, (hcs_gns *g, int protocol, int access, uint16_t port,
          hcs_port_reservation **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_net_gns_reserve_port_range, (hcs_gns *g, uint16_t count, uint16_t *start,
          uint16_t *end, hcs_port_reservation **out),
          HCSI_STUB_CLEAR(start) HCSI_STUB_CLEAR(end) HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_net_port_reservation_release, (hcs_port_reservation *r), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_net_port_reservations_list, (hcs_port_range_entry **entries, size_t *count),
          HCSI_STUB_CLEAR(entries) HCSI_STUB_CLEAR(count))

HCSI_STUB(hcs_net_hns_version, (uint32_t *major, uint32_t *minor),
          HCSI_STUB_CLEAR(major) HCSI_STUB_CLEAR(minor))

HCSI_STUB(hcs_net_feature_require, (int feature), HCSI_STUB_NO_OUTPUT)
