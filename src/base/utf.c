/* Strict UTF-8 <-> UTF-16 conversion, written once for every OS so that the
 * same input is rejected the same way on Linux and Windows. */
#include <stdlib.h>
#include <string.h>

#include "base/platform.h"
#include "base/internal.h"

#define NO_XLATE ((hcs_result)0x80070459u) /* ERROR_NO_UNICODE_TRANSLATION */

/* Decodes one scalar value at s[i..len). Returns its length (1-4) or 0 when
 * malformed, with *why set. */
static size_t utf8_decode(const unsigned char *s, size_t i, size_t len,
                          uint32_t *cp, const char **why)
{
    unsigned char c = s[i];
    size_t n, k;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        *why = (c == 0xC0 || c == 0xC1) ? "overlong encoding"
               : (c >= 0x80 && c <= 0xBF) ? "unexpected continuation byte"
                                          : "invalid lead byte";
        return 0;
    }
    if (len - i < n) {
        /* Report truncation only if what is there is well-formed so far. */
        for (k = 1; k < len - i; k++)
            if ((s[i + k] & 0xC0) != 0x80) {
                *why = "missing continuation byte";
                return 0;
            }
        *why = "truncated sequence";
        return 0;
    }
    for (k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            *why = "missing continuation byte";
            return 0;
        }
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min) {
        *why = "overlong encoding";
        return 0;
    }
    if (v >= 0xD800 && v <= 0xDFFF) {
        *why = "encoded surrogate";
        return 0;
    }
    if (v > 0x10FFFF) {
        *why = "code point above U+10FFFF";
        return 0;
    }
    *cp = v;
    return n;
}

int hcsi_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    size_t i = 0, n;
    uint32_t cp;
    const char *why;
    while (i < len) {
        n = utf8_decode((const unsigned char *)s, i, len, &cp, &why);
        if (!n) {
            if (bad_offset)
                *bad_offset = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

hcs_result hcsi_utf8_to_utf16(const char *s, size_t len, uint16_t **out,
                              size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, units = 0, n, w = 0;
    uint32_t cp;
    const char *why = NULL;
    uint16_t *r;
    if (!s || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "UTF-8 to UTF-16: NULL argument");
    if (len == (size_t)-1)
        len = strlen(s);
    /* First pass validates and counts. */
    while (i < len) {
        n = utf8_decode(u, i, len, &cp, &why);
        if (!n)
            return hcsi_err(NO_XLATE,
                            "invalid UTF-8 at byte offset %zu: %s (byte 0x%02X)",
                            i, why, u[i]);
        if (u[i] == 0)
            return hcsi_err(NO_XLATE,
                            "invalid UTF-8 at byte offset %zu: embedded NUL", i);
        units += cp >= 0x10000 ? 2 : 1;
        i += n;
    }
    r = (uint16_t *)hcsi_calloc(units + 1, sizeof(uint16_t));
    if (!r)
        return hcsi_err_oom();
    for (i = 0; i < len; i += n) {
        n = utf8_decode(u, i, len, &cp, &why);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            r[w++] = (uint16_t)(0xD800 + (cp >> 10));
            r[w++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            r[w++] = (uint16_t)cp;
        }
    }
    r[w] = 0;
    *out = r;
    if (out_len)
        *out_len = w;
    return HCS_S_OK;
}

/* Unpaired surrogates (and, when lenient, embedded NULs stay errors) are
 * an error, or U+FFFD when lenient. */
static hcs_result utf16_to_utf8(const uint16_t *s, size_t len, int lenient, char **out,
                                size_t *out_len)
{
    size_t i, bytes = 0, w = 0;
    uint32_t cp;
    unsigned char *r;
    if (!s || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "UTF-16 to UTF-8: NULL argument");
    if (len == (size_t)-1)
        for (len = 0; s[len]; len++)
            ;
    for (i = 0; i < len; i++) {
        uint16_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 &&
            s[i + 1] <= 0xDFFF) {
            bytes += 4;
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            if (!lenient)
                return hcsi_err(NO_XLATE, "invalid UTF-16 at unit %zu: unpaired %s surrogate 0x%04X",
                                i, c <= 0xDBFF ? "high" : "low", c);
            bytes += 3; /* U+FFFD */
        } else if (c == 0) {
            return hcsi_err(NO_XLATE, "invalid UTF-16 at unit %zu: embedded NUL", i);
        } else {
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
    }
    r = (unsigned char *)hcsi_malloc(bytes + 1);
    if (!r)
        return hcsi_err_oom();
    for (i = 0; i < len; i++) {
        cp = s[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 &&
            s[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (cp < 0x80) {
            r[w++] = (unsigned char)cp;
        } else if (cp < 0x800) {
            r[w++] = (unsigned char)(0xC0 | (cp >> 6));
            r[w++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            r[w++] = (unsigned char)(0xE0 | (cp >> 12));
            r[w++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            r[w++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            r[w++] = (unsigned char)(0xF0 | (cp >> 18));
            r[w++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            r[w++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            r[w++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    r[w] = 0;
    *out = (char *)r;
    if (out_len)
        *out_len = w;
    return HCS_S_OK;
}

hcs_result hcsi_utf16_to_utf8(const uint16_t *s, size_t len, char **out, size_t *out_len)
{
    return utf16_to_utf8(s, len, 0, out, out_len);
}

hcs_result hcsi_utf16_to_utf8_lenient(const uint16_t *s, size_t len, char **out,
                                      size_t *out_len)
{
    return utf16_to_utf8(s, len, 1, out, out_len);
}
