/* Allocation and buffer helpers used throughout the library. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"

void *hcsi_malloc(size_t n) { return malloc(n ? n : 1); }

void *hcsi_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *hcsi_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }

char *hcsi_strndup(const char *s, size_t n)
{
    char *r;
    if (!s || n == SIZE_MAX)
        return NULL;
    r = (char *)malloc(n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *hcsi_strdup(const char *s) { return s ? hcsi_strndup(s, strlen(s)) : NULL; }

char *hcsi_vasprintf(const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    char *r;
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return NULL;
    r = (char *)malloc((size_t)n + 1);
    if (!r)
        return NULL;
    vsnprintf(r, (size_t)n + 1, fmt, ap);
    return r;
}

char *hcsi_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *r;
    va_start(ap, fmt);
    r = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    return r;
}

void hcsi_buf_init(hcsi_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

void hcsi_buf_free(hcsi_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

hcs_result hcsi_buf_reserve(hcsi_buf *b, size_t extra)
{
    size_t need, ncap;
    char *nd;
    if (extra > b->max || b->len > b->max - extra)
        return hcsi_err((hcs_result)0x8007000Eu,
                        "buffer limit of %zu bytes exceeded", b->max);
    need = b->len + extra + 1; /* room for a NUL */
    if (need <= b->cap)
        return HCS_S_OK;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    nd = (char *)realloc(b->data, ncap);
    if (!nd)
        return hcsi_err_oom();
    b->data = nd;
    b->cap = ncap;
    return HCS_S_OK;
}

hcs_result hcsi_buf_append(hcsi_buf *b, const void *data, size_t n)
{
    hcs_result r = hcsi_buf_reserve(b, n);
    if (HCS_FAILED(r))
        return r;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return HCS_S_OK;
}

hcs_result hcsi_buf_putc(hcsi_buf *b, char c) { return hcsi_buf_append(b, &c, 1); }

hcs_result hcsi_buf_puts(hcsi_buf *b, const char *s) { return hcsi_buf_append(b, s, strlen(s)); }

hcs_result hcsi_buf_printf(hcsi_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    hcs_result r;
    va_start(ap, fmt);
    s = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    if (!s)
        return hcsi_err_oom();
    r = hcsi_buf_puts(b, s);
    free(s);
    return r;
}

char *hcsi_buf_steal(hcsi_buf *b, size_t *len)
{
    char *d;
    if (!b->data && HCS_FAILED(hcsi_buf_reserve(b, 0)))
        return NULL;
    d = b->data;
    d[b->len] = '\0';
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

const char *hcs_version(void) { return HCS_VERSION_STRING; }

void hcs_free(void *ptr) { free(ptr); }

int hcsi_ascii_case_equal(const char *a, const char *b)
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
