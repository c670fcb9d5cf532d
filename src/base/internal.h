/*
 * Internal helpers shared by every layer of libhcs. Not installed.
 * Internal symbols use the hcsi_ prefix and are never exported.
 */
#ifndef HCS_INTERNAL_H
#define HCS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hcs/error.h"

#if defined(__MINGW32__)
/* mingw's C99 stdio (__USE_MINGW_ANSI_STDIO) understands %zu/%lld. */
#  define HCSI_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
#  define HCSI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define HCSI_PRINTF(f, a)
#endif

/* Records the thread's error (message formatted printf-style) and returns
 * code, so that callers can write `return hcsi_err(HCS_ERR_..., "...")`. */
hcs_result hcsi_err(hcs_result code, const char *fmt, ...) HCSI_PRINTF(2, 3);
hcs_result hcsi_verr(hcs_result code, const char *fmt, va_list ap);
/* Same, with a detail JSON document (copied; may be NULL). */
hcs_result hcsi_err_detail(hcs_result code, const char *detail,
                           const char *fmt, ...) HCSI_PRINTF(3, 4);
/* Prefixes the thread's current error message with context
 * ("bridge: <old message>") and returns its code (or code when none). */
hcs_result hcsi_err_wrap(hcs_result code, const char *fmt, ...)
    HCSI_PRINTF(2, 3);
/* Records out-of-memory (no allocation needed) and returns E_OUTOFMEMORY. */
hcs_result hcsi_err_oom(void);
/* Puts back an error taken with hcs_error_take() (cleanup that may record
 * errors of its own runs in between): e becomes the thread's error again
 * and is freed; returns its code, or hr when e is NULL. */
hcs_result hcsi_err_restore(hcs_error *e, hcs_result hr);

/* Versioned option structs (hcs/common.h): HCS_S_OK when version is the one
 * this library has (expected), else HCS_ERR_INVALIDARG naming the struct. */
hcs_result hcsi_check_version(unsigned version, unsigned expected, const char *type);
/* Defines type_init(type *o, unsigned version): o = INIT after the check. */
#define HCSI_OPTIONS_INIT_FN(type, VERSION, INIT)                                   \
    hcs_result type##_init(type *o, unsigned version)                             \
    {                                                                              \
        static const type def = INIT;                                              \
        hcs_result hr_;                                                            \
        if (!o)                                                                    \
            return hcsi_err(HCS_ERR_POINTER, #type "_init: the options are NULL"); \
        hr_ = hcsi_check_version(version, VERSION, #type);                         \
        if (HCS_SUCCEEDED(hr_))                                                    \
            *o = def;                                                              \
        return hr_;                                                                \
    }

/* 1 when a and b are equal ignoring ASCII case (how Go's encoding/json and
 * runc match JSON member names), else 0. */
int hcsi_ascii_case_equal(const char *a, const char *b);

/* Allocation helpers: NULL on overflow or failure, never abort. */
void *hcsi_malloc(size_t n);
void *hcsi_calloc(size_t count, size_t size);
void *hcsi_realloc(void *p, size_t n);
char *hcsi_strdup(const char *s);
char *hcsi_strndup(const char *s, size_t n);
/* malloc'ed printf; NULL on failure. */
char *hcsi_asprintf(const char *fmt, ...) HCSI_PRINTF(1, 2);
char *hcsi_vasprintf(const char *fmt, va_list ap);

/* Growable byte buffer with a hard cap (max == 0 means SIZE_MAX/2). */
typedef struct hcsi_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} hcsi_buf;

void hcsi_buf_init(hcsi_buf *b, size_t max);
void hcsi_buf_free(hcsi_buf *b);
hcs_result hcsi_buf_reserve(hcsi_buf *b, size_t extra);
hcs_result hcsi_buf_append(hcsi_buf *b, const void *data, size_t n);
hcs_result hcsi_buf_putc(hcsi_buf *b, char c);
hcs_result hcsi_buf_puts(hcsi_buf *b, const char *s);
hcs_result hcsi_buf_printf(hcsi_buf *b, const char *fmt, ...)
    HCSI_PRINTF(2, 3);
/* NUL-terminates and hands the data to the caller (free with free()). */
char *hcsi_buf_steal(hcsi_buf *b, size_t *len);

#define HCSI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* HCS_INTERNAL_H */
