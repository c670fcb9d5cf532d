/* hcs-gcs handlers: ModifySettings. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bridge/agent_internal.h"

typedef struct resource {
    const char *type;
    const char *gostruct; /* the Go GCS's settings type (error messages) */
    int settings;         /* generated guest type, or -1 (no settings) */
    const char *missing;  /* why hcs-gcs cannot do it (NULL: handled) */
} resource;

static const resource g_resources[] = {
    /* Devices and their mounts: guest/storage. */
    {"SCSIDevice", "SCSIDevice", HCS_SCHEMA_GS_SCSIDevice, NULL},
    {"MappedVirtualDisk", "MappedVirtualDiskV2", HCS_SCHEMA_GS_LCOWMappedVirtualDisk, NULL},
    {"MappedDirectory", "MappedDirectoryV2", HCS_SCHEMA_GS_LCOWMappedDirectory, NULL},
    {"VPMemDevice", "MappedVPMemDeviceV2", HCS_SCHEMA_GS_LCOWMappedVPMemDevice, NULL},
    {"CombinedLayers", "CombinedLayersV2", HCS_SCHEMA_GS_LCOWCombinedLayers,
     NULL},
    {"Network", "NetworkAdapterV2", HCS_SCHEMA_GS_LCOWNetworkAdapter, NULL},
    {"VPCIDevice", "MappedVPCIDeviceV2", HCS_SCHEMA_GS_LCOWMappedVPCIDevice, NULL},
    {"ContainerConstraints", "ContainerConstraintsV2", HCS_SCHEMA_GS_LCOWContainerConstraints,
     NULL},
    {"SecurityPolicy", "ConfidentialOptions", HCS_SCHEMA_GS_ConfidentialOptions,
     "security policy enforcement is not implemented in hcs-gcs"},
    {"SecurityPolicyFragment", "SecurityPolicyFragment", HCS_SCHEMA_GS_SecurityPolicyFragment,
     "security policy enforcement is not implemented in hcs-gcs"},
    {"PodCgroupMemoryLimit", NULL, -1, NULL},
};

/* CombinedLayers Add / Remove (the UVM's request). */
static int modify_layers(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                         const char *reqtype, const hcsi_json *settings)
{
    hcs_gs_LCOWCombinedLayers cl;
    int rc;
    if (hcsg_decode_typed(e, settings, HCS_SCHEMA_GS_LCOWCombinedLayers, "CombinedLayersV2",
                          &cl) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (a->dry_run) {
        hcs_schema_free_members(HCS_SCHEMA_GS_LCOWCombinedLayers, &cl);
        hcsg_err_plain(e, "dry run: layers not mounted");
        return -1;
    }
    if (strcmp(reqtype, "Add") == 0)
        rc = hcsg_layers_add(hcsg_containers_layers(a->ctrs), &cl, e);
    else if (strcmp(reqtype, "Remove") == 0)
        rc = hcsg_layers_remove(hcsg_containers_layers(a->ctrs), cl.ContainerRootPath, e);
    else {
        hcsg_err_plain(e, "the RequestType \"%.100s\" is not supported for CombinedLayers "
                          "(Add or Remove)", reqtype);
        rc = -1;
    }
    hcs_schema_free_members(HCS_SCHEMA_GS_LCOWCombinedLayers, &cl);
    if (rc != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

/* Network Add / Remove (the UVM's request, guest/net). On a worker: an Add
 * waits for its interface to appear. */
static int modify_network(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                          const char *reqtype, const hcsi_json *settings)
{
    hcs_gs_LCOWNetworkAdapter na;
    int rc, add = strcmp(reqtype, "Add") == 0;
    if (!add && strcmp(reqtype, "Remove") != 0) {
        /* The Go GCS's answer to PreAdd, Update and anything else. */
        hcsg_err_plain(e, "the RequestType \"%.100s\" is not supported", reqtype);
        return -1;
    }
    if (a->dry_run) {
        hcsg_err_plain(e, "dry run: network not configured");
        return -1;
    }
    if (!r->deferred)
        return hcsg_defer(a, r, hcsg_h_modify, e);
    if (hcsg_decode_typed(e, settings, HCS_SCHEMA_GS_LCOWNetworkAdapter, "NetworkAdapterV2",
                          &na) < 0)
        return hcsg_fail_unmarshal(r, e);
    rc = add ? hcsg_net_add(a->net, &na, e) : hcsg_net_remove(a->net, &na, e);
    hcs_schema_free_members(HCS_SCHEMA_GS_LCOWNetworkAdapter, &na);
    if (rc != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

/* ContainerConstraints Update: the OCI LinuxResources through the runtime. */
static int modify_constraints(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                              const char *cid, const hcsi_json *settings)
{
    hcs_gs_LCOWContainerConstraints cc;
    int rc;
    if (hcsg_need_container(a, cid, e) != 0)
        return -1;
    if (!r->deferred)
        return hcsg_defer(a, r, hcsg_h_modify, e);
    if (hcsg_decode_typed(e, settings, HCS_SCHEMA_GS_LCOWContainerConstraints,
                          "ContainerConstraintsV2", &cc) < 0)
        return hcsg_fail_unmarshal(r, e);
    rc = hcsg_ctr_update(a->ctrs, cid, cc.Linux, e);
    hcs_schema_free_members(HCS_SCHEMA_GS_LCOWContainerConstraints, &cc);
    if (rc != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

int hcsg_h_modify(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *rq, *settings = NULL;
    hcsg_base b;
    const char *rtype = "", *reqtype = "";
    const resource *res = NULL;
    size_t i;
    (void)a;
    (void)resp;
    if (hcsg_req_base(r, e, "containerModifySettings", &o, &b) < 0)
        return -1;
    rq = hcsg_member(o, "Request");
    if (!hcsg_has_key(o, "Request")) {
        /* Absent: Go unmarshals an empty RawMessage. */
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "unexpected end of JSON input");
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return hcsg_fail_unmarshal(r, e);
    }
    if (rq && hcsi_json_kind_of(rq) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go value of type "
                      "guestrequest.ModificationRequest",
                      hcsi_json_kind_name(hcsi_json_kind_of(rq)));
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return hcsg_fail_unmarshal(r, e);
    }
    if (hcsg_get_str(e, rq, "ModificationRequest", "ResourceType", &rtype, NULL) < 0 ||
        hcsg_get_str(e, rq, "ModificationRequest", "RequestType", &reqtype, NULL) < 0) {
        hcsg_err_prefix(e, "failed to unmarshal request.Settings as ModifySettingRequest");
        return hcsg_fail_unmarshal(r, e);
    }
    if (!*reqtype)
        reqtype = "Add";
    for (i = 0; i < HCSI_ARRAY_LEN(g_resources); i++)
        if (strcmp(g_resources[i].type, rtype) == 0)
            res = &g_resources[i];
    if (!res) {
        hcsg_err_plain(e, "invalid ResourceType '%.200s'", rtype);
        return hcsg_fail_unmarshal(r, e);
    }
    if (res->gostruct) {
        int present = hcsg_has_key(rq, "Settings");
        settings = hcsg_member(rq, "Settings");
        if (!present) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "unexpected end of JSON input");
        } else if (settings && hcsi_json_kind_of(settings) != HCSI_JSON_OBJECT) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go value of type "
                          "guestresource.%s",
                          hcsi_json_kind_name(hcsi_json_kind_of(settings)), res->gostruct);
        } else if (hcsg_decode_typed(e, settings, (hcs_schema_type_id)res->settings, res->gostruct, NULL) == 0) {
            goto decoded;
        }
        hcsg_err_prefix(e, "failed to unmarshal settings as %s", res->gostruct);
        return hcsg_fail_unmarshal(r, e);
    }
decoded:
    if (strcmp(rtype, "CombinedLayers") == 0 && strcmp(b.container_id, NULL_CID) == 0)
        return modify_layers(a, r, resp, e, reqtype, settings);
    if (strcmp(rtype, "Network") == 0 && strcmp(b.container_id, NULL_CID) == 0)
        return modify_network(a, r, resp, e, reqtype, settings);
    if (strcmp(rtype, "ContainerConstraints") == 0 && strcmp(b.container_id, NULL_CID) != 0)
        return modify_constraints(a, r, resp, e, b.container_id, settings);
    if (strcmp(b.container_id, NULL_CID) != 0 || strcmp(rtype, "ContainerConstraints") == 0) {
        /* Container-level changes (and constraints of the UVM "container")
         * need a created container. */
        hcsg_err_no_container(e, strcmp(b.container_id, NULL_CID) != 0 ? b.container_id : NULL_CID);
        return -1;
    }
    if (hcsg_storage_handles(rtype))
        return hcsg_h_modify_storage(a, r, resp, e, rtype, reqtype, settings);
    if (strcmp(rtype, "PodCgroupMemoryLimit") == 0) {
        hcsg_err_plain(e, "the ResourceType \"%s\" is not supported for UVM", rtype);
        return -1;
    }
    hcsg_err_plain(e, "ModifySettings %s %s: %s", reqtype, rtype, res->missing);
    return -1;
}

