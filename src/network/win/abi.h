/*
 * Our own declarations of the computenetwork.dll ABI (Windows only;
 * private). The library never includes the SDK's computenetwork.h
 * (mingw-w64 10 lacks HcnQueryEndpointStats/Addresses, no SDK declares the
 * SDN route exports). Layouts as in shared/docs/hcs-api.md section 3.
 *
 * HCSI_HCN_SDK_TYPES (defined by the test double, which also includes the
 * SDK header) maps the types onto the SDK's own, so that redeclaring every
 * function from net.h's X-macro is checked against the SDK's prototypes.
 */
#ifndef HCS_CORE_NET_DECLS_H
#define HCS_CORE_NET_DECLS_H

#include <windows.h>

struct hcsi_hcn_port_range_reservation {
    USHORT startingPort;
    USHORT endingPort;
};

struct hcsi_hcn_port_range_entry {
    GUID OwningPartitionId;
    GUID TargetPartitionId;
    INT32 Protocol; /* HCN_PORT_PROTOCOL */
    UINT64 Priority;
    UINT32 ReservationType;
    UINT32 SharingFlags;
    UINT32 DeliveryMode;
    UINT16 StartingPort;
    UINT16 EndingPort;
};

typedef void(CALLBACK *hcsi_hcn_notification_callback_fn)(DWORD NotificationType,
                                                          void *Context,
                                                          HRESULT NotificationStatus,
                                                          PCWSTR NotificationData);

/* Handles are void * in the SDK: the same types either way. */
typedef void *HCSI_HCN_NETWORK;
typedef void **HCSI_HCN_PNETWORK;
typedef void *HCSI_HCN_NAMESPACE;
typedef void **HCSI_HCN_PNAMESPACE;
typedef void *HCSI_HCN_ENDPOINT;
typedef void **HCSI_HCN_PENDPOINT;
typedef void *HCSI_HCN_LOADBALANCER;
typedef void **HCSI_HCN_PLOADBALANCER;
typedef void *HCSI_HCN_GNS;
typedef void **HCSI_HCN_PGNS;
typedef void *HCSI_HCN_CALLBACK;
typedef void *HCSI_HCN_ROUTE;
typedef void **HCSI_HCN_PROUTE;

#ifdef HCSI_HCN_SDK_TYPES
typedef HCN_NOTIFICATION_CALLBACK HCSI_HCN_NOTIFICATION_CALLBACK;
typedef HCN_PORT_PROTOCOL HCSI_HCN_PORT_PROTOCOL;
typedef HCN_PORT_ACCESS HCSI_HCN_PORT_ACCESS;
typedef HCN_PORT_RANGE_RESERVATION HCSI_HCN_PORT_RANGE_RESERVATION;
typedef HCN_PORT_RANGE_ENTRY HCSI_HCN_PORT_RANGE_ENTRY;
#else
typedef hcsi_hcn_notification_callback_fn HCSI_HCN_NOTIFICATION_CALLBACK;
typedef INT32 HCSI_HCN_PORT_PROTOCOL;
typedef INT32 HCSI_HCN_PORT_ACCESS;
typedef struct hcsi_hcn_port_range_reservation HCSI_HCN_PORT_RANGE_RESERVATION;
typedef struct hcsi_hcn_port_range_entry HCSI_HCN_PORT_RANGE_ENTRY;
#endif

#include "network/network_int.h"

#define HCSI_HCN_PFN_TYPEDEF(ret, name, params)                               \
    typedef ret(WINAPI *hcsi_hcn_pfn_##name) params;
HCSI_HCN_FUNCS(HCSI_HCN_PFN_TYPEDEF)
#undef HCSI_HCN_PFN_TYPEDEF

#endif /* HCS_CORE_NET_DECLS_H */
