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
typedef struct hcs_schema_wcow_container_opts {
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
} hcs_schema_wcow_container_opts;

HCS_API hcs_result hcs_schema_build_wcow_container(const hcs_schema_wcow_container_opts *opts, char **json);

/* Hyper-V isolated Windows container: {HostingSystemId, HostedSystem:
 * {SchemaVersion, Container}}; layer and scratch paths are inside the UVM. */
HCS_API hcs_result hcs_schema_build_hyperv_container(const hcs_schema_wcow_container_opts *opts,
                                                     const char *hosting_system_id, char **json);

/* Linux utility VM (LCOW), as hcsshim's MakeLCOWDoc. */
typedef struct hcs_schema_lcow_uvm_opts {
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
} hcs_schema_lcow_uvm_opts;

HCS_API hcs_result hcs_schema_build_lcow_uvm(const hcs_schema_lcow_uvm_opts *opts, char **json);

/* Windows utility VM (for Hyper-V isolated containers), as hcsshim's
 * prepareConfigDoc: UEFI boot from the VSMB "os" share, scratch on SCSI 0:0. */
typedef struct hcs_schema_wcow_uvm_opts {
    const char *owner;            /* default "libhcs" */
    const char *uvm_folder;       /* the layer folder holding UtilityVM\Files (required) */
    const char *scratch_vhdx;     /* sandbox.vhdx of the UVM (required) */
    uint32_t processor_count;     /* default 2 */
    uint64_t memory_mb;           /* default 1024 */
    int physically_backed;        /* 1: no overcommit, no hot hint, VSMB without direct map */
} hcs_schema_wcow_uvm_opts;

HCS_API hcs_result hcs_schema_build_wcow_uvm(const hcs_schema_wcow_uvm_opts *opts, char **json);

/* ---- hot-add requests (HcsModifyComputeSystem: ModifySettingRequest) ---- */

typedef enum hcs_schema_request {
    HCS_SCHEMA_REQUEST_ADD = 0,
    HCS_SCHEMA_REQUEST_REMOVE = 1
} hcs_schema_request;

/* SCSI: the HCS half (attach host_path at controller:lun). */
typedef struct hcs_schema_scsi_opts {
    hcs_schema_request request;
    unsigned controller;          /* 0..3 (hcsshim's GUID keys) */
    uint32_t lun;
    const char *host_path;        /* required for Add */
    int read_only;
    int passthru;                 /* 1: Type PassThru (a physical disk) instead of VirtualDisk */
} hcs_schema_scsi_opts;

HCS_API hcs_result hcs_schema_build_scsi(const hcs_schema_scsi_opts *opts, char **json);

/* SCSI: the guest half, a GuestRequest-only ModifySettingRequest. Linux guest
 * (MappedVirtualDisk {MountPath, Lun, Controller, ReadOnly, Options}) unless
 * container_path is set (Windows guest: {ContainerPath, Lun}). */
typedef struct hcs_schema_scsi_guest_opts {
    hcs_schema_request request;
    unsigned controller;
    uint8_t lun;
    const char *mount_path;       /* LCOW: e.g. /run/mounts/scsi/m1 */
    const char *container_path;   /* WCOW instead of mount_path */
    int read_only;
    const char *const *options;   /* LCOW mount options, optional */
    size_t option_count;
} hcs_schema_scsi_guest_opts;

HCS_API hcs_result hcs_schema_build_scsi_guest(const hcs_schema_scsi_guest_opts *opts, char **json);

/* VPMem layer: HCS device + guest mount in one request. */
typedef struct hcs_schema_vpmem_opts {
    hcs_schema_request request;
    uint8_t device;               /* device number */
    const char *host_path;        /* the layer VHD (required for Add) */
    const char *mount_path;       /* guest mount, e.g. /run/layers/p0; NULL = no guest part */
} hcs_schema_vpmem_opts;

HCS_API hcs_result hcs_schema_build_vpmem(const hcs_schema_vpmem_opts *opts, char **json);

/* VSMB share (Windows UVM). */
typedef struct hcs_schema_vsmb_opts {
    hcs_schema_request request;
    const char *name;             /* share name (required) */
    const char *host_path;        /* required for Add */
    int read_only;                /* ReadOnly + ShareRead + CacheIo + PseudoOplocks, as hcsshim */
    int no_direct_map;
    const char *const *allowed_files; /* restrict to these files (single-file shares), optional */
    size_t allowed_file_count;
} hcs_schema_vsmb_opts;

HCS_API hcs_result hcs_schema_build_vsmb(const hcs_schema_vsmb_opts *opts, char **json);

/* Plan9 share (Linux UVM): HCS share + guest MappedDirectory in one request. */
typedef struct hcs_schema_plan9_opts {
    hcs_schema_request request;
    const char *name;             /* share name (required) */
    const char *host_path;        /* required for Add */
    const char *mount_path;       /* guest mount, e.g. /mounts/m1 (required) */
    int read_only;
    int restrict_file_access;     /* single-file shares (with allowed_files) */
    const char *const *allowed_files;
    size_t allowed_file_count;
} hcs_schema_plan9_opts;

HCS_API hcs_result hcs_schema_build_plan9(const hcs_schema_plan9_opts *opts, char **json);

/* Network adapter (Linux UVM): HCS NIC + guest network configuration. */
typedef struct hcs_schema_ip_config {
    const char *address;
    uint8_t prefix_length;
} hcs_schema_ip_config;

typedef struct hcs_schema_route {
    const char *next_hop;
    const char *destination_prefix;
    uint16_t metric;              /* 0 = omitted */
} hcs_schema_route;

typedef struct hcs_schema_nic_opts {
    hcs_schema_request request;
    const char *endpoint_id;      /* HCN endpoint GUID (required) */
    const char *mac_address;      /* 00-15-5D-xx-xx-xx (required for Add) */
    const char *namespace_id;     /* guest part: HCN namespace GUID; NULL = no guest part */
    const char *dns_servers;      /* comma-separated, optional */
    const char *dns_suffix;       /* optional */
    const hcs_schema_ip_config *ip_configs;
    size_t ip_config_count;
    const hcs_schema_route *routes;
    size_t route_count;
} hcs_schema_nic_opts;

HCS_API hcs_result hcs_schema_build_nic(const hcs_schema_nic_opts *opts, char **json);

/* ---- HCN (computenetwork) ---- */

typedef struct hcs_schema_nat_network_opts {
    const char *name;             /* required */
    const char *subnet;           /* IpAddressPrefix, e.g. 192.168.100.0/24 (required) */
    const char *gateway;          /* default route next hop, optional */
    const char *mac_pool_start;   /* both or neither, e.g. 00-15-5D-52-C0-00 */
    const char *mac_pool_end;
    uint32_t flags;               /* NetworkFlags bits (8 EnableNonPersistent ...), 0 = omitted */
} hcs_schema_nat_network_opts;

HCS_API hcs_result hcs_schema_build_hcn_nat_network(const hcs_schema_nat_network_opts *opts, char **json);

typedef struct hcs_schema_port_mapping {
    uint32_t protocol;            /* IANA number: 6 TCP, 17 UDP */
    uint16_t internal_port;
    uint16_t external_port;
} hcs_schema_port_mapping;

typedef struct hcs_schema_endpoint_opts {
    const char *name;             /* optional */
    const char *network_id;       /* HostComputeNetwork GUID (required) */
    const hcs_schema_port_mapping *port_mappings;
    size_t port_mapping_count;
    const char *ip_address;       /* NULL: HNS allocates */
    uint8_t prefix_length;
    const char *gateway;          /* default route, optional */
    const char *mac_address;      /* NULL: HNS allocates */
    const char *const *dns_search;
    size_t dns_search_count;
    const char *const *dns_servers;
    size_t dns_server_count;
} hcs_schema_endpoint_opts;

HCS_API hcs_result hcs_schema_build_hcn_endpoint(const hcs_schema_endpoint_opts *opts, char **json);

typedef struct hcs_schema_namespace_opts {
    const char *type;             /* Host, HostDefault (default), Guest, GuestDefault */
    const char *const *endpoint_ids;
    size_t endpoint_count;
} hcs_schema_namespace_opts;

HCS_API hcs_result hcs_schema_build_hcn_namespace(const hcs_schema_namespace_opts *opts, char **json);

/* HostComputeQuery {SchemaVersion 2.0, Flags, Filter}: filter_json is a JSON
 * object text (e.g. {"Name":"nat"}) or NULL; detailed sets Flags 1. */
HCS_API hcs_result hcs_schema_build_hcn_query(const char *filter_json, int detailed, char **json);

#ifdef __cplusplus
}
#endif

#endif /* HCS_SCHEMA_BUILD_H */
