/* hcsctl's output of untrusted text (guest messages and records, frame
 * bodies, names): JSON string literals and terminal-safe text (cli.h).
 * The unit test tests/gcs/test_gcs_text.c compiles it with the library. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gcs/codec.h"

/* The escaped code points and the UTF-8 decoder are the library's
 * (src/gcs/text.c), so hcsctl and the bridge's messages escape one set. */
int hcsctl_invisible(uint32_t cp) { return hcsi_gcs_invisible(cp); }

static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    return hcsi_gcs_utf8_seq(p, n, cp);
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
