/* Platform helpers that are the same on every OS. */
#include <string.h>

#include "base/platform.h"
#include "base/internal.h"

uint64_t hcsi_deadline_ms(int64_t ms)
{
    uint64_t now;
    if (ms < 0)
        return UINT64_MAX;
    now = hcsi_now_ns();
    if ((uint64_t)ms > (UINT64_MAX - now) / 1000000u)
        return UINT64_MAX;
    return now + (uint64_t)ms * 1000000u;
}

/* Built on hcsi_sock_read, so the same on every OS. */
hcs_result hcsi_unix_path_check(const char *path, size_t size)
{
    size_t n = strlen(path);
    if (n == 0 || n >= size)
        return hcsi_err(HCS_ERR_WIN32_BAD_PATHNAME,
                        "unix socket path \"%s\" is %s (limit %zu bytes)", path,
                        n ? "too long" : "empty", size - 1);
    return HCS_S_OK;
}

hcs_result hcsi_sock_read_full(hcsi_sock s, void *buf, size_t n, size_t *got)
{
    size_t done = 0, g = 0;
    hcs_result r;
    while (done < n) {
        r = hcsi_sock_read(s, (char *)buf + done, n - done, &g);
        if (HCS_FAILED(r)) {
            if (got)
                *got = done;
            return r;
        }
        if (g == 0) {
            if (got)
                *got = done;
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                            "connection closed after %zu of %zu bytes", done, n);
        }
        done += g;
    }
    if (got)
        *got = done;
    return HCS_S_OK;
}
