/* Containers and the typed RPC wrappers of the GCS bridge: Create (with
 * its exit waiter), Start, Shutdown, container wait/forget,
 * DeleteContainerState, ModifySettings, GetProperties, DumpStacks,
 * UpdateContainer, LifecycleNotification, ModifyServiceSettings. See
 * docs/gcs-bridge.md. */
#include "gcs/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Moves the string *field of a decoded response to *out (a copy of dflt
 * when the guest sent none). */
static hcs_result take_str(char **field, const char *dflt, char **out)
{
    *out = *field ? *field : hcsi_strdup(dflt);
    *field = NULL;
    return *out ? HCS_S_OK : hcsi_err_oom();
}

static hcs_result check_arg(const void *p, const char *what)
{
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL argument", what);
    return HCS_S_OK;
}

hcs_result hcsi_gcs_base_rpc(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                             const char *cid)
{
    hcs_gcs_request_base r;
    memset(&r, 0, sizeof r);
    r.container_id = cid ? cid : HCS_GCS_NULL_CONTAINER_ID;
    return hcsi_gcs_rpc_call(b, rpc, what, hcsi_gcs_enc_base_v, &r);
}

/* process.terminal of the OciSpecification of an LCOW container config:
 * 1 or 0, or -1 when the document does not say (not LCOW-shaped, not
 * JSON: the encoder reports that). */
static int spec_terminal(const char *config_json)
{
    hcsi_json *doc = NULL, *spec = NULL, *proc = NULL;
    const char *k;
    int t = 0, r = -1;
    if (!config_json ||
        HCS_FAILED(hcsi_json_parse(config_json, strlen(config_json), "ContainerConfig",
                                   &doc))) {
        hcs_error_clear();
        return -1;
    }
    if ((k = hcsi_gcs_json_key(doc, "OciSpecification")) != NULL)
        spec = hcsi_json_get(doc, k);
    if (hcsi_json_kind_of(spec) == HCSI_JSON_OBJECT &&
        (k = hcsi_gcs_json_key(spec, "process")) != NULL)
        proc = hcsi_json_get(spec, k);
    if (hcsi_json_kind_of(proc) == HCSI_JSON_OBJECT) {
        k = hcsi_gcs_json_key(proc, "terminal");
        if (!k)
            r = 0;
        else if (hcsi_json_get_bool(proc, "process", k, &t) == 1)
            r = t;
        else
            hcs_error_clear(); /* the guest will refuse the spec */
    }
    hcsi_json_put(doc);
    return r;
}

hcs_result hcs_gcs_container_create(hcs_gcs_bridge *b, const char *cid,
                                    const char *config_json)
{
    hcs_gcs_create_request r;
    hcsi_gcs_container *c;
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "Create")) || HCS_FAILED(hr = check_arg(cid, "Create")))
        return hr;
    c = (hcsi_gcs_container *)hcsi_calloc(1, sizeof *c);
    if (!c || !(c->id = hcsi_strdup(cid))) {
        free(c);
        return hcsi_err_oom();
    }
    hcsi_cond_init(&c->cond);
    c->init_tty = spec_terminal(config_json);
    /* Register the exit waiter before sending: the notification may race
     * the response. */
    hcsi_mutex_lock(&b->lock);
    if (hcsi_gcs_find_container(b, cid)) {
        hcsi_mutex_unlock(&b->lock);
        hcsi_cond_destroy(&c->cond);
        free(c->id);
        free(c);
        return hcsi_err(HCS_ERR_SYSTEM_ALREADY_EXISTS,
                        "Create: container \"%s\" already exists on this bridge", cid);
    }
    c->next = b->containers;
    b->containers = c;
    hcsi_mutex_unlock(&b->lock);
    memset(&r, 0, sizeof r);
    r.base.container_id = cid;
    r.container_config_json = config_json;
    hr = hcsi_gcs_rpc_call(b, HCS_GCS_RPC_CREATE, "Create", hcsi_gcs_enc_create_v, &r);
    if (HCS_FAILED(hr) && hr != HCS_ERR_CONNECTION_CLOSED &&
        hr != HCS_ERR_OPERATION_TIMEOUT) {
        /* The guest refused: nothing will ever notify (hcsshim keeps the
         * registration; we drop it so the id can be retried). */
        hcs_gcs_container_forget(b, cid);
    }
    return hr;
}

hcs_result hcs_gcs_container_start(hcs_gcs_bridge *b, const char *cid)
{
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "Start")) || HCS_FAILED(hr = check_arg(cid, "Start")))
        return hr;
    return hcsi_gcs_base_rpc(b, HCS_GCS_RPC_START, "Start", cid);
}

hcs_result hcs_gcs_container_shutdown(hcs_gcs_bridge *b, const char *cid, int forced)
{
    const char *what = forced ? "ShutdownForced" : "ShutdownGraceful";
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, what)) || HCS_FAILED(hr = check_arg(cid, what)))
        return hr;
    hr = hcsi_gcs_base_rpc(b,
                           forced ? HCS_GCS_RPC_SHUTDOWN_FORCED : HCS_GCS_RPC_SHUTDOWN_GRACEFUL,
                           what, cid);
    if (hr == HCS_GCS_HR_SYSTEM_NOT_FOUND) {
        hcs_error_clear();
        return HCS_S_OK; /* already gone (hcsshim's rule) */
    }
    return hr;
}

hcs_result hcs_gcs_container_wait(hcs_gcs_bridge *b, const char *cid,
                                  int64_t timeout_ms, hcs_gcs_notification *out)
{
    hcsi_gcs_container *c;
    uint64_t deadline;
    hcs_result hr = HCS_S_OK;
    if (out)
        memset(out, 0, sizeof *out);
    if (HCS_FAILED(hr = check_arg(b, "container wait")) ||
        HCS_FAILED(hr = check_arg(cid, "container wait")))
        return hr;
    if (timeout_ms == HCS_TIMEOUT_DEFAULT)
        timeout_ms = HCS_TIMEOUT_INFINITE;
    deadline = hcsi_deadline_ms(timeout_ms);
    hcsi_mutex_lock(&b->lock);
    c = hcsi_gcs_find_container(b, cid);
    if (!c) {
        hcsi_mutex_unlock(&b->lock);
        return hcsi_err(HCS_ERR_SYSTEM_NOT_FOUND,
                        "container wait: no container \"%s\" was created on this bridge",
                        cid);
    }
    /* Reading the bridge itself while nobody else does (no hand-off). */
    if (!hcsi_gcs_wait_flag_locked(b, &c->exited, deadline)) {
        hcsi_mutex_unlock(&b->lock);
        return hcsi_err(HCS_ERR_OPERATION_TIMEOUT, "container \"%s\" did not exit within %lld ms",
                        cid, (long long)timeout_ms);
    }
    if (c->exited) {
        if (out) {
            const hcs_gcs_notification *n = &c->note;
            out->result = n->result;
            if ((n->container_id && !(out->container_id = hcsi_strdup(n->container_id))) ||
                (n->activity_id && !(out->activity_id = hcsi_strdup(n->activity_id))) ||
                (n->type && !(out->type = hcsi_strdup(n->type))) ||
                (n->operation && !(out->operation = hcsi_strdup(n->operation))) ||
                (n->result_info_json &&
                 !(out->result_info_json = hcsi_strdup(n->result_info_json)))) {
                hcs_gcs_notification_clear(out);
                hr = hcsi_err_oom();
            }
        }
    } else {
        hr = hcsi_gcs_closed_error(b, "container wait");
    }
    hcsi_mutex_unlock(&b->lock);
    return hr;
}

void hcs_gcs_container_forget(hcs_gcs_bridge *b, const char *cid)
{
    hcsi_gcs_container **pp, *c = NULL;
    if (!b || !cid)
        return;
    hcsi_mutex_lock(&b->lock);
    for (pp = &b->containers; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->id, cid) == 0) {
            c = *pp;
            *pp = c->next;
            break;
        }
    }
    hcsi_mutex_unlock(&b->lock);
    if (c) {
        /* No waiter can be blocked on it: waiters hold no reference, so
         * callers must not forget a container someone still waits on. */
        free(c->id);
        hcs_gcs_notification_clear(&c->note);
        hcsi_cond_destroy(&c->cond);
        free(c);
    }
}

hcs_result hcs_gcs_container_delete_state(hcs_gcs_bridge *b, const char *cid)
{
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "DeleteContainerState")) ||
        HCS_FAILED(hr = check_arg(cid, "DeleteContainerState")))
        return hr;
    hr = hcsi_gcs_base_rpc(b, HCS_GCS_RPC_DELETE_CONTAINER_STATE, "DeleteContainerState", cid);
    if (HCS_SUCCEEDED(hr))
        hcs_gcs_container_forget(b, cid);
    return hr;
}

hcs_result hcs_gcs_modify_settings(hcs_gcs_bridge *b, const char *cid,
                                   const char *request_type, const char *resource_type,
                                   const char *settings_json)
{
    hcs_gcs_modify_settings_request r;
    hcs_result hr;
    char what[96];
    if (HCS_FAILED(hr = check_arg(b, "ModifySettings")))
        return hr;
    memset(&r, 0, sizeof r);
    r.base.container_id = cid ? cid : HCS_GCS_NULL_CONTAINER_ID;
    r.request_type = request_type;
    r.resource_type = resource_type;
    r.settings_json = settings_json;
    snprintf(what, sizeof what, "ModifySettings %s %s", request_type ? request_type : "",
             resource_type ? resource_type : "");
    return hcsi_gcs_rpc_call(b, HCS_GCS_RPC_MODIFY_SETTINGS, what,
                             hcsi_gcs_enc_modify_settings_v, &r);
}

hcs_result hcs_gcs_container_get_properties(hcs_gcs_bridge *b, const char *cid,
                                  const char *query_json, char **properties_json)
{
    hcs_gcs_get_properties_request r;
    hcs_gcs_get_properties_response p;
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "GetProperties")) ||
        HCS_FAILED(hr = check_arg(properties_json, "GetProperties")))
        return hr;
    *properties_json = NULL;
    memset(&r, 0, sizeof r);
    r.base.container_id = cid ? cid : HCS_GCS_NULL_CONTAINER_ID;
    r.query_json = query_json;
    hr = hcsi_gcs_rpc_decode(b, HCS_GCS_RPC_GET_PROPERTIES, "GetProperties",
                             hcsi_gcs_enc_get_properties_v, &r,
                             hcsi_gcs_decode_get_properties_response_v, &p);
    if (HCS_FAILED(hr))
        return hr;
    hr = take_str(&p.properties_json, "{}", properties_json);
    hcs_gcs_get_properties_response_clear(&p);
    return hr;
}

hcs_result hcs_gcs_bridge_dump_stacks(hcs_gcs_bridge *b, char **stacks)
{
    hcs_gcs_request_base r;
    hcs_gcs_dump_stacks_response d;
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "DumpStacks")) ||
        HCS_FAILED(hr = check_arg(stacks, "DumpStacks")))
        return hr;
    *stacks = NULL;
    memset(&r, 0, sizeof r);
    r.container_id = HCS_GCS_NULL_CONTAINER_ID;
    hr = hcsi_gcs_rpc_decode(b, HCS_GCS_RPC_DUMP_STACKS, "DumpStacks", hcsi_gcs_enc_base_v,
                             &r, hcsi_gcs_decode_dump_stacks_response_v, &d);
    if (HCS_FAILED(hr))
        return hr;
    hr = take_str(&d.guest_stacks, "", stacks);
    hcs_gcs_dump_stacks_response_clear(&d);
    return hr;
}

hcs_result hcs_gcs_container_update(hcs_gcs_bridge *b, const char *cid,
                                    const char *resources_json)
{
    hcs_gcs_update_container_request r;
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "UpdateContainer")))
        return hr;
    if (!b->neg.capabilities.update_container_supported)
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                        "UpdateContainer: the guest did not advertise "
                        "UpdateContainerSupported (use ModifySettings "
                        "ContainerConstraints)");
    memset(&r, 0, sizeof r);
    r.base.container_id = cid;
    r.resources_json = resources_json;
    return hcsi_gcs_rpc_call(b, HCS_GCS_RPC_UPDATE_CONTAINER, "UpdateContainer",
                             hcsi_gcs_enc_update_container_v, &r);
}

hcs_result hcs_gcs_lifecycle_notification(hcs_gcs_bridge *b, const char *cid)
{
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "LifecycleNotification")))
        return hr;
    return hcsi_gcs_base_rpc(b, HCS_GCS_RPC_LIFECYCLE_NOTIFICATION, "LifecycleNotification", cid);
}

hcs_result hcs_gcs_modify_service_settings(hcs_gcs_bridge *b, const char *property_type,
                                           const char *settings_json)
{
    hcs_gcs_modify_service_settings_request r;
    hcs_result hr;
    if (HCS_FAILED(hr = check_arg(b, "ModifyServiceSettings")))
        return hr;
    if (!b->neg.capabilities.log_forwarding_supported &&
        !b->neg.capabilities.modify_service_settings_supported)
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                        "ModifyServiceSettings: refused locally, the guest (%s) did not "
                        "advertise LogForwardingSupported or "
                        "ModifyServiceSettingsSupported",
                        b->neg.capabilities.runtime_os_type
                            ? b->neg.capabilities.runtime_os_type
                            : "unknown OS");
    memset(&r, 0, sizeof r);
    r.base.container_id = HCS_GCS_NULL_CONTAINER_ID;
    r.property_type = property_type;
    r.settings_json = settings_json;
    return hcsi_gcs_rpc_call(b, HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS, "ModifyServiceSettings",
                             hcsi_gcs_enc_modify_service_settings_v, &r);
}
