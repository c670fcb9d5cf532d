/*
 * The schema engine's validation: a walk over a JSON document against the
 * generated descriptor tables, collecting every problem with its path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform.h"
#include "schema/engine.h"

/* ------------------------------------------------------------ validate */

struct hcsi_vctx {
    hcs_schema_report rep;
    size_t cap;
    int limited;
    hcs_result oom;
    uint16_t target; /* 0 = no gating */
    uint16_t floor;  /* since of the nearest too-new ancestor already reported */
    unsigned flags;
    hcsi_se_path p;
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
    pr->path = hcsi_se_path_text(&v->p);
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
    size_t m = (size_t)hcsi_se_path_depth(&v->p);
    hcsi_se_path_push(&v->p, 0, name, 0);
    return m;
}

size_t hcsi_vpath_push_index(hcsi_vctx *v, size_t i)
{
    size_t m = (size_t)hcsi_se_path_depth(&v->p);
    hcsi_se_path_push(&v->p, 1, NULL, i);
    return m;
}

size_t hcsi_vpath_push_key(hcsi_vctx *v, const char *key)
{
    size_t m = (size_t)hcsi_se_path_depth(&v->p);
    hcsi_se_path_push(&v->p, 2, key, 0);
    return m;
}

void hcsi_vpath_pop(hcsi_vctx *v, size_t mark)
{
    while ((size_t)hcsi_se_path_depth(&v->p) > mark)
        hcsi_se_path_pop(&v->p);
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
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected bool, got %s", hcsi_se_jkind(val));
        return;
    }
    if (k == HCSI_K_F64) {
        hcsi_json_kind jk = hcsi_json_kind_of(val);
        if (jk != HCSI_JSON_INT && jk != HCSI_JSON_DOUBLE)
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected a number, got %s", hcsi_se_jkind(val));
        return;
    }
    if (!hcsi_se_read_int(val, &neg, &mag)) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got %s", hcsi_se_kind_name(k),
                      hcsi_json_kind_of(val) == HCSI_JSON_DOUBLE ? "a non-integer number" : hcsi_se_jkind(val));
        return;
    }
    range = hcsi_se_int_range_error(k, neg, mag);
    if (range)
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE, "%s%llu out of range for %s (%s)",
                      neg ? "-" : "", (unsigned long long)mag, hcsi_se_kind_name(k), range);
}

static void vstring(hcsi_vctx *v, uint8_t fmt, const hcsi_json *val)
{
    const char *s;
    size_t n;
    if (hcsi_json_kind_of(val) != HCSI_JSON_STRING) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got %s", hcsi_se_fmt_name(fmt), hcsi_se_jkind(val));
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
        if (!hcsi_se_mac_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
                          "malformed MAC address \"%.60s\" (expected 00-15-5D-xx-xx-xx)", s);
        break;
    case HCSI_FMT_DATETIME:
        if (!hcsi_se_datetime_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
                          "malformed date-time \"%.60s\" (expected RFC 3339)", s);
        break;
    case HCSI_FMT_BYTE:
        if (!hcsi_se_base64_ok(s, n))
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_BAD_FORMAT, "malformed base64 data");
        break;
    }
}

static void venum(hcsi_vctx *v, int32_t ref, const hcsi_json *val)
{
    const hcsi_stype *t = hcsi_se_type(ref);
    const char *s;
    int idx;
    uint16_t i;
    if (hcsi_json_kind_of(val) != HCSI_JSON_STRING) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected a %s string, got %s", t->qname, hcsi_se_jkind(val));
        return;
    }
    s = hcsi_json_str(val, NULL);
    idx = hcsi_se_enum_index(t, s);
    if (idx < 0) {
        hcsi_buf b;
        char *list;
        hcsi_buf_init(&b, 2048);
        for (i = 0; i < t->nvalues; i++) {
            if (hcsi_ascii_case_equal(t->values[i], s)) {
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

/* One element of an array or map field: null only where Any allows it. */
static void vmember(hcsi_vctx *v, const hcsi_sfield *f, const hcsi_json *ev)
{
    if (!ev && f->ekind != HCSI_K_ANY)
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected %s, got null",
                      f->ekind == HCSI_K_OBJ ? "an object" : hcsi_se_kind_name(f->ekind));
    else
        velem(v, f->ekind, f->fmt, f->ref, ev);
}

static void vfield(hcsi_vctx *v, const hcsi_sfield *f, const hcsi_json *val)
{
    switch (f->kind) {
    case HCSI_K_ARRAY: {
        size_t i, n;
        if (hcsi_json_kind_of(val) != HCSI_JSON_ARRAY) {
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an array, got %s", hcsi_se_jkind(val));
            return;
        }
        n = hcsi_json_array_len(val);
        for (i = 0; i < n && !v->limited; i++) {
            const hcsi_json *ev = hcsi_json_array_at(val, i);
            size_t m = hcsi_vpath_push_index(v, i);
            vmember(v, f, ev);
            hcsi_vpath_pop(v, m);
        }
        return;
    }
    case HCSI_K_MAP: {
        hcsi_json_iter it;
        const char *key;
        hcsi_json *ev;
        if (hcsi_json_kind_of(val) != HCSI_JSON_OBJECT) {
            hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an object (map), got %s", hcsi_se_jkind(val));
            return;
        }
        hcsi_json_iter_init(val, &it);
        while (!v->limited && hcsi_json_iter_next(&it, &key, &ev)) {
            size_t m = hcsi_vpath_push_key(v, key);
            vkey(v, f->keyk, key);
            vmember(v, f, ev);
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
    const hcsi_stype *t = hcsi_se_type(type);
    hcsi_json_iter it;
    const char *key;
    hcsi_json *mv;
    if (hcsi_json_kind_of(val) != HCSI_JSON_OBJECT) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "expected an object (%s), got %s", t->qname, hcsi_se_jkind(val));
        return;
    }
    if (hcsi_se_path_depth(&v->p) > 2 * MAX_NEST) {
        hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_LIMIT, "nested too deeply");
        return;
    }
    hcsi_json_iter_init(val, &it);
    while (!v->limited && hcsi_json_iter_next(&it, &key, &mv)) {
        const hcsi_sfield *f = hcsi_se_find_field(t, key);
        size_t m = hcsi_vpath_push_field(v, key);
        uint16_t floor = v->floor;
        if (!f) {
            uint16_t i;
            const char *hint = NULL;
            for (i = 0; i < t->nfields && !hint; i++)
                if (hcsi_ascii_case_equal(t->fields[i].name, key))
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
    if (!hcsi_se_valid_id(type) || hcsi_se_type(type)->is_enum || (!json && len))
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
        r = hcsi_err(HCS_ERR_INVALID_JSON, "%s: %s%s%s (%zu problem%s)", hcsi_se_type(type)->qname, p0->path,
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

