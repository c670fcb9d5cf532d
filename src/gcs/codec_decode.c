/* GCS message codecs, reading side: lenient decoders for what the guest
 * sends (Go's encoding/json rules), frame parsing for the public API, type
 * names, and the guest-error helpers. The encoders are in codec.c. */
#include "gcs/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/frame.h"
#include "base/json.h"

/* ================= reading ================= */

/* Go matches keys case-insensitively when no exact match exists. */
const char *hcsi_gcs_json_key(const hcsi_json *obj, const char *key)
{
    hcsi_json_iter it;
    const char *k;
    hcsi_json *v;
    const char *found = NULL;
    hcsi_json_iter_init(obj, &it);
    while (hcsi_json_iter_next(&it, &k, &v)) {
        if (strcmp(k, key) == 0)
            return k;
        if (found)
            continue;
        if (hcsi_ascii_case_equal(k, key))
            found = k;
    }
    return found;
}

/* Typed getters: 0 absent/null, 1 set, -1 wrong type (error recorded). */

/* A string member as it stands in the document (*s, *n). */
static int g_str_view(const hcsi_json *o, const char *ctx, const char *key, const char **s,
                      size_t *n)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_str(o, ctx, k, s, n) : 0;
}

/* *out = a copy of s[0..n): 1, or -1 out of memory (recorded). */
static int g_str_copy(const char *s, size_t n, char **out)
{
    *out = hcsi_strndup(s, n);
    if (!*out) {
        hcsi_err_oom();
        return -1;
    }
    return 1;
}

static int g_str(const hcsi_json *o, const char *ctx, const char *key, char **out)
{
    const char *s = NULL;
    size_t n = 0;
    int rc = g_str_view(o, ctx, key, &s, &n);
    if (rc <= 0)
        return rc;
    if (memchr(s, '\0', n)) {
        /* "\u0000" inside a guest string: a C string would silently end
         * there, so each NUL becomes U+FFFD and nothing after it is lost. */
        size_t i, w = 0;
        char *d = (char *)hcsi_calloc(n * 3 + 1, 1);
        if (!d) {
            hcsi_err_oom();
            return -1;
        }
        for (i = 0; i < n; i++) {
            if (s[i]) {
                d[w++] = s[i];
            } else {
                memcpy(d + w, "\xEF\xBF\xBD", 3);
                w += 3;
            }
        }
        *out = d;
        return 1;
    }
    return g_str_copy(s, n, out);
}

static int g_i32(const hcsi_json *o, const char *ctx, const char *key, int32_t *out)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_i32(o, ctx, k, out) : 0;
}

static int g_u32(const hcsi_json *o, const char *ctx, const char *key, uint32_t *out)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_u32(o, ctx, k, out) : 0;
}

static int g_bool(const hcsi_json *o, const char *ctx, const char *key, int *out)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_bool(o, ctx, k, out) : 0;
}

static int g_obj(const hcsi_json *o, const char *ctx, const char *key, hcsi_json **out)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_obj(o, ctx, k, out) : 0;
}

static int g_arr(const hcsi_json *o, const char *ctx, const char *key, hcsi_json **out)
{
    const char *k = hcsi_gcs_json_key(o, key);
    return k ? hcsi_json_get_arr(o, ctx, k, out) : 0;
}

/* Serialises a sub-document (for *_json copies). */
static int g_json_copy(const hcsi_json *v, char **out)
{
    hcs_result hr = hcsi_json_to_string(v, 0, out);
    return HCS_FAILED(hr) ? -1 : 1;
}

/* A double-encoded field: a string holding one valid JSON document. */
static int g_inner(const hcsi_json *o, const char *ctx, const char *key, char **out)
{
    const char *s = NULL;
    size_t n = 0;
    hcsi_json *inner = NULL;
    char what[96];
    int rc = g_str_view(o, ctx, key, &s, &n);
    if (rc <= 0)
        return rc;
    snprintf(what, sizeof what, "%s.%s (a JSON document in a string)", ctx, key);
    if (HCS_FAILED(hcsi_json_parse(s, n, what, &inner)))
        return -1;
    hcsi_json_put(inner);
    return g_str_copy(s, n, out);
}

static hcs_result parse_object(const char *body, size_t len, const char *what,
                               hcsi_json **out)
{
    hcsi_json *v = NULL;
    hcs_result hr;
    if (!body && len)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL body", what);
    hr = hcsi_json_parse(body ? body : "", len, what, &v);
    if (HCS_FAILED(hr))
        return hr;
    if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT) {
        hr = hcsi_err(HCS_ERR_INVALID_JSON, "%s: expected a JSON object, got %s",
                      what, hcsi_json_kind_name(hcsi_json_kind_of(v)));
        hcsi_json_put(v);
        return hr;
    }
    *out = v;
    return HCS_S_OK;
}

static void record_clear(hcs_gcs_error_record *r)
{
    free(r->message);
    free(r->stack_trace);
    free(r->module_name);
    free(r->file_name);
    free(r->function_name);
}

void hcs_gcs_response_base_clear(hcs_gcs_response_base *r)
{
    size_t i;
    if (!r)
        return;
    free(r->activity_id);
    free(r->error_message);
    for (i = 0; i < r->error_record_count; i++)
        record_clear(&r->error_records[i]);
    free(r->error_records);
    free(r->error_records_json);
    memset(r, 0, sizeof *r);
}

/* Bounded by the 64 KiB frame limit anyway; this cap keeps hostile input
 * from multiplying memory. */
#define MAX_ARRAY_ITEMS 4096u

/* n (> 0) zeroed items of size bytes for an array; NULL: out of memory
 * (recorded). */
static void *g_items(size_t n, size_t size)
{
    void *p = hcsi_calloc(n, size);
    if (!p)
        hcsi_err_oom();
    return p;
}

/* Decodes item i (an object, named sub in messages) into arg's i-th
 * element: 0, or -1 with the error recorded. */
typedef int (*g_item_fn)(const hcsi_json *e, const char *sub, size_t i, void *arg);

/* Runs each on the first n items of an array of objects, each named
 * "<ctx>.<name>[i]": null items are skipped (Go leaves them zero), any
 * other non-object fails. 0, or -1 with the error recorded. */
static int g_each_item(const hcsi_json *arr, size_t n, const char *ctx, const char *name,
                       g_item_fn each, void *arg)
{
    size_t i;
    for (i = 0; i < n; i++) {
        hcsi_json *e = hcsi_json_array_at(arr, i);
        char sub[96];
        snprintf(sub, sizeof sub, "%s.%s[%zu]", ctx, name, i);
        if (hcsi_json_kind_of(e) == HCSI_JSON_NULL)
            continue;
        if (hcsi_json_kind_of(e) != HCSI_JSON_OBJECT) {
            hcsi_err(HCS_ERR_INVALID_JSON, "%s: expected an object, got %s", sub,
                     hcsi_json_kind_name(hcsi_json_kind_of(e)));
            return -1;
        }
        if (each(e, sub, i, arg) < 0)
            return -1;
    }
    return 0;
}

static int decode_record(const hcsi_json *e, const char *sub, size_t i, void *arg)
{
    hcs_gcs_error_record *er = &((hcs_gcs_response_base *)arg)->error_records[i];
    if (g_i32(e, sub, "Result", &er->result) < 0 ||
        g_str(e, sub, "Message", &er->message) < 0 ||
        g_str(e, sub, "StackTrace", &er->stack_trace) < 0 ||
        g_str(e, sub, "ModuleName", &er->module_name) < 0 ||
        g_str(e, sub, "FileName", &er->file_name) < 0 ||
        g_u32(e, sub, "Line", &er->line) < 0 ||
        g_str(e, sub, "FunctionName", &er->function_name) < 0)
        return -1;
    return 0;
}

static int decode_base(const hcsi_json *o, const char *ctx, hcs_gcs_response_base *r)
{
    hcsi_json *recs = NULL;
    size_t n;
    if (g_i32(o, ctx, "Result", &r->result) < 0 ||
        g_str(o, ctx, "ActivityId", &r->activity_id) < 0 ||
        g_str(o, ctx, "ErrorMessage", &r->error_message) < 0 ||
        g_arr(o, ctx, "ErrorRecords", &recs) < 0)
        return -1;
    if (!recs)
        return 0;
    n = hcsi_json_array_len(recs);
    if (n > MAX_ARRAY_ITEMS) {
        hcsi_err(HCS_ERR_INVALID_JSON, "%s.ErrorRecords: %zu entries (limit %u)",
                 ctx, n, MAX_ARRAY_ITEMS);
        return -1;
    }
    if (g_json_copy(recs, &r->error_records_json) < 0)
        return -1;
    if (n == 0)
        return 0;
    r->error_records = (hcs_gcs_error_record *)g_items(n, sizeof *r->error_records);
    if (!r->error_records)
        return -1;
    r->error_record_count = n;
    return g_each_item(recs, n, ctx, "ErrorRecords", decode_record, r);
}

/* Runs a decoder body with the common parse/cleanup. */
#define DECODE_BEGIN(ctxname)                                                  \
    hcsi_json *o = NULL;                                                       \
    const char *ctx = ctxname;                                                 \
    hcs_result hr;                                                             \
    if (!out)                                                                  \
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL output", ctx);          \
    memset(out, 0, sizeof *out);                                               \
    hr = parse_object(body, len, ctx, &o);                                     \
    if (HCS_FAILED(hr))                                                        \
        return hr;

/* Ends a decoder begun with DECODE_BEGIN: frees the parsed document; on a
 * failure (goto fail) also clears *out and returns the recorded error. */
#define DECODE_END(clear)                                                      \
    hcsi_json_put(o);                                                          \
    return HCS_S_OK;                                                           \
fail:                                                                          \
    hcsi_json_put(o);                                                          \
    clear(out);                                                                \
    return hcs_error_last() ? hcs_error_last()->code : HCS_ERR_INVALID_JSON;

hcs_result hcs_gcs_decode_response_base(const char *body, size_t len,
                                        hcs_gcs_response_base *out)
{
    DECODE_BEGIN("GCS response")
    if (decode_base(o, ctx, out) < 0)
        goto fail;
    DECODE_END(hcs_gcs_response_base_clear)
}

void hcs_gcs_negotiate_response_clear(hcs_gcs_negotiate_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    free(r->capabilities.supported_schema_versions);
    free(r->capabilities.runtime_os_type);
    free(r->capabilities.guest_defined_json);
    free(r->capabilities_json);
    memset(r, 0, sizeof *r);
}

static int decode_version(const hcsi_json *e, const char *sub, size_t i, void *arg)
{
    hcs_gcs_schema_version *v = &((hcs_gcs_capabilities *)arg)->supported_schema_versions[i];
    if (g_i32(e, sub, "Major", &v->major) < 0 || g_i32(e, sub, "Minor", &v->minor) < 0)
        return -1;
    return 0;
}

static int decode_caps(const hcsi_json *c, hcs_gcs_capabilities *k)
{
    const char *ctx = "NegotiateProtocol response.Capabilities";
    hcsi_json *sv = NULL, *gd = NULL;
    const char *gk;
    if (g_bool(c, ctx, HCS_GCS_CAP_SEND_HOST_CREATE_MESSAGE, &k->send_host_create_message) < 0 ||
        g_bool(c, ctx, HCS_GCS_CAP_SEND_HOST_START_MESSAGE, &k->send_host_start_message) < 0 ||
        g_bool(c, ctx, HCS_GCS_CAP_HV_SOCKET_CONFIG_ON_STARTUP, &k->hv_socket_config_on_startup) < 0 ||
        g_bool(c, ctx, HCS_GCS_CAP_SEND_LIFECYCLE_NOTIFICATIONS, &k->send_lifecycle_notifications) < 0 ||
        g_bool(c, ctx, HCS_GCS_CAP_MODIFY_SERVICE_SETTINGS_SUPPORTED, &k->modify_service_settings_supported) < 0 ||
        g_str(c, ctx, HCS_GCS_CAP_RUNTIME_OS_TYPE, &k->runtime_os_type) < 0 ||
        g_arr(c, ctx, HCS_GCS_CAP_SUPPORTED_SCHEMA_VERSIONS, &sv) < 0)
        return -1;
    if (sv) {
        size_t n = hcsi_json_array_len(sv);
        if (n > MAX_ARRAY_ITEMS) {
            hcsi_err(HCS_ERR_INVALID_JSON, "%s.SupportedSchemaVersions: too many entries", ctx);
            return -1;
        }
        if (n) {
            k->supported_schema_versions = (hcs_gcs_schema_version *)g_items(
                n, sizeof *k->supported_schema_versions);
            if (!k->supported_schema_versions)
                return -1;
        }
        k->supported_schema_version_count = n;
        if (g_each_item(sv, n, ctx, "SupportedSchemaVersions", decode_version, k) < 0)
            return -1;
    }
    gk = hcsi_gcs_json_key(c, HCS_GCS_CAP_GUEST_DEFINED);
    if (gk) {
        k->has_guest_defined = 1;
        if (hcsi_json_get_obj(c, ctx, gk, &gd) < 0)
            return -1;
    }
    if (gd) {
        const char *gctx = "NegotiateProtocol response.Capabilities.GuestDefinedCapabilities";
        if (g_json_copy(gd, &k->guest_defined_json) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_NAMESPACE_ADD_REQUEST_SUPPORTED, &k->namespace_add_request_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_SIGNAL_PROCESS_SUPPORTED, &k->signal_process_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_DUMP_STACKS_SUPPORTED, &k->dump_stacks_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_DELETE_CONTAINER_STATE_SUPPORTED, &k->delete_container_state_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_UPDATE_CONTAINER_SUPPORTED, &k->update_container_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_LOG_FORWARDING_SUPPORTED, &k->log_forwarding_supported) < 0 ||
            g_bool(gd, gctx, HCS_GCS_CAP_HOST_PROCESS_CONTAINER_SUPPORTED, &k->host_process_container_supported) < 0)
            return -1;
    }
    return 0;
}

hcs_result hcs_gcs_decode_negotiate_response(const char *body, size_t len,
                                             hcs_gcs_negotiate_response *out)
{
    hcsi_json *caps = NULL;
    DECODE_BEGIN("NegotiateProtocol response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_u32(o, ctx, "Version", &out->version) < 0 ||
        g_obj(o, ctx, "Capabilities", &caps) < 0)
        goto fail;
    if (caps) {
        out->has_capabilities = 1;
        if (g_json_copy(caps, &out->capabilities_json) < 0 ||
            decode_caps(caps, &out->capabilities) < 0)
            goto fail;
    }
    DECODE_END(hcs_gcs_negotiate_response_clear)
}

/* The responses that are the base and one more field differ only in that
 * field; C has no generics, so one macro spells each one's clear, decoder
 * and the decoder's void * adapter (codec.h). free_field releases the
 * field in clear (NO_FREE for numbers). */
#define BASE_AND_FIELD(stem, what, getter, key, field, free_field)            \
    void hcs_gcs_##stem##_clear(hcs_gcs_##stem *r)                            \
    {                                                                         \
        if (!r)                                                               \
            return;                                                           \
        hcs_gcs_response_base_clear(&r->base);                                \
        free_field(r->field);                                                 \
        memset(r, 0, sizeof *r);                                              \
    }                                                                         \
    hcs_result hcs_gcs_decode_##stem(const char *body, size_t len,            \
                                     hcs_gcs_##stem *out)                     \
    {                                                                         \
        DECODE_BEGIN(what)                                                    \
        if (decode_base(o, ctx, &out->base) < 0 ||                            \
            getter(o, ctx, key, &out->field) < 0)                             \
            goto fail;                                                        \
        DECODE_END(hcs_gcs_##stem##_clear)                                    \
    }                                                                         \
    hcs_result hcsi_gcs_decode_##stem##_v(const char *body, size_t len, void *resp) \
    {                                                                         \
        return hcs_gcs_decode_##stem(body, len, (hcs_gcs_##stem *)resp);      \
    }
#define NO_FREE(x) ((void)(x))

BASE_AND_FIELD(create_response, "Create response", g_u32, "SelectedProtocolVersion",
               selected_protocol_version, NO_FREE)
BASE_AND_FIELD(execute_process_response, "ExecuteProcess response", g_u32, "ProcessId",
               process_id, NO_FREE)
BASE_AND_FIELD(wait_for_process_response, "WaitForProcess response", g_u32, "ExitCode",
               exit_code, NO_FREE)
BASE_AND_FIELD(get_properties_response, "GetProperties response", g_inner, "Properties",
               properties_json, free)
BASE_AND_FIELD(dump_stacks_response, "DumpStacks response", g_str, "GuestStacks",
               guest_stacks, free)

void hcs_gcs_notification_clear(hcs_gcs_notification *n)
{
    if (!n)
        return;
    free(n->container_id);
    free(n->activity_id);
    free(n->type);
    free(n->operation);
    free(n->result_info_json);
    memset(n, 0, sizeof *n);
}

hcs_result hcs_gcs_decode_notification(const char *body, size_t len,
                                       hcs_gcs_notification *out)
{
    DECODE_BEGIN("container notification")
    if (g_str(o, ctx, "ContainerId", &out->container_id) < 0 ||
        g_str(o, ctx, "ActivityId", &out->activity_id) < 0 ||
        g_str(o, ctx, "Type", &out->type) < 0 ||
        g_str(o, ctx, "Operation", &out->operation) < 0 ||
        g_i32(o, ctx, "Result", &out->result) < 0 ||
        g_inner(o, ctx, "ResultInfo", &out->result_info_json) < 0)
        goto fail;
    if ((!out->container_id && !(out->container_id = hcsi_strdup(""))) ||
        (!out->type && !(out->type = hcsi_strdup(""))) ||
        (!out->operation && !(out->operation = hcsi_strdup("")))) {
        hcsi_err_oom();
        goto fail;
    }
    DECODE_END(hcs_gcs_notification_clear)
}

/* ---- frames, names, errors ---- */

hcs_result hcs_gcs_frame_parse(const void *buf, size_t len, uint64_t offset,
                               hcs_gcs_frame *out, size_t *consumed)
{
    hcsi_gcs_frame f;
    size_t used = 0;
    hcs_result hr;
    if (!out || (!buf && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "GCS frame parse: NULL argument");
    memset(out, 0, sizeof *out);
    hr = hcsi_gcs_frame_parse(buf, len, 0, offset, &f, &used);
    if (hr != HCS_S_OK)
        return hr;
    *out = f;
    if (consumed)
        *consumed = used;
    return HCS_S_OK;
}

char *hcs_gcs_type_name(uint32_t type, char *buf, size_t size)
{
    return hcsi_gcs_type_name(type, buf, size);
}

const char *hcs_gcs_rpc_name(uint32_t type) { return hcsi_gcs_rpc_name(type); }

hcs_result hcsi_gcs_guest_error(const char *what, const hcs_gcs_response_base *b)
{
    hcs_result code = b->result, hr;
    char *safe = NULL;
    const char *msg = hcs_strerror(code);
    if (b->error_message && *b->error_message) {
        /* guest text: printable only, bounded (the full records stay in
         * the error's detail JSON) */
        safe = hcsi_gcs_sanitize(b->error_message, 1024);
        if (!safe)
            return hcsi_err_oom();
        msg = safe;
    }
    if (HCS_SUCCEEDED(code)) /* a positive "failure"; keep it a failure */
        code = HCS_ERR_FAIL;
    hr = hcsi_err_detail(code, b->error_records_json,
                         "%s: guest returned 0x%08lX: %s", what,
                         (unsigned long)(uint32_t)b->result, msg);
    free(safe);
    return hr;
}
