/* The per-thread error record and the helpers that set it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/platform.h"

/* Thread-local storage with a destructor, so a thread that exits with an
 * error recorded does not leak it. */
#ifdef _WIN32
static DWORD g_fls = FLS_OUT_OF_INDEXES;
#else
static pthread_key_t g_key;
#endif
static hcsi_once g_once = HCSI_ONCE_INIT;

static void err_release(hcs_error *e)
{
    if (!e)
        return;
    free(e->message);
    free(e->detail);
    free(e);
}

#ifdef _WIN32
static void WINAPI tls_dtor(void *p) { err_release((hcs_error *)p); }
static void tls_init(void) { g_fls = FlsAlloc(tls_dtor); }
static hcs_error *tls_get(void)
{
    hcsi_once_run(&g_once, tls_init);
    return g_fls == FLS_OUT_OF_INDEXES ? NULL : (hcs_error *)FlsGetValue(g_fls);
}
static void tls_set(hcs_error *e)
{
    hcsi_once_run(&g_once, tls_init);
    if (g_fls != FLS_OUT_OF_INDEXES)
        FlsSetValue(g_fls, e);
    else
        err_release(e);
}
#else
static void tls_dtor(void *p) { err_release((hcs_error *)p); }
static void tls_init(void) { (void)pthread_key_create(&g_key, tls_dtor); }
static hcs_error *tls_get(void)
{
    hcsi_once_run(&g_once, tls_init);
    return (hcs_error *)pthread_getspecific(g_key);
}
static void tls_set(hcs_error *e)
{
    hcsi_once_run(&g_once, tls_init);
    (void)pthread_setspecific(g_key, e);
}
#endif

const hcs_error *hcs_error_last(void)
{
    hcs_error *e = tls_get();
    return e;
}

hcs_error *hcs_error_take(void)
{
    hcs_error *e = tls_get();
    if (e)
        tls_set(NULL);
    return e;
}

void hcs_error_clear(void)
{
    hcs_error *e = tls_get();
    if (e) {
        tls_set(NULL);
        err_release(e);
    }
}

void hcs_error_free(hcs_error *err) { err_release(err); }

hcs_error *hcs_error_new(hcs_result code, const char *message,
                         const char *detail)
{
    hcs_error *e = (hcs_error *)calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->code = code;
    e->message = hcsi_strdup(message ? message : hcs_strerror(code));
    if (!e->message) {
        free(e);
        return NULL;
    }
    if (detail) {
        e->detail = hcsi_strdup(detail);
        if (!e->detail) {
            err_release(e);
            return NULL;
        }
    }
    return e;
}

/* Replaces the thread's error; takes ownership of message. */
static hcs_result set_owned(hcs_result code, char *message,
                            const char *detail)
{
    hcs_error *e = (hcs_error *)calloc(1, sizeof(*e));
    char *d = NULL;
    if (detail && !(d = hcsi_strdup(detail))) {
        free(e);
        e = NULL;
    }
    if (!e || !message) {
        free(e);
        free(message);
        free(d);
        hcs_error_clear();
        /* Cannot allocate: record nothing rather than crash; callers still
         * get the code. */
        return code;
    }
    e->code = code;
    e->message = message;
    e->detail = d;
    hcs_error_clear();
    tls_set(e);
    return code;
}

hcs_result hcs_error_set(hcs_result code, const char *message,
                         const char *detail)
{
    return set_owned(code, hcsi_strdup(message ? message : hcs_strerror(code)),
                     detail);
}

hcs_result hcsi_verr(hcs_result code, const char *fmt, va_list ap)
{
    return set_owned(code, hcsi_vasprintf(fmt, ap), NULL);
}

hcs_result hcsi_err(hcs_result code, const char *fmt, ...)
{
    va_list ap;
    hcs_result r;
    va_start(ap, fmt);
    r = hcsi_verr(code, fmt, ap);
    va_end(ap);
    return r;
}

hcs_result hcsi_err_detail(hcs_result code, const char *detail,
                           const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    return set_owned(code, msg, detail);
}

hcs_result hcsi_err_wrap(hcs_result code, const char *fmt, ...)
{
    va_list ap;
    char *prefix, *msg;
    hcs_error *cur = tls_get();
    va_start(ap, fmt);
    prefix = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    if (!prefix)
        return cur ? cur->code : code;
    if (!cur)
        return set_owned(code, prefix, NULL);
    msg = hcsi_asprintf("%s: %s", prefix, cur->message);
    free(prefix);
    if (!msg)
        return cur->code;
    free(cur->message);
    cur->message = msg;
    return cur->code;
}

hcs_result hcsi_err_oom(void)
{
    hcs_error *e;
    hcs_error_clear();
    e = hcs_error_new((hcs_result)0x8007000Eu, "out of memory", NULL);
    if (e)
        tls_set(e);
    return (hcs_result)0x8007000Eu;
}

hcs_result hcsi_check_version(unsigned version, unsigned expected, const char *type)
{
    char upper[96];
    size_t i;
    if (version == expected)
        return HCS_S_OK;
    for (i = 0; type[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(type[i] >= 'a' && type[i] <= 'z' ? type[i] - 'a' + 'A' : type[i]);
    upper[i] = '\0';
    if (version == 0)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: version is 0 (not initialised): start from %s_INIT or %s_init()",
                        type, upper, type);
    return hcsi_err(HCS_ERR_INVALIDARG,
                    "%s: version %u is not one this library knows (it has %u): rebuild against "
                    "this library's headers",
                    type, version, expected);
}

hcs_result hcsi_err_restore(hcs_error *e, hcs_result hr)
{
    if (!e)
        return hr;
    hr = hcs_error_set(e->code, e->message, e->detail);
    hcs_error_free(e);
    return hr;
}
