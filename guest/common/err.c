/* hcs-gcs: the one guest error type (hcsg_err: an HRESULT and Go's
 * err.Error() text), as the Go GCS builds its errors (gcserr). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gcs.h"

void hcsg_err_clear(hcsg_err *e)
{
    e->hr = 0;
    e->msg[0] = '\0';
}

void hcsg_err_bare(hcsg_err *e, int32_t hr)
{
    e->hr = hr;
    snprintf(e->msg, sizeof e->msg, "HRESULT: 0x%x", (unsigned)(uint32_t)hr);
}

void hcsg_err_wrap(hcsg_err *e, int32_t hr, const char *fmt, ...)
{
    va_list ap;
    int n;
    e->hr = hr;
    n = snprintf(e->msg, sizeof e->msg, "HRESULT 0x%x: ", (unsigned)(uint32_t)hr);
    if (n < 0 || (size_t)n >= sizeof e->msg)
        return;
    va_start(ap, fmt);
    vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
    va_end(ap);
}

void hcsg_err_plain(hcsg_err *e, const char *fmt, ...)
{
    va_list ap;
    e->hr = HCSG_HR_FAIL;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void hcsg_err_prefix(hcsg_err *e, const char *fmt, ...)
{
    char old[HCSG_MAX_ERROR_MESSAGE];
    va_list ap;
    int n;
    memcpy(old, e->msg, sizeof old);
    va_start(ap, fmt);
    n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= sizeof e->msg)
        return;
    e->msg[n] = ':';
    e->msg[n + 1] = ' ';
    {
        size_t room = sizeof e->msg - (size_t)n - 2, l = strlen(old);
        if (l >= room)
            l = room - 1;
        memcpy(e->msg + n + 2, old, l);
        e->msg[n + 2 + l] = '\0';
    }
    if (e->hr == 0)
        e->hr = HCSG_HR_FAIL;
}
