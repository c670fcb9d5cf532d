/*
 * The network module's internals (computenetwork.dll, HCN): the function
 * list, and the portable helpers behind include/hcs/network.h (names,
 * ErrorRecord messages, HNS feature gates). The helpers are built and
 * tested on every OS. Not installed.
 */
#ifndef HCS_CORE_NET_H
#define HCS_CORE_NET_H

#include "compute/compute_int.h"
#include "hcs/network.h"

/* The seven functions every kind of HCN object has, in the SDK's order:
 * HcnEnumerate<Plural>, HcnCreate<Kind> (create: its parameters),
 * HcnOpen<Kind>, HcnModify<Kind>, HcnQuery<Kind>Properties, HcnDelete<Kind>
 * and HcnClose<Kind>; H is the kind's handle type, PH a pointer to one. */
#define HCSI_HCN_KIND_FUNCS(X, Kind, Plural, H, PH, create)                    \
    X(HRESULT, HcnEnumerate##Plural,                                           \
      (PCWSTR Query, PWSTR * Plural, PWSTR * ErrorRecord))                     \
    X(HRESULT, HcnCreate##Kind, create)                                        \
    X(HRESULT, HcnOpen##Kind, (REFGUID Id, PH Kind, PWSTR * ErrorRecord))      \
    X(HRESULT, HcnModify##Kind, (H Kind, PCWSTR Settings, PWSTR * ErrorRecord)) \
    X(HRESULT, HcnQuery##Kind##Properties,                                     \
      (H Kind, PCWSTR Query, PWSTR * Properties, PWSTR * ErrorRecord))         \
    X(HRESULT, HcnDelete##Kind, (REFGUID Id, PWSTR * ErrorRecord))             \
    X(HRESULT, HcnClose##Kind, (H Kind))

/*
 * The computenetwork.dll functions the loader binds, as an X-macro:
 *   X(return type, name, (parameters))
 * The 43 functions of the SDK's computenetwork.h (shared/docs/hcs-api.md
 * section 3) in the header's order, then the 7 SDN route exports that the
 * header lacks and hcsshim binds (same shapes as the network CRUD).
 * Parameter types are those of network/win/abi.h (Windows only).
 */
#define HCSI_HCN_FUNCS(X)                                                      \
    /* networks (7) */                                                         \
    HCSI_HCN_KIND_FUNCS(X, Network, Networks, HCSI_HCN_NETWORK,                \
                        HCSI_HCN_PNETWORK,                                     \
                        (REFGUID Id, PCWSTR Settings, HCSI_HCN_PNETWORK Network, \
                         PWSTR * ErrorRecord))                                 \
    /* namespaces (7) */                                                       \
    HCSI_HCN_KIND_FUNCS(X, Namespace, Namespaces, HCSI_HCN_NAMESPACE,          \
                        HCSI_HCN_PNAMESPACE,                                   \
                        (REFGUID Id, PCWSTR Settings,                          \
                         HCSI_HCN_PNAMESPACE Namespace, PWSTR * ErrorRecord))  \
    /* endpoints (7): created in a network */                                  \
    HCSI_HCN_KIND_FUNCS(X, Endpoint, Endpoints, HCSI_HCN_ENDPOINT,             \
                        HCSI_HCN_PENDPOINT,                                    \
                        (HCSI_HCN_NETWORK Network, REFGUID Id, PCWSTR Settings, \
                         HCSI_HCN_PENDPOINT Endpoint, PWSTR * ErrorRecord))    \
    /* load balancers (7) */                                                   \
    HCSI_HCN_KIND_FUNCS(X, LoadBalancer, LoadBalancers, HCSI_HCN_LOADBALANCER, \
                        HCSI_HCN_PLOADBALANCER,                                \
                        (REFGUID Id, PCWSTR Settings,                          \
                         HCSI_HCN_PLOADBALANCER LoadBalancer,                  \
                         PWSTR * ErrorRecord))                                 \
    /* service callbacks (2) */                                                \
    X(HRESULT, HcnRegisterServiceCallback,                                     \
      (HCSI_HCN_NOTIFICATION_CALLBACK Callback, void *Context,                 \
       HCSI_HCN_CALLBACK *CallbackHandle))                                     \
    X(HRESULT, HcnUnregisterServiceCallback,                                   \
      (HCSI_HCN_CALLBACK CallbackHandle))                                      \
    /* guest network services (6) */                                           \
    X(HRESULT, HcnRegisterGuestNetworkServiceCallback,                         \
      (HCSI_HCN_GNS GuestNetworkService,                                       \
       HCSI_HCN_NOTIFICATION_CALLBACK Callback, void *Context,                 \
       HCSI_HCN_CALLBACK *CallbackHandle))                                     \
    X(HRESULT, HcnUnregisterGuestNetworkServiceCallback,                       \
      (HCSI_HCN_CALLBACK CallbackHandle))                                      \
    X(HRESULT, HcnCreateGuestNetworkService,                                   \
      (REFGUID Id, PCWSTR Settings, HCSI_HCN_PGNS GuestNetworkService,         \
       PWSTR * ErrorRecord))                                                   \
    X(HRESULT, HcnCloseGuestNetworkService,                                    \
      (HCSI_HCN_GNS GuestNetworkService))                                      \
    X(HRESULT, HcnModifyGuestNetworkService,                                   \
      (HCSI_HCN_GNS GuestNetworkService, PCWSTR Settings,                      \
       PWSTR * ErrorRecord))                                                   \
    X(HRESULT, HcnDeleteGuestNetworkService, (REFGUID Id, PWSTR * ErrorRecord))\
    /* port reservations (5) */                                                \
    X(HRESULT, HcnReserveGuestNetworkServicePort,                              \
      (HCSI_HCN_GNS GuestNetworkService, HCSI_HCN_PORT_PROTOCOL Protocol,      \
       HCSI_HCN_PORT_ACCESS Access, USHORT Port,                               \
       HANDLE * PortReservationHandle))                                        \
    X(HRESULT, HcnReserveGuestNetworkServicePortRange,                         \
      (HCSI_HCN_GNS GuestNetworkService, USHORT PortCount,                     \
       HCSI_HCN_PORT_RANGE_RESERVATION * PortRangeReservation,                 \
       HANDLE * PortReservationHandle))                                        \
    X(HRESULT, HcnReleaseGuestNetworkServicePortReservationHandle,             \
      (HANDLE PortReservationHandle))                                          \
    X(HRESULT, HcnEnumerateGuestNetworkPortReservations,                       \
      (ULONG * ReturnCount, HCSI_HCN_PORT_RANGE_ENTRY * *PortEntries))         \
    X(VOID, HcnFreeGuestNetworkPortReservations,                               \
      (HCSI_HCN_PORT_RANGE_ENTRY * PortEntries))                               \
    /* endpoint queries "added in NI" (2) */                                   \
    X(HRESULT, HcnQueryEndpointStats,                                          \
      (HCSI_HCN_ENDPOINT Endpoint, PCWSTR Query, PWSTR * Stats,                \
       PWSTR * ErrorRecord))                                                   \
    X(HRESULT, HcnQueryEndpointAddresses,                                      \
      (HCSI_HCN_ENDPOINT Endpoint, PCWSTR Query, PWSTR * Addresses,            \
       PWSTR * ErrorRecord))                                                   \
    /* SDN routes: exported, not in the SDK header (7) */                      \
    HCSI_HCN_KIND_FUNCS(X, SdnRoute, SdnRoutes, HCSI_HCN_ROUTE, HCSI_HCN_PROUTE, \
                        (REFGUID Id, PCWSTR Settings, HCSI_HCN_PROUTE Route,   \
                         PWSTR * ErrorRecord))

#define HCSI_HCN_IX_ENUM(ret, name, params) HCSI_HCN_IX_##name,
enum { HCSI_HCN_FUNCS(HCSI_HCN_IX_ENUM) HCSI_HCN_COUNT };
#undef HCSI_HCN_IX_ENUM

/* The number of functions of the SDK header (the rest are SDN routes). */
#define HCSI_HCN_SDK_COUNT 43

extern const char *const hcsi_hcn_names[HCSI_HCN_COUNT];

/* The object kinds: the five CRUD kinds and the guest network service. */
enum {
    HCSI_NET_NETWORK = 0,
    HCSI_NET_ENDPOINT = 1,
    HCSI_NET_NAMESPACE = 2,
    HCSI_NET_LB = 3,
    HCSI_NET_ROUTE = 4,
    HCSI_NET_GNS = 5
};

/* The kinds (HCSI_NET_*) and their
 * seven functions, in the order enumerate, create, open, modify, query,
 * delete, close. */
enum {
    HCSI_HCN_OP_ENUMERATE = 0,
    HCSI_HCN_OP_CREATE,
    HCSI_HCN_OP_OPEN,
    HCSI_HCN_OP_MODIFY,
    HCSI_HCN_OP_QUERY,
    HCSI_HCN_OP_DELETE,
    HCSI_HCN_OP_CLOSE,
    HCSI_HCN_OP_COUNT
};
typedef struct hcsi_hcn_kind {
    const char *noun;  /* "network", "endpoint", ... */
    const char *plural;
    int ix[HCSI_HCN_OP_COUNT];
} hcsi_hcn_kind;
/* NULL for an unknown kind. */
const hcsi_hcn_kind *hcsi_hcn_kind_of(int kind);

/* Records the rich error of a failed HCN call and returns hr: see
 * hcsi_fail_doc (record: the error record, or NULL). */
#define hcsi_net_fail(hr, record, ...) hcsi_fail_doc(HCSI_FAIL_HCN, hr, record, __VA_ARGS__)

/* The HNS features a settings document needs (HCS_NET_FEATURE_* bits):
 * policy types of Policies[] (network / endpoint), load balancer Flags
 * (DSR, IPv6), network Flags (DisableHostPort). modify: the document is a
 * modify request of the kind (a load balancer modify needs
 * ModifyLoadBalancer). A document that does not parse needs nothing (HNS
 * reports it). */
uint64_t hcsi_net_features_needed(int kind, int modify, const char *settings);

/* The first feature of mask that HNS major.minor lacks, or -1. */
int hcsi_net_first_missing(uint64_t mask, uint32_t major, uint32_t minor);
/* Records "<context>: this host's HNS <v> does not support <feature>
 * (needs HNS <ranges>)" with HCS_ERR_HCN_REQUEST_UNSUPPORTED. */
hcs_result hcsi_net_unsupported(int feature, uint32_t major, uint32_t minor,
                                const char *context);

/* Parses HNSCall's response {"Success":..,"Error":..,"Output":{"Major",
 * "Minor"}} into the version. Records the error on failure. */
hcs_result hcsi_net_parse_version(const char *response, uint32_t *major,
                                  uint32_t *minor);


#endif /* HCS_CORE_NET_H */
