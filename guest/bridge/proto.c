/* hcs-gcs protocol helpers: request decoding with Go encoding/json
 * semantics, and responses exactly as the Go GCS marshals them. */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs.h"

/* ---- member lookup ---- */

hcsi_json *hcsg_member(const hcsi_json *obj, const char *key)
{
    hcsi_json_iter it;
    const char *k;
    hcsi_json *v, *found = NULL;
    if (!obj || hcsi_json_kind_of(obj) != HCSI_JSON_OBJECT)
        return NULL;
    hcsi_json_iter_init(obj, &it);
    while (hcsi_json_iter_next(&it, &k, &v)) {
        if (hcsi_ascii_case_equal(k, key)) {
            found = v; /* Go: every matching key is stored; the last wins */
        }
    }
    return found;
}

/* ---- typed fields ---- */

static const char *go_kind(const hcsi_json *v)
{
    switch (hcsi_json_kind_of(v)) {
    case HCSI_JSON_BOOL: return "bool";
    case HCSI_JSON_INT:
    case HCSI_JSON_DOUBLE: return "number";
    case HCSI_JSON_STRING: return "string";
    case HCSI_JSON_ARRAY: return "array";
    case HCSI_JSON_OBJECT: return "object";
    default: return "null";
    }
}

static int type_err(hcsg_err *e, const hcsi_json *v, const char *tname,
                    const char *key, const char *gotype)
{
    char lit[64] = "";
    if (hcsi_json_kind_of(v) == HCSI_JSON_INT || hcsi_json_kind_of(v) == HCSI_JSON_DOUBLE) {
        char *s = NULL;
        if (HCS_SUCCEEDED(hcsi_json_to_string(v, 0, &s)) && s) {
            snprintf(lit, sizeof lit, " %.40s", s);
            free(s);
        }
    }
    hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                  "json: cannot unmarshal %s%s into Go struct field %s.%s of type %s",
                  go_kind(v), lit, tname, key, gotype);
    return -1;
}

/* o's member key (Go's lookup) when it is a kind: 1 with *v, 0 when
 * absent, -1 with e when of another kind (gotype: the Go field's type). */
static int member_as(hcsg_err *e, const hcsi_json *o, const char *tname, const char *key,
                     hcsi_json_kind kind, const char *gotype, hcsi_json **v)
{
    *v = hcsg_member(o, key);
    if (!*v)
        return 0;
    if (hcsi_json_kind_of(*v) != kind)
        return type_err(e, *v, tname, key, gotype);
    return 1;
}

int hcsg_get_str(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, const char **out, size_t *len)
{
    hcsi_json *v;
    int rc = member_as(e, o, tname, key, HCSI_JSON_STRING, "string", &v);
    if (rc == 1)
        *out = hcsi_json_str(v, len);
    return rc;
}

int hcsg_get_bool(hcsg_err *e, const hcsi_json *o, const char *tname,
                  const char *key, int *out)
{
    hcsi_json *v;
    int rc = member_as(e, o, tname, key, HCSI_JSON_BOOL, "bool", &v);
    if (rc == 1)
        *out = hcsi_json_boolval(v);
    return rc;
}

/* Integers: JSON integer literals in range (Go rejects fractions and
 * exponents for integer fields). */
int hcsg_get_int(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, const char *gotype, int64_t lo, int64_t hi,
                 int64_t *out)
{
    hcsi_json *v;
    int64_t i;
    int rc = member_as(e, o, tname, key, HCSI_JSON_INT, gotype, &v);
    if (rc != 1)
        return rc;
    i = hcsi_json_i64(v);
    if (i < lo || i > hi || i == INT64_MAX)
        return type_err(e, v, tname, key, gotype);
    *out = i;
    return 1;
}

int hcsg_get_u32(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint32_t *out)
{
    int64_t i = 0;
    int rc = hcsg_get_int(e, o, tname, key, "uint32", 0, (int64_t)UINT32_MAX, &i);
    if (rc == 1)
        *out = (uint32_t)i;
    return rc;
}

int hcsg_get_i32(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, int32_t *out)
{
    int64_t i = 0;
    int rc = hcsg_get_int(e, o, tname, key, "int32", INT32_MIN, INT32_MAX, &i);
    if (rc == 1)
        *out = (int32_t)i;
    return rc;
}

int hcsg_get_u16(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint16_t *out)
{
    int64_t i = 0;
    int rc = hcsg_get_int(e, o, tname, key, "uint16", 0, 65535, &i);
    if (rc == 1)
        *out = (uint16_t)i;
    return rc;
}

int hcsg_get_u64(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint64_t *out)
{
    hcsi_json *v, *tmp;
    uint64_t u = 0;
    int rc = member_as(e, o, tname, key, HCSI_JSON_INT, "uint64", &v);
    if (rc != 1)
        return rc;
    /* The wrapper's getter knows the full unsigned range. */
    tmp = hcsi_json_object();
    if (!tmp || HCS_FAILED(hcsi_json_set(tmp, "v", hcsi_json_get_ref(v)))) {
        hcsi_json_put(tmp);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    rc = hcsi_json_get_u64(tmp, NULL, "v", &u);
    hcsi_json_put(tmp);
    if (rc != 1)
        return type_err(e, v, tname, key, "uint64");
    *out = u;
    return 1;
}

int hcsg_get_obj(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, hcsi_json **out)
{
    hcsi_json *v;
    char gotype[96];
    int rc;
    snprintf(gotype, sizeof gotype, "prot.%s", key);
    rc = member_as(e, o, tname, key, HCSI_JSON_OBJECT, gotype, &v);
    if (rc == 1)
        *out = v;
    return rc;
}

int hcsg_get_strarr(hcsg_err *e, const hcsi_json *o, const char *tname,
                    const char *key, hcsi_json **out)
{
    hcsi_json *v;
    size_t i, n;
    int rc = member_as(e, o, tname, key, HCSI_JSON_ARRAY, "[]string", &v);
    if (rc != 1)
        return rc;
    n = hcsi_json_array_len(v);
    for (i = 0; i < n; i++) {
        hcsi_json *el = hcsi_json_array_at(v, i);
        hcsi_json_kind k = hcsi_json_kind_of(el);
        if (k != HCSI_JSON_STRING && k != HCSI_JSON_NULL)
            return type_err(e, el, tname, key, "string");
    }
    *out = v;
    return 1;
}

int hcsg_get_strmap(hcsg_err *e, const hcsi_json *o, const char *tname,
                    const char *key, hcsi_json **out)
{
    hcsi_json *v, *val;
    hcsi_json_iter it;
    const char *k;
    int rc = member_as(e, o, tname, key, HCSI_JSON_OBJECT, "map[string]string", &v);
    if (rc != 1)
        return rc;
    hcsi_json_iter_init(v, &it);
    while (hcsi_json_iter_next(&it, &k, &val)) {
        hcsi_json_kind kk = hcsi_json_kind_of(val);
        if (kk != HCSI_JSON_STRING && kk != HCSI_JSON_NULL)
            return type_err(e, val, tname, key, "string");
    }
    *out = v;
    return 1;
}

/* ---- messages ---- */

int hcsg_parse_message(hcsg_err *e, const char *body, size_t len,
                       const char *tname, hcsi_json **root)
{
    hcsi_json *v = NULL;
    hcs_result hr;
    *root = NULL;
    if (len == 0) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "unexpected end of JSON input");
        return -1;
    }
    hr = hcsi_json_parse(body, len, tname, &v);
    if (HCS_FAILED(hr)) {
        const hcs_error *le = hcs_error_last();
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "%s",
                      le && le->message ? le->message : "invalid JSON");
        return -1;
    }
    if (hcsi_json_kind_of(v) == HCSI_JSON_NULL) {
        hcsi_json_put(v);
        return 0;
    }
    if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go value of type prot.%s",
                      go_kind(v), tname);
        hcsi_json_put(v);
        return -1;
    }
    *root = v;
    return 0;
}

int hcsg_decode_base(hcsg_err *e, const hcsi_json *root, const char *tname,
                     hcsg_base *b)
{
    hcsi_json *oc = NULL;
    const char *s;
    uint32_t u;
    b->container_id = "";
    b->activity_id = "";
    if (hcsg_get_str(e, root, tname, "ContainerId", &b->container_id, NULL) < 0 ||
        hcsg_get_str(e, root, tname, "ActivityId", &b->activity_id, NULL) < 0 ||
        hcsg_get_obj(e, root, tname, "ocsc", &oc) < 0)
        return -1;
    if (oc && (hcsg_get_str(e, oc, "ocspancontext", "TraceID", &s, NULL) < 0 ||
               hcsg_get_str(e, oc, "ocspancontext", "SpanID", &s, NULL) < 0 ||
               hcsg_get_u32(e, oc, "ocspancontext", "TraceOptions", &u) < 0 ||
               hcsg_get_str(e, oc, "ocspancontext", "Tracestate", &s, NULL) < 0))
        return -1;
    return 0;
}

void hcsg_sniff_base(const char *body, size_t len, char *cid, size_t cidn,
                     char *aid, size_t aidn)
{
    hcsi_json *root = NULL;
    hcsi_json *v;
    cid[0] = '\0';
    aid[0] = '\0';
    if (len == 0 || HCS_FAILED(hcsi_json_parse(body, len, "request", &root))) {
        hcs_error_clear();
        return;
    }
    v = hcsg_member(root, "ContainerId");
    if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
        snprintf(cid, cidn, "%s", hcsi_json_str(v, NULL));
    v = hcsg_member(root, "ActivityId");
    if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
        snprintf(aid, aidn, "%s", hcsi_json_str(v, NULL));
    hcsi_json_put(root);
}

void hcsg_err_unmarshal(hcsg_err *e, const char *what, const char *body,
                        size_t len)
{
    char ex[HCSG_MAX_BODY_EXCERPT + 8];
    size_t n = len, i;
    while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r'))
        n--;
    if (n > HCSG_MAX_BODY_EXCERPT)
        n = HCSG_MAX_BODY_EXCERPT;
    for (i = 0; i < n; i++)
        ex[i] = (body[i] >= 0x20 || body[i] < 0) ? body[i] : '.';
    ex[n] = '\0';
    if (n < len && len - n > 2)
        strcat(ex, "...");
    hcsg_err_prefix(e, "failed to unmarshal JSON %s \"%s\"", what, ex);
}

void hcsg_type_string(uint32_t type, char *buf, size_t n)
{
    static const struct {
        uint32_t t;
        const char *name;
    } names[] = {
        {0, "None"},
        {0x10100101u, "ComputeSystemCreateV1"},
        {0x10100201u, "ComputeSystemStartV1"},
        {0x10100301u, "ComputeSystemShutdownGracefulV1"},
        {0x10100401u, "ComputeSystemShutdownForcedV1"},
        {0x10100501u, "ComputeSystemExecuteProcessV1"},
        {0x10100601u, "ComputeSystemWaitForProcessV1"},
        {0x10100701u, "ComputeSystemSignalProcessV1"},
        {0x10100801u, "ComputeSystemResizeConsoleV1"},
        {0x10100901u, "ComputeSystemGetPropertiesV1"},
        {0x10100a01u, "ComputeSystemModifySettingsV1"},
        {0x10100b01u, "ComputeSystemNegotiateProtocolV1"},
        {0x10100c01u, "ComputeSystemDumpStacksV1"},
        {0x10100d01u, "ComputeSystemDeleteContainerStateV1"},
        {0x20100101u, "ComputeSystemResponseCreateV1"},
        {0x20100201u, "ComputeSystemResponseStartV1"},
        {0x20100301u, "ComputeSystemResponseShutdownGracefulV1"},
        {0x20100401u, "ComputeSystemResponseShutdownForcedV1"},
        {0x20100501u, "ComputeSystemResponseExecuteProcessV1"},
        {0x20100601u, "ComputeSystemResponseWaitForProcessV1"},
        {0x20100701u, "ComputeSystemResponseSignalProcessV1"},
        {0x20100801u, "ComputeSystemResponseResizeConsoleV1"},
        {0x20100901u, "ComputeSystemResponseGetPropertiesV1"},
        {0x20100a01u, "ComputeSystemResponseModifySettingsV1"},
        {0x20100b01u, "ComputeSystemResponseNegotiateProtocolV1"},
        {0x20100c01u, "ComputeSystemResponseDumpStacksV1"},
        {0x30100101u, "ComputeSystemNotificationV1"},
    };
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(names); i++) {
        if (names[i].t == type) {
            snprintf(buf, n, "%s", names[i].name);
            return;
        }
    }
    snprintf(buf, n, "%lu", (unsigned long)type);
}

/* ---- responses ---- */

hcsi_json *hcsg_resp_new(int32_t hr, const char *activity_id)
{
    hcsi_json *o = hcsi_json_object();
    if (!o)
        return NULL;
    if (HCS_FAILED(hcsi_json_set_int(o, "Result", hr)) ||
        (activity_id && *activity_id &&
         HCS_FAILED(hcsi_json_set_str(o, "ActivityId", activity_id)))) {
        hcsi_json_put(o);
        return NULL;
    }
    return o;
}

hcsi_json *hcsg_resp_error(const hcsg_err *e, const char *activity_id)
{
    int32_t hr = e->hr ? e->hr : HCSG_HR_FAIL;
    hcsi_json *o = hcsg_resp_new(hr, activity_id);
    hcsi_json *recs, *rec;
    if (!o)
        return NULL;
    if (e->msg[0] && HCS_FAILED(hcsi_json_set_str(o, "ErrorMessage", e->msg)))
        goto fail;
    recs = hcsi_json_array();
    rec = hcsi_json_object();
    if (!recs || !rec) {
        hcsi_json_put(recs);
        hcsi_json_put(rec);
        goto fail;
    }
    if (HCS_FAILED(hcsi_json_set_int(rec, "Result", hr)) ||
        HCS_FAILED(hcsi_json_set_str(rec, "Message", e->msg)) ||
        HCS_FAILED(hcsi_json_set_str(rec, "ModuleName", HCSG_MODULE_NAME)) ||
        HCS_FAILED(hcsi_json_set_str(rec, "FileName", "")) ||
        HCS_FAILED(hcsi_json_set_uint(rec, "Line", 0xFFFFFFFFu))) {
        hcsi_json_put(recs);
        hcsi_json_put(rec);
        goto fail;
    }
    if (HCS_FAILED(hcsi_json_append(recs, rec))) {
        hcsi_json_put(recs);
        goto fail;
    }
    if (HCS_FAILED(hcsi_json_set(o, "ErrorRecords", recs)))
        goto fail;
    return o;
fail:
    hcsi_json_put(o);
    return NULL;
}

char *hcsg_resp_text(const hcsi_json *obj, size_t *len)
{
    char *s = NULL;
    if (HCS_FAILED(hcsi_json_to_string(obj, HCSI_JSON_HTML_ESCAPE, &s)))
        return NULL;
    if (len)
        *len = strlen(s);
    return s;
}

hcsi_json *hcsg_capabilities(void)
{
    hcsi_json *caps = hcsi_json_object(), *arr = hcsi_json_array(),
              *sv = hcsi_json_object(), *g = hcsi_json_object();
    if (!caps || !arr || !sv || !g)
        goto fail;
    if (HCS_FAILED(hcsi_json_set_int(sv, "Major", 2)) ||
        HCS_FAILED(hcsi_json_set_int(sv, "Minor", 1)))
        goto fail;
    if (HCS_FAILED(hcsi_json_append(arr, sv))) {
        sv = NULL;
        goto fail;
    }
    sv = NULL;
    if (HCS_FAILED(hcsi_json_set(caps, HCS_GCS_CAP_SUPPORTED_SCHEMA_VERSIONS, arr))) {
        arr = NULL;
        goto fail;
    }
    arr = NULL;
    if (HCS_FAILED(hcsi_json_set_str(caps, HCS_GCS_CAP_RUNTIME_OS_TYPE, "Linux")) ||
        HCS_FAILED(hcsi_json_set_bool(g, HCS_GCS_CAP_NAMESPACE_ADD_REQUEST_SUPPORTED, 1)) ||
        HCS_FAILED(hcsi_json_set_bool(g, HCS_GCS_CAP_SIGNAL_PROCESS_SUPPORTED, 1)) ||
        HCS_FAILED(hcsi_json_set_bool(g, HCS_GCS_CAP_DUMP_STACKS_SUPPORTED, 1)) ||
        HCS_FAILED(hcsi_json_set_bool(g, HCS_GCS_CAP_DELETE_CONTAINER_STATE_SUPPORTED, 1)))
        goto fail;
    if (HCS_FAILED(hcsi_json_set(caps, HCS_GCS_CAP_GUEST_DEFINED, g))) {
        g = NULL;
        goto fail;
    }
    return caps;
fail:
    hcsi_json_put(caps);
    hcsi_json_put(arr);
    hcsi_json_put(sv);
    hcsi_json_put(g);
    return NULL;
}
