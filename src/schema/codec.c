/*
 * The schema engine's init / free / encode / decode: one generic walk over
 * the generated descriptor tables (schema/engine.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform.h"
#include "schema/engine.h"

void hcs_schema_init(hcs_schema_type_id type, void *obj)
{
    if (hcsi_se_valid_id(type) && obj && !hcsi_se_type(type)->is_enum)
        memset(obj, 0, hcsi_se_type(type)->size);
}

static void free_struct(int32_t type, char *base);

static void free_elem(uint8_t ek, int32_t ref, char *p)
{
    switch (ek) {
    case HCSI_K_STR:
    case HCSI_K_ANY: {
        char *s;
        memcpy(&s, p, sizeof s);
        free(s);
        break;
    }
    case HCSI_K_ENUM:
        free(((hcs_schema_enum *)(void *)p)->raw);
        break;
    case HCSI_K_OBJ:
        free_struct(ref, p);
        break;
    }
}

/* Frees what field f owns at p and leaves the storage absent. */
static void free_field(const hcsi_sfield *f, char *p)
{
    static char *const null_ptr = NULL;
    switch (f->kind) {
    case HCSI_K_STR:
    case HCSI_K_ANY:
    case HCSI_K_ENUM:
        free_elem(f->kind, f->ref, p);
        break;
    case HCSI_K_OBJ: {
        char *o;
        memcpy(&o, p, sizeof o);
        if (o) {
            free_struct(f->ref, o);
            free(o);
        }
        break;
    }
    case HCSI_K_ARRAY: {
        hcsi_arr a;
        size_t k, es = hcsi_se_elem_size(f->ekind, f->ref);
        memcpy(&a, p, sizeof a);
        for (k = 0; a.items && k < a.n; k++)
            free_elem(f->ekind, f->ref, (char *)a.items + k * es);
        free(a.items);
        break;
    }
    case HCSI_K_MAP: {
        hcsi_map m;
        size_t k, es = hcsi_se_elem_size(f->ekind, f->ref);
        memcpy(&m, p, sizeof m);
        for (k = 0; k < m.n; k++) {
            if (m.keys)
                free(m.keys[k]);
            if (m.values)
                free_elem(f->ekind, f->ref, (char *)m.values + k * es);
        }
        free(m.keys);
        free(m.values);
        memset(p, 0, sizeof m);
        return;
    }
    }
    switch (f->kind) {
    case HCSI_K_STR: case HCSI_K_ANY: case HCSI_K_OBJ:
        memcpy(p, &null_ptr, sizeof null_ptr);
        break;
    case HCSI_K_ENUM:
        memset(p, 0, sizeof(hcs_schema_enum));
        break;
    case HCSI_K_ARRAY:
        memset(p, 0, sizeof(hcsi_arr));
        break;
    }
}

static void free_struct(int32_t type, char *base)
{
    const hcsi_stype *t = hcsi_se_type(type);
    uint16_t i;
    char *u;
    for (i = 0; i < t->nfields; i++)
        free_field(&t->fields[i], base + t->fields[i].offset);
    memcpy(&u, base + t->unknown_off, sizeof u);
    free(u);
    memset(base, 0, t->size);
}

void hcs_schema_free_members(hcs_schema_type_id type, void *obj)
{
    if (hcsi_se_valid_id(type) && obj && !hcsi_se_type(type)->is_enum)
        free_struct(type, (char *)obj);
}

/* ------------------------------------------------------------ encode */

typedef struct ectx {
    hcsi_buf *out;
    unsigned jflags; /* hcsi_json writer flags */
    unsigned flags;
    hcsi_se_path p;
    hcs_result err;
} ectx;

/* code with "<verb>[ <type>]: [<path>: ]<message>" recorded and returned. */
static hcs_result path_verr(hcs_result code, const hcsi_se_path *p, const char *verb,
                            const char *type, const char *fmt, va_list ap)
{
    char *msg = hcsi_vasprintf(fmt, ap);
    char *pt = hcsi_se_path_text(p);
    hcs_result r = hcsi_err(code, "%s%s%s: %s%s%s", verb, type ? " " : "", type ? type : "",
                            pt && *pt ? pt : "", pt && *pt ? ": " : "",
                            msg ? msg : "out of memory");
    free(msg);
    free(pt);
    return r;
}

static hcs_result eerr(ectx *e, const char *fmt, ...) HCSI_PRINTF(2, 3);
static hcs_result eerr(ectx *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->err = path_verr(HCS_ERR_INVALIDARG, &e->p, "encoding", NULL, fmt, ap);
    va_end(ap);
    return e->err;
}

static hcs_result put_u64(hcsi_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return hcsi_buf_append(b, tmp + i, sizeof tmp - i);
}

static hcs_result put_i64(hcsi_buf *b, int64_t v)
{
    if (v < 0) {
        hcs_result r = hcsi_buf_putc(b, '-');
        return HCS_SUCCEEDED(r) ? put_u64(b, (uint64_t)0 - (uint64_t)v) : r;
    }
    return put_u64(b, (uint64_t)v);
}

static hcs_result put_raw(ectx *e, const char *raw)
{
    hcsi_json *j = NULL;
    hcs_result r = hcsi_json_parse(raw, strlen(raw), "raw JSON", &j);
    if (HCS_FAILED(r)) {
        const hcs_error *le = hcs_error_last();
        return eerr(e, "malformed raw JSON: %s", le ? le->message : "parse error");
    }
    r = hcsi_json_write(e->out, j, e->jflags);
    hcsi_json_put(j);
    return r;
}

static hcs_result enc_struct(ectx *e, int32_t type, const char *base);

/* Encodes one value of kind k stored at p (elements: raw storage;
 * fields: the caller has unwrapped presence). */
static hcs_result enc_elem(ectx *e, uint8_t k, int32_t ref, const char *p)
{
    hcsi_buf *b = e->out;
    switch (k) {
    case HCSI_K_BOOL: return hcsi_buf_puts(b, *(const uint8_t *)p ? "true" : "false");
    case HCSI_K_U8: return put_u64(b, *(const uint8_t *)p);
    case HCSI_K_U16: { uint16_t v; memcpy(&v, p, 2); return put_u64(b, v); }
    case HCSI_K_U32: { uint32_t v; memcpy(&v, p, 4); return put_u64(b, v); }
    case HCSI_K_U64: { uint64_t v; memcpy(&v, p, 8); return put_u64(b, v); }
    case HCSI_K_I32: { int32_t v; memcpy(&v, p, 4); return put_i64(b, v); }
    case HCSI_K_I64: { int64_t v; memcpy(&v, p, 8); return put_i64(b, v); }
    case HCSI_K_F64: {
        double d;
        hcsi_json *j;
        hcs_result r;
        memcpy(&d, p, sizeof d);
        if (d != d || d - d != 0)
            return eerr(e, "not a finite number");
        j = hcsi_json_double(d);
        if (!j)
            return hcsi_err_oom();
        r = hcsi_json_write(b, j, 0);
        hcsi_json_put(j);
        return r;
    }
    case HCSI_K_STR: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (!s)
            return hcsi_buf_puts(b, "null");
        return hcsi_json_write_string(b, s, strlen(s), e->jflags);
    }
    case HCSI_K_ANY: {
        const char *s;
        memcpy(&s, p, sizeof s);
        return s ? put_raw(e, s) : hcsi_buf_puts(b, "null");
    }
    case HCSI_K_ENUM: {
        const hcs_schema_enum *en = (const hcs_schema_enum *)(const void *)p;
        const hcsi_stype *t = hcsi_se_type(ref);
        if (en->v >= 0 && en->v < t->nvalues)
            return hcsi_json_write_string(b, t->values[en->v], strlen(t->values[en->v]), e->jflags);
        if (en->v == -1 && en->raw)
            return hcsi_json_write_string(b, en->raw, strlen(en->raw), e->jflags);
        return eerr(e, "invalid %s value %d", t->qname, en->v);
    }
    case HCSI_K_OBJ:
        return enc_struct(e, ref, p);
    }
    return eerr(e, "unsupported kind %d", k);
}

static hcs_result put_name(hcsi_buf *b, const char *name, int *first)
{
    hcs_result r = HCS_S_OK;
    if (!*first)
        r = hcsi_buf_putc(b, ',');
    *first = 0;
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_putc(b, '"');
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_puts(b, name);
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_append(b, "\":", 2);
    return r;
}

/* Where the value sits in an optional scalar field ({uint8_t set; T v;}):
 * after the set flag, at T's alignment. */
static size_t scalar_value_offset(int kind)
{
    switch (kind) {
    case HCSI_K_BOOL: return offsetof(hcs_schema_bool, v);
    case HCSI_K_U8: return offsetof(hcs_schema_u8, v);
    case HCSI_K_U16: return offsetof(hcs_schema_u16, v);
    case HCSI_K_U32: return offsetof(hcs_schema_u32, v);
    case HCSI_K_U64: return offsetof(hcs_schema_u64, v);
    case HCSI_K_I32: return offsetof(hcs_schema_i32, v);
    case HCSI_K_I64: return offsetof(hcs_schema_i64, v);
    default: return offsetof(hcs_schema_f64, v);
    }
}

static hcs_result enc_field(ectx *e, const hcsi_sfield *f, const char *p, int *first)
{
    hcsi_buf *b = e->out;
    hcs_result r = HCS_S_OK;
    switch (f->kind) {
    case HCSI_K_BOOL: case HCSI_K_U8: case HCSI_K_U16: case HCSI_K_U32: case HCSI_K_U64:
    case HCSI_K_I32: case HCSI_K_I64: case HCSI_K_F64: {
        if (!*(const uint8_t *)p)
            return HCS_S_OK;
        r = put_name(b, f->name, first);
        return HCS_SUCCEEDED(r) ? enc_elem(e, f->kind, f->ref, p + scalar_value_offset(f->kind)) : r;
    }
    case HCSI_K_STR:
    case HCSI_K_ANY:
    case HCSI_K_OBJ: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (!s)
            return HCS_S_OK;
        r = put_name(b, f->name, first);
        return HCS_SUCCEEDED(r) ? enc_elem(e, f->kind, f->ref, f->kind == HCSI_K_OBJ ? s : p) : r;
    }
    case HCSI_K_ENUM:
        if (!((const hcs_schema_enum *)(const void *)p)->set)
            return HCS_S_OK;
        r = put_name(b, f->name, first);
        return HCS_SUCCEEDED(r) ? enc_elem(e, f->kind, f->ref, p) : r;
    case HCSI_K_ARRAY: {
        hcsi_arr a;
        size_t k, es = hcsi_se_elem_size(f->ekind, f->ref);
        memcpy(&a, p, sizeof a);
        if (!a.set && !a.n)
            return HCS_S_OK;
        if (a.n && !a.items)
            return eerr(e, "%s: %zu items but no item array", f->name, a.n);
        r = put_name(b, f->name, first);
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_putc(b, '[');
        for (k = 0; HCS_SUCCEEDED(r) && k < a.n; k++) {
            if (k)
                r = hcsi_buf_putc(b, ',');
            hcsi_se_path_push(&e->p, 1, NULL, k);
            if (HCS_SUCCEEDED(r))
                r = enc_elem(e, f->ekind, f->ref, (const char *)a.items + k * es);
            hcsi_se_path_pop(&e->p);
        }
        return HCS_SUCCEEDED(r) ? hcsi_buf_putc(b, ']') : r;
    }
    case HCSI_K_MAP: {
        hcsi_map m;
        size_t k, es = hcsi_se_elem_size(f->ekind, f->ref);
        memcpy(&m, p, sizeof m);
        if (!m.set && !m.n)
            return HCS_S_OK;
        if (m.n && (!m.keys || !m.values))
            return eerr(e, "%s: %zu entries but no key/value arrays", f->name, m.n);
        r = put_name(b, f->name, first);
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_putc(b, '{');
        for (k = 0; HCS_SUCCEEDED(r) && k < m.n; k++) {
            if (!m.keys[k])
                return eerr(e, "%s: map key %zu is NULL", f->name, k);
            if (k)
                r = hcsi_buf_putc(b, ',');
            if (HCS_SUCCEEDED(r))
                r = hcsi_json_write_string(b, m.keys[k], strlen(m.keys[k]), e->jflags);
            if (HCS_SUCCEEDED(r))
                r = hcsi_buf_putc(b, ':');
            hcsi_se_path_push(&e->p, 2, m.keys[k], 0);
            if (HCS_SUCCEEDED(r))
                r = enc_elem(e, f->ekind, f->ref, (const char *)m.values + k * es);
            hcsi_se_path_pop(&e->p);
        }
        return HCS_SUCCEEDED(r) ? hcsi_buf_putc(b, '}') : r;
    }
    }
    return eerr(e, "%s: unsupported kind %d", f->name, f->kind);
}

static hcs_result enc_unknown(ectx *e, const hcsi_stype *t, const char *raw, int *first)
{
    hcsi_json *j = NULL, *val;
    hcsi_json_iter it;
    const char *key;
    hcs_result r = hcsi_json_parse(raw, strlen(raw), "_unknown", &j);
    if (HCS_FAILED(r) || hcsi_json_kind_of(j) != HCSI_JSON_OBJECT) {
        hcsi_json_put(j);
        return eerr(e, "_unknown is not a JSON object");
    }
    hcsi_json_iter_init(j, &it);
    while (HCS_SUCCEEDED(r) && hcsi_json_iter_next(&it, &key, &val)) {
        if (hcsi_se_find_field(t, key))
            continue; /* a known field always wins */
        if (!*first)
            r = hcsi_buf_putc(e->out, ',');
        *first = 0;
        if (HCS_SUCCEEDED(r))
            r = hcsi_json_write_string(e->out, key, strlen(key), e->jflags);
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_putc(e->out, ':');
        if (HCS_SUCCEEDED(r))
            r = val ? hcsi_json_write(e->out, val, e->jflags) : hcsi_buf_puts(e->out, "null");
    }
    hcsi_json_put(j);
    return r;
}

static hcs_result enc_struct(ectx *e, int32_t type, const char *base)
{
    const hcsi_stype *t = hcsi_se_type(type);
    hcs_result r;
    uint16_t i;
    int first = 1;
    const char *u;
    if (hcsi_se_path_depth(&e->p) > 2 * MAX_NEST)
        return eerr(e, "objects nested too deeply (a pointer cycle?)");
    r = hcsi_buf_putc(e->out, '{');
    for (i = 0; HCS_SUCCEEDED(r) && i < t->nfields; i++) {
        hcsi_se_path_push(&e->p, 0, t->fields[i].name, 0);
        r = enc_field(e, &t->fields[i], base + t->fields[i].offset, &first);
        hcsi_se_path_pop(&e->p);
    }
    memcpy(&u, base + t->unknown_off, sizeof u);
    if (HCS_SUCCEEDED(r) && u && !(e->flags & HCS_SCHEMA_ENCODE_DROP_UNKNOWN))
        r = enc_unknown(e, t, u, &first);
    return HCS_SUCCEEDED(r) ? hcsi_buf_putc(e->out, '}') : r;
}

hcs_result hcs_schema_encode(hcs_schema_type_id type, const void *obj, unsigned flags,
                             char **json, size_t *len)
{
    hcsi_buf b;
    ectx *e;
    hcs_result r;
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!hcsi_se_valid_id(type) || hcsi_se_type(type)->is_enum || !obj || !json)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_schema_encode: invalid argument");
    e = (ectx *)hcsi_calloc(1, sizeof *e);
    if (!e)
        return hcsi_err_oom();
    hcsi_buf_init(&b, 0);
    e->out = &b;
    e->flags = flags;
    e->jflags = (flags & HCS_SCHEMA_ENCODE_NO_HTML_ESCAPE) ? 0 : HCSI_JSON_HTML_ESCAPE;
    r = enc_struct(e, type, (const char *)obj);
    free(e);
    if (HCS_FAILED(r)) {
        hcsi_buf_free(&b);
        return r;
    }
    *json = hcsi_buf_steal(&b, len);
    return *json ? HCS_S_OK : hcsi_err_oom();
}

/* ------------------------------------------------------------ decode */

typedef struct dctx {
    unsigned flags;
    const char *tname;
    hcsi_se_path p;
} dctx;

static hcs_result derr(dctx *d, const char *fmt, ...) HCSI_PRINTF(2, 3);
static hcs_result derr(dctx *d, const char *fmt, ...)
{
    va_list ap;
    hcs_result r;
    va_start(ap, fmt);
    r = path_verr(HCS_ERR_INVALID_JSON, &d->p, "decoding", d->tname, fmt, ap);
    va_end(ap);
    return r;
}

static hcs_result dec_struct(dctx *d, int32_t type, const hcsi_json *v, char *base);

static hcs_result dec_int(dctx *d, uint8_t k, const hcsi_json *v, void *dst)
{
    int neg;
    uint64_t mag;
    const char *range;
    if (!hcsi_se_read_int(v, &neg, &mag))
        return derr(d, "expected %s, got %s", hcsi_se_kind_name(k),
                    hcsi_json_kind_of(v) == HCSI_JSON_DOUBLE ? "a non-integer number" : hcsi_se_jkind(v));
    range = hcsi_se_int_range_error(k, neg, mag);
    if (range)
        return derr(d, "%s%llu out of range for %s (%s)", neg ? "-" : "", (unsigned long long)mag,
                    hcsi_se_kind_name(k), range);
    switch (k) {
    case HCSI_K_U8: *(uint8_t *)dst = (uint8_t)mag; break;
    case HCSI_K_U16: { uint16_t x = (uint16_t)mag; memcpy(dst, &x, 2); break; }
    case HCSI_K_U32: { uint32_t x = (uint32_t)mag; memcpy(dst, &x, 4); break; }
    case HCSI_K_U64: memcpy(dst, &mag, 8); break;
    case HCSI_K_I32: { int32_t x = neg ? (int32_t)(0 - (int64_t)(mag - 1) - 1) : (int32_t)mag; memcpy(dst, &x, 4); break; }
    case HCSI_K_I64: { int64_t x = neg ? -(int64_t)(mag - 1) - 1 : (int64_t)mag; memcpy(dst, &x, 8); break; }
    }
    return HCS_S_OK;
}

static hcs_result dec_str(dctx *d, const hcsi_json *v, char **dst, const char *what)
{
    size_t n;
    const char *s;
    if (hcsi_json_kind_of(v) != HCSI_JSON_STRING)
        return derr(d, "expected %s, got %s", what, hcsi_se_jkind(v));
    s = hcsi_json_str(v, &n);
    if (memchr(s, 0, n))
        return derr(d, "string contains a NUL character");
    if (!hcsi_utf8_valid(s, n, NULL))
        return derr(d, "string is not valid UTF-8");
    *dst = hcsi_strndup(s, n);
    return *dst ? HCS_S_OK : hcsi_err_oom();
}

/* Decodes v into element storage p of kind k (fields unwrap presence first). */
static hcs_result dec_elem(dctx *d, uint8_t k, uint8_t fmt, int32_t ref, const hcsi_json *v, char *p)
{
    switch (k) {
    case HCSI_K_BOOL:
        if (hcsi_json_kind_of(v) != HCSI_JSON_BOOL)
            return derr(d, "expected bool, got %s", hcsi_se_jkind(v));
        *(uint8_t *)p = (uint8_t)hcsi_json_boolval(v);
        return HCS_S_OK;
    case HCSI_K_U8: case HCSI_K_U16: case HCSI_K_U32: case HCSI_K_U64:
    case HCSI_K_I32: case HCSI_K_I64:
        return dec_int(d, k, v, p);
    case HCSI_K_F64: {
        double x;
        if (!hcsi_se_read_double(v, &x))
            return derr(d, "expected a number, got %s", hcsi_se_jkind(v));
        memcpy(p, &x, sizeof x);
        return HCS_S_OK;
    }
    case HCSI_K_STR: {
        char *s = NULL;
        hcs_result r = dec_str(d, v, &s, hcsi_se_fmt_name(fmt));
        memcpy(p, &s, sizeof s);
        return r;
    }
    case HCSI_K_ANY: {
        char *s = NULL;
        hcs_result r = hcsi_json_to_string(v, 0, &s);
        memcpy(p, &s, sizeof s);
        return r;
    }
    case HCSI_K_ENUM: {
        hcs_schema_enum *en = (hcs_schema_enum *)(void *)p;
        const char *s;
        size_t n;
        int idx;
        if (hcsi_json_kind_of(v) != HCSI_JSON_STRING)
            return derr(d, "expected a %s string, got %s", hcsi_se_type(ref)->qname, hcsi_se_jkind(v));
        s = hcsi_json_str(v, &n);
        if (memchr(s, 0, n))
            return derr(d, "string contains a NUL character");
        en->set = 1;
        idx = hcsi_se_enum_index(hcsi_se_type(ref), s);
        if (idx >= 0) {
            en->v = idx;
            return HCS_S_OK;
        }
        en->v = -1;
        en->raw = hcsi_strndup(s, n);
        return en->raw ? HCS_S_OK : hcsi_err_oom();
    }
    case HCSI_K_OBJ:
        return dec_struct(d, ref, v, p);
    }
    return derr(d, "unsupported kind %d", k);
}

static hcs_result dec_field(dctx *d, const hcsi_sfield *f, const hcsi_json *v, char *p)
{
    hcs_result r;
    switch (f->kind) {
    case HCSI_K_BOOL: case HCSI_K_U8: case HCSI_K_U16: case HCSI_K_U32: case HCSI_K_U64:
    case HCSI_K_I32: case HCSI_K_I64: case HCSI_K_F64: {
        r = dec_elem(d, f->kind, f->fmt, f->ref, v, p + scalar_value_offset(f->kind));
        if (HCS_SUCCEEDED(r))
            *(uint8_t *)p = 1;
        return r;
    }
    case HCSI_K_STR:
    case HCSI_K_ANY:
    case HCSI_K_ENUM:
        return dec_elem(d, f->kind, f->fmt, f->ref, v, p);
    case HCSI_K_OBJ: {
        char *o = (char *)hcsi_calloc(1, hcsi_se_type(f->ref)->size);
        if (!o)
            return hcsi_err_oom();
        r = dec_struct(d, f->ref, v, o);
        if (HCS_FAILED(r)) {
            free_struct(f->ref, o);
            free(o);
            return r;
        }
        memcpy(p, &o, sizeof o);
        return HCS_S_OK;
    }
    case HCSI_K_ARRAY: {
        hcsi_arr a;
        size_t k, es = hcsi_se_elem_size(f->ekind, f->ref);
        if (hcsi_json_kind_of(v) != HCSI_JSON_ARRAY)
            return derr(d, "expected an array, got %s", hcsi_se_jkind(v));
        a.n = hcsi_json_array_len(v);
        a.set = 1;
        a.items = a.n ? hcsi_calloc(a.n, es) : NULL;
        if (a.n && !a.items)
            return hcsi_err_oom();
        r = HCS_S_OK;
        for (k = 0; k < a.n; k++) {
            const hcsi_json *ev = hcsi_json_array_at(v, k);
            hcsi_se_path_push(&d->p, 1, NULL, k);
            if (!ev && f->ekind != HCSI_K_ANY)
                r = derr(d, "expected %s, got null", f->ekind == HCSI_K_OBJ ? "an object" : hcsi_se_kind_name(f->ekind));
            else if (!ev)
                r = dec_elem(d, f->ekind, f->fmt, f->ref, NULL, (char *)a.items + k * es);
            else
                r = dec_elem(d, f->ekind, f->fmt, f->ref, ev, (char *)a.items + k * es);
            hcsi_se_path_pop(&d->p);
            if (HCS_FAILED(r))
                break;
        }
        if (HCS_FAILED(r)) {
            size_t j;
            for (j = 0; j <= k && j < a.n; j++)
                free_elem(f->ekind, f->ref, (char *)a.items + j * es);
            free(a.items);
            return r;
        }
        memcpy(p, &a, sizeof a);
        return HCS_S_OK;
    }
    case HCSI_K_MAP: {
        hcsi_map m;
        size_t k = 0, es = hcsi_se_elem_size(f->ekind, f->ref);
        hcsi_json_iter it;
        const char *key;
        hcsi_json *ev;
        if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT)
            return derr(d, "expected an object (map), got %s", hcsi_se_jkind(v));
        m.n = hcsi_json_object_len(v);
        m.set = 1;
        m.keys = m.n ? (char **)hcsi_calloc(m.n, sizeof(char *)) : NULL;
        m.values = m.n ? hcsi_calloc(m.n, es) : NULL;
        r = HCS_S_OK;
        if (m.n && (!m.keys || !m.values))
            r = hcsi_err_oom();
        hcsi_json_iter_init(v, &it);
        while (HCS_SUCCEEDED(r) && k < m.n && hcsi_json_iter_next(&it, &key, &ev)) {
            hcsi_se_path_push(&d->p, 2, key, 0);
            m.keys[k] = hcsi_strdup(key);
            if (!m.keys[k])
                r = hcsi_err_oom();
            else if (!ev && f->ekind != HCSI_K_ANY)
                r = derr(d, "expected %s, got null", f->ekind == HCSI_K_OBJ ? "an object" : hcsi_se_kind_name(f->ekind));
            else
                r = dec_elem(d, f->ekind, f->fmt, f->ref, ev, (char *)m.values + k * es);
            hcsi_se_path_pop(&d->p);
            k++;
        }
        if (HCS_FAILED(r)) {
            size_t j;
            for (j = 0; j < k; j++) {
                free(m.keys[j]);
                free_elem(f->ekind, f->ref, (char *)m.values + j * es);
            }
            free(m.keys);
            free(m.values);
            return r;
        }
        m.n = k;
        memcpy(p, &m, sizeof m);
        return HCS_S_OK;
    }
    }
    return derr(d, "unsupported kind %d", f->kind);
}

static hcs_result dec_struct(dctx *d, int32_t type, const hcsi_json *v, char *base)
{
    const hcsi_stype *t = hcsi_se_type(type);
    hcsi_json_iter it;
    const char *key;
    hcsi_json *mv, *unknown = NULL;
    hcs_result r = HCS_S_OK;
    if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT)
        return derr(d, "expected an object (%s), got %s", t->qname, hcsi_se_jkind(v));
    if (hcsi_se_path_depth(&d->p) > 2 * MAX_NEST)
        return derr(d, "nested too deeply");
    hcsi_json_iter_init(v, &it);
    while (HCS_SUCCEEDED(r) && hcsi_json_iter_next(&it, &key, &mv)) {
        const hcsi_sfield *f = hcsi_se_find_field(t, key);
        if (!f) {
            if (d->flags & HCS_SCHEMA_DECODE_STRICT) {
                hcsi_se_path_push(&d->p, 0, key, 0);
                r = derr(d, "unknown field");
                hcsi_se_path_pop(&d->p);
            } else if (!(d->flags & HCS_SCHEMA_DECODE_DROP_UNKNOWN)) {
                if (!unknown && !(unknown = hcsi_json_object()))
                    r = hcsi_err_oom();
                else
                    r = hcsi_json_set(unknown, key, mv ? hcsi_json_get_ref(mv) : NULL);
            }
            continue;
        }
        free_field(f, base + f->offset); /* a duplicate spelling (alias) replaces */
        if (!mv)
            continue; /* null = absent, as Go does */
        hcsi_se_path_push(&d->p, 0, f->name, 0);
        r = dec_field(d, f, mv, base + f->offset);
        hcsi_se_path_pop(&d->p);
    }
    if (HCS_SUCCEEDED(r) && unknown) {
        char *u = NULL;
        r = hcsi_json_to_string(unknown, 0, &u);
        if (HCS_SUCCEEDED(r))
            memcpy(base + t->unknown_off, &u, sizeof u);
    }
    hcsi_json_put(unknown);
    return r;
}

hcs_result hcs_schema_decode(hcs_schema_type_id type, const char *json, size_t len,
                             unsigned flags, void *out)
{
    hcsi_json *root = NULL;
    dctx *d;
    hcs_result r;
    if (!hcsi_se_valid_id(type) || hcsi_se_type(type)->is_enum || !out || (!json && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_schema_decode: invalid argument");
    memset(out, 0, hcsi_se_type(type)->size);
    if (len > HCS_SCHEMA_MAX_DOCUMENT)
        return hcsi_err(HCS_ERR_INVALID_JSON, "decoding %s: document too large (%zu bytes, limit %u)",
                        hcsi_se_type(type)->qname, len, HCS_SCHEMA_MAX_DOCUMENT);
    {
        char what[96];
        snprintf(what, sizeof what, "decoding %s", hcsi_se_type(type)->qname);
        r = hcsi_json_parse(json ? json : "", len, what, &root);
    }
    if (HCS_FAILED(r))
        return r;
    d = (dctx *)hcsi_calloc(1, sizeof *d);
    if (!d) {
        hcsi_json_put(root);
        return hcsi_err_oom();
    }
    d->flags = flags;
    d->tname = hcsi_se_type(type)->qname;
    r = dec_struct(d, type, root, (char *)out);
    free(d);
    hcsi_json_put(root);
    if (HCS_FAILED(r))
        free_struct(type, (char *)out);
    return r;
}

