/*
 * The schema engine: one generic init / free / encode / decode / validate
 * walking the descriptor tables that scripts/gen_schema.py generates
 * (gen/tables.c). Typed C structs exist per type (hcs/schema_types.h); the
 * engine only ever sees them through the field offsets and kinds. This
 * file: the shared walkers (schema/engine.h) and the introspection API;
 * codec.c encodes and decodes, validate.c validates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform.h"
#include "schema/engine.h"

const hcsi_stype *hcsi_se_type(int32_t id) { return &hcsi_schema_types[id]; }

int hcsi_se_valid_id(hcs_schema_type_id type)
{
    return (int)type >= 0 && (int)type < HCS_SCHEMA_TYPE_COUNT;
}

/* ------------------------------------------------------------ paths */


void hcsi_se_path_push(hcsi_se_path *p, uint8_t t, const char *s, size_t i)
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

void hcsi_se_path_pop(hcsi_se_path *p)
{
    if (p->overflow)
        p->overflow--;
    else if (p->n)
        p->n--;
}

int hcsi_se_path_depth(const hcsi_se_path *p) { return p->n + p->overflow; }

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
char *hcsi_se_path_text(const hcsi_se_path *p)
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

const char *hcsi_se_kind_name(uint8_t k)
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

const char *hcsi_se_fmt_name(uint8_t f)
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

const char *hcsi_se_jkind(const hcsi_json *v)
{
    return hcsi_json_kind_name(hcsi_json_kind_of(v));
}

size_t hcsi_se_elem_size(uint8_t ek, int32_t ref)
{
    switch (ek) {
    case HCSI_K_BOOL: case HCSI_K_U8: return 1;
    case HCSI_K_U16: return 2;
    case HCSI_K_U32: case HCSI_K_I32: return 4;
    case HCSI_K_U64: case HCSI_K_I64: return 8;
    case HCSI_K_F64: return sizeof(double);
    case HCSI_K_STR: case HCSI_K_ANY: return sizeof(char *);
    case HCSI_K_ENUM: return sizeof(hcs_schema_enum);
    case HCSI_K_OBJ: return hcsi_se_type(ref)->size;
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
int hcsi_se_read_int(const hcsi_json *v, int *neg, uint64_t *mag)
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

int hcsi_se_read_double(const hcsi_json *v, double *out)
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
const char *hcsi_se_int_range_error(uint8_t k, int neg, uint64_t mag)
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


const hcsi_sfield *hcsi_se_find_field(const hcsi_stype *t, const char *key)
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

int hcsi_se_enum_index(const hcsi_stype *t, const char *s)
{
    uint16_t i;
    for (i = 0; i < t->nvalues; i++)
        if (strcmp(t->values[i], s) == 0)
            return (int)i;
    return -1;
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

int hcsi_se_mac_ok(const char *s, size_t n)
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
int hcsi_se_datetime_ok(const char *s, size_t n)
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
int hcsi_se_base64_ok(const char *s, size_t n)
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
    if (!hcsi_se_valid_id(type) || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: invalid type id %d", (int)type);
    t = hcsi_se_type(type);
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
        snprintf(buf, n, "%s", hcsi_se_fmt_name(fmt));
    else if (kind == HCSI_K_ENUM || kind == HCSI_K_OBJ)
        snprintf(buf, n, "%s", hcsi_se_type(ref)->qname);
    else if ((flags & HCSI_F_NUMERIC_ENUM) && ref >= 0)
        snprintf(buf, n, "%s (%s as a number)", hcsi_se_kind_name(kind), hcsi_se_type(ref)->qname);
    else
        snprintf(buf, n, "%s", hcsi_se_kind_name(kind));
}

hcs_result hcs_schema_field_get_info(hcs_schema_type_id type, size_t index,
                                     hcs_schema_field_info *out)
{
    const hcsi_sfield *f;
    char el[80];
    if (!hcsi_se_valid_id(type) || !out || index >= hcsi_se_type(type)->nfields)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: no field %zu in type %d", index, (int)type);
    f = &hcsi_se_type(type)->fields[index];
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
    if (!hcsi_se_valid_id(type) || !out || !hcsi_se_type(type)->is_enum || index >= hcsi_se_type(type)->nvalues)
        return hcsi_err(HCS_ERR_INVALIDARG, "schema: no enum value %zu in type %d", index, (int)type);
    t = hcsi_se_type(type);
    out->name = t->values[index];
    out->since.major = t->value_since[index] >> 8;
    out->since.minor = t->value_since[index] & 0xFF;
    out->overlay = t->value_overlay[index];
    return HCS_S_OK;
}

const char *hcs_schema_enum_to_string(hcs_schema_type_id type, int value)
{
    if (!hcsi_se_valid_id(type) || !hcsi_se_type(type)->is_enum || value < 0 || value >= hcsi_se_type(type)->nvalues)
        return NULL;
    return hcsi_se_type(type)->values[value];
}

int hcs_schema_enum_from_string(hcs_schema_type_id type, const char *s)
{
    if (!hcsi_se_valid_id(type) || !hcsi_se_type(type)->is_enum || !s)
        return -1;
    return hcsi_se_enum_index(hcsi_se_type(type), s);
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

