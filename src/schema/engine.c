/*
 * The schema engine: one generic init / free / encode / decode / validate
 * walking the descriptor tables that scripts/gen_schema.py generates
 * (gen_tables.c). Typed C structs exist per type (hcs/schema_types.h); this
 * file only ever sees them through the field offsets and kinds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "schema/schema_internal.h"

/* Array and map members: every generated anonymous struct has this layout
 * (typed pointers instead of void *; checked in gen_tables.c). */
typedef struct hcsi_arr {
    void *items;
    size_t n;
    uint8_t set;
} hcsi_arr;
typedef struct hcsi_map {
    char **keys;
    void *values;
    size_t n;
    uint8_t set;
} hcsi_map;

HCSI_STATIC_ASSERT(sizeof(((hcs_s2_Storage *)0)->Layers) == sizeof(hcsi_arr), arr_size);
HCSI_STATIC_ASSERT(offsetof(hcsi_arr, n) == sizeof(void *), arr_n);
HCSI_STATIC_ASSERT(sizeof(((hcs_s2_Devices *)0)->Scsi) == sizeof(hcsi_map), map_size);
HCSI_STATIC_ASSERT(offsetof(hcsi_map, n) == 2 * sizeof(void *), map_n);

#define MAX_FRAMES 160
#define MAX_NEST 64

static const hcsi_stype *T(int32_t id) { return &hcsi_schema_types[id]; }

static int valid_id(hcs_schema_type_id type)
{
    return (int)type >= 0 && (int)type < HCS_SCHEMA_TYPE_COUNT;
}

/* ------------------------------------------------------------ paths */

typedef struct frame {
    uint8_t t; /* 0 field, 1 index, 2 key */
    const char *s;
    size_t i;
} frame;

typedef struct path {
    frame f[MAX_FRAMES];
    int n;
    int overflow; /* pushes beyond MAX_FRAMES (not recorded) */
} path;

static void path_push(path *p, uint8_t t, const char *s, size_t i)
{
    if (p->n < MAX_FRAMES) {
        p->f[p->n].t = t;
        p->f[p->n].s = s;
        p->f[p->n].i = i;
        p->n++;
    } else {
        p->overflow++;
    }
}

static void path_pop(path *p)
{
    if (p->overflow)
        p->overflow--;
    else if (p->n)
        p->n--;
}

static int path_depth(const path *p) { return p->n + p->overflow; }

static void put_key(hcsi_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    hcsi_buf_puts(b, "[\"");
    for (; *u && n < 200; u++, n++) {
        if (*u == '"' || *u == '\\') {
            hcsi_buf_putc(b, '\\');
            hcsi_buf_putc(b, (char)*u);
        } else if (*u < 0x20 || *u == 0x7f) {
            char e[7] = {'\\', 'u', '0', '0', hex[*u >> 4], hex[*u & 15], 0};
            hcsi_buf_puts(b, e);
        } else {
            hcsi_buf_putc(b, (char)*u);
        }
    }
    if (*u)
        hcsi_buf_puts(b, "...");
    hcsi_buf_puts(b, "\"]");
}

/* Formats the path ("" for the document itself); caller frees. */
static char *path_text(const path *p)
{
    hcsi_buf b;
    int i;
    hcsi_buf_init(&b, 4096);
    hcsi_buf_puts(&b, "");
    for (i = 0; i < p->n; i++) {
        const frame *f = &p->f[i];
        if (f->t == 0) {
            if (b.len)
                hcsi_buf_putc(&b, '.');
            hcsi_buf_puts(&b, f->s);
        } else if (f->t == 1) {
            hcsi_buf_printf(&b, "[%zu]", f->i);
        } else {
            put_key(&b, f->s);
        }
    }
    if (p->overflow)
        hcsi_buf_puts(&b, "...");
    return hcsi_buf_steal(&b, NULL);
}

/* ------------------------------------------------------------ small helpers */

static const char *kind_name(uint8_t k)
{
    switch (k) {
    case HCSI_K_BOOL: return "bool";
    case HCSI_K_U8: return "uint8";
    case HCSI_K_U16: return "uint16";
    case HCSI_K_U32: return "uint32";
    case HCSI_K_U64: return "uint64";
    case HCSI_K_I32: return "int32";
    case HCSI_K_I64: return "int64";
    case HCSI_K_F64: return "double";
    case HCSI_K_STR: return "string";
    case HCSI_K_ENUM: return "string";
    case HCSI_K_OBJ: return "object";
    case HCSI_K_ANY: return "Any";
    case HCSI_K_ARRAY: return "array";
    case HCSI_K_MAP: return "object";
    }
    return "?";
}

static const char *fmt_name(uint8_t f)
{
    switch (f) {
    case HCSI_FMT_GUID: return "Guid";
    case HCSI_FMT_MAC: return "MacAddress";
    case HCSI_FMT_DATETIME: return "DateTime";
    case HCSI_FMT_BYTE: return "ByteArray";
    case HCSI_FMT_BINARY: return "binary string";
    }
    return "string";
}

static const char *jkind(const hcsi_json *v)
{
    return hcsi_json_kind_name(hcsi_json_kind_of(v));
}

static size_t elem_size(uint8_t ek, int32_t ref)
{
    switch (ek) {
    case HCSI_K_BOOL: case HCSI_K_U8: return 1;
    case HCSI_K_U16: return 2;
    case HCSI_K_U32: case HCSI_K_I32: return 4;
    case HCSI_K_U64: case HCSI_K_I64: return 8;
    case HCSI_K_F64: return sizeof(double);
    case HCSI_K_STR: case HCSI_K_ANY: return sizeof(char *);
    case HCSI_K_ENUM: return sizeof(hcs_schema_enum);
    case HCSI_K_OBJ: return T(ref)->size;
    }
    return 1;
}

static uint64_t kind_max(uint8_t k)
{
    switch (k) {
    case HCSI_K_U8: return 0xFFu;
    case HCSI_K_U16: return 0xFFFFu;
    case HCSI_K_U32: return 0xFFFFFFFFu;
    case HCSI_K_I32: return 0x7FFFFFFFu;
    case HCSI_K_I64: return (uint64_t)INT64_MAX;
    }
    return UINT64_MAX;
}

/* Reads a JSON integer: returns 1 with *neg and *mag (magnitude) set, 0 when v
 * is not an integer. Values above INT64_MAX come back through the writer
 * (json-c's getter clamps them). */
static int read_int(const hcsi_json *v, int *neg, uint64_t *mag)
{
    int64_t i;
    if (hcsi_json_kind_of(v) != HCSI_JSON_INT)
        return 0;
    i = hcsi_json_i64(v);
    if (i == INT64_MAX) {
        char *s = NULL;
        if (HCS_FAILED(hcsi_json_to_string(v, 0, &s)) || !s) {
            free(s);
            *neg = 0;
            *mag = (uint64_t)INT64_MAX;
            return 1;
        }
        *neg = 0;
        *mag = strtoull(s, NULL, 10);
        free(s);
        return 1;
    }
    *neg = i < 0;
    *mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    return 1;
}

static int read_double(const hcsi_json *v, double *out)
{
    char *s = NULL;
    hcsi_json_kind k = hcsi_json_kind_of(v);
    if (k != HCSI_JSON_INT && k != HCSI_JSON_DOUBLE)
        return 0;
    if (HCS_FAILED(hcsi_json_to_string(v, 0, &s)) || !s) {
        free(s);
        return 0;
    }
    *out = strtod(s, NULL);
    free(s);
    return 1;
}

/* Range check of an integer against an integer kind; returns a static
 * description of the range on failure, NULL when it fits. */
static const char *int_range_error(uint8_t k, int neg, uint64_t mag)
{
    if (neg) {
        if (k == HCSI_K_I32 && mag <= 0x80000000u)
            return NULL;
        if (k == HCSI_K_I64 && mag <= (uint64_t)INT64_MAX + 1u)
            return NULL;
    } else if (mag <= kind_max(k)) {
        return NULL;
    }
    switch (k) {
    case HCSI_K_U8: return "0..255";
    case HCSI_K_U16: return "0..65535";
    case HCSI_K_U32: return "0..4294967295";
    case HCSI_K_U64: return "0..18446744073709551615";
    case HCSI_K_I32: return "-2147483648..2147483647";
    case HCSI_K_I64: return "-9223372036854775808..9223372036854775807";
    }
    return "range";
}


static const hcsi_sfield *find_field(const hcsi_stype *t, const char *key)
{
    uint16_t i;
    for (i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, key) == 0)
            return &t->fields[i];
    for (i = 0; i < t->nfields; i++)
        if (t->fields[i].alias && strcmp(t->fields[i].alias, key) == 0)
            return &t->fields[i];
    return NULL;
}

static int enum_index(const hcsi_stype *t, const char *s)
{
    uint16_t i;
    for (i = 0; i < t->nvalues; i++)
        if (strcmp(t->values[i], s) == 0)
            return (int)i;
    return -1;
}

static int ci_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* ------------------------------------------------------------ formats */

static int hexc(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hcsi_schema_guid_ok(const char *s, size_t n)
{
    size_t i;
    if (n != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!hexc(s[i])) {
            return 0;
        }
    }
    return 1;
}

int hcsi_schema_uint_ok(const char *s, size_t n, uint64_t max)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return v <= max;
}

static int mac_ok(const char *s, size_t n)
{
    size_t i;
    char sep;
    if (n != 17)
        return 0;
    sep = s[2];
    if (sep != '-' && sep != ':')
        return 0;
    for (i = 0; i < 17; i++) {
        if (i % 3 == 2) {
            if (s[i] != sep)
                return 0;
        } else if (!hexc(s[i])) {
            return 0;
        }
    }
    return 1;
}

static int digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* RFC 3339: 2006-01-02T15:04:05[.frac](Z|+hh:mm), as Go's time.Time. */
static int datetime_ok(const char *s, size_t n)
{
    size_t i = 19;
    if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
        s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return 0;
    if (s[i] == '.') {
        size_t st = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st)
            return 0;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z'))
        return i + 1 == n;
    if (i + 6 == n && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2) && s[i + 3] == ':' &&
        digits(s + i + 4, 2))
        return 1;
    return 0;
}

static int b64c(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* Standard base64 with padding, as Go encodes []byte. */
static int base64_ok(const char *s, size_t n)
{
    size_t i, pad = 0;
    if (n % 4)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '=') {
            if (i < n - 2)
                return 0;
            pad++;
        } else if (pad || !b64c(s[i])) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ info API */

size_t hcs_schema_type_count(void) { return HCS_SCHEMA_TYPE_COUNT; }

int hcs_schema_type_lookup(const char *name, hcs_schema_type_id *out)
{
    int i, pass;
    if (!name)
        return 0;
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < HCS_SCHEMA_TYPE_COUNT; i++) {
            const char *n = pass == 0 ? hcsi_schema_types[i].qname : hcsi_schema_types[i].name;
            if (strcmp(n, name) == 0) {
                if (out)
                    *out = (hcs_schema_type_id)i;
                return 1;
            }
        }
    }
    return 0;
}

hcs_result hcs_schema_type_get_info(hcs_schema_type_id type, hcs_schema_type_info *out)
{
    const hcsi_stype *t;
    if (!valid_id(type) || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: invalid type id %d", (int)type);
    t = T(type);
    memset(out, 0, sizeof *out);
    out->name = t->name;
    out->qualified_name = t->qname;
    out->ns = (hcs_schema_namespace)t->ns;
    out->is_enum = t->is_enum;
    out->overlay = (t->flags & HCSI_T_OVERLAY) != 0;
    out->numeric = (t->flags & HCSI_T_NUMERIC) != 0;
    out->field_count = t->nfields;
    out->value_count = t->nvalues;
    out->struct_size = t->is_enum ? 0 : t->size;
    out->note = t->reason;
    return HCS_S_OK;
}

static void spec_text(char *buf, size_t n, uint8_t kind, uint8_t fmt, int32_t ref, uint16_t flags)
{
    if (kind == HCSI_K_STR)
        snprintf(buf, n, "%s", fmt_name(fmt));
    else if (kind == HCSI_K_ENUM || kind == HCSI_K_OBJ)
        snprintf(buf, n, "%s", T(ref)->qname);
    else if ((flags & HCSI_F_NUMERIC_ENUM) && ref >= 0)
        snprintf(buf, n, "%s (%s as a number)", kind_name(kind), T(ref)->qname);
    else
        snprintf(buf, n, "%s", kind_name(kind));
}

hcs_result hcs_schema_field_get_info(hcs_schema_type_id type, size_t index,
                                     hcs_schema_field_info *out)
{
    const hcsi_sfield *f;
    char el[80];
    if (!valid_id(type) || !out || index >= T(type)->nfields)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: no field %zu in type %d", index, (int)type);
    f = &T(type)->fields[index];
    memset(out, 0, sizeof *out);
    out->name = f->name;
    out->alias = f->alias;
    out->since.major = f->since >> 8;
    out->since.minor = f->since & 0xFF;
    out->overlay = (f->flags & HCSI_F_OVERLAY) != 0;
    out->ref = f->ref;
    out->note = f->note;
    if (f->kind == HCSI_K_ARRAY || f->kind == HCSI_K_MAP) {
        spec_text(el, sizeof el, f->ekind, f->fmt, f->ref, f->flags);
        if (f->kind == HCSI_K_ARRAY) {
            snprintf(out->type, sizeof out->type, "%s[]", el);
        } else {
            static const char *const keys[] = {"", "string", "Guid", "uint8", "uint16", "uint32", "uint64"};
            snprintf(out->type, sizeof out->type, "Map<%s, %s>", keys[f->keyk < 7 ? f->keyk : 0], el);
        }
    } else {
        spec_text(out->type, sizeof out->type, f->kind, f->fmt, f->ref, f->flags);
    }
    return HCS_S_OK;
}

hcs_result hcs_schema_enum_value_get_info(hcs_schema_type_id type, size_t index,
                                          hcs_schema_enum_value_info *out)
{
    const hcsi_stype *t;
    if (!valid_id(type) || !out || !T(type)->is_enum || index >= T(type)->nvalues)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: no enum value %zu in type %d", index, (int)type);
    t = T(type);
    out->name = t->values[index];
    out->since.major = t->value_since[index] >> 8;
    out->since.minor = t->value_since[index] & 0xFF;
    out->overlay = t->value_overlay[index];
    return HCS_S_OK;
}

const char *hcs_schema_enum_to_string(hcs_schema_type_id type, int value)
{
    if (!valid_id(type) || !T(type)->is_enum || value < 0 || value >= T(type)->nvalues)
        return NULL;
    return T(type)->values[value];
}

int hcs_schema_enum_from_string(hcs_schema_type_id type, const char *s)
{
    if (!valid_id(type) || !T(type)->is_enum || !s)
        return -1;
    return enum_index(T(type), s);
}

hcs_result hcs_schema_version_parse(const char *text, hcs_schema_version *out)
{
    uint64_t v[2] = {0, 0};
    int part = 0, nd = 0;
    const char *p;
    if (!text || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema version: no text");
    for (p = text; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            v[part] = v[part] * 10 + (uint64_t)(*p - '0');
            if (++nd > 5)
                break;
        } else if (*p == '.' && part == 0 && nd > 0) {
            part = 1;
            nd = 0;
        } else {
            break;
        }
    }
    if (*p || part != 1 || nd == 0)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "invalid schema version \"%.40s\": expected MAJOR.MINOR, e.g. 2.1", text);
    if (v[0] > 255 || v[1] > 255)
        return hcsi_err(HCS_ERR_INVALIDARG, "invalid schema version \"%.40s\": out of range", text);
    out->major = (uint32_t)v[0];
    out->minor = (uint32_t)v[1];
    return HCS_S_OK;
}

int hcs_schema_guest_settings_type(const char *resource_type, int wcow, hcs_schema_type_id *out)
{
    size_t i;
    int32_t first = -1, second = -1;
    if (!resource_type)
        return 0;
    for (i = 0; i < hcsi_guest_resource_variant_count; i++) {
        const hcsi_variant *v = &hcsi_guest_resource_variants[i];
        if (strcmp(v->key, resource_type) != 0)
            continue;
        if (first < 0)
            first = v->settings;
        else if (second < 0)
            second = v->settings;
    }
    if (wcow && second >= 0)
        first = second;
    if (first < 0)
        return 0;
    if (out)
        *out = (hcs_schema_type_id)first;
    return 1;
}

/* ------------------------------------------------------------ init / free */

void hcs_schema_init(hcs_schema_type_id type, void *obj)
{
    if (valid_id(type) && obj && !T(type)->is_enum)
        memset(obj, 0, T(type)->size);
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
        size_t k, es = elem_size(f->ekind, f->ref);
        memcpy(&a, p, sizeof a);
        for (k = 0; a.items && k < a.n; k++)
            free_elem(f->ekind, f->ref, (char *)a.items + k * es);
        free(a.items);
        break;
    }
    case HCSI_K_MAP: {
        hcsi_map m;
        size_t k, es = elem_size(f->ekind, f->ref);
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
    const hcsi_stype *t = T(type);
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
    if (valid_id(type) && obj && !T(type)->is_enum)
        free_struct(type, (char *)obj);
}

/* ------------------------------------------------------------ encode */

typedef struct ectx {
    hcsi_buf *out;
    unsigned jflags; /* hcsi_json writer flags */
    unsigned flags;
    path p;
    hcs_result err;
} ectx;

static hcs_result eerr(ectx *e, const char *fmt, ...) HCSI_PRINTF(2, 3);
static hcs_result eerr(ectx *e, const char *fmt, ...)
{
    va_list ap;
    char *msg, *pt;
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    pt = path_text(&e->p);
    e->err = hcsi_err(HCS_ERR_INVALIDARG, "encoding: %s%s%s", pt && *pt ? pt : "",
                      pt && *pt ? ": " : "", msg ? msg : "out of memory");
    free(msg);
    free(pt);
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
        const hcsi_stype *t = T(ref);
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

static hcs_result enc_field(ectx *e, const hcsi_sfield *f, const char *p, int *first)
{
    hcsi_buf *b = e->out;
    hcs_result r = HCS_S_OK;
    switch (f->kind) {
    case HCSI_K_BOOL: case HCSI_K_U8: case HCSI_K_U16: case HCSI_K_U32: case HCSI_K_U64:
    case HCSI_K_I32: case HCSI_K_I64: case HCSI_K_F64: {
        size_t off;
        if (!*(const uint8_t *)p)
            return HCS_S_OK;
        switch (f->kind) {
        case HCSI_K_BOOL: off = offsetof(hcs_schema_bool, v); break;
        case HCSI_K_U8: off = offsetof(hcs_schema_u8, v); break;
        case HCSI_K_U16: off = offsetof(hcs_schema_u16, v); break;
        case HCSI_K_U32: off = offsetof(hcs_schema_u32, v); break;
        case HCSI_K_U64: off = offsetof(hcs_schema_u64, v); break;
        case HCSI_K_I32: off = offsetof(hcs_schema_i32, v); break;
        case HCSI_K_I64: off = offsetof(hcs_schema_i64, v); break;
        default: off = offsetof(hcs_schema_f64, v); break;
        }
        r = put_name(b, f->name, first);
        return HCS_SUCCEEDED(r) ? enc_elem(e, f->kind, f->ref, p + off) : r;
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
        size_t k, es = elem_size(f->ekind, f->ref);
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
            path_push(&e->p, 1, NULL, k);
            if (HCS_SUCCEEDED(r))
                r = enc_elem(e, f->ekind, f->ref, (const char *)a.items + k * es);
            path_pop(&e->p);
        }
        return HCS_SUCCEEDED(r) ? hcsi_buf_putc(b, ']') : r;
    }
    case HCSI_K_MAP: {
        hcsi_map m;
        size_t k, es = elem_size(f->ekind, f->ref);
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
            path_push(&e->p, 2, m.keys[k], 0);
            if (HCS_SUCCEEDED(r))
                r = enc_elem(e, f->ekind, f->ref, (const char *)m.values + k * es);
            path_pop(&e->p);
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
        if (find_field(t, key))
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
    const hcsi_stype *t = T(type);
    hcs_result r;
    uint16_t i;
    int first = 1;
    const char *u;
    if (path_depth(&e->p) > 2 * MAX_NEST)
        return eerr(e, "objects nested too deeply (a pointer cycle?)");
    r = hcsi_buf_putc(e->out, '{');
    for (i = 0; HCS_SUCCEEDED(r) && i < t->nfields; i++) {
        path_push(&e->p, 0, t->fields[i].name, 0);
        r = enc_field(e, &t->fields[i], base + t->fields[i].offset, &first);
        path_pop(&e->p);
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
    if (!valid_id(type) || T(type)->is_enum || !obj || !json)
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
    path p;
} dctx;

static hcs_result derr(dctx *d, const char *fmt, ...) HCSI_PRINTF(2, 3);
static hcs_result derr(dctx *d, const char *fmt, ...)
{
    va_list ap;
    char *msg, *pt;
    hcs_result r;
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    pt = path_text(&d->p);
    r = hcsi_err(HCS_ERR_INVALID_JSON, "decoding %s: %s%s%s", d->tname, pt && *pt ? pt : "",
                 pt && *pt ? ": " : "", msg ? msg : "out of memory");
    free(msg);
    free(pt);
    return r;
}

static hcs_result dec_struct(dctx *d, int32_t type, const hcsi_json *v, char *base);

static hcs_result dec_int(dctx *d, uint8_t k, const hcsi_json *v, void *dst)
{
    int neg;
    uint64_t mag;
    const char *range;
    if (!read_int(v, &neg, &mag))
        return derr(d, "expected %s, got %s", kind_name(k),
                    hcsi_json_kind_of(v) == HCSI_JSON_DOUBLE ? "a non-integer number" : jkind(v));
    range = int_range_error(k, neg, mag);
    if (range)
        return derr(d, "%s%llu out of range for %s (%s)", neg ? "-" : "", (unsigned long long)mag,
                    kind_name(k), range);
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
        return derr(d, "expected %s, got %s", what, jkind(v));
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
            return derr(d, "expected bool, got %s", jkind(v));
        *(uint8_t *)p = (uint8_t)hcsi_json_boolval(v);
        return HCS_S_OK;
    case HCSI_K_U8: case HCSI_K_U16: case HCSI_K_U32: case HCSI_K_U64:
    case HCSI_K_I32: case HCSI_K_I64:
        return dec_int(d, k, v, p);
    case HCSI_K_F64: {
        double x;
        if (!read_double(v, &x))
            return derr(d, "expected a number, got %s", jkind(v));
        memcpy(p, &x, sizeof x);
        return HCS_S_OK;
    }
    case HCSI_K_STR: {
        char *s = NULL;
        hcs_result r = dec_str(d, v, &s, fmt_name(fmt));
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
            return derr(d, "expected a %s string, got %s", T(ref)->qname, jkind(v));
        s = hcsi_json_str(v, &n);
        if (memchr(s, 0, n))
            return derr(d, "string contains a NUL character");
        en->set = 1;
        idx = enum_index(T(ref), s);
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
        size_t off;
        switch (f->kind) {
        case HCSI_K_BOOL: off = offsetof(hcs_schema_bool, v); break;
        case HCSI_K_U8: off = offsetof(hcs_schema_u8, v); break;
        case HCSI_K_U16: off = offsetof(hcs_schema_u16, v); break;
        case HCSI_K_U32: off = offsetof(hcs_schema_u32, v); break;
        case HCSI_K_U64: off = offsetof(hcs_schema_u64, v); break;
        case HCSI_K_I32: off = offsetof(hcs_schema_i32, v); break;
        case HCSI_K_I64: off = offsetof(hcs_schema_i64, v); break;
        default: off = offsetof(hcs_schema_f64, v); break;
        }
        r = dec_elem(d, f->kind, f->fmt, f->ref, v, p + off);
        if (HCS_SUCCEEDED(r))
            *(uint8_t *)p = 1;
        return r;
    }
    case HCSI_K_STR:
    case HCSI_K_ANY:
    case HCSI_K_ENUM:
        return dec_elem(d, f->kind, f->fmt, f->ref, v, p);
    case HCSI_K_OBJ: {
        char *o = (char *)hcsi_calloc(1, T(f->ref)->size);
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
        size_t k, es = elem_size(f->ekind, f->ref);
        if (hcsi_json_kind_of(v) != HCSI_JSON_ARRAY)
            return derr(d, "expected an array, got %s", jkind(v));
        a.n = hcsi_json_array_len(v);
        a.set = 1;
        a.items = a.n ? hcsi_calloc(a.n, es) : NULL;
        if (a.n && !a.items)
            return hcsi_err_oom();
        r = HCS_S_OK;
        for (k = 0; k < a.n; k++) {
            const hcsi_json *ev = hcsi_json_array_at(v, k);
            path_push(&d->p, 1, NULL, k);
            if (!ev && f->ekind != HCSI_K_ANY)
                r = derr(d, "expected %s, got null", f->ekind == HCSI_K_OBJ ? "an object" : kind_name(f->ekind));
            else if (!ev)
                r = dec_elem(d, f->ekind, f->fmt, f->ref, NULL, (char *)a.items + k * es);
            else
                r = dec_elem(d, f->ekind, f->fmt, f->ref, ev, (char *)a.items + k * es);
            path_pop(&d->p);
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
        size_t k = 0, es = elem_size(f->ekind, f->ref);
        hcsi_json_iter it;
        const char *key;
        hcsi_json *ev;
        if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT)
            return derr(d, "expected an object (map), got %s", jkind(v));
        m.n = hcsi_json_object_len(v);
        m.set = 1;
        m.keys = m.n ? (char **)hcsi_calloc(m.n, sizeof(char *)) : NULL;
        m.values = m.n ? hcsi_calloc(m.n, es) : NULL;
        r = HCS_S_OK;
        if (m.n && (!m.keys || !m.values))
            r = hcsi_err_oom();
        hcsi_json_iter_init(v, &it);
        while (HCS_SUCCEEDED(r) && k < m.n && hcsi_json_iter_next(&it, &key, &ev)) {
            path_push(&d->p, 2, key, 0);
            m.keys[k] = hcsi_strdup(key);
            if (!m.keys[k])
                r = hcsi_err_oom();
            else if (!ev && f->ekind != HCSI_K_ANY)
                r = derr(d, "expected %s, got null", f->ekind == HCSI_K_OBJ ? "an object" : kind_name(f->ekind));
            else
                r = dec_elem(d, f->ekind, f->fmt, f->ref, ev, (char *)m.values + k * es);
            path_pop(&d->p);
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
    const hcsi_stype *t = T(type);
    hcsi_json_iter it;
    const char *key;
    hcsi_json *mv, *unknown = NULL;
    hcs_result r = HCS_S_OK;
    if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT)
        return derr(d, "expected an object (%s), got %s", t->qname, jkind(v));
    if (path_depth(&d->p) > 2 * MAX_NEST)
        return derr(d, "nested too deeply");
    hcsi_json_iter_init(v, &it);
    while (HCS_SUCCEEDED(r) && hcsi_json_iter_next(&it, &key, &mv)) {
        const hcsi_sfield *f = find_field(t, key);
        if (!f) {
            if (d->flags & HCS_SCHEMA_DECODE_STRICT) {
                path_push(&d->p, 0, key, 0);
                r = derr(d, "unknown field");
                path_pop(&d->p);
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
        path_push(&d->p, 0, f->name, 0);
        r = dec_field(d, f, mv, base + f->offset);
        path_pop(&d->p);
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
    if (!valid_id(type) || T(type)->is_enum || !out || (!json && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_schema_decode: invalid argument");
    memset(out, 0, T(type)->size);
    if (len > HCS_SCHEMA_MAX_DOCUMENT)
        return hcsi_err(HCS_ERR_INVALID_JSON, "decoding %s: document too large (%zu bytes, limit %u)",
                        T(type)->qname, len, HCS_SCHEMA_MAX_DOCUMENT);
    {
        char what[96];
        snprintf(what, sizeof what, "decoding %s", T(type)->qname);
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
    d->tname = T(type)->qname;
    r = dec_struct(d, type, root, (char *)out);
    free(d);
    hcsi_json_put(root);
    if (HCS_FAILED(r))
        free_struct(type, (char *)out);
    return r;
}

/* ------------------------------------------------------------ validate */

struct hcsi_vctx {
    hcs_schema_report rep;
    size_t cap;
    int limited;
    hcs_result oom;
    uint16_t target; /* 0 = no gating */
    uint16_t floor;  /* since of the nearest too-new ancestor already reported */
    unsigned flags;
    path p;
};

void hcsi_vproblem(hcsi_vctx *v, hcs_schema_problem_kind kind, const char *fmt, ...)
{
    va_list ap;
    hcs_schema_problem *pr;
    if (v->limited || HCS_FAILED(v->oom))
        return;
    if (v->rep.count >= HCS_SCHEMA_MAX_PROBLEMS) {
        v->limited = 1;
        kind = HCS_SCHEMA_PROBLEM_LIMIT;
        fmt = "too many problems; stopped reporting";
    }
    if (v->rep.count == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 8;
        hcs_schema_problem *np =
            (hcs_schema_problem *)hcsi_realloc(v->rep.problems, nc * sizeof *np);
        if (!np) {
            v->oom = hcsi_err_oom();
            return;
        }
        v->rep.problems = np;
        v->cap = nc;
    }
    pr = &v->rep.problems[v->rep.count];
    pr->kind = kind;
    pr->path = path_text(&v->p);
    va_start(ap, fmt);
    pr->message = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    if (!pr->path || !pr->message) {
        free(pr->path);
        free(pr->message);
        v->oom = hcsi_err_oom();
        return;
    }
    v->rep.count++;
}

size_t hcsi_vpath_push_field(hcsi_vctx *v, const char *name)
{
    size_t m = (size_t)path_depth(&v->p);
    path_push(&v->p, 0, name, 0);
    return m;
}

size_t hcsi_vpath_push_index(hcsi_vctx *v, size_t i)
{
    size_t m = (size_t)path_depth(&v->p);
    path_push(&v->p, 1, NULL, i);
    return m;
}

size_t hcsi_vpath_push_key(hcsi_vctx *v, const char *key)
{
    size_t m = (size_t)path_depth(&v->p);
    path_push(&v->p, 2, key, 0);
    return m;
}

void hcsi_vpath_pop(hcsi_vctx *v, size_t mark)
{
    while ((size_t)path_depth(&v->p) > mark)
        path_pop(&v->p);
}

static void vers_text(char *buf, size_t n, uint16_t v)
{
    snprintf(buf, n, "%u.%u", (unsigned)(v >> 8), (unsigned)(v & 0xFF));
}

void hcsi_vscalar(hcsi_vctx *v, uint8_t k, const hcsi_json *val)
{
    int neg;
    uint64_t mag;
    const char *range;
    if (k == HCSI_K_BOOL) {
        if (hcsi_json_kind_of(val) != HCSI_JSON_BOOL)
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected bool, got %s", jkind(val));
        return;
    }
    if (k == HCSI_K_F64) {
        hcsi_json_kind jk = hcsi_json_kind_of(val);
        if (jk != HCSI_JSON_INT && jk != HCSI_JSON_DOUBLE)
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected a number, got %s", jkind(val));
        return;
    }
    if (!read_int(val, &neg, &mag)) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got %s", kind_name(k),
                      hcsi_json_kind_of(val) == HCSI_JSON_DOUBLE ? "a non-integer number" : jkind(val));
        return;
    }
    range = int_range_error(k, neg, mag);
    if (range)
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE, "%s%llu out of range for %s (%s)",
                      neg ? "-" : "", (unsigned long long)mag, kind_name(k), range);
}

static void vstring(hcsi_vctx *v, uint8_t fmt, const hcsi_json *val)
{
    const char *s;
    size_t n;
    if (hcsi_json_kind_of(val) != HCSI_JSON_STRING) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got %s", fmt_name(fmt), jkind(val));
        return;
    }
    s = hcsi_json_str(val, &n);
    if (memchr(s, 0, n)) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "string contains a NUL character");
        return;
    }
    if (!hcsi_utf8_valid(s, n, NULL)) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "string is not valid UTF-8");
        return;
    }
    switch (fmt) {
    case HCSI_FMT_GUID:
        if (!hcsi_schema_guid_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_GUID,
                          "malformed GUID \"%.60s\" (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s);
        break;
    case HCSI_FMT_MAC:
        if (!mac_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
                          "malformed MAC address \"%.60s\" (expected 00-15-5D-xx-xx-xx)", s);
        break;
    case HCSI_FMT_DATETIME:
        if (!datetime_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
                          "malformed date-time \"%.60s\" (expected RFC 3339)", s);
        break;
    case HCSI_FMT_BYTE:
        if (!base64_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "malformed base64 data");
        break;
    }
}

static void venum(hcsi_vctx *v, int32_t ref, const hcsi_json *val)
{
    const hcsi_stype *t = T(ref);
    const char *s;
    int idx;
    uint16_t i;
    if (hcsi_json_kind_of(val) != HCSI_JSON_STRING) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected a %s string, got %s", t->qname, jkind(val));
        return;
    }
    s = hcsi_json_str(val, NULL);
    idx = enum_index(t, s);
    if (idx < 0) {
        hcsi_buf b;
        char *list;
        hcsi_buf_init(&b, 2048);
        for (i = 0; i < t->nvalues; i++) {
            if (ci_equal(t->values[i], s)) {
                hcsi_buf_free(&b);
                hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_ENUM,
                              "bad %s value \"%.60s\" (did you mean \"%s\"?)", t->qname, s, t->values[i]);
                return;
            }
        }
        for (i = 0; i < t->nvalues; i++) {
            hcsi_buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->values[i]);
            if (b.len > 400) {
                hcsi_buf_puts(&b, ", ...");
                break;
            }
        }
        list = hcsi_buf_steal(&b, NULL);
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_ENUM, "bad %s value \"%.60s\" (expected one of %s)",
                      t->qname, s, list ? list : "?");
        free(list);
        return;
    }
    if (v->target && t->value_since[idx] > v->target && t->value_since[idx] > v->floor) {
        char need[16], tgt[16];
        vers_text(need, sizeof need, t->value_since[idx]);
        vers_text(tgt, sizeof tgt, v->target);
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_TOO_NEW, "value \"%s\" requires %s; target is %s", s, need, tgt);
    }
    if ((v->flags & HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY) && t->value_overlay[idx] && !(t->flags & HCSI_T_OVERLAY))
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_UNPUBLISHED,
                      "value \"%s\" is not in the published schema (hcsshim extension)", s);
}

static void velem(hcsi_vctx *v, uint8_t k, uint8_t fmt, int32_t ref, const hcsi_json *val)
{
    switch (k) {
    case HCSI_K_STR: vstring(v, fmt, val); break;
    case HCSI_K_ENUM: venum(v, ref, val); break;
    case HCSI_K_OBJ: hcsi_vstruct(v, ref, val); break;
    case HCSI_K_ANY: break;
    default: hcsi_vscalar(v, k, val); break;
    }
}

static void vkey(hcsi_vctx *v, uint8_t keyk, const char *key)
{
    size_t n = strlen(key);
    switch (keyk) {
    case HCSI_KEY_GUID:
        if (!hcsi_schema_guid_ok(key, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_GUID, "malformed GUID map key");
        break;
    case HCSI_KEY_U8:
        if (!hcsi_schema_uint_ok(key, n, 0xFF))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "map key must be a uint8 in decimal");
        break;
    case HCSI_KEY_U16:
        if (!hcsi_schema_uint_ok(key, n, 0xFFFF))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "map key must be a uint16 in decimal");
        break;
    case HCSI_KEY_U32:
        if (!hcsi_schema_uint_ok(key, n, 0xFFFFFFFFu))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "map key must be a uint32 in decimal");
        break;
    case HCSI_KEY_U64:
        if (!hcsi_schema_uint_ok(key, n, UINT64_MAX))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "map key must be a uint64 in decimal");
        break;
    }
}

static void vfield(hcsi_vctx *v, const hcsi_sfield *f, const hcsi_json *val)
{
    switch (f->kind) {
    case HCSI_K_ARRAY: {
        size_t i, n;
        if (hcsi_json_kind_of(val) != HCSI_JSON_ARRAY) {
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an array, got %s", jkind(val));
            return;
        }
        n = hcsi_json_array_len(val);
        for (i = 0; i < n && !v->limited; i++) {
            const hcsi_json *ev = hcsi_json_array_at(val, i);
            size_t m = hcsi_vpath_push_index(v, i);
            if (!ev && f->ekind != HCSI_K_ANY)
                hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got null",
                              f->ekind == HCSI_K_OBJ ? "an object" : kind_name(f->ekind));
            else
                velem(v, f->ekind, f->fmt, f->ref, ev);
            hcsi_vpath_pop(v, m);
        }
        return;
    }
    case HCSI_K_MAP: {
        hcsi_json_iter it;
        const char *key;
        hcsi_json *ev;
        if (hcsi_json_kind_of(val) != HCSI_JSON_OBJECT) {
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an object (map), got %s", jkind(val));
            return;
        }
        hcsi_json_iter_init(val, &it);
        while (!v->limited && hcsi_json_iter_next(&it, &key, &ev)) {
            size_t m = hcsi_vpath_push_key(v, key);
            vkey(v, f->keyk, key);
            if (!ev && f->ekind != HCSI_K_ANY)
                hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got null",
                              f->ekind == HCSI_K_OBJ ? "an object" : kind_name(f->ekind));
            else
                velem(v, f->ekind, f->fmt, f->ref, ev);
            hcsi_vpath_pop(v, m);
        }
        return;
    }
    default:
        velem(v, f->kind, f->fmt, f->ref, val);
    }
}

void hcsi_vstruct(hcsi_vctx *v, int32_t type, const hcsi_json *val)
{
    const hcsi_stype *t = T(type);
    hcsi_json_iter it;
    const char *key;
    hcsi_json *mv;
    if (hcsi_json_kind_of(val) != HCSI_JSON_OBJECT) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an object (%s), got %s", t->qname, jkind(val));
        return;
    }
    if (path_depth(&v->p) > 2 * MAX_NEST) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_LIMIT, "nested too deeply");
        return;
    }
    hcsi_json_iter_init(val, &it);
    while (!v->limited && hcsi_json_iter_next(&it, &key, &mv)) {
        const hcsi_sfield *f = find_field(t, key);
        size_t m = hcsi_vpath_push_field(v, key);
        uint16_t floor = v->floor;
        if (!f) {
            uint16_t i;
            const char *hint = NULL;
            for (i = 0; i < t->nfields && !hint; i++)
                if (ci_equal(t->fields[i].name, key))
                    hint = t->fields[i].name;
            if (hint)
                hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD,
                              "unknown field in %s (did you mean \"%s\"?)", t->qname, hint);
            else
                hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD, "unknown field in %s", t->qname);
            hcsi_vpath_pop(v, m);
            continue;
        }
        if (v->target && f->since > v->target && f->since > v->floor) {
            char need[16], tgt[16];
            vers_text(need, sizeof need, f->since);
            vers_text(tgt, sizeof tgt, v->target);
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_TOO_NEW, "requires %s; target is %s", need, tgt);
            v->floor = f->since;
        }
        if ((v->flags & HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY) && (f->flags & HCSI_F_OVERLAY))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_UNPUBLISHED,
                          "not in the published schema (%s)", f->note ? f->note : "hcsshim extension");
        if (mv)
            vfield(v, f, mv);
        v->floor = floor;
        hcsi_vpath_pop(v, m);
    }
    hcsi_schema_rules(v, type, val);
}

void hcs_schema_report_free(hcs_schema_report *report)
{
    size_t i;
    if (!report)
        return;
    for (i = 0; i < report->count; i++) {
        free(report->problems[i].path);
        free(report->problems[i].message);
    }
    free(report->problems);
    free(report);
}

hcs_result hcs_schema_validate(hcs_schema_type_id type, const char *json, size_t len,
                               const hcs_schema_version *target, unsigned flags,
                               hcs_schema_report **report)
{
    hcsi_json *root = NULL;
    hcsi_vctx *v;
    hcs_result r;
    if (report)
        *report = NULL;
    if (!valid_id(type) || T(type)->is_enum || (!json && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_schema_validate: invalid argument");
    if (target && (target->major > 255 || target->minor > 255))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_schema_validate: target version out of range");
    v = (hcsi_vctx *)hcsi_calloc(1, sizeof *v);
    if (!v)
        return hcsi_err_oom();
    v->flags = flags;
    if (target)
        v->target = (uint16_t)((target->major << 8) | target->minor);
    if (len > HCS_SCHEMA_MAX_DOCUMENT) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_INVALID_JSON, "document too large (%zu bytes, limit %u)",
                      len, HCS_SCHEMA_MAX_DOCUMENT);
    } else {
        r = hcsi_json_parse(json ? json : "", len, "document", &root);
        if (HCS_FAILED(r)) {
            const hcs_error *e = hcs_error_last();
            const char *m = e ? e->message : "invalid JSON";
            if (strncmp(m, "document: ", 10) == 0)
                m += 10;
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_INVALID_JSON, "%s", m);
        } else {
            hcsi_vstruct(v, type, root);
        }
    }
    hcsi_json_put(root);
    if (HCS_FAILED(v->oom)) {
        hcs_schema_report *tmp = (hcs_schema_report *)hcsi_calloc(1, sizeof *tmp);
        if (tmp) {
            *tmp = v->rep;
            hcs_schema_report_free(tmp);
        }
        free(v);
        return hcsi_err_oom();
    }
    if (v->rep.count) {
        const hcs_schema_problem *p0 = &v->rep.problems[0];
        r = hcsi_err(HCS_ERR_INVALID_JSON, "%s: %s%s%s (%zu problem%s)", T(type)->qname, p0->path,
                     *p0->path ? ": " : "", p0->message, v->rep.count, v->rep.count == 1 ? "" : "s");
    } else {
        r = HCS_S_OK;
    }
    if (report) {
        hcs_schema_report *out = (hcs_schema_report *)hcsi_calloc(1, sizeof *out);
        if (!out) {
            hcs_schema_report tmp = v->rep;
            size_t i;
            for (i = 0; i < tmp.count; i++) {
                free(tmp.problems[i].path);
                free(tmp.problems[i].message);
            }
            free(tmp.problems);
            free(v);
            return hcsi_err_oom();
        }
        *out = v->rep;
        *report = out;
    } else {
        size_t i;
        for (i = 0; i < v->rep.count; i++) {
            free(v->rep.problems[i].path);
            free(v->rep.problems[i].message);
        }
        free(v->rep.problems);
    }
    free(v);
    return r;
}
