/* hcs-gcs bridge: a request's body as the Go handlers unmarshal it. */
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
#include "schema/schema_internal.h"

/* ---- decoding helpers ---- */

/* json.Unmarshal(r.Message, &request) of the handler: the body as an object
 * (NULL for JSON null), or -1 with the handler's wrapped error. */
int hcsg_req_object(req *r, hcsg_err *e, const char *tname, hcsi_json **obj)
{
    *obj = NULL;
    if (r->parse_failed) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "%s", r->perr);
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    if (r->doc && hcsi_json_kind_of(r->doc) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go value of type prot.%s",
                      hcsi_json_kind_name(hcsi_json_kind_of(r->doc)), tname);
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    *obj = r->doc;
    return 0;
}

/* Decodes MessageBase; on error the handler's unmarshal wrapping. */
int hcsg_req_base(req *r, hcsg_err *e, const char *tname, hcsi_json **obj,
                    hcsg_base *b)
{
    if (hcsg_req_object(r, e, tname, obj) < 0)
        return -1;
    if (hcsg_decode_base(e, *obj, tname, b) < 0) {
        hcsg_err_unmarshal(e, "in message", r->body, r->len);
        return -1;
    }
    return 0;
}

int hcsg_fail_unmarshal(req *r, hcsg_err *e)
{
    hcsg_err_unmarshal(e, "in message", r->body, r->len);
    return -1;
}

void hcsg_err_no_container(hcsg_err *e, const char *cid)
{
    hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND, "container \"%.200s\" not found", cid);
}

/* Whether obj has the member at all (a JSON null member included). */
int hcsg_has_key(const hcsi_json *obj, const char *key)
{
    hcsi_json_iter it;
    const char *k;
    hcsi_json *v;
    hcsi_json_iter_init(obj, &it);
    while (hcsi_json_iter_next(&it, &k, &v))
        if (strcasecmp(k, key) == 0)
            return 1;
    return 0;
}

/* ---- typed decoding through the generated guest types ----
 * The schema layer's tables (src/schema/gen/tables.c) describe every guest
 * document; this walks them with Go encoding/json semantics (case-insensitive
 * keys, last duplicate wins, null = absent, Go's error texts) and fills the
 * generated struct, so the handlers never re-describe a document. */

static const char *go_int_type(uint8_t k, int64_t *lo, int64_t *hi)
{
    switch (k) {
    case HCSI_K_U8: *lo = 0; *hi = 255; return "uint8";
    case HCSI_K_U16: *lo = 0; *hi = 65535; return "uint16";
    case HCSI_K_U32: *lo = 0; *hi = (int64_t)UINT32_MAX; return "uint32";
    case HCSI_K_I32: *lo = INT32_MIN; *hi = INT32_MAX; return "int32";
    case HCSI_K_I64: *lo = INT64_MIN; *hi = INT64_MAX - 1; return "int64";
    default: return NULL;
    }
}

static int store_int(void *p, uint8_t k, int64_t v)
{
    switch (k) {
    case HCSI_K_U8: ((hcs_schema_u8 *)p)->set = 1; ((hcs_schema_u8 *)p)->v = (uint8_t)v; break;
    case HCSI_K_U16: ((hcs_schema_u16 *)p)->set = 1; ((hcs_schema_u16 *)p)->v = (uint16_t)v; break;
    case HCSI_K_U32: ((hcs_schema_u32 *)p)->set = 1; ((hcs_schema_u32 *)p)->v = (uint32_t)v; break;
    case HCSI_K_I32: ((hcs_schema_i32 *)p)->set = 1; ((hcs_schema_i32 *)p)->v = (int32_t)v; break;
    case HCSI_K_I64: ((hcs_schema_i64 *)p)->set = 1; ((hcs_schema_i64 *)p)->v = v; break;
    default: return -1;
    }
    return 0;
}

/* Element sizes of arrays of scalars (struct { T *items; size_t n; uint8_t set; }). */
static size_t elem_size(uint8_t k, int32_t ref)
{
    switch (k) {
    case HCSI_K_STR: case HCSI_K_ANY: return sizeof(char *);
    case HCSI_K_BOOL: case HCSI_K_U8: return 1;
    case HCSI_K_U16: return 2;
    case HCSI_K_U32: case HCSI_K_I32: return 4;
    case HCSI_K_U64: case HCSI_K_I64: case HCSI_K_F64: return 8;
    case HCSI_K_OBJ: return ref >= 0 ? hcsi_schema_types[ref].size : 0;
    default: return 0;
    }
}

typedef struct { void *items; size_t n; uint8_t set; } any_array;
typedef struct { char **keys; char **values; size_t n; uint8_t set; } str_map;

static int oom(hcsg_err *e)
{
    hcsg_err_plain(e, "out of memory");
    return -1;
}

static int dup_json(hcsg_err *e, const hcsi_json *v, char **out)
{
    if (HCS_FAILED(hcsi_json_to_string(v, 0, out)) || !*out) {
        hcs_error_clear();
        return oom(e);
    }
    return 0;
}

static int decode_obj(hcsg_err *e, const hcsi_json *o, int32_t type, const char *path,
                      void *out);

/* One array element (scalar or object) at el, into slot (may be NULL). */
static int decode_elem(hcsg_err *e, const hcsi_json *el, const hcsi_sfield *f,
                       const char *path, void *slot)
{
    uint8_t k = f->ekind;
    int64_t lo, hi;
    const char *gt;
    hcsi_json_kind jk = hcsi_json_kind_of(el);
    if (jk == HCSI_JSON_NULL)
        return 0;
    if (k == HCSI_K_STR || k == HCSI_K_ENUM) {
        if (jk != HCSI_JSON_STRING) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go struct field %s of type string",
                          hcsi_json_kind_name(jk), path);
            return -1;
        }
        if (slot && !(*(char **)slot = strdup(hcsi_json_str(el, NULL))))
            return oom(e);
        return 0;
    }
    if (k == HCSI_K_OBJ)
        return decode_obj(e, el, f->ref, path, slot);
    if (k == HCSI_K_ANY)
        return slot ? dup_json(e, el, (char **)slot) : 0;
    gt = go_int_type(k, &lo, &hi);
    if (gt) {
        int64_t v;
        if (jk != HCSI_JSON_INT || (v = hcsi_json_i64(el)) < lo || v > hi) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go struct field %s of type %s",
                          jk == HCSI_JSON_INT || jk == HCSI_JSON_DOUBLE ? "number"
                                                                       : hcsi_json_kind_name(jk),
                          path, gt);
            return -1;
        }
        if (slot) {
            switch (k) {
            case HCSI_K_U8: *(uint8_t *)slot = (uint8_t)v; break;
            case HCSI_K_U16: *(uint16_t *)slot = (uint16_t)v; break;
            case HCSI_K_U32: *(uint32_t *)slot = (uint32_t)v; break;
            case HCSI_K_I32: *(int32_t *)slot = (int32_t)v; break;
            default: *(int64_t *)slot = v; break;
            }
        }
        return 0;
    }
    return 0; /* kinds the guest documents do not use: accepted as is */
}

static int decode_field(hcsg_err *e, const hcsi_json *o, const hcsi_sfield *f,
                        const char *tname, const char *path, void *base)
{
    void *p = base ? (char *)base + f->offset : NULL;
    hcsi_json *v = hcsg_member(o, f->name);
    char sub[256];
    int64_t lo, hi, iv = 0;
    const char *gt;
    if (!v || hcsi_json_kind_of(v) == HCSI_JSON_NULL)
        return 0;
    snprintf(sub, sizeof sub, "%s.%s", path, f->name);
    switch (f->kind) {
    case HCSI_K_STR: {
        const char *s;
        if (hcsg_get_str(e, o, tname, f->name, &s, NULL) < 0)
            return -1;
        if (p && !(*(char **)p = strdup(s)))
            return oom(e);
        return 0;
    }
    case HCSI_K_ENUM: {
        const char *s;
        hcs_schema_enum *en = (hcs_schema_enum *)p;
        const hcsi_stype *et = f->ref >= 0 ? &hcsi_schema_types[f->ref] : NULL;
        uint16_t i;
        if (hcsg_get_str(e, o, tname, f->name, &s, NULL) < 0)
            return -1;
        if (!en)
            return 0;
        en->set = 1;
        en->v = -1;
        for (i = 0; et && i < et->nvalues; i++)
            if (strcmp(et->values[i], s) == 0)
                en->v = (int)i;
        if (en->v < 0 && !(en->raw = strdup(s)))
            return oom(e);
        return 0;
    }
    case HCSI_K_BOOL: {
        int b = 0;
        if (hcsg_get_bool(e, o, tname, f->name, &b) < 0)
            return -1;
        if (p) {
            ((hcs_schema_bool *)p)->set = 1;
            ((hcs_schema_bool *)p)->v = (uint8_t)(b != 0);
        }
        return 0;
    }
    case HCSI_K_U64: {
        uint64_t u = 0;
        if (hcsg_get_u64(e, o, tname, f->name, &u) < 0)
            return -1;
        if (p) {
            ((hcs_schema_u64 *)p)->set = 1;
            ((hcs_schema_u64 *)p)->v = u;
        }
        return 0;
    }
    case HCSI_K_OBJ: {
        void *child = NULL;
        int rc;
        if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                          hcsi_json_kind_name(hcsi_json_kind_of(v)), tname, f->name,
                          f->ref >= 0 ? hcsi_schema_types[f->ref].name : "struct");
            return -1;
        }
        if (p && f->ref >= 0) {
            child = calloc(1, hcsi_schema_types[f->ref].size);
            if (!child)
                return oom(e);
            *(void **)p = child;
        }
        snprintf(sub, sizeof sub, "%s.%s", tname, f->name);
        rc = decode_obj(e, v, f->ref, sub, child);
        return rc;
    }
    case HCSI_K_ANY:
        return p ? dup_json(e, v, (char **)p) : 0;
    case HCSI_K_ARRAY: {
        any_array *arr = (any_array *)p;
        size_t i, n, es = elem_size(f->ekind, f->ref);
        if (hcsi_json_kind_of(v) != HCSI_JSON_ARRAY) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                          "json: cannot unmarshal %s into Go struct field %s.%s of type []%s",
                          hcsi_json_kind_name(hcsi_json_kind_of(v)), tname, f->name,
                          f->ekind == HCSI_K_OBJ && f->ref >= 0 ? hcsi_schema_types[f->ref].name
                          : f->ekind == HCSI_K_STR              ? "string"
                                                                : "int");
            return -1;
        }
        n = hcsi_json_array_len(v);
        if (arr) {
            arr->set = 1;
            if (n && es) {
                arr->items = calloc(n, es);
                if (!arr->items)
                    return oom(e);
                arr->n = n;
            }
        }
        snprintf(sub, sizeof sub, "%s.%s", tname, f->name);
        for (i = 0; i < n; i++)
            if (decode_elem(e, hcsi_json_array_at(v, i), f, sub,
                            arr && arr->items ? (char *)arr->items + i * es : NULL) < 0)
                return -1;
        return 0;
    }
    case HCSI_K_MAP: {
        str_map *m = (str_map *)p;
        hcsi_json *mv = NULL;
        hcsi_json_iter it;
        const char *k;
        hcsi_json *val;
        size_t i = 0, n;
        if (f->ekind != HCSI_K_STR)
            return 0;
        if (hcsg_get_strmap(e, o, tname, f->name, &mv) < 0)
            return -1;
        if (!m)
            return 0;
        n = hcsi_json_object_len(mv);
        m->set = 1;
        if (n) {
            m->keys = (char **)calloc(n, sizeof(char *));
            m->values = (char **)calloc(n, sizeof(char *));
            if (!m->keys || !m->values)
                return oom(e);
        }
        hcsi_json_iter_init(mv, &it);
        while (i < n && hcsi_json_iter_next(&it, &k, &val)) {
            const char *vs = hcsi_json_kind_of(val) == HCSI_JSON_STRING ? hcsi_json_str(val, NULL)
                                                                       : "";
            m->keys[i] = strdup(k);
            m->values[i] = strdup(vs);
            m->n = ++i;
            if (!m->keys[i - 1] || !m->values[i - 1])
                return oom(e);
        }
        return 0;
    }
    default:
        gt = go_int_type(f->kind, &lo, &hi);
        if (!gt)
            return 0;
        if (hcsg_get_int(e, o, tname, f->name, gt, lo, hi, &iv) < 0)
            return -1;
        if (p)
            store_int(p, f->kind, iv);
        return 0;
    }
}

static int decode_obj(hcsg_err *e, const hcsi_json *o, int32_t type, const char *path,
                      void *out)
{
    const hcsi_stype *t;
    uint16_t i;
    if (type < 0 || type >= (int32_t)HCS_SCHEMA_TYPE_COUNT)
        return 0;
    t = &hcsi_schema_types[type];
    if (o && hcsi_json_kind_of(o) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON,
                      "json: cannot unmarshal %s into Go struct field %s of type %s",
                      hcsi_json_kind_name(hcsi_json_kind_of(o)), path, t->name);
        return -1;
    }
    for (i = 0; i < t->nfields; i++)
        if (decode_field(e, o, &t->fields[i], path, path, out) < 0)
            return -1;
    return 0;
}

int hcsg_decode_typed(hcsg_err *e, const hcsi_json *o, hcs_schema_type_id type,
                      const char *gostruct, void *out)
{
    if (out)
        hcs_schema_init(type, out);
    if (!o)
        return 0;
    if (decode_obj(e, o, (int32_t)type, gostruct, out) < 0) {
        if (out)
            hcs_schema_free_members(type, out);
        return -1;
    }
    return 0;
}
