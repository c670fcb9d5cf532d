/*
 * libhcs — the Host Compute Network service (HCN / HNS, computenetwork.dll):
 * networks, endpoints, namespaces, load balancers, SDN routes, guest network
 * services and their port reservations, notifications, HNS feature gates,
 * and builders for the common documents. Design: docs/windows-backend.md.
 *
 * Every computenetwork.dll function of the SDK header (43) and the 7 SDN
 * route exports hcsshim binds are reachable through this header with UTF-8
 * strings; HCN documents (JSON) cross it as UTF-8 text.
 *
 * Platforms:
 *   - Windows: computenetwork.dll is loaded at run time from System32 on
 *     the first call (LoadLibraryExW + GetProcAddress), like computecore.dll
 *     (hcs/compute.h); a function this build lacks fails with
 *     HCS_ERR_WIN32_PROC_NOT_FOUND naming it, a missing DLL with
 *     HCS_ERR_WIN32_MOD_NOT_FOUND. The HNS version comes from vmcompute.dll's
 *     HNSCall (also loaded at run time).
 *   - Elsewhere: every function returning hcs_result fails with
 *     HCS_ERR_WIN32_NOT_SUPPORTED ("<function>: the Host Compute Service is
 *     only available on Windows"); nothing pretends to succeed. The builders,
 *     names and hcs_net_version_supports() work everywhere.
 *
 * HCN calls are synchronous (no operations). Ids are GUID strings
 * ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", braces allowed); a create with a
 * NULL or empty id passes the nil GUID and HNS picks the id (read it with
 * the *_id() accessor afterwards, as hcsshim does).
 *
 * Ownership:
 *   - hcs_network, hcs_endpoint, hcs_namespace, hcs_lb, hcs_route, hcs_gns,
 *     hcs_net_subscription and hcs_port_reservation are opaque handles that
 *     the caller owns and releases with the matching *_close / unsubscribe /
 *     release. Closing a handle never deletes the object (use *_delete).
 *     A close may run while other threads are inside calls on the same
 *     handle: HCN's handle is closed when the last of those calls returned.
 *   - Strings returned through char ** are malloc'ed UTF-8; the caller frees
 *     them with hcs_free(). HCN's own strings (CoTaskMemFree) and port
 *     reservation arrays (HcnFreeGuestNetworkPortReservations) are freed
 *     inside the library; the caller never sees them.
 *   - Strings returned as const char * are owned by the handle (valid until
 *     it is closed) or static, as stated.
 *   - Input strings are borrowed for the duration of the call.
 *
 * Errors: on failure the thread's error (hcs/error.h) names the call and
 * the object, HNS's text from the ErrorRecord (its "Error" / "ErrorMessage"
 * member, or the record itself), and the HRESULT name; the error's detail
 * holds the ErrorRecord verbatim.
 *
 * Threads: all functions are thread-safe. Notifications are delivered by
 * HCN's threads into hcs_events queues (hcs/compute.h); HCN's callback
 * context is an integer key, never a pointer.
 */
#ifndef HCS_NETWORK_H
#define HCS_NETWORK_H

#include "hcs/common.h"
#include "hcs/compute.h"
#include "hcs/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcs_network hcs_network;
typedef struct hcs_endpoint hcs_endpoint;
typedef struct hcs_namespace hcs_namespace;
typedef struct hcs_lb hcs_lb;
typedef struct hcs_route hcs_route;
typedef struct hcs_gns hcs_gns;
typedef struct hcs_net_subscription hcs_net_subscription;
typedef struct hcs_port_reservation hcs_port_reservation;

/* ---- loader ---- */

/* Loads computenetwork.dll now (every call does this lazily). */
HCS_API hcs_result hcs_net_load(void);
/* TEST ONLY: load computenetwork.dll from dll_path (UTF-8; NULL: back to
 * System32); must not be called while HCN handles exist. The environment
 * variable HCS_TEST_COMPUTENETWORK_PATH does the same for a whole process
 * (HCS_TEST_VMCOMPUTE_PATH for the vmcompute.dll that answers HNSCall). */
HCS_API hcs_result hcs_net_set_dll_path(const char *dll_path);
/* The functions the loader binds (43 SDK + 7 SDN route exports), by
 * index; names static. Work on every platform. */
HCS_API size_t hcs_net_function_count(void);
HCS_API const char *hcs_net_function_name(size_t index);
/* 1 exported, 0 not (or no DLL, or not Windows), -1 unknown name. */
HCS_API int hcs_net_function_present(const char *name);

/* ---- the five object kinds ----
 *
 * Each kind has the same calls (PREFIX = hcs_net_network, hcs_net_endpoint,
 * hcs_net_namespace, hcs_net_lb, hcs_net_route):
 *   PREFIX_list(query, &json)        HcnEnumerate*: JSON array of ids or,
 *                                    with a detailed query, of objects
 *                                    (query NULL: every object, not detailed)
 *   PREFIX_get(id, query, &json)     open + query properties + close
 *   PREFIX_create(id, settings, &h)  HcnCreate* (endpoints: see below), then
 *                                    the properties are read for the id
 *   PREFIX_open(id, &h)              HcnOpen*
 *   PREFIX_modify(h, request)        HcnModify* (a Modify*SettingRequest)
 *   PREFIX_properties(h, query, &j)  HcnQuery*Properties (query NULL: the
 *                                    default HostComputeQuery)
 *   PREFIX_delete(id)                HcnDelete*
 *   PREFIX_close(h)                  HcnClose* (deferred while in use)
 *   PREFIX_id(h)                     the id (handle-owned; NULL for NULL)
 * query: a HostComputeQuery document (hcs_schema_build_hcn_query). Create
 * and modify check the document's features against the host's HNS version
 * first (see "HNS version" below). */

/* The macro below declares, for each kind (grep for the names here):
 *   hcs_net_network_{list,get,open,modify,properties,delete,close,id}
 *   hcs_net_endpoint_{list,get,open,modify,properties,delete,close,id}
 *   hcs_net_namespace_{list,get,open,modify,properties,delete,close,id}
 *   hcs_net_lb_{list,get,open,modify,properties,delete,close,id}
 *   hcs_net_route_{list,get,open,modify,properties,delete,close,id}
 * i.e. hcs_net_network_list, hcs_net_endpoint_open, hcs_net_lb_modify,
 * hcs_net_route_close ... */
#define HCS_NET_DECLARE_KIND(prefix, type)                                         \
    HCS_API hcs_result prefix##_list(const char *query_json, char **json);         \
    HCS_API hcs_result prefix##_get(const char *id, const char *query_json,        \
                                    char **json);                                  \
    HCS_API hcs_result prefix##_open(const char *id, type **out);                  \
    HCS_API hcs_result prefix##_modify(type *h, const char *request_json);         \
    HCS_API hcs_result prefix##_properties(type *h, const char *query_json,        \
                                           char **json);                           \
    HCS_API hcs_result prefix##_delete(const char *id);                            \
    HCS_API void prefix##_close(type *h);                                          \
    HCS_API const char *prefix##_id(const type *h);

HCS_NET_DECLARE_KIND(hcs_net_network, hcs_network)
HCS_NET_DECLARE_KIND(hcs_net_endpoint, hcs_endpoint)
HCS_NET_DECLARE_KIND(hcs_net_namespace, hcs_namespace)
HCS_NET_DECLARE_KIND(hcs_net_lb, hcs_lb)
HCS_NET_DECLARE_KIND(hcs_net_route, hcs_route)

/* Create: settings_json is a HostComputeNetwork / HostComputeNamespace /
 * HostComputeLoadBalancer / HostComputeRoute document (builders below). */
HCS_API hcs_result hcs_net_network_create(const char *id, const char *settings_json,
                                  hcs_network **out);
HCS_API hcs_result hcs_net_namespace_create(const char *id,
                                        const char *settings_json,
                                        hcs_namespace **out);
HCS_API hcs_result hcs_net_lb_create(const char *id, const char *settings_json,
                                 hcs_lb **out);
HCS_API hcs_result hcs_net_route_create(const char *id, const char *settings_json,
                                    hcs_route **out);
/* HcnCreateEndpoint needs the network open: a HostComputeEndpoint
 * document. */
HCS_API hcs_result hcs_net_endpoint_create(hcs_network *network, const char *id,
                                       const char *settings_json,
                                       hcs_endpoint **out);

/* HcnQueryEndpointStats / HcnQueryEndpointAddresses (Windows 11 22H2 and
 * later; HCS_ERR_WIN32_PROC_NOT_FOUND before). */
HCS_API hcs_result hcs_net_endpoint_stats(hcs_endpoint *e, const char *query_json,
                                      char **json);
HCS_API hcs_result hcs_net_endpoint_addresses(hcs_endpoint *e,
                                          const char *query_json, char **json);

/* Attach / detach an endpoint to a namespace (HcnModifyNamespace with
 * {"ResourceType":"Endpoint","RequestType":"Add"|"Remove","Settings":
 * {"EndpointId":..}}, as hcsshim). */
HCS_API hcs_result hcs_net_namespace_add_endpoint(const char *namespace_id,
                                              const char *endpoint_id);
HCS_API hcs_result hcs_net_namespace_remove_endpoint(const char *namespace_id,
                                                 const char *endpoint_id);

/* ---- notifications ---- */

/* HCN notifications arrive in an hcs_events queue as hcs_event with:
 *   type        HCS_NET_EVENT_FLAG | the HCN_NOTIFICATIONS value
 *   data        NotificationData (UTF-8 JSON) or NULL
 *   tag         the subscription's tag
 *   process_id  the NotificationStatus HRESULT (read it with
 *               hcs_net_event_status); system_id NULL, operation_id 0. */
#define HCS_NET_EVENT_FLAG 0x40000000u
#define HCS_NET_EVENT_NETWORK_PRE_CREATE 0x40000001u
#define HCS_NET_EVENT_NETWORK_CREATE 0x40000002u
#define HCS_NET_EVENT_NETWORK_PRE_DELETE 0x40000003u
#define HCS_NET_EVENT_NETWORK_DELETE 0x40000004u
#define HCS_NET_EVENT_NAMESPACE_CREATE 0x40000005u
#define HCS_NET_EVENT_NAMESPACE_DELETE 0x40000006u
#define HCS_NET_EVENT_GNS_CREATE 0x40000007u
#define HCS_NET_EVENT_GNS_DELETE 0x40000008u
#define HCS_NET_EVENT_ENDPOINT_ATTACHED 0x40000009u
#define HCS_NET_EVENT_ENDPOINT_DETACHED 0x40000010u /* hex, as the SDK */
#define HCS_NET_EVENT_GNS_STATE_CHANGED 0x40000011u
#define HCS_NET_EVENT_GNS_INTERFACE_STATE_CHANGED 0x40000012u
#define HCS_NET_EVENT_SERVICE_DISCONNECT 0x41000000u

/* Static name ("NetworkCreate", "ServiceDisconnect", ...; "Unknown"). */
HCS_API const char *hcs_net_event_type_name(uint32_t type);
/* The NotificationStatus of an HCN event (HCS_S_OK for others / NULL). */
HCS_API hcs_result hcs_net_event_status(const hcs_event *e);

/* HcnRegisterServiceCallback: the service's notifications go to q with
 * tag. *out: caller releases with hcs_net_unsubscribe. */
HCS_API hcs_result hcs_net_subscribe(hcs_events *q, uint64_t tag,
                                     hcs_net_subscription **out);
/* HcnUnregisterServiceCallback / HcnUnregisterGuestNetworkServiceCallback;
 * no event of the subscription is queued after it returns. NULL ignored. */
HCS_API void hcs_net_unsubscribe(hcs_net_subscription *sub);

/* ---- guest network services ---- */

/* HcnCreateGuestNetworkService (a GuestNetworkService document). */
HCS_API hcs_result hcs_net_gns_create(const char *id, const char *settings_json,
                                  hcs_gns **out);
HCS_API hcs_result hcs_net_gns_modify(hcs_gns *g, const char *settings_json);
HCS_API hcs_result hcs_net_gns_delete(const char *id);
HCS_API const char *hcs_net_gns_id(const hcs_gns *g);
HCS_API void hcs_net_gns_close(hcs_gns *g);
/* HcnRegisterGuestNetworkServiceCallback: the service's notifications go
 * to q with tag (release with hcs_net_unsubscribe, before closing g). */
HCS_API hcs_result hcs_net_gns_subscribe(hcs_gns *g, hcs_events *q, uint64_t tag,
                                     hcs_net_subscription **out);

/* Port reservations (HCN_PORT_PROTOCOL / HCN_PORT_ACCESS values). */
#define HCS_PORT_PROTOCOL_TCP 1
#define HCS_PORT_PROTOCOL_UDP 2
#define HCS_PORT_PROTOCOL_BOTH 3
#define HCS_PORT_ACCESS_EXCLUSIVE 1
#define HCS_PORT_ACCESS_SHARED 2

/* HcnReserveGuestNetworkServicePort. *out: caller releases with
 * hcs_net_port_reservation_release. */
HCS_API hcs_result hcs_net_gns_reserve_port(hcs_gns *g, int protocol, int access,
                                        uint16_t port,
                                        hcs_port_reservation **out);
/* HcnReserveGuestNetworkServicePortRange: count ports (exclusive, TCP and
 * UDP); *start / *end (inclusive) optional. */
HCS_API hcs_result hcs_net_gns_reserve_port_range(hcs_gns *g, uint16_t count,
                                              uint16_t *start, uint16_t *end,
                                              hcs_port_reservation **out);
/* HcnReleaseGuestNetworkServicePortReservationHandle (NULL ignored). */
HCS_API hcs_result hcs_net_port_reservation_release(hcs_port_reservation *r);

typedef struct hcs_port_range_entry {
    char owning_partition_id[37]; /* GUID text */
    char target_partition_id[37];
    int protocol;                 /* HCS_PORT_PROTOCOL_* */
    uint64_t priority;
    uint32_t reservation_type;
    uint32_t sharing_flags;
    uint32_t delivery_mode;
    uint16_t starting_port;
    uint16_t ending_port;         /* inclusive */
} hcs_port_range_entry;

/* HcnEnumerateGuestNetworkPortReservations: *entries is a malloc'ed array
 * of *count entries (caller frees with hcs_free; NULL when none). HCN's
 * array is freed with HcnFreeGuestNetworkPortReservations inside. */
HCS_API hcs_result hcs_net_port_reservations_list(hcs_port_range_entry **entries,
                                              size_t *count);

/* ---- HNS version and features ----
 *
 * HNS versions gate features (hcsshim's hcnglobals.go); create / modify
 * check a document's needs first and fail with
 * HCS_ERR_HCN_REQUEST_UNSUPPORTED "... this host's HNS 9.1 does not
 * support DSR (needs HNS 9.3-9.x or 10.2 and later)" instead of HNS's
 * cryptic failure. When the version cannot be read (no vmcompute.dll
 * HNSCall) nothing is blocked. */
typedef enum hcs_net_feature {
    HCS_NET_FEATURE_V2_API = 0,           /* 9.2 */
    HCS_NET_FEATURE_REMOTE_SUBNET,        /* 9.2 */
    HCS_NET_FEATURE_HOST_ROUTE,           /* 9.2 */
    HCS_NET_FEATURE_DSR,                  /* 9.3-9.x, 10.2+ */
    HCS_NET_FEATURE_SLASH32_PREFIXES,     /* 9.3-9.x, 10.4+ */
    HCS_NET_FEATURE_VXLAN_PORT,           /* 10.3 */
    HCS_NET_FEATURE_IPV6_DUAL_STACK,      /* 11.10 */
    HCS_NET_FEATURE_SESSION_AFFINITY,     /* 12.0 */
    HCS_NET_FEATURE_SET_POLICY,           /* 13.0 */
    HCS_NET_FEATURE_L4_PROXY,             /* 9.5-9.x, 10.5-10.x, 11.11-11.x, 12.1-12.x, 13.1+ */
    HCS_NET_FEATURE_L4_WFP_PROXY,         /* 13.2 */
    HCS_NET_FEATURE_TIER_ACL,             /* 14.0 */
    HCS_NET_FEATURE_NETWORK_ACL,          /* 15.0 */
    HCS_NET_FEATURE_NESTED_IP_SET,        /* 15.0 */
    HCS_NET_FEATURE_DISABLE_HOST_PORT,    /* 15.1 */
    HCS_NET_FEATURE_MODIFY_LOADBALANCER,  /* 15.4 */
    HCS_NET_FEATURE_ACCELNET,             /* 15.4 */
    HCS_NET_FEATURE_COUNT
} hcs_net_feature;

/* Static name ("DSR", "IPv6DualStack", ...) or NULL. Every platform. */
HCS_API const char *hcs_net_feature_name(int feature);
/* 1 when HNS major.minor has the feature, 0 when not, -1 unknown feature.
 * Every platform (pure table lookup). */
HCS_API int hcs_net_version_supports(uint32_t major, uint32_t minor,
                                     int feature);
/* The host's HNS version (HNSCall GET /globals/version; read once, then
 * cached). */
HCS_API hcs_result hcs_net_hns_version(uint32_t *major, uint32_t *minor);
/* HCS_S_OK when the host has feature; HCS_ERR_HCN_REQUEST_UNSUPPORTED with
 * the message above when not; the version's error when it is unknown. */
HCS_API hcs_result hcs_net_feature_require(int feature);

#ifdef __cplusplus
}
#endif

#endif /* HCS_NETWORK_H */
