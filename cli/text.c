/* hcsctl's output of untrusted text (guest messages and records, frame
 * bodies, names): JSON string literals and terminal-safe text (cli.h).
 * Self-contained (the unit test tests/gcs/test_gcs_text.c compiles it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Code points printed as escapes although they are valid and not
 * controls, sorted: General_Category Cf (format: bidi embeddings,
 * overrides and isolates U+202A-U+202E, U+2066-U+2069, the marks
 * LRM/RLM/ALM, zero-width space and joiners, invisible operators, BOM,
 * soft hyphen, tags, ...; Unicode 15.0), Default_Ignorable_Code_Point
 * (drawn as nothing: fillers, variation selectors, the tag block, ...)
 * and the line/paragraph separators U+2028/U+2029. The same table as the
 * library's (src/gcs/text.c); test_gcs_text holds both to one list. */
static const uint32_t g_invisible[][2] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},
    {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},
    {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},
    {0x2028, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},
    {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0000, 0xE0FFF},
};

int hcsctl_invisible(uint32_t cp)
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

/* Length of the well-formed UTF-8 sequence at p (n bytes available) with
 * its code point in *cp, or 0 when p[0] does not start one (stray
 * continuation byte, overlong form, surrogate, > U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
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

void hcsctl_json_string_n(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    fputc('"', out);
    while (i < n) {
        uint32_t cp = 0;
        size_t len = utf8_seq(p + i, n - i, &cp);
        if (len == 0) {
            fputs("\\ufffd", out); /* an invalid byte: U+FFFD, one per byte */
            i++;
            continue;
        }
        switch (cp) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            /* C0 (NUL included), DEL, C1 and the invisible code points
             * (the JavaScript line separators among them) as \uXXXX, a
             * surrogate pair above U+FFFF: the same string, nothing raw
             * that could reorder or hide text where it is shown; the rest
             * of valid UTF-8 as is */
            if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || hcsctl_invisible(cp)) {
                if (cp > 0xFFFF)
                    fprintf(out, "\\u%04lx\\u%04lx",
                            (unsigned long)(0xD800 + ((cp - 0x10000) >> 10)),
                            (unsigned long)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
                else
                    fprintf(out, "\\u%04lx", (unsigned long)cp);
            } else {
                fwrite(p + i, 1, len, out);
            }
        }
        i += len;
    }
    fputc('"', out);
}

void hcsctl_json_string(FILE *out, const char *s)
{
    hcsctl_json_string_n(out, s, strlen(s));
}

void hcsctl_text_n(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t len = utf8_seq(p + i, n - i, &cp);
        if (len == 0) {
            fprintf(out, "\\x%02x", p[i]); /* not UTF-8 */
            i++;
            continue;
        }
        if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\r')
            fputs("\\r", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp < 0x20 || cp == 0x7F)
            fprintf(out, "\\x%02x", (unsigned)cp);
        else if ((cp >= 0x80 && cp <= 0x9F) || hcsctl_invisible(cp))
            /* C1 controls (0x9B is a CSI), bidi controls, invisible
             * characters */
            fprintf(out, cp > 0xFFFF ? "\\U%08lx" : "\\u%04lx", (unsigned long)cp);
        else
            fwrite(p + i, 1, len, out);
        i += len;
    }
}

void hcsctl_text(FILE *out, const char *s)
{
    hcsctl_text_n(out, s, strlen(s));
}

/* A Windows command line from argv (CommandLineToArgvW quoting rules). */
char *hcsctl_windows_command_line(char **argv, int n)
{
    size_t cap = 16;
    int i;
    char *out, *p;
    for (i = 0; i < n; i++)
        cap += strlen(argv[i]) * 2 + 3;
    out = p = (char *)malloc(cap);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *a = argv[i];
        int quote = *a == 0 || strpbrk(a, " \t\"") != NULL;
        size_t bs = 0, k;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '"';
        for (; *a; a++) {
            if (*a == '\\') {
                bs++;
                continue;
            }
            /* backslashes before a quote are doubled, plus one for it */
            for (k = 0; k < (*a == '"' ? 2 * bs + 1 : bs); k++)
                *p++ = '\\';
            bs = 0;
            *p++ = *a;
        }
        for (k = 0; k < (quote ? 2 * bs : bs); k++)
            *p++ = '\\';
        if (quote)
            *p++ = '"';
    }
    *p = 0;
    return out;
}
