/* hcs-gcs handlers: Create, Start, Shutdown*, DeleteContainerState. */
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

/* SupportedVersions of a Create (prot.ProtocolSupport). */
static int check_supported(hcsg_err *e, const hcsi_json *sv)
{
    const char *s;
    uint32_t u;
    if (!sv)
        return 0;
    if (hcsg_get_str(e, sv, "ProtocolSupport", "MinimumVersion", &s, NULL) < 0 ||
        hcsg_get_str(e, sv, "ProtocolSupport", "MaximumVersion", &s, NULL) < 0 ||
        hcsg_get_u32(e, sv, "ProtocolSupport", "MinimumProtocolVersion", &u) < 0 ||
        hcsg_get_u32(e, sv, "ProtocolSupport", "MaximumProtocolVersion", &u) < 0)
        return -1;
    return 0;
}

int hcsg_h_create(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *sv = NULL, *cfg = NULL;
    hcsg_base b;
    hcs_gs_LCOWContainerConfig cc;
    const char *config = "";
    size_t config_len = 0;
    uint32_t major = 0, minor = 0;
    int rc;
    if (hcsg_req_base(r, e, "ContainerCreate", &o, &b) < 0)
        return -1;
    if (hcsg_get_str(e, o, "ContainerCreate", "ContainerConfig", &config, &config_len) < 0 ||
        hcsg_get_obj(e, o, "ContainerCreate", "SupportedVersions", &sv) < 0 ||
        check_supported(e, sv) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (hcsg_parse_message(e, config, config_len, "VMHostedContainerSettingsV2", &cfg) < 0) {
        hcsg_err_unmarshal(e, "for ContainerConfig", config, config_len);
        return -1;
    }
    if (hcsg_decode_typed(e, cfg, HCS_SCHEMA_GS_LCOWContainerConfig,
                          "VMHostedContainerSettingsV2", &cc) < 0) {
        hcsi_json_put(cfg);
        hcsg_err_unmarshal(e, "for ContainerConfig", config, config_len);
        return -1;
    }
    hcsi_json_put(cfg);
    if (cc.SchemaVersion) {
        major = cc.SchemaVersion->Major.v;
        minor = cc.SchemaVersion->Minor.v;
    }
    if (major < 2 || (major == 2 && minor < 1)) {
        hcs_schema_free_members(HCS_SCHEMA_GS_LCOWContainerConfig, &cc);
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "invalid schema version: {%lu %lu}",
                      (unsigned long)major, (unsigned long)minor);
        return -1;
    }
    if (a->dry_run) {
        hcs_schema_free_members(HCS_SCHEMA_GS_LCOWContainerConfig, &cc);
        hcsg_err_plain(e, "dry run: container not created");
        return -1;
    }
    if (!r->deferred) {
        /* Recorded now (duplicates and racing requests see it at once);
         * the runtime takes tens of milliseconds: not on the reader. */
        rc = hcsg_ctr_reserve(a->ctrs, b.container_id, r->aid, &cc, e);
        hcs_schema_free_members(HCS_SCHEMA_GS_LCOWContainerConfig, &cc);
        if (rc != 0)
            return -1;
        rc = hcsg_defer(a, r, hcsg_h_create, e);
        if (rc < 0)
            hcsg_ctr_unreserve(a->ctrs, b.container_id);
        return rc;
    }
    rc = hcsg_ctr_create(a->ctrs, b.container_id, &cc, e);
    hcs_schema_free_members(HCS_SCHEMA_GS_LCOWContainerConfig, &cc);
    if (rc != 0)
        return -1;
    /* The Linux GCS adds SelectedProtocolVersion 0 (golden live-container 05). */
    *resp = hcsg_resp_new(0, r->aid);
    if (!*resp || HCS_FAILED(hcsi_json_set_uint(*resp, "SelectedProtocolVersion", 0))) {
        hcsi_json_put(*resp);
        *resp = NULL;
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    return 0;
}

int hcsg_h_start(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    (void)a;
    if (hcsg_req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    /* A no-op success in the Go GCS (Linux containers start with their init
     * process's ExecuteProcess). */
    HCSG_INFO("Start of \"%s\": a no-op on Linux guests", b.container_id);
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}

static int h_shutdown(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                      int forced)
{
    hcsi_json *o;
    hcsg_base b;
    (void)resp;
    if (hcsg_req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    if (strcmp(b.container_id, NULL_CID) == 0) {
        /* The UVM itself: the Go GCS stops its bridge and powers off
         * without answering. */
        if (a->dry_run) {
            hcsg_err_plain(e, "dry run: UVM shutdown not performed");
            return -1;
        }
        HCSG_INFO("UVM shutdown requested (%s)", forced ? "forced" : "graceful");
        a->shutdown_forced = forced;
        return 2;
    }
    if (a->dry_run) {
        hcsg_err_no_container(e, b.container_id);
        return -1;
    }
    if (hcsg_ctr_shutdown(a->ctrs, b.container_id, forced, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}


int hcsg_h_delete(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    int rc;
    if (hcsg_req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    rc = hcsg_defer_for(a, r, b.container_id, hcsg_h_delete, e);
    if (rc != 0)
        return rc;
    if (hcsg_ctr_delete(a->ctrs, b.container_id, e) != 0)
        return -1;
    *resp = hcsg_resp_new(0, r->aid);
    return 0;
}


int hcsg_h_shutdown_graceful(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    return h_shutdown(a, r, resp, e, 0);
}

int hcsg_h_shutdown_forced(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    return h_shutdown(a, r, resp, e, 1);
}
