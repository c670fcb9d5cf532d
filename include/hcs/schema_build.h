/*
 * libhcs schema layer — builders for the common documents. Each emits what
 * hcsshim emits for the same intent (the examples in shared/docs/hcs-schema.md
 * section 6 are the reference; tests compare against them).
 *
 * All builders:
 *   - take an options struct that is only read during the call (every pointer
 *     borrowed; NULL / 0 members mean "default" or "leave out", as documented);
 *   - return compact JSON (Go's encoding, as hcsshim sends it) in *json, which
 *     the caller frees with hcs_free();
 *   - fail with HCS_ERR_INVALIDARG and a message naming the option when a
 *     required option is missing or out of range.
 * Include hcs/schema.h (which includes this header).
 */
#ifndef HCS_SCHEMA_BUILD_H
#define HCS_SCHEMA_BUILD_H

#ifndef HCS_SCHEMA_H
#error "include hcs/schema.h instead"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* hcsshim's fixed SCSI controller keys (v5 GUIDs: HCS uses the key as the
 * controller's VMBus instance id; the Linux GCS maps index <-> GUID).
 * Index 0..3; NULL for anything else. Static string. */
HCS_API const char *hcs_schema_scsi_controller_guid(unsigned index);

/* ---- compute systems (HcsCreateComputeSystem) ---- */

typedef struct hcs_schema_layer {
    const char *id;   /* layer GUID */
    const char *path; /* layer folder */
} hcs_schema_layer;

typedef struct hcs_schema_mapped_dir {
    const char *host_path;
    const char *container_path;
    int read_only;
} hcs_schema_mapped_dir;

/* A Windows container: process-isolated ("Argon") by itself, or the hosted
 * part of a Hyper-V isolated one (hcs_schema_build_hyperv_container). */
typedef struct hcs_schema_wcow_container_options {
    unsigned version; /* HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_VERSION (use HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_INIT) */
    const char *owner;                 /* default "libhcs" */
    const char *hostname;              /* Container.GuestOs.HostName, optional */
    const hcs_schema_layer *layers;    /* read-only parent layers, top to bottom (required) */
    size_t layer_count;
    const char *scratch_path;          /* Storage.Path: \\?\Volume{GUID}\ of the mounted scratch (required) */
    const hcs_schema_mapped_dir *mounts;
    size_t mount_count;
    uint64_t memory_mb;                /* Container.Memory.SizeInMB; 0 = no limit */
    uint32_t processor_count;          /* Container.Processor.Count; 0 = no limit */
    const char *network_namespace;     /* HCN namespace GUID, optional */
    int no_wait_to_kill_registry;      /* 1: omit hcsshim's WaitToKillServiceTimeout value */
} hcs_schema_wcow_container_options;
#define HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_VERSION 1u
#define HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_INIT {.version = HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_wcow_container(const hcs_schema_wcow_container_options *opts, char **json);

/* Hyper-V isolated Windows container: {HostingSystemId, HostedSystem:
 * {SchemaVersion, Container}}; layer and scratch paths are inside the UVM. */
HCS_API hcs_result hcs_schema_build_hyperv_container(const hcs_schema_wcow_container_options *opts,
                                                     const char *hosting_system_id, char **json);

/* Linux utility VM (LCOW), as hcsshim's MakeLCOWDoc. */
typedef struct hcs_schema_lcow_uvm_options {
    unsigned version; /* HCS_SCHEMA_LCOW_UVM_OPTIONS_VERSION (use HCS_SCHEMA_LCOW_UVM_OPTIONS_INIT) */
    const char *owner;            /* default "libhcs" */
    const char *boot_dir;         /* folder with kernel / initrd.img / rootfs.vhd (required) */
    const char *kernel_file;      /* default "kernel" */
    const char *initrd_file;      /* default "initrd.img"; ignored with rootfs_vhd */
    const char *rootfs_vhd;       /* file name in boot_dir: boot from VPMem device 0 instead of the initrd */
    int uefi_boot;                /* 1: boot through UEFI (Chipset.Uefi.BootThis) instead of KernelDirect */
    uint32_t processor_count;     /* default 2 */
    uint64_t memory_mb;           /* default 1024 */
    int physically_backed;        /* 1: AllowOvercommit false (no VPMem either, as hcsshim) */
    uint32_t scsi_controllers;    /* default 1, at most 4 */
    int32_t vpmem_count;          /* default 64; -1 = no VPMem controller */
    uint64_t vpmem_max_size;      /* default 4 GiB */
    int no_plan9;                 /* 1: no Plan9 device */
    const char *kernel_args;      /* extra kernel arguments (before "--"), optional */
    const char *gcs_log_level;    /* default "info" */
} hcs_schema_lcow_uvm_options;
#define HCS_SCHEMA_LCOW_UVM_OPTIONS_VERSION 1u
#define HCS_SCHEMA_LCOW_UVM_OPTIONS_INIT {.version = HCS_SCHEMA_LCOW_UVM_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_lcow_uvm(const hcs_schema_lcow_uvm_options *opts, char **json);

/* Windows utility VM (for Hyper-V isolated containers), as hcsshim's
 * prepareConfigDoc: UEFI boot from the VSMB "os" share, scratch on SCSI 0:0. */
typedef struct hcs_schema_wcow_uvm_options {
    unsigned version; /* HCS_SCHEMA_WCOW_UVM_OPTIONS_VERSION (use HCS_SCHEMA_WCOW_UVM_OPTIONS_INIT) */
    const char *owner;            /* default "libhcs" */
    const char *uvm_folder;       /* the layer folder holding UtilityVM\Files (required) */
    const char *scratch_vhdx;     /* sandbox.vhdx of the UVM (required) */
    uint32_t processor_count;     /* default 2 */
    uint64_t memory_mb;           /* default 1024 */
    int physically_backed;        /* 1: no overcommit, no hot hint, VSMB without direct map */
} hcs_schema_wcow_uvm_options;
#define HCS_SCHEMA_WCOW_UVM_OPTIONS_VERSION 1u
#define HCS_SCHEMA_WCOW_UVM_OPTIONS_INIT {.version = HCS_SCHEMA_WCOW_UVM_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_wcow_uvm(const hcs_schema_wcow_uvm_options *opts, char **json);

/* ---- hot-add requests (HcsModifyComputeSystem: ModifySettingRequest) ---- */

typedef enum hcs_schema_request {
    HCS_SCHEMA_REQUEST_ADD = 0,
    HCS_SCHEMA_REQUEST_REMOVE = 1
} hcs_schema_request;

/* SCSI: the HCS half (attach host_path at controller:lun). */
typedef struct hcs_schema_scsi_options {
    unsigned version; /* HCS_SCHEMA_SCSI_OPTIONS_VERSION (use HCS_SCHEMA_SCSI_OPTIONS_INIT) */
    hcs_schema_request request;
    unsigned controller;          /* 0..3 (hcsshim's GUID keys) */
    uint32_t lun;
    const char *host_path;        /* required for Add */
    int read_only;
    int passthru;                 /* 1: Type PassThru (a physical disk) instead of VirtualDisk */
} hcs_schema_scsi_options;
#define HCS_SCHEMA_SCSI_OPTIONS_VERSION 1u
#define HCS_SCHEMA_SCSI_OPTIONS_INIT {.version = HCS_SCHEMA_SCSI_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_scsi(const hcs_schema_scsi_options *opts, char **json);

/* SCSI: the guest half, a GuestRequest-only ModifySettingRequest. Linux guest
 * (MappedVirtualDisk {MountPath, Lun, Controller, ReadOnly, Options}) unless
 * container_path is set (Windows guest: {ContainerPath, Lun}). */
typedef struct hcs_schema_scsi_guest_options {
    unsigned version; /* HCS_SCHEMA_SCSI_GUEST_OPTIONS_VERSION (use HCS_SCHEMA_SCSI_GUEST_OPTIONS_INIT) */
    hcs_schema_request request;
    unsigned controller;
    uint8_t lun;
    const char *mount_path;       /* LCOW: e.g. /run/mounts/scsi/m1 */
    const char *container_path;   /* WCOW instead of mount_path */
    int read_only;
    const char *const *options;   /* LCOW mount options, optional */
    size_t option_count;
} hcs_schema_scsi_guest_options;
#define HCS_SCHEMA_SCSI_GUEST_OPTIONS_VERSION 1u
#define HCS_SCHEMA_SCSI_GUEST_OPTIONS_INIT {.version = HCS_SCHEMA_SCSI_GUEST_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_scsi_guest(const hcs_schema_scsi_guest_options *opts, char **json);

/* VPMem layer: HCS device + guest mount in one request. */
typedef struct hcs_schema_vpmem_options {
    unsigned version; /* HCS_SCHEMA_VPMEM_OPTIONS_VERSION (use HCS_SCHEMA_VPMEM_OPTIONS_INIT) */
    hcs_schema_request request;
    uint8_t device;               /* device number */
    const char *host_path;        /* the layer VHD (required for Add) */
    const char *mount_path;       /* guest mount, e.g. /run/layers/p0; NULL = no guest part */
} hcs_schema_vpmem_options;
#define HCS_SCHEMA_VPMEM_OPTIONS_VERSION 1u
#define HCS_SCHEMA_VPMEM_OPTIONS_INIT {.version = HCS_SCHEMA_VPMEM_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_vpmem(const hcs_schema_vpmem_options *opts, char **json);

/* VSMB share (Windows UVM). */
typedef struct hcs_schema_vsmb_options {
    unsigned version; /* HCS_SCHEMA_VSMB_OPTIONS_VERSION (use HCS_SCHEMA_VSMB_OPTIONS_INIT) */
    hcs_schema_request request;
    const char *name;             /* share name (required) */
    const char *host_path;        /* required for Add */
    int read_only;                /* ReadOnly + ShareRead + CacheIo + PseudoOplocks, as hcsshim */
    int no_direct_map;
    const char *const *allowed_files; /* restrict to these files (single-file shares), optional */
    size_t allowed_file_count;
} hcs_schema_vsmb_options;
#define HCS_SCHEMA_VSMB_OPTIONS_VERSION 1u
#define HCS_SCHEMA_VSMB_OPTIONS_INIT {.version = HCS_SCHEMA_VSMB_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_vsmb(const hcs_schema_vsmb_options *opts, char **json);

/* Plan9 share (Linux UVM): HCS share + guest MappedDirectory in one request. */
typedef struct hcs_schema_plan9_options {
    unsigned version; /* HCS_SCHEMA_PLAN9_OPTIONS_VERSION (use HCS_SCHEMA_PLAN9_OPTIONS_INIT) */
    hcs_schema_request request;
    const char *name;             /* share name (required) */
    const char *host_path;        /* required for Add */
    const char *mount_path;       /* guest mount, e.g. /mounts/m1 (required) */
    int read_only;
    int restrict_file_access;     /* single-file shares (with allowed_files) */
    const char *const *allowed_files;
    size_t allowed_file_count;
} hcs_schema_plan9_options;
#define HCS_SCHEMA_PLAN9_OPTIONS_VERSION 1u
#define HCS_SCHEMA_PLAN9_OPTIONS_INIT {.version = HCS_SCHEMA_PLAN9_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_plan9(const hcs_schema_plan9_options *opts, char **json);

/* Network adapter (Linux UVM): HCS NIC + guest network configuration. */
/* IP configurations and routes: hcs_ip_config / hcs_ip_route (hcs/common.h). */
typedef struct hcs_schema_nic_options {
    unsigned version; /* HCS_SCHEMA_NIC_OPTIONS_VERSION (use HCS_SCHEMA_NIC_OPTIONS_INIT) */
    hcs_schema_request request;
    const char *endpoint_id;      /* HCN endpoint GUID (required) */
    const char *mac_address;      /* 00-15-5D-xx-xx-xx (required for Add) */
    const char *namespace_id;     /* guest part: HCN namespace GUID; NULL = no guest part */
    const char *dns_servers;      /* comma-separated, optional */
    const char *dns_suffix;       /* optional */
    const hcs_ip_config *ip_configs;
    size_t ip_config_count;
    const hcs_ip_route *routes;
    size_t route_count;
} hcs_schema_nic_options;
#define HCS_SCHEMA_NIC_OPTIONS_VERSION 1u
#define HCS_SCHEMA_NIC_OPTIONS_INIT {.version = HCS_SCHEMA_NIC_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_nic(const hcs_schema_nic_options *opts, char **json);

/* ---- HCN (computenetwork) ---- */

/* Networks, endpoints, load balancers and routes: options are read during the call (NULL / 0 =
 * default or left out), compact JSON in *json (caller frees with
 * hcs_free), HCS_ERR_INVALIDARG naming the option on a bad one. Output is
 * what hcsshim emits (SchemaVersion 2.0, numeric flags and protocols,
 * Dns / Health / MacPool present). */

/* A policy given as type + settings document (any HCN policy type). */
typedef struct hcs_schema_hcn_policy {
    const char *type;          /* e.g. "NetAdapterName", "OutBoundNAT" */
    const char *settings_json; /* JSON object text, NULL = none */
} hcs_schema_hcn_policy;

typedef struct hcs_schema_hcn_subnet {
    const char *prefix;        /* IpAddressPrefix, e.g. 10.0.0.0/24 (required) */
    const char *gateway;       /* default route next hop, optional */
    uint32_t vlan;             /* VLAN policy IsolationId, 0 = none */
    uint32_t vsid;             /* VSID policy IsolationId (overlay), 0 = none */
} hcs_schema_hcn_subnet;

typedef struct hcs_schema_hcn_network_options {
    unsigned version; /* HCS_SCHEMA_HCN_NETWORK_OPTIONS_VERSION (use HCS_SCHEMA_HCN_NETWORK_OPTIONS_INIT) */
    const char *type;          /* NAT (default), Transparent, L2Bridge,
                                  L2Tunnel, Overlay, ICS, Internal, Private */
    const char *name;          /* required */
    const hcs_schema_hcn_subnet *subnets; /* required for NAT / L2Bridge / Overlay */
    size_t subnet_count;
    const char *adapter_name;  /* NetAdapterName policy (Transparent,
                                  L2Bridge: the host NIC), optional */
    const char *mac_pool_start; /* both or neither */
    const char *mac_pool_end;
    const char *const *dns_servers;
    size_t dns_server_count;
    const char *dns_domain;
    uint32_t flags;            /* NetworkFlags: 8 EnableNonPersistent,
                                  1024 DisableHostPort, 8192 EnableIov */
    const hcs_schema_hcn_policy *policies; /* extra network policies */
    size_t policy_count;
} hcs_schema_hcn_network_options;
#define HCS_SCHEMA_HCN_NETWORK_OPTIONS_VERSION 1u
#define HCS_SCHEMA_HCN_NETWORK_OPTIONS_INIT {.version = HCS_SCHEMA_HCN_NETWORK_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_hcn_network(const hcs_schema_hcn_network_options *opts,
                                         char **json);

typedef struct hcs_schema_hcn_port_mapping {
    uint32_t protocol;         /* IANA: 6 TCP (default), 17 UDP */
    uint16_t internal_port;    /* required */
    uint16_t external_port;    /* 0 = same as internal */
    const char *vip;           /* optional */
    uint32_t flags;            /* NatFlags: 1 LocalRoutedVip, 2 IPv6 */
} hcs_schema_hcn_port_mapping;

typedef struct hcs_schema_hcn_acl {
    const char *action;        /* Allow (default), Block, Pass */
    const char *direction;     /* In (default), Out */
    const char *protocols;     /* "6", "17", ... optional */
    const char *local_addresses;  /* comma list of IPs / CIDRs, optional */
    const char *remote_addresses;
    const char *local_ports;
    const char *remote_ports;
    const char *rule_type;     /* Host, Switch; optional */
    uint16_t priority;         /* 0 = omitted */
} hcs_schema_hcn_acl;

typedef struct hcs_schema_hcn_endpoint_options {
    unsigned version; /* HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_VERSION (use HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_INIT) */
    const char *name;          /* optional */
    const char *network_id;    /* required */
    const char *ip_address;    /* NULL: HNS allocates */
    uint8_t prefix_length;
    const char *gateway;       /* default route, optional */
    const char *mac_address;   /* NULL: HNS allocates */
    const char *const *dns_servers;
    size_t dns_server_count;
    const char *const *dns_search;
    size_t dns_search_count;
    const hcs_schema_hcn_port_mapping *port_mappings;
    size_t port_mapping_count;
    const hcs_schema_hcn_acl *acls;
    size_t acl_count;
    const char *outbound_nat_vip;      /* OutBoundNAT policy when set or
                                          with exceptions */
    const char *const *outbound_nat_exceptions;
    size_t outbound_nat_exception_count;
    uint64_t max_bandwidth_bytes;      /* QOS policy, 0 = none */
    int remote;                        /* Flags 1: a remote endpoint */
    const hcs_schema_hcn_policy *policies;    /* extra endpoint policies */
    size_t policy_count;
} hcs_schema_hcn_endpoint_options;
#define HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_VERSION 1u
#define HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_INIT {.version = HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_hcn_endpoint(const hcs_schema_hcn_endpoint_options *opts,
                                          char **json);

typedef struct hcs_schema_hcn_lb_mapping {
    uint32_t protocol;         /* 6 TCP (default), 17 UDP */
    uint16_t internal_port;    /* required */
    uint16_t external_port;    /* 0 = same as internal */
    uint32_t distribution;     /* 0 none, 1 SourceIPProtocol, 2 SourceIP */
    uint32_t flags;            /* 1 ILB, 2 LocalRoutedVIP, 4 UseMux, 8 PreserveDIP */
} hcs_schema_hcn_lb_mapping;

#define HCS_SCHEMA_HCN_LB_FLAG_DSR 1u
#define HCS_SCHEMA_HCN_LB_FLAG_IPV6 2u

typedef struct hcs_schema_hcn_lb_options {
    unsigned version; /* HCS_SCHEMA_HCN_LB_OPTIONS_VERSION (use HCS_SCHEMA_HCN_LB_OPTIONS_INIT) */
    const char *const *endpoint_ids;   /* required, at least one */
    size_t endpoint_count;
    const char *source_vip;            /* optional */
    const char *const *frontend_vips;  /* optional */
    size_t frontend_vip_count;
    const hcs_schema_hcn_lb_mapping *mappings; /* required, at least one */
    size_t mapping_count;
    uint32_t flags;                    /* HCS_SCHEMA_HCN_LB_FLAG_* */
} hcs_schema_hcn_lb_options;
#define HCS_SCHEMA_HCN_LB_OPTIONS_VERSION 1u
#define HCS_SCHEMA_HCN_LB_OPTIONS_INIT {.version = HCS_SCHEMA_HCN_LB_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_hcn_lb(const hcs_schema_hcn_lb_options *opts, char **json);

typedef struct hcs_schema_hcn_route_options {
    unsigned version; /* HCS_SCHEMA_HCN_ROUTE_OPTIONS_VERSION (use HCS_SCHEMA_HCN_ROUTE_OPTIONS_INIT) */
    const char *const *endpoint_ids;   /* required */
    size_t endpoint_count;
    const char *destination_prefix;    /* required */
    const char *next_hop;              /* required */
    int need_encap;
} hcs_schema_hcn_route_options;
#define HCS_SCHEMA_HCN_ROUTE_OPTIONS_VERSION 1u
#define HCS_SCHEMA_HCN_ROUTE_OPTIONS_INIT {.version = HCS_SCHEMA_HCN_ROUTE_OPTIONS_VERSION}

/* HostComputeRoute with the route under "Setting" (hcsshim's spelling; the
 * docs say "Routes", unverified on a host). */
HCS_API hcs_result hcs_schema_build_hcn_route(const hcs_schema_hcn_route_options *opts,
                                       char **json);

typedef struct hcs_schema_hcn_namespace_options {
    unsigned version; /* HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_VERSION (use HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_INIT) */
    const char *type;             /* Host, HostDefault (default), Guest, GuestDefault */
    const char *const *endpoint_ids;
    size_t endpoint_count;
} hcs_schema_hcn_namespace_options;
#define HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_VERSION 1u
#define HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_INIT {.version = HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_VERSION}

HCS_API hcs_result hcs_schema_build_hcn_namespace(const hcs_schema_hcn_namespace_options *opts, char **json);

/* HostComputeQuery {SchemaVersion 2.0, Flags, Filter}: filter_json is a JSON
 * object text (e.g. {"Name":"nat"}) or NULL; detailed sets Flags 1. */
HCS_API hcs_result hcs_schema_build_hcn_query(const char *filter_json, int detailed, char **json);

#ifdef __cplusplus
}
#endif

#endif /* HCS_SCHEMA_BUILD_H */
