/* GCS message encoders: hcsshim's exact JSON for every request, the inner
 * documents and frames. The decoders are in codec_decode.c. */
#include "gcs/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/frame.h"
#include "gcs/jsonw.h"
#include "base/json.h"

/* ================= writing ================= */

hcs_result hcsi_gcs_append_raw(hcsi_buf *b, const char *json, const char *what,
                               int html)
{
    static const char hexd[] = "0123456789abcdef";
    hcsi_json *v = NULL;
    size_t i, n, start = 0;
    int in_str = 0;
    hcs_result hr;
    if (!json)
        return hcsi_buf_puts(b, "null");
    n = strlen(json);
    hr = hcsi_json_parse(json, n, what, &v);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_json_put(v);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)json[i];
        const char *rep = NULL;
        char esc[8];
        size_t skip = 1;
        if (in_str) {
            if (c == '\\') {
                i++; /* the escaped character is copied as is */
                continue;
            }
            if (c == '"') {
                in_str = 0;
                continue;
            }
            if (html && (c == '<' || c == '>' || c == '&')) {
                snprintf(esc, sizeof esc, "\\u00%c%c", hexd[c >> 4], hexd[c & 15]);
                rep = esc;
            } else if (html && c == 0xE2 && i + 2 < n &&
                       (unsigned char)json[i + 1] == 0x80 &&
                       ((unsigned char)json[i + 2] & 0xFE) == 0xA8) {
                rep = ((unsigned char)json[i + 2] == 0xA8) ? "\\u2028" : "\\u2029";
                skip = 3;
            } else {
                continue;
            }
        } else if (c == '"') {
            in_str = 1;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            rep = "";
        } else {
            continue;
        }
        hr = hcsi_buf_append(b, json + start, i - start);
        if (HCS_SUCCEEDED(hr))
            hr = hcsi_buf_puts(b, rep);
        if (HCS_FAILED(hr))
            return hr;
        i += skip - 1;
        start = i + 1;
    }
    return hcsi_buf_append(b, json + start, n - start);
}

static void jw_base(jw *w, const hcs_gcs_request_base *r)
{
    jw_begin(w, "{");
    jw_kstr(w, "ContainerId", r->container_id ? r->container_id : "");
    jw_kstr(w, "ActivityId", r->activity_id ? r->activity_id : HCS_GCS_ZERO_ACTIVITY_ID);
    if (r->ocsc_json)
        jw_kraw(w, "ocsc", r->ocsc_json, 0);
    if (r->otsc_json)
        jw_kraw(w, "otsc", r->otsc_json, 0);
}

static hcs_result jw_finish(jw *w)
{
    jw_end(w, "}");
    jw_put(w, "\n");
    return w->err;
}

hcs_result hcsi_gcs_enc_negotiate(hcsi_buf *b, const hcs_gcs_negotiate_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_ku64(&w, "MinimumVersion", r->minimum_version);
    jw_ku64(&w, "MaximumVersion", r->maximum_version);
    return jw_finish(&w);
}

/* Validates and compacts an inner document into a temporary buffer, then
 * writes it as a string. */
static void jw_kinner(jw *w, const char *k, const char *doc)
{
    hcsi_buf in;
    if (HCS_FAILED(w->err))
        return;
    hcsi_buf_init(&in, 0);
    w->err = hcsi_gcs_append_raw(&in, doc, k, 1);
    if (HCS_SUCCEEDED(w->err))
        jw_kstring_doc(w, k, in.data ? in.data : "");
    hcsi_buf_free(&in);
}

hcs_result hcsi_gcs_enc_create(hcsi_buf *b, const hcs_gcs_create_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kinner(&w, "ContainerConfig", r->container_config_json);
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_base(hcsi_buf *b, const hcs_gcs_request_base *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, r);
    return jw_finish(&w);
}

/* Environment entries sorted by key, later duplicates winning. */
typedef struct env_kv {
    const char *key;
    size_t klen;
    const char *val;
    size_t order;
} env_kv;

static int env_cmp(const void *a, const void *b)
{
    const env_kv *x = (const env_kv *)a, *y = (const env_kv *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static void jw_environment(jw *w, const char *const *env)
{
    size_t n = 0, i;
    env_kv *kv;
    if (!env || !env[0] || HCS_FAILED(w->err))
        return;
    while (env[n])
        n++;
    kv = (env_kv *)hcsi_calloc(n, sizeof *kv);
    if (!kv) {
        w->err = hcsi_err_oom();
        return;
    }
    for (i = 0; i < n; i++) {
        const char *eq = strchr(env[i], '=');
        kv[i].key = env[i];
        kv[i].klen = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
        kv[i].val = eq ? eq + 1 : "";
        kv[i].order = i;
    }
    qsort(kv, n, sizeof *kv, env_cmp);
    jw_kbegin(w, "Environment", "{");
    for (i = 0; i < n && HCS_SUCCEEDED(w->err); i++) {
        /* keep the last of equal keys (sorted by original order) */
        if (i + 1 < n && kv[i + 1].klen == kv[i].klen &&
            memcmp(kv[i + 1].key, kv[i].key, kv[i].klen) == 0)
            continue;
        jw_sep(w);
        w->err = hcsi_json_write_string(w->b, kv[i].key, kv[i].klen, w->flags);
        jw_put(w, ":");
        jw_strval(w, kv[i].val);
    }
    jw_end(w, "}");
    free(kv);
}

static hcs_result enc_process_parameters(hcsi_buf *b,
                                         const hcs_gcs_process_parameters *p)
{
    jw w;
    char num[32];
    jw_init(&w, b, HCSI_JSON_HTML_ESCAPE);
    jw_begin(&w, "{");
    jw_kstr_opt(&w, "ApplicationName", p->application_name);
    jw_kstr_opt(&w, "CommandLine", p->command_line);
    if (p->command_args && p->command_args[0])
        jw_kstrings(&w, "CommandArgs", p->command_args);
    jw_kstr_opt(&w, "User", p->user);
    jw_kstr_opt(&w, "WorkingDirectory", p->working_directory);
    jw_environment(&w, p->environment);
    jw_kbool_opt(&w, "RestrictedToken", p->restricted_token);
    jw_kbool_opt(&w, "EmulateConsole", p->emulate_console);
    jw_kbool_opt(&w, "CreateStdInPipe", p->create_stdin_pipe);
    jw_kbool_opt(&w, "CreateStdOutPipe", p->create_stdout_pipe);
    jw_kbool_opt(&w, "CreateStdErrPipe", p->create_stderr_pipe);
    if (p->console_height || p->console_width) {
        snprintf(num, sizeof num, "[%ld,%ld]", (long)(int32_t)p->console_height,
                 (long)(int32_t)p->console_width);
        jw_key(&w, "ConsoleSize");
        jw_put(&w, num);
    }
    jw_kbool_opt(&w, "UseExistingLogin", p->use_existing_login);
    jw_kbool_opt(&w, "UseLegacyConsole", p->use_legacy_console);
    jw_kbool_opt(&w, "CreateInUtilityVm", p->create_in_utility_vm);
    if (p->oci_process_json)
        jw_kraw(&w, "OciProcess", p->oci_process_json, 1);
    jw_end(&w, "}");
    return w.err;
}

void hcsi_gcs_port_guid(uint32_t port, char out[37])
{
    snprintf(out, 37, "%08lx%s", (unsigned long)port,
             &HCS_GCS_HVSOCK_TEMPLATE[8]);
}

static void jw_relay_port(jw *w, const char *k, uint32_t port, int guid)
{
    char g[37];
    if (!port)
        return;
    if (guid) {
        hcsi_gcs_port_guid(port, g);
        jw_kstr(w, k, g);
    } else {
        jw_ku64(w, k, port);
    }
}

hcs_result hcsi_gcs_enc_execute_process(hcsi_buf *b,
                                        const hcs_gcs_execute_process_request *r)
{
    jw w;
    hcsi_buf pp;
    int guid = r->relay == HCS_GCS_RELAY_HVSOCK;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kbegin(&w, "Settings", "{");
    if (r->process_parameters_json) {
        jw_kinner(&w, "ProcessParameters", r->process_parameters_json);
    } else if (HCS_SUCCEEDED(w.err)) {
        hcsi_buf_init(&pp, 0);
        w.err = enc_process_parameters(&pp, &r->params);
        if (HCS_SUCCEEDED(w.err))
            jw_kstring_doc(&w, "ProcessParameters", pp.data ? pp.data : "{}");
        hcsi_buf_free(&pp);
    }
    jw_kbegin(&w, guid ? "StdioRelaySettings" : "VsockStdioRelaySettings", "{");
    jw_relay_port(&w, "StdIn", r->stdin_port, guid);
    jw_relay_port(&w, "StdOut", r->stdout_port, guid);
    jw_relay_port(&w, "StdErr", r->stderr_port, guid);
    jw_end(&w, "}");
    jw_end(&w, "}");
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_wait_for_process(hcsi_buf *b,
                                         const hcs_gcs_wait_for_process_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_ku64(&w, "ProcessId", r->process_id);
    jw_ku64(&w, "TimeoutInMs", r->timeout_ms);
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_signal_process(hcsi_buf *b,
                                       const hcs_gcs_signal_process_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_ku64(&w, "ProcessId", r->process_id);
    if (r->has_options) {
        jw_kbegin(&w, "Options", "{");
        if (r->windows_signal)
            jw_kstr(&w, "Signal", r->windows_signal);
        else if (r->signal)
            jw_ki64(&w, "Signal", r->signal);
        jw_end(&w, "}");
    }
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_resize_console(hcsi_buf *b,
                                       const hcs_gcs_resize_console_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_ku64(&w, "ProcessId", r->process_id);
    jw_ku64(&w, "Height", r->height);
    jw_ku64(&w, "Width", r->width);
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_get_properties(hcsi_buf *b,
                                       const hcs_gcs_get_properties_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kinner(&w, "Query", r->query_json ? r->query_json : "{}");
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_modify_settings(hcsi_buf *b,
                                        const hcs_gcs_modify_settings_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kbegin(&w, "Request", "{");
    jw_kstr_opt(&w, "RequestType", r->request_type);
    jw_kstr_opt(&w, "ResourceType", r->resource_type);
    if (r->settings_json)
        jw_kraw(&w, "Settings", r->settings_json, 0);
    jw_end(&w, "}");
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_update_container(hcsi_buf *b,
                                         const hcs_gcs_update_container_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kinner(&w, "Resources", r->resources_json ? r->resources_json : "null");
    return jw_finish(&w);
}

hcs_result hcsi_gcs_enc_modify_service_settings(
    hcsi_buf *b, const hcs_gcs_modify_service_settings_request *r)
{
    jw w;
    jw_init(&w, b, 0);
    jw_base(&w, &r->base);
    jw_kstr(&w, "PropertyType", r->property_type ? r->property_type : "");
    if (r->settings_json)
        jw_kraw(&w, "Settings", r->settings_json, 0);
    return jw_finish(&w);
}

/* ---- public encoders ---- */

typedef hcs_result (*enc_fn)(hcsi_buf *b, const void *req);

static hcs_result run_enc(enc_fn fn, const void *req, char **body, size_t *len)
{
    hcsi_buf b;
    hcs_result hr;
    if (!req || !body)
        return hcsi_err(HCS_ERR_INVALIDARG, "GCS encoder: NULL argument");
    *body = NULL;
    hcsi_buf_init(&b, 0);
    hr = fn(&b, req);
    if (HCS_FAILED(hr)) {
        hcsi_buf_free(&b);
        return hr;
    }
    *body = hcsi_buf_steal(&b, len);
    if (!*body)
        return hcsi_err_oom();
    return HCS_S_OK;
}

/* Each encoder's void * adapter (for hcsi_gcs_rpc_typed, codec.h) and its
 * public buffer-returning form: the same two lines for every request type,
 * which C can only spell once with a macro. */
#define ENC_WRAPPER(pub, internal, type)                                      \
    hcs_result internal##_v(hcsi_buf *b, const void *r)                       \
    {                                                                         \
        return internal(b, (const type *)r);                                  \
    }                                                                         \
    hcs_result pub(const type *req, char **body, size_t *len)                 \
    {                                                                         \
        return run_enc(internal##_v, req, body, len);                         \
    }

ENC_WRAPPER(hcs_gcs_encode_negotiate, hcsi_gcs_enc_negotiate, hcs_gcs_negotiate_request)
ENC_WRAPPER(hcs_gcs_encode_create, hcsi_gcs_enc_create, hcs_gcs_create_request)
ENC_WRAPPER(hcs_gcs_encode_base, hcsi_gcs_enc_base, hcs_gcs_request_base)
ENC_WRAPPER(hcs_gcs_encode_execute_process, hcsi_gcs_enc_execute_process,
            hcs_gcs_execute_process_request)
ENC_WRAPPER(hcs_gcs_encode_wait_for_process, hcsi_gcs_enc_wait_for_process,
            hcs_gcs_wait_for_process_request)
ENC_WRAPPER(hcs_gcs_encode_signal_process, hcsi_gcs_enc_signal_process,
            hcs_gcs_signal_process_request)
ENC_WRAPPER(hcs_gcs_encode_resize_console, hcsi_gcs_enc_resize_console,
            hcs_gcs_resize_console_request)
ENC_WRAPPER(hcs_gcs_encode_get_properties, hcsi_gcs_enc_get_properties,
            hcs_gcs_get_properties_request)
ENC_WRAPPER(hcs_gcs_encode_modify_settings, hcsi_gcs_enc_modify_settings,
            hcs_gcs_modify_settings_request)
ENC_WRAPPER(hcs_gcs_encode_update_container, hcsi_gcs_enc_update_container,
            hcs_gcs_update_container_request)
ENC_WRAPPER(hcs_gcs_encode_modify_service_settings,
            hcsi_gcs_enc_modify_service_settings,
            hcs_gcs_modify_service_settings_request)

hcs_result hcs_gcs_encode_lcow_container_config(const char *oci_bundle_path,
                                                const char *oci_spec_json,
                                                const char *scratch_dir_path,
                                                char **json)
{
    hcsi_buf b;
    jw w;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "LCOW container config: NULL output");
    *json = NULL;
    jw_doc_begin(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_key(&w, "SchemaVersion");
    jw_put(&w, "{\"Major\":2,\"Minor\":1}");
    w.first = 0;
    jw_kstr(&w, "OciBundlePath", oci_bundle_path);
    jw_kraw(&w, "OciSpecification", oci_spec_json, 1);
    jw_kstr(&w, "ScratchDirPath", scratch_dir_path);
    jw_end(&w, "}");
    return jw_doc_take(&w, json);
}

static void jw_system_time(jw *w, const char *k, const hcs_gcs_system_time *t)
{
    if (!t)
        return;
    jw_kbegin(w, k, "{");
    if (t->year) jw_ki64(w, "Year", t->year);
    if (t->month) jw_ki64(w, "Month", t->month);
    if (t->day_of_week) jw_ki64(w, "DayOfWeek", t->day_of_week);
    if (t->day) jw_ki64(w, "Day", t->day);
    if (t->hour) jw_ki64(w, "Hour", t->hour);
    if (t->minute) jw_ki64(w, "Minute", t->minute);
    if (t->second) jw_ki64(w, "Second", t->second);
    if (t->milliseconds) jw_ki64(w, "Milliseconds", t->milliseconds);
    jw_end(w, "}");
}

hcs_result hcs_gcs_encode_uvm_config(const hcs_gcs_time_zone *tz, char **json)
{
    hcsi_buf b;
    jw w;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "UVM config: NULL output");
    *json = NULL;
    jw_doc_begin(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_kstr(&w, "SystemType", "Container");
    jw_key(&w, "TimeZoneInformation");
    if (!tz) {
        jw_put(&w, "null");
    } else {
        jw_begin(&w, "{");
        if (tz->bias) jw_ki64(&w, "Bias", tz->bias);
        jw_kstr_opt(&w, "StandardName", tz->standard_name);
        jw_system_time(&w, "StandardDate", tz->standard_date);
        if (tz->standard_bias) jw_ki64(&w, "StandardBias", tz->standard_bias);
        jw_kstr_opt(&w, "DaylightName", tz->daylight_name);
        jw_system_time(&w, "DaylightDate", tz->daylight_date);
        if (tz->daylight_bias) jw_ki64(&w, "DaylightBias", tz->daylight_bias);
        jw_end(&w, "}");
    }
    jw_end(&w, "}");
    return jw_doc_take(&w, json);
}

hcs_result hcs_gcs_encode_property_query(const char *const *types, char **json)
{
    hcsi_buf b;
    jw w;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "property query: NULL output");
    *json = NULL;
    jw_doc_begin(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_kstrings(&w, "PropertyTypes", types);
    jw_end(&w, "}");
    return jw_doc_take(&w, json);
}

hcs_result hcs_gcs_encode_frame(uint32_t type, uint64_t id, const char *body,
                                size_t len, void **frame, size_t *frame_len)
{
    hcsi_buf b;
    hcs_result hr;
    if (!frame || (!body && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "GCS frame: NULL argument");
    *frame = NULL;
    hcsi_buf_init(&b, 0);
    hr = hcsi_gcs_frame_build(&b, type, id, body, len);
    if (HCS_FAILED(hr)) {
        hcsi_buf_free(&b);
        return hr;
    }
    *frame = hcsi_buf_steal(&b, frame_len);
    return *frame ? HCS_S_OK : hcsi_err_oom();
}
