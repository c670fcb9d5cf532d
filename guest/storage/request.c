/*
 * hcs-gcs storage: the ModifySettings entry. The bridge's handler
 * (handlers/modify.c) has checked the settings against the Go struct; here
 * they are decoded into the generated guest types and the request runs on
 * a worker, since it waits for devices, dials and mkfs.
 */
#define _GNU_SOURCE 1
#include <string.h>

#include "bridge/agent_internal.h"
#include "storage/storage_internal.h"

static const struct {
    const char *type;
    const char *gostruct;
    hcs_schema_type_id id;
} k_types[] = {
    {"MappedVirtualDisk", "MappedVirtualDiskV2", HCS_SCHEMA_GS_LCOWMappedVirtualDisk},
    {"SCSIDevice", "SCSIDevice", HCS_SCHEMA_GS_SCSIDevice},
    {"VPMemDevice", "MappedVPMemDeviceV2", HCS_SCHEMA_GS_LCOWMappedVPMemDevice},
    {"MappedDirectory", "MappedDirectoryV2", HCS_SCHEMA_GS_LCOWMappedDirectory},
    {"VPCIDevice", "MappedVPCIDeviceV2", HCS_SCHEMA_GS_LCOWMappedVPCIDevice},
};

int hcsg_storage_handles(const char *resource_type)
{
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(k_types); i++)
        if (strcmp(k_types[i].type, resource_type) == 0)
            return 1;
    return 0;
}

int hcsg_storage_modify(hcsg_storage *S, const char *resource_type, const char *request_type,
                        const hcsi_json *settings, int dry, hcsg_err *e)
{
    union {
        hcs_gs_LCOWMappedVirtualDisk disk;
        hcs_gs_SCSIDevice scsi;
        hcs_gs_LCOWMappedVPMemDevice pmem;
        hcs_gs_LCOWMappedDirectory p9;
        hcs_gs_LCOWMappedVPCIDevice vpci;
    } u;
    size_t i;
    int rc;
    for (i = 0; i < HCSI_ARRAY_LEN(k_types); i++)
        if (strcmp(k_types[i].type, resource_type) == 0)
            break;
    if (i == HCSI_ARRAY_LEN(k_types) || !S) {
        hcsg_err_plain(e, "invalid ResourceType '%.200s'", resource_type);
        return -1;
    }
    if (hcsg_decode_typed(e, settings, k_types[i].id, k_types[i].gostruct, &u) < 0) {
        hcsg_err_prefix(e, "failed to unmarshal settings as %s", k_types[i].gostruct);
        return -1;
    }
    switch (i) {
    case 0: rc = stor_scsi_disk(S, request_type, &u.disk, dry, e); break;
    case 1: rc = stor_scsi_device(S, request_type, &u.scsi, dry, e); break;
    case 2: rc = stor_pmem(S, request_type, &u.pmem, dry, e); break;
    case 3: rc = stor_plan9(S, request_type, &u.p9, dry, e); break;
    default: rc = stor_vpci(S, request_type, &u.vpci, dry, e); break;
    }
    hcs_schema_free_members(k_types[i].id, &u);
    return rc;
}

int hcsg_h_modify_storage(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                          const char *resource_type, const char *request_type,
                          const hcsi_json *settings)
{
    if (a->dry_run) {
        /* Validation only: the fuzzer's agent touches no device (what
         * would do nothing anyway succeeds). */
        if (hcsg_storage_modify(a->storage, resource_type, request_type, settings, 1, e) != 0)
            return -1;
        *resp = hcsg_resp_new(0, r->aid);
        return 0;
    }
    if (!r->deferred)
        return hcsg_defer(a, r, hcsg_h_modify, e);
    if (hcsg_storage_modify(a->storage, resource_type, request_type, settings, 0, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}
