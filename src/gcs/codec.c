/* GCS message encoders (hcsshim's exact JSON) and lenient decoders. */
#include "gcs/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/frame.h"
#include "gcs/jsonw.h"
#include "platform/json.h"

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
    jw_key(w, "Environment");
    jw_begin(w, "{");
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
    if (p->command_args && p->command_args[0]) {
        size_t i;
        jw_key(&w, "CommandArgs");
        jw_begin(&w, "[");
        for (i = 0; p->command_args[i]; i++) {
            jw_sep(&w);
            jw_strval(&w, p->command_args[i]);
        }
        jw_end(&w, "]");
    }
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
    jw_key(&w, "Settings");
    jw_begin(&w, "{");
    if (r->process_parameters_json) {
        jw_kinner(&w, "ProcessParameters", r->process_parameters_json);
    } else if (HCS_SUCCEEDED(w.err)) {
        hcsi_buf_init(&pp, 0);
        w.err = enc_process_parameters(&pp, &r->params);
        if (HCS_SUCCEEDED(w.err))
            jw_kstring_doc(&w, "ProcessParameters", pp.data ? pp.data : "{}");
        hcsi_buf_free(&pp);
    }
    jw_key(&w, guid ? "StdioRelaySettings" : "VsockStdioRelaySettings");
    jw_begin(&w, "{");
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
        jw_key(&w, "Options");
        jw_begin(&w, "{");
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
    jw_key(&w, "Request");
    jw_begin(&w, "{");
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

#define ENC_WRAPPER(pub, internal, type)                                      \
    static hcs_result internal##_v(hcsi_buf *b, const void *r)                \
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

static hcs_result steal_doc(hcsi_buf *b, hcs_result hr, char **json)
{
    if (HCS_FAILED(hr)) {
        hcsi_buf_free(b);
        return hr;
    }
    *json = hcsi_buf_steal(b, NULL);
    return *json ? HCS_S_OK : hcsi_err_oom();
}

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
    hcsi_buf_init(&b, 0);
    jw_init(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_begin(&w, "{");
    jw_key(&w, "SchemaVersion");
    jw_put(&w, "{\"Major\":2,\"Minor\":1}");
    w.first = 0;
    jw_kstr(&w, "OciBundlePath", oci_bundle_path);
    jw_kraw(&w, "OciSpecification", oci_spec_json, 1);
    jw_kstr(&w, "ScratchDirPath", scratch_dir_path);
    jw_end(&w, "}");
    return steal_doc(&b, w.err, json);
}

static void jw_system_time(jw *w, const char *k, const hcs_gcs_system_time *t)
{
    if (!t)
        return;
    jw_key(w, k);
    jw_begin(w, "{");
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
    hcsi_buf_init(&b, 0);
    jw_init(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_begin(&w, "{");
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
    return steal_doc(&b, w.err, json);
}

hcs_result hcs_gcs_encode_property_query(const char *const *types, char **json)
{
    hcsi_buf b;
    jw w;
    size_t i;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "property query: NULL output");
    *json = NULL;
    hcsi_buf_init(&b, 0);
    jw_init(&w, &b, HCSI_JSON_HTML_ESCAPE);
    jw_begin(&w, "{");
    jw_key(&w, "PropertyTypes");
    jw_begin(&w, "[");
    for (i = 0; types && types[i]; i++) {
        jw_sep(&w);
        jw_strval(&w, types[i]);
    }
    jw_end(&w, "]");
    jw_end(&w, "}");
    return steal_doc(&b, w.err, json);
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
        size_t i;
        if (strcmp(k, key) == 0)
            return k;
        if (found)
            continue;
        for (i = 0; k[i] && key[i]; i++) {
            char a = k[i], c = key[i];
            if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            if (a != c)
                break;
        }
        if (!k[i] && !key[i])
            found = k;
    }
    return found;
}

/* Typed getters: 0 absent/null, 1 set, -1 wrong type (error recorded). */
static int g_str(const hcsi_json *o, const char *ctx, const char *key, char **out)
{
    const char *k = hcsi_gcs_json_key(o, key), *s = NULL;
    size_t n = 0;
    int rc;
    if (!k)
        return 0;
    rc = hcsi_json_get_str(o, ctx, k, &s, &n);
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
    *out = hcsi_strndup(s, n);
    if (!*out) {
        hcsi_err_oom();
        return -1;
    }
    return 1;
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
    const char *k = hcsi_gcs_json_key(o, key), *s = NULL;
    size_t n = 0;
    hcsi_json *inner = NULL;
    char what[96];
    int rc;
    if (!k)
        return 0;
    rc = hcsi_json_get_str(o, ctx, k, &s, &n);
    if (rc <= 0)
        return rc;
    snprintf(what, sizeof what, "%s.%s (a JSON document in a string)", ctx, key);
    if (HCS_FAILED(hcsi_json_parse(s, n, what, &inner)))
        return -1;
    hcsi_json_put(inner);
    *out = hcsi_strndup(s, n);
    if (!*out) {
        hcsi_err_oom();
        return -1;
    }
    return 1;
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

static int decode_base(const hcsi_json *o, const char *ctx, hcs_gcs_response_base *r)
{
    hcsi_json *recs = NULL;
    size_t i, n;
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
    r->error_records = (hcs_gcs_error_record *)hcsi_calloc(n, sizeof *r->error_records);
    if (!r->error_records) {
        hcsi_err_oom();
        return -1;
    }
    r->error_record_count = n;
    for (i = 0; i < n; i++) {
        hcsi_json *e = hcsi_json_array_at(recs, i);
        hcs_gcs_error_record *er = &r->error_records[i];
        char sub[64];
        snprintf(sub, sizeof sub, "%s.ErrorRecords[%zu]", ctx, i);
        if (hcsi_json_kind_of(e) == HCSI_JSON_NULL)
            continue;
        if (hcsi_json_kind_of(e) != HCSI_JSON_OBJECT) {
            hcsi_err(HCS_ERR_INVALID_JSON, "%s: expected an object, got %s", sub,
                     hcsi_json_kind_name(hcsi_json_kind_of(e)));
            return -1;
        }
        if (g_i32(e, sub, "Result", &er->result) < 0 ||
            g_str(e, sub, "Message", &er->message) < 0 ||
            g_str(e, sub, "StackTrace", &er->stack_trace) < 0 ||
            g_str(e, sub, "ModuleName", &er->module_name) < 0 ||
            g_str(e, sub, "FileName", &er->file_name) < 0 ||
            g_u32(e, sub, "Line", &er->line) < 0 ||
            g_str(e, sub, "FunctionName", &er->function_name) < 0)
            return -1;
    }
    return 0;
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
        size_t i, n = hcsi_json_array_len(sv);
        if (n > MAX_ARRAY_ITEMS) {
            hcsi_err(HCS_ERR_INVALID_JSON, "%s.SupportedSchemaVersions: too many entries", ctx);
            return -1;
        }
        if (n) {
            k->supported_schema_versions =
                (hcs_gcs_schema_version *)hcsi_calloc(n, sizeof(hcs_gcs_schema_version));
            if (!k->supported_schema_versions) {
                hcsi_err_oom();
                return -1;
            }
        }
        k->supported_schema_version_count = n;
        for (i = 0; i < n; i++) {
            hcsi_json *e = hcsi_json_array_at(sv, i);
            char sub[96];
            snprintf(sub, sizeof sub, "%s.SupportedSchemaVersions[%zu]", ctx, i);
            if (hcsi_json_kind_of(e) == HCSI_JSON_NULL)
                continue;
            if (hcsi_json_kind_of(e) != HCSI_JSON_OBJECT) {
                hcsi_err(HCS_ERR_INVALID_JSON, "%s: expected an object, got %s", sub,
                         hcsi_json_kind_name(hcsi_json_kind_of(e)));
                return -1;
            }
            if (g_i32(e, sub, "Major", &k->supported_schema_versions[i].major) < 0 ||
                g_i32(e, sub, "Minor", &k->supported_schema_versions[i].minor) < 0)
                return -1;
        }
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

void hcs_gcs_create_response_clear(hcs_gcs_create_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    memset(r, 0, sizeof *r);
}

hcs_result hcs_gcs_decode_create_response(const char *body, size_t len,
                                          hcs_gcs_create_response *out)
{
    DECODE_BEGIN("Create response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_u32(o, ctx, "SelectedProtocolVersion", &out->selected_protocol_version) < 0)
        goto fail;
    DECODE_END(hcs_gcs_create_response_clear)
}

void hcs_gcs_execute_process_response_clear(hcs_gcs_execute_process_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    memset(r, 0, sizeof *r);
}

hcs_result hcs_gcs_decode_execute_process_response(
    const char *body, size_t len, hcs_gcs_execute_process_response *out)
{
    DECODE_BEGIN("ExecuteProcess response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_u32(o, ctx, "ProcessId", &out->process_id) < 0)
        goto fail;
    DECODE_END(hcs_gcs_execute_process_response_clear)
}

void hcs_gcs_wait_for_process_response_clear(hcs_gcs_wait_for_process_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    memset(r, 0, sizeof *r);
}

hcs_result hcs_gcs_decode_wait_for_process_response(
    const char *body, size_t len, hcs_gcs_wait_for_process_response *out)
{
    DECODE_BEGIN("WaitForProcess response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_u32(o, ctx, "ExitCode", &out->exit_code) < 0)
        goto fail;
    DECODE_END(hcs_gcs_wait_for_process_response_clear)
}

void hcs_gcs_get_properties_response_clear(hcs_gcs_get_properties_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    free(r->properties_json);
    memset(r, 0, sizeof *r);
}

hcs_result hcs_gcs_decode_get_properties_response(
    const char *body, size_t len, hcs_gcs_get_properties_response *out)
{
    DECODE_BEGIN("GetProperties response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_inner(o, ctx, "Properties", &out->properties_json) < 0)
        goto fail;
    DECODE_END(hcs_gcs_get_properties_response_clear)
}

void hcs_gcs_dump_stacks_response_clear(hcs_gcs_dump_stacks_response *r)
{
    if (!r)
        return;
    hcs_gcs_response_base_clear(&r->base);
    free(r->guest_stacks);
    memset(r, 0, sizeof *r);
}

hcs_result hcs_gcs_decode_dump_stacks_response(const char *body, size_t len,
                                               hcs_gcs_dump_stacks_response *out)
{
    DECODE_BEGIN("DumpStacks response")
    if (decode_base(o, ctx, &out->base) < 0 ||
        g_str(o, ctx, "GuestStacks", &out->guest_stacks) < 0)
        goto fail;
    DECODE_END(hcs_gcs_dump_stacks_response_clear)
}

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
    out->type = f.type;
    out->size = f.size;
    out->id = f.id;
    out->offset = f.offset;
    out->body = f.body;
    out->body_len = f.body_len;
    if (consumed)
        *consumed = used;
    return HCS_S_OK;
}

char *hcs_gcs_type_name(uint32_t type, char *buf, size_t size)
{
    return hcsi_gcs_type_name(type, buf, size);
}

const char *hcs_gcs_rpc_name(uint32_t type) { return hcsi_gcs_rpc_name(type); }

char *hcsi_gcs_sanitize(const char *s, size_t max)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, n = strlen(s), w = 0;
    char *out;
    if (n > max)
        n = max;
    out = (char *)hcsi_malloc(n * 4 + 4);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            out[w++] = '\\';
            out[w++] = 'x';
            out[w++] = hex[c >> 4];
            out[w++] = hex[c & 15];
        } else {
            out[w++] = (char)c;
        }
    }
    if (strlen(s) > max) {
        memcpy(out + w, "...", 3);
        w += 3;
    }
    out[w] = '\0';
    return out;
}

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
