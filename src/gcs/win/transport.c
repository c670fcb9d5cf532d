/* GCS transports, Windows half (see transport.h, gcs/os.h): fd-pair
 * streams over HANDLEs, AF_HYPERV listeners, DeleteFile. */
#include "gcs/os.h"

#include <stdlib.h>
#include <string.h>

/* ================= fd-pair stream ================= */

typedef struct fd_stream {
    hcsi_gcs_stream base;
    HANDLE rd, wr;
    int own;
    volatile LONG down;
} fd_stream;

static hcs_result fs_read(hcsi_gcs_stream *s, void *buf, size_t n, size_t *got)
{
    fd_stream *f = (fd_stream *)s;
    DWORD g = 0;
    *got = 0;
    if (InterlockedCompareExchange(&f->down, 0, 0))
        return HCS_S_OK;
    if (n > 0x7FFFFFFF)
        n = 0x7FFFFFFF;
    if (!ReadFile(f->rd, buf, (DWORD)n, &g, NULL)) {
        DWORD e = GetLastError();
        if (e == ERROR_BROKEN_PIPE || e == ERROR_OPERATION_ABORTED ||
            e == ERROR_HANDLE_EOF)
            return HCS_S_OK; /* EOF, or cancelled by shutdown */
        return hcsi_err(hcs_hresult_from_win32(e), "ReadFile: error %lu",
                        (unsigned long)e);
    }
    *got = g;
    return HCS_S_OK;
}

static hcs_result fs_write(hcsi_gcs_stream *s, const void *buf, size_t n)
{
    fd_stream *f = (fd_stream *)s;
    const char *p = (const char *)buf;
    while (n > 0) {
        DWORD w = 0, chunk = n > 0x10000000 ? 0x10000000 : (DWORD)n;
        if (InterlockedCompareExchange(&f->down, 0, 0))
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "write: stream shut down");
        if (!WriteFile(f->wr, p, chunk, &w, NULL)) {
            DWORD e = GetLastError();
            return hcsi_err(hcs_hresult_from_win32(e), "WriteFile: error %lu",
                            (unsigned long)e);
        }
        p += w;
        n -= w;
    }
    return HCS_S_OK;
}

static hcs_result fs_wait(hcsi_gcs_stream *s, int64_t timeout_ms)
{
    fd_stream *f = (fd_stream *)s;
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    /* Pipes have no readiness wait: poll PeekNamedPipe (other handle
     * kinds are reported readable and the read blocks). */
    for (;;) {
        DWORD avail = 0;
        if (InterlockedCompareExchange(&f->down, 0, 0))
            return HCS_S_OK;
        if (!PeekNamedPipe(f->rd, NULL, 0, NULL, &avail, NULL) || avail)
            return HCS_S_OK;
        if (timeout_ms >= 0 && hcsi_now_ns() >= deadline)
            return hcsi_err(HCS_ERR_CONNECTION_TIMEOUT, "timed out after %lld ms",
                            (long long)timeout_ms);
        Sleep(1);
    }
}

static void fs_shutdown(hcsi_gcs_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    InterlockedExchange(&f->down, 1);
    /* Cancels synchronous ReadFile/WriteFile issued by other threads. */
    CancelIoEx(f->rd, NULL);
    if (f->wr != f->rd)
        CancelIoEx(f->wr, NULL);
}

static void fs_destroy(hcsi_gcs_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    if (!f)
        return;
    if (f->own) {
        CloseHandle(f->rd);
        if (f->wr != f->rd)
            CloseHandle(f->wr);
    }
    free(f);
}

static const hcsi_gcs_stream_ops g_fd_ops = {fs_read, fs_write, fs_wait, fs_shutdown,
                                            fs_destroy};

hcs_result hcsi_gcs_stream_from_fds(intptr_t rd, intptr_t wr, int own,
                                    hcsi_gcs_stream **out)
{
    fd_stream *f = (fd_stream *)hcsi_calloc(1, sizeof *f);
    if (!f)
        return hcsi_err_oom();
    f->base.ops = &g_fd_ops;
    f->rd = (HANDLE)rd;
    f->wr = (HANDLE)wr;
    f->own = own;
    *out = &f->base;
    return HCS_S_OK;
}

/* ================= listeners ================= */

hcs_result hcsi_gcs_listen_vsock(uint32_t port, hcsi_sock *out)
{
    (void)port;
    (void)out;
    return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                    "vsock: AF_VSOCK is Linux-only (use hvsock:VMID on Windows)");
}

hcs_result hcsi_gcs_listen_hv(const hcs_guid *vm, const hcs_guid *svc, hcsi_sock *out)
{
    uint8_t sa[36];
    SOCKET s;
    hcs_result hr = hcsi_net_init();
    char g[40];
    if (HCS_FAILED(hr))
        return hr;
    hcsi_gcs_pack_sockaddr_hv(vm, svc, sa);
    hcs_guid_format(svc, g, sizeof g);
    s = socket(HCSI_AF_HYPERV, SOCK_STREAM, HCSI_HV_PROTOCOL_RAW);
    if (s == INVALID_SOCKET)
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                        "AF_HYPERV socket: Winsock error %d", WSAGetLastError());
    if (bind(s, (const struct sockaddr *)sa, (int)sizeof sa) != 0 ||
        listen(s, 16) != 0) {
        int e = WSAGetLastError();
        closesocket(s);
        return hcsi_err(HCS_ERR_CONNECT_FAILED,
                        "cannot listen on hvsock service %s: Winsock error %d", g, e);
    }
    *out = s;
    return HCS_S_OK;
}

void hcsi_gcs_remove_file(const char *path) { DeleteFileA(path); }
