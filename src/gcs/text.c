/* Guest text made safe to print (see codec.h): hcsi_gcs_sanitize and the
 * classes of code points it escapes, which hcsctl uses too (cli/output.c). */
#include "gcs/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Code points that are invisible or change how the text around them is
 * shown, sorted: Unicode's General_Category Cf (format: the bidi
 * embeddings, overrides and isolates, the marks LRM/RLM/ALM, zero-width
 * spaces and joiners, invisible operators, BOM, soft hyphen, tags, ...;
 * Unicode 15.0), Default_Ignorable_Code_Point (shown as nothing when not
 * supported: fillers, variation selectors, the tag block, ...) and the
 * line and paragraph separators (Zl, Zp). */
static const uint32_t g_invisible[][2] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},
    {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},
    {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},
    {0x2028, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},
    {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0000, 0xE0FFF},
};

int hcsi_gcs_invisible(uint32_t cp)
{
    size_t lo = 0, hi = sizeof g_invisible / sizeof g_invisible[0];
    if (cp < 0xAD)
        return 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < g_invisible[mid][0])
            hi = mid;
        else if (cp > g_invisible[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

size_t hcsi_gcs_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    uint32_t c = p[0], min;
    size_t len, i;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

char *hcsi_gcs_sanitize(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n = strlen(s), w = 0;
    int cut = n > max;
    char *out;
    if (cut)
        n = max;
    /* worst case: 10 output bytes (\UXXXXXXXX) for a 4-byte sequence,
     * 4 (\xNN) for each other byte */
    out = (char *)hcsi_malloc(n * 4 + 8);
    if (!out)
        return NULL;
    while (i < n) {
        uint32_t cp = 0;
        size_t len = hcsi_gcs_utf8_seq(p + i, n - i, &cp);
        if (len == 0 && cut && n - i < 4 && p[i] >= 0xC2 && p[i] <= 0xF4 &&
            hcsi_gcs_utf8_seq(p + i, strlen(s + i), &cp) > n - i)
            break; /* a character cut by max: "..." stands for it */
        if (len == 0 || cp < 0x20 || cp == 0x7F) {
            w += (size_t)snprintf(out + w, 5, "\\x%02X", p[i]); /* control, not UTF-8 */
            i++;
            continue;
        }
        if ((cp >= 0x80 && cp <= 0x9F) || hcsi_gcs_invisible(cp)) {
            w += (size_t)snprintf(out + w, 11, cp > 0xFFFF ? "\\U%08lX" : "\\u%04lX",
                                  (unsigned long)cp);
        } else {
            memcpy(out + w, p + i, len);
            w += len;
        }
        i += len;
    }
    if (cut) {
        memcpy(out + w, "...", 3);
        w += 3;
    }
    out[w] = '\0';
    return out;
}
