/* The internal JSON wrapper over json-c, with a Go-compatible writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/platform.h"

/* 1 when the number literal s[0..n) is finite as a double (Go rejects
 * 1e999 for float64; json-c would store infinity, which JSON cannot
 * represent on the way out). */
static int finite_number(const char *s, size_t n)
{
    char tmp[130];
    size_t i, intd = 0;
    long e = 0;
    int seen_nonzero = 0;
    if (n < sizeof tmp) {
        memcpy(tmp, s, n);
        tmp[n] = 0;
        return isfinite(strtod(tmp, NULL));
    }
    /* Long literal: estimate the decimal exponent. */
    for (i = (s[0] == '-'); i < n && s[i] >= '0' && s[i] <= '9'; i++)
        if (seen_nonzero || s[i] != '0') {
            seen_nonzero = 1;
            intd++;
        }
    while (i < n && s[i] != 'e' && s[i] != 'E')
        i++;
    if (i < n) {
        int neg = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            neg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9' && e < 100000; i++)
            e = e * 10 + (s[i] - '0');
        if (neg)
            e = -e;
    }
    return (long)intd + e <= 308;
}

/* json-c silently clamps integer literals outside int64/uint64 to the
 * range limits; a hostile peer could use that to turn a huge number into
 * UINT64_MAX. Find such literals first (outside strings) and reject them.
 * Returns the byte offset of the first one, or (size_t)-1. */
static size_t find_int_overflow(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        char c = buf[i];
        if (c == '"') {
            /* JSON strings may not hold raw control characters; json-c
             * lets them through even in strict mode. */
            for (i++; i < len && buf[i] != '"'; i++) {
                if ((unsigned char)buf[i] < 0x20)
                    return i;
                if (buf[i] == '\\')
                    i++;
            }
            i++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            /* JSON number grammar, checked here because json-c accepts
             * "-.0" and "0." even in strict mode:
             *   -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?  */
            size_t start = i, d0;
            int neg = c == '-', frac = 0, over = 0;
            uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1u : UINT64_MAX;
            if (neg)
                i++;
            d0 = i;
            while (i < len && buf[i] >= '0' && buf[i] <= '9') {
                unsigned d = (unsigned)(buf[i] - '0');
                if (v > (lim - d) / 10)
                    over = 1;
                else
                    v = v * 10 + d;
                i++;
            }
            if (i == d0 || (buf[d0] == '0' && i - d0 > 1))
                return start; /* no digits, or a leading zero */
            if (i < len && buf[i] == '.') {
                size_t f0 = ++i;
                frac = 1;
                while (i < len && buf[i] >= '0' && buf[i] <= '9')
                    i++;
                if (i == f0)
                    return start;
            }
            if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
                size_t e0;
                frac = 1;
                i++;
                if (i < len && (buf[i] == '+' || buf[i] == '-'))
                    i++;
                e0 = i;
                while (i < len && buf[i] >= '0' && buf[i] <= '9')
                    i++;
                if (i == e0)
                    return start;
            }
            if (over && !frac)
                return start;
            if (frac && !finite_number(buf + start, i - start))
                return start;
            continue;
        }
        if (c >= 'a' && c <= 'z') {
            /* skip literals (true/false/null) so their letters are not
             * mistaken for anything; json-c validates them */
            while (i < len && buf[i] >= 'a' && buf[i] <= 'z')
                i++;
            continue;
        }
        i++;
    }
    return (size_t)-1;
}

hcs_result hcsi_json_parse(const char *buf, size_t len, const char *what,
                           hcsi_json **out)
{
    struct json_tokener *tok;
    struct json_object *obj;
    enum json_tokener_error jerr;
    size_t end, i;
    hcs_result r = HCS_S_OK;
    *out = NULL;
    if (!what)
        what = "JSON document";
    if (!buf)
        return hcsi_err(HCS_ERR_INVALID_JSON, "%s: no data", what);
    if (len > 0x7FFFFFFF)
        return hcsi_err(HCS_ERR_INVALID_JSON, "%s: too large (%zu bytes)", what, len);
    /* json-c stops at a NUL byte; a raw NUL is never valid JSON. */
    for (i = 0; i < len; i++)
        if (buf[i] == '\0')
            return hcsi_err(HCS_ERR_INVALID_JSON,
                            "%s: invalid JSON at byte offset %zu: NUL byte", what, i);
    /* json-c's own UTF-8 check lets overlong forms through: use ours. */
    if (!hcsi_utf8_valid(buf, len, &i))
        return hcsi_err(HCS_ERR_INVALID_JSON,
                        "%s: invalid JSON at byte offset %zu: invalid UTF-8", what, i);
    i = find_int_overflow(buf, len);
    if (i != (size_t)-1) {
        if (buf[i] == '"' || (unsigned char)buf[i] < 0x20)
            return hcsi_err(HCS_ERR_INVALID_JSON,
                            "%s: invalid JSON at byte offset %zu: control character "
                            "0x%02X inside a string", what, i, (unsigned char)buf[i]);
        return hcsi_err(HCS_ERR_INVALID_JSON,
                        "%s: invalid JSON at byte offset %zu: malformed or out-of-range "
                        "number (integers must fit 64 bits, reals a double)", what, i);
    }
    tok = json_tokener_new_ex(HCSI_JSON_MAX_DEPTH);
    if (!tok)
        return hcsi_err_oom();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (!obj && jerr == json_tokener_continue) {
        /* A bare top-level number ("2") only ends at a delimiter: give the
         * tokener one space to finish it. */
        obj = json_tokener_parse_ex(tok, " ", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    if (!obj && jerr == json_tokener_continue) {
        r = hcsi_err(HCS_ERR_INVALID_JSON,
                     "%s: invalid JSON: unexpected end of input at byte offset %zu",
                     what, len);
        goto done;
    }
    if (jerr != json_tokener_success) {
        /* Strict mode rejects trailing data itself; say so when a complete
         * document precedes the error position. */
        struct json_tokener *t2 = end > 0 ? json_tokener_new_ex(HCSI_JSON_MAX_DEPTH) : NULL;
        if (t2) {
            struct json_object *o2;
            json_tokener_set_flags(t2, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
            o2 = json_tokener_parse_ex(t2, buf, (int)end);
            json_tokener_free(t2);
            if (o2) {
                json_object_put(o2);
                r = hcsi_err(HCS_ERR_INVALID_JSON,
                             "%s: invalid JSON at byte offset %zu: trailing data after "
                             "the document", what, end);
                goto done;
            }
        }
        r = hcsi_err(HCS_ERR_INVALID_JSON,
                     "%s: invalid JSON at byte offset %zu: %s", what, end,
                     json_tokener_error_desc(jerr));
        goto done;
    }
    for (i = end; i < len; i++) {
        char c = buf[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            r = hcsi_err(HCS_ERR_INVALID_JSON,
                         "%s: invalid JSON at byte offset %zu: trailing data after "
                         "the document", what, i);
            goto done;
        }
    }
    *out = obj;
    obj = NULL;
done:
    if (obj)
        json_object_put(obj);
    json_tokener_free(tok);
    return r;
}

/* ---- writer ---- */

static const char hexd[] = "0123456789abcdef";

hcs_result hcsi_json_write_string(hcsi_buf *out, const char *s, size_t len,
                                  unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i, start = 0;
    hcs_result r = hcsi_buf_putc(out, '"');
    char esc[8];
    for (i = 0; HCS_SUCCEEDED(r) && i < len; i++) {
        unsigned char c = u[i];
        const char *rep = NULL;
        size_t skip = 1;
        if (c < 0x20 || c == '"' || c == '\\') {
            switch (c) {
            case '"': rep = "\\\""; break;
            case '\\': rep = "\\\\"; break;
            case '\b': rep = "\\b"; break;
            case '\f': rep = "\\f"; break;
            case '\n': rep = "\\n"; break;
            case '\r': rep = "\\r"; break;
            case '\t': rep = "\\t"; break;
            default:
                esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
                esc[4] = hexd[c >> 4]; esc[5] = hexd[c & 15]; esc[6] = 0;
                rep = esc;
            }
        } else if ((flags & HCSI_JSON_HTML_ESCAPE) && (c == '<' || c == '>' || c == '&')) {
            esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hexd[c >> 4]; esc[5] = hexd[c & 15]; esc[6] = 0;
            rep = esc;
        } else if (c == 0xE2 && i + 2 < len && u[i + 1] == 0x80 &&
                   (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
            /* Go always escapes U+2028 and U+2029. */
            rep = u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            skip = 3;
        } else if (c >= 0x80) {
            size_t bad;
            /* Find the extent of this sequence; invalid bytes become
             * U+FFFD as Go writes them. */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (n > len - i || !hcsi_utf8_valid(s + i, n, &bad)) {
                rep = "\\ufffd";
            } else {
                i += n - 1;
                continue;
            }
        } else {
            continue;
        }
        r = hcsi_buf_append(out, s + start, i - start);
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_puts(out, rep);
        i += skip - 1;
        start = i + 1;
    }
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_append(out, s + start, len - start);
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_putc(out, '"');
    return r;
}

/* Formats a double the way Go's encoding/json does: shortest round-trip
 * digits, plain notation for 1e-6 <= |f| < 1e21, else 1e+21 / 1e-7. */
static hcs_result write_double(hcsi_buf *out, double f)
{
    char tmp[64], digits[32];
    int p, e, nd = 0, neg;
    char *q;
    hcs_result r;
    double a;
    if (isnan(f) || isinf(f))
        return hcsi_err(HCS_ERR_INVALIDARG, "JSON cannot represent %f", f);
    if (f == 0)
        return hcsi_buf_puts(out, "0"); /* -0 too: JSON has one zero */
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    neg = tmp[0] == '-';
    for (q = tmp + neg; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9')
            digits[nd++] = *q;
    digits[nd] = 0;
    e = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    a = fabs(f);
    r = neg ? hcsi_buf_putc(out, '-') : HCS_S_OK;
    /* Go prints 9e18 <= |f| < 1e21 as a plain integer, whose shortest
     * digits padded with zeros can fall outside int64/uint64, which our
     * strict parser rejects; such values keep the exponent form so that we
     * read back what we write (no HCS field holds doubles that large). */
    if (a < 1e-6 || a >= 9e18) {
        r = hcsi_buf_putc(out, digits[0]);
        if (HCS_SUCCEEDED(r) && nd > 1) {
            r = hcsi_buf_putc(out, '.');
            if (HCS_SUCCEEDED(r))
                r = hcsi_buf_puts(out, digits + 1);
        }
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_printf(out, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
        return r;
    }
    if (e < 0) {
        int k;
        r = hcsi_buf_puts(out, "0.");
        for (k = -1; HCS_SUCCEEDED(r) && k > e; k--)
            r = hcsi_buf_putc(out, '0');
        if (HCS_SUCCEEDED(r))
            r = hcsi_buf_puts(out, digits);
        return r;
    }
    if (nd <= e + 1) {
        int k;
        r = hcsi_buf_puts(out, digits);
        for (k = nd; HCS_SUCCEEDED(r) && k <= e; k++)
            r = hcsi_buf_putc(out, '0');
        return r;
    }
    r = hcsi_buf_append(out, digits, (size_t)e + 1);
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_putc(out, '.');
    if (HCS_SUCCEEDED(r))
        r = hcsi_buf_puts(out, digits + e + 1);
    return r;
}

static hcs_result write_value(hcsi_buf *out, const struct json_object *cv,
                              unsigned flags, int depth)
{
    struct json_object *v = (struct json_object *)cv;
    hcs_result r = HCS_S_OK;
    if (depth > 2 * HCSI_JSON_MAX_DEPTH)
        return hcsi_err(HCS_ERR_INVALIDARG, "JSON document nested too deeply");
    switch (json_object_get_type(v)) {
    case json_type_null:
        return hcsi_buf_puts(out, "null");
    case json_type_boolean:
        return hcsi_buf_puts(out, json_object_get_boolean(v) ? "true" : "false");
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i == INT64_MAX)
            return hcsi_buf_printf(out, "%llu",
                                   (unsigned long long)json_object_get_uint64(v));
        return hcsi_buf_printf(out, "%lld", (long long)i);
    }
    case json_type_double:
        return write_double(out, json_object_get_double(v));
    case json_type_string:
        return hcsi_json_write_string(out, json_object_get_string(v),
                                      (size_t)json_object_get_string_len(v), flags);
    case json_type_array: {
        size_t i, n = json_object_array_length(v);
        r = hcsi_buf_putc(out, '[');
        for (i = 0; HCS_SUCCEEDED(r) && i < n; i++) {
            if (i)
                r = hcsi_buf_putc(out, ',');
            if (HCS_SUCCEEDED(r))
                r = write_value(out, json_object_array_get_idx(v, i), flags, depth + 1);
        }
        return HCS_SUCCEEDED(r) ? hcsi_buf_putc(out, ']') : r;
    }
    case json_type_object: {
        int first = 1;
        r = hcsi_buf_putc(out, '{');
        json_object_object_foreach(v, key, val) {
            if (HCS_FAILED(r))
                break;
            if (!first)
                r = hcsi_buf_putc(out, ',');
            first = 0;
            if (HCS_SUCCEEDED(r))
                r = hcsi_json_write_string(out, key, strlen(key), flags);
            if (HCS_SUCCEEDED(r))
                r = hcsi_buf_putc(out, ':');
            if (HCS_SUCCEEDED(r))
                r = write_value(out, val, flags, depth + 1);
        }
        return HCS_SUCCEEDED(r) ? hcsi_buf_putc(out, '}') : r;
    }
    }
    return hcsi_err(HCS_ERR_INVALIDARG, "unknown JSON value type");
}

hcs_result hcsi_json_write(hcsi_buf *out, const hcsi_json *v, unsigned flags)
{
    return write_value(out, v, flags, 0);
}

hcs_result hcsi_json_to_string(const hcsi_json *v, unsigned flags, char **out)
{
    hcsi_buf b;
    hcs_result r;
    hcsi_buf_init(&b, 0);
    r = hcsi_json_write(&b, v, flags);
    if (HCS_FAILED(r)) {
        hcsi_buf_free(&b);
        return r;
    }
    *out = hcsi_buf_steal(&b, NULL);
    return *out ? HCS_S_OK : hcsi_err_oom();
}

/* ---- construction ---- */

hcsi_json *hcsi_json_object(void) { return json_object_new_object(); }
hcsi_json *hcsi_json_array(void) { return json_object_new_array(); }
hcsi_json *hcsi_json_string(const char *s) { return json_object_new_string(s ? s : ""); }
hcsi_json *hcsi_json_string_len(const char *s, size_t len)
{
    if (len > 0x7FFFFFFF)
        return NULL;
    return json_object_new_string_len(s, (int)len);
}
hcsi_json *hcsi_json_int(int64_t v) { return json_object_new_int64(v); }
hcsi_json *hcsi_json_uint(uint64_t v) { return json_object_new_uint64(v); }
hcsi_json *hcsi_json_bool(int v) { return json_object_new_boolean(v ? 1 : 0); }
hcsi_json *hcsi_json_double(double v) { return json_object_new_double(v); }
hcsi_json *hcsi_json_get_ref(hcsi_json *v) { return json_object_get(v); }
void hcsi_json_put(hcsi_json *v)
{
    if (v)
        json_object_put(v);
}

hcs_result hcsi_json_set(hcsi_json *obj, const char *key, hcsi_json *val)
{
    if (!obj || json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        return hcsi_err_oom();
    }
    return HCS_S_OK;
}

/* A NULL from a constructor means out-of-memory; hcsi_json_set would store
 * a JSON null instead, so the typed setters check first. */
static hcs_result set_new(hcsi_json *obj, const char *key, hcsi_json *val)
{
    if (!val)
        return hcsi_err_oom();
    return hcsi_json_set(obj, key, val);
}

hcs_result hcsi_json_set_str(hcsi_json *obj, const char *key, const char *s)
{
    return set_new(obj, key, hcsi_json_string(s));
}
hcs_result hcsi_json_set_int(hcsi_json *obj, const char *key, int64_t v)
{
    return set_new(obj, key, hcsi_json_int(v));
}
hcs_result hcsi_json_set_uint(hcsi_json *obj, const char *key, uint64_t v)
{
    return set_new(obj, key, hcsi_json_uint(v));
}
hcs_result hcsi_json_set_bool(hcsi_json *obj, const char *key, int v)
{
    return set_new(obj, key, hcsi_json_bool(v));
}

hcs_result hcsi_json_append(hcsi_json *arr, hcsi_json *val)
{
    if (!arr || json_object_array_add(arr, val) != 0) {
        json_object_put(val);
        return hcsi_err_oom();
    }
    return HCS_S_OK;
}

/* ---- inspection ---- */

hcsi_json_kind hcsi_json_kind_of(const hcsi_json *v)
{
    switch (json_object_get_type((struct json_object *)v)) {
    case json_type_boolean: return HCSI_JSON_BOOL;
    case json_type_int: return HCSI_JSON_INT;
    case json_type_double: return HCSI_JSON_DOUBLE;
    case json_type_string: return HCSI_JSON_STRING;
    case json_type_array: return HCSI_JSON_ARRAY;
    case json_type_object: return HCSI_JSON_OBJECT;
    default: return HCSI_JSON_NULL;
    }
}

const char *hcsi_json_kind_name(hcsi_json_kind k)
{
    static const char *const names[] = {"null", "boolean", "integer", "number",
                                        "string", "array", "object"};
    return (unsigned)k < HCSI_ARRAY_LEN(names) ? names[k] : "unknown";
}

hcsi_json *hcsi_json_get(const hcsi_json *obj, const char *key)
{
    struct json_object *v = NULL;
    if (!obj || !json_object_is_type((struct json_object *)obj, json_type_object))
        return NULL;
    if (!json_object_object_get_ex((struct json_object *)obj, key, &v))
        return NULL;
    return v;
}

size_t hcsi_json_array_len(const hcsi_json *arr)
{
    if (!arr || !json_object_is_type((struct json_object *)arr, json_type_array))
        return 0;
    return json_object_array_length(arr);
}

hcsi_json *hcsi_json_array_at(const hcsi_json *arr, size_t i)
{
    if (i >= hcsi_json_array_len(arr))
        return NULL;
    return json_object_array_get_idx(arr, i);
}

size_t hcsi_json_object_len(const hcsi_json *obj)
{
    if (!obj || !json_object_is_type((struct json_object *)obj, json_type_object))
        return 0;
    return (size_t)json_object_object_length((struct json_object *)obj);
}

static int wrong_type(const char *ctx, const char *key, const char *want,
                      const hcsi_json *v)
{
    hcsi_err(HCS_ERR_INVALID_JSON, "%s%s%s: expected %s, got %s",
             ctx ? ctx : "", ctx ? "." : "", key, want,
             hcsi_json_kind_name(hcsi_json_kind_of(v)));
    return -1;
}

/* The member key of obj when it is of kind (*v, 1); 0 when absent, -1 (error
 * naming ctx.key and what was wanted) when of another kind. */
static int get_kind(const hcsi_json *obj, const char *ctx, const char *key,
                    hcsi_json_kind kind, const char *want, hcsi_json **v)
{
    hcsi_json *m = hcsi_json_get(obj, key);
    if (!m)
        return 0;
    if (hcsi_json_kind_of(m) != kind)
        return wrong_type(ctx, key, want, m);
    *v = m; /* only on success: callers' outputs stay as they were */
    return 1;
}

int hcsi_json_get_str(const hcsi_json *obj, const char *ctx, const char *key,
                      const char **out, size_t *len)
{
    hcsi_json *v;
    int rc = get_kind(obj, ctx, key, HCSI_JSON_STRING, "a string", &v);
    if (rc > 0)
        *out = hcsi_json_str(v, len);
    return rc;
}

/* Integer members: JSON integers only (a number with a fraction or
 * exponent is a type error, as in Go), within [lo, hi] (lo <= 0); *bits is
 * the value in two's complement. */
static int get_int(const hcsi_json *obj, const char *ctx, const char *key, int64_t lo,
                   uint64_t hi, const char *range, uint64_t *bits)
{
    hcsi_json *v;
    int64_t i;
    int rc = get_kind(obj, ctx, key, HCSI_JSON_INT, "an integer", &v);
    if (rc <= 0)
        return rc;
    i = json_object_get_int64(v);
    if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
        /* beyond int64: only a uint64 holds it */
        *bits = json_object_get_uint64(v);
        if (hi == UINT64_MAX)
            return 1;
    } else if (i >= lo && (i < 0 || (uint64_t)i <= hi)) {
        *bits = (uint64_t)i;
        return 1;
    }
    hcsi_err(HCS_ERR_INVALID_JSON, "%s%s%s: integer out of range (%s)", ctx ? ctx : "",
             ctx ? "." : "", key, range);
    return -1;
}

/* The integer getters' types: range and how the value is stored. */
enum { AS_I64, AS_U64, AS_I32, AS_U32 };

static int get_int_as(const hcsi_json *obj, const char *ctx, const char *key, int as,
                      void *out)
{
    static const struct {
        int64_t lo;
        uint64_t hi;
        const char *name;
    } t[] = {{INT64_MIN, INT64_MAX, "int64"},
             {0, UINT64_MAX, "uint64"},
             /* above INT32_MAX, up to UINT32_MAX: taken as the 32-bit
              * pattern (a 32-bit field written unsigned) */
             {INT32_MIN, UINT32_MAX, "int32"},
             {0, UINT32_MAX, "uint32"}};
    uint64_t b;
    int rc = get_int(obj, ctx, key, t[as].lo, t[as].hi, t[as].name, &b);
    if (rc <= 0)
        return rc;
    switch (as) {
    case AS_I64: *(int64_t *)out = (int64_t)b; break;
    case AS_U64: *(uint64_t *)out = b; break;
    case AS_I32: *(int32_t *)out = (int32_t)(uint32_t)b; break;
    default: *(uint32_t *)out = (uint32_t)b; break;
    }
    return 1;
}

int hcsi_json_get_i64(const hcsi_json *obj, const char *ctx, const char *key, int64_t *out)
{
    return get_int_as(obj, ctx, key, AS_I64, out);
}

int hcsi_json_get_u64(const hcsi_json *obj, const char *ctx, const char *key, uint64_t *out)
{
    return get_int_as(obj, ctx, key, AS_U64, out);
}

int hcsi_json_get_i32(const hcsi_json *obj, const char *ctx, const char *key, int32_t *out)
{
    return get_int_as(obj, ctx, key, AS_I32, out);
}

int hcsi_json_get_u32(const hcsi_json *obj, const char *ctx, const char *key, uint32_t *out)
{
    return get_int_as(obj, ctx, key, AS_U32, out);
}

int hcsi_json_get_bool(const hcsi_json *obj, const char *ctx, const char *key,
                       int *out)
{
    hcsi_json *v;
    int rc = get_kind(obj, ctx, key, HCSI_JSON_BOOL, "a boolean", &v);
    if (rc > 0)
        *out = hcsi_json_boolval(v);
    return rc;
}

int hcsi_json_get_obj(const hcsi_json *obj, const char *ctx, const char *key,
                      hcsi_json **out)
{
    return get_kind(obj, ctx, key, HCSI_JSON_OBJECT, "an object", out);
}

int hcsi_json_get_arr(const hcsi_json *obj, const char *ctx, const char *key,
                      hcsi_json **out)
{
    return get_kind(obj, ctx, key, HCSI_JSON_ARRAY, "an array", out);
}

const char *hcsi_json_str(const hcsi_json *v, size_t *len)
{
    if (len)
        *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string((struct json_object *)v);
}

int64_t hcsi_json_i64(const hcsi_json *v) { return json_object_get_int64(v); }
int hcsi_json_boolval(const hcsi_json *v) { return json_object_get_boolean(v) ? 1 : 0; }

void hcsi_json_iter_init(const hcsi_json *obj, hcsi_json_iter *it)
{
    it->entry = NULL;
    if (obj && json_object_is_type((struct json_object *)obj, json_type_object))
        it->entry = json_object_get_object((struct json_object *)obj)->head;
}

int hcsi_json_iter_next(hcsi_json_iter *it, const char **key, hcsi_json **val)
{
    struct lh_entry *e = (struct lh_entry *)it->entry;
    if (!e)
        return 0;
    *key = (const char *)lh_entry_k(e);
    *val = (hcsi_json *)lh_entry_v(e);
    it->entry = lh_entry_next(e);
    return 1;
}
