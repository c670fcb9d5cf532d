/* GCS transports: socket and fd-pair streams, address parsing, listeners. */
#include "gcs/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs/gcs_protocol.h"

#ifdef _WIN32
#  include <winsock2.h>
#  include <windows.h>
#else
#  include <errno.h>
#  include <fcntl.h>
#  include <poll.h>
#  include <sys/socket.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

/* ================= socket stream ================= */

typedef struct sock_stream {
    hcsi_gcs_stream base;
    hcsi_sock sock;
} sock_stream;

static hcs_result ss_read(hcsi_gcs_stream *s, void *buf, size_t n, size_t *got)
{
    return hcsi_sock_read(((sock_stream *)s)->sock, buf, n, got);
}

static hcs_result ss_write(hcsi_gcs_stream *s, const void *buf, size_t n)
{
    return hcsi_sock_write_full(((sock_stream *)s)->sock, buf, n);
}

static hcs_result ss_wait(hcsi_gcs_stream *s, int64_t timeout_ms)
{
    return hcsi_sock_wait_readable(((sock_stream *)s)->sock, timeout_ms);
}

static void ss_shutdown(hcsi_gcs_stream *s)
{
    hcsi_sock_shutdown_both(((sock_stream *)s)->sock);
}

static void ss_destroy(hcsi_gcs_stream *s)
{
    if (!s)
        return;
    hcsi_sock_close(((sock_stream *)s)->sock);
    free(s);
}

static const hcsi_gcs_stream_ops g_sock_ops = {ss_read, ss_write, ss_wait, ss_shutdown,
                                              ss_destroy};

hcs_result hcsi_gcs_stream_from_sock(hcsi_sock s, hcsi_gcs_stream **out)
{
    sock_stream *st = (sock_stream *)hcsi_calloc(1, sizeof *st);
    if (!st) {
        hcsi_sock_close(s);
        return hcsi_err_oom();
    }
    st->base.ops = &g_sock_ops;
    st->sock = s;
    *out = &st->base;
    return HCS_S_OK;
}

hcs_result hcsi_gcs_stream_read_fn(void *ctx, void *buf, size_t n, size_t *got)
{
    hcsi_gcs_stream *s = (hcsi_gcs_stream *)ctx;
    return s->ops->read(s, buf, n, got);
}

/* ================= fd-pair stream ================= */

#ifdef _WIN32

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

#else /* POSIX */

typedef struct fd_stream {
    hcsi_gcs_stream base;
    int rd, wr;
    int own;
    int wake[2]; /* self-pipe: shutdown writes a byte, pollers wake */
    hcsi_mutex lock;
    int down;
} fd_stream;

static int fs_is_down(fd_stream *f)
{
    int d;
    hcsi_mutex_lock(&f->lock);
    d = f->down;
    hcsi_mutex_unlock(&f->lock);
    return d;
}

/* Waits for `events` on fd or a shutdown; returns 1 ready, 0 shut down,
 * -1 timed out (timeout_ms < 0: forever). */
static int fs_poll(fd_stream *f, int fd, short events, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    for (;;) {
        int ms = -1;
        struct pollfd p[2];
        int rc;
        p[0].fd = fd;
        p[0].events = events;
        p[0].revents = 0;
        p[1].fd = f->wake[0];
        p[1].events = POLLIN;
        p[1].revents = 0;
        if (timeout_ms >= 0) {
            uint64_t now = hcsi_now_ns();
            ms = now >= deadline ? 0 : (int)((deadline - now + 999999u) / 1000000u);
        }
        rc = poll(p, 2, ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            return -1;
        if (p[1].revents)
            return 0;
        return 1;
    }
}

static hcs_result fs_wait(hcsi_gcs_stream *s, int64_t timeout_ms)
{
    fd_stream *f = (fd_stream *)s;
    if (fs_poll(f, f->rd, POLLIN, timeout_ms) < 0)
        return hcsi_err(HCS_ERR_CONNECTION_TIMEOUT, "timed out after %lld ms",
                        (long long)timeout_ms);
    return HCS_S_OK;
}

static hcs_result fs_read(hcsi_gcs_stream *s, void *buf, size_t n, size_t *got)
{
    fd_stream *f = (fd_stream *)s;
    *got = 0;
    for (;;) {
        ssize_t r;
        if (fs_is_down(f))
            return HCS_S_OK;
        r = read(f->rd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return HCS_S_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET)
            return HCS_S_OK;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "read: %s", strerror(errno));
        if (fs_poll(f, f->rd, POLLIN, -1) == 0)
            return HCS_S_OK;
    }
}

static hcs_result fs_write(hcsi_gcs_stream *s, const void *buf, size_t n)
{
    fd_stream *f = (fd_stream *)s;
    const char *p = (const char *)buf;
    while (n > 0) {
        ssize_t w;
        if (fs_is_down(f))
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "write: stream shut down");
        w = hcsi_write_nosigpipe(f->wr, p, n); /* a pipe: never SIGPIPE */
        if (w >= 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return hcsi_err(errno == EPIPE ? HCS_ERR_CONNECTION_CLOSED
                                           : HCS_ERR_WIN32_BROKEN_PIPE,
                            "write: %s", strerror(errno));
        if (fs_poll(f, f->wr, POLLOUT, -1) == 0)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "write: stream shut down");
    }
    return HCS_S_OK;
}

static void fs_shutdown(hcsi_gcs_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    char c = 1;
    hcsi_mutex_lock(&f->lock);
    if (!f->down) {
        f->down = 1;
        if (write(f->wake[1], &c, 1) < 0) {
            /* the pipe is empty and ours: cannot fail in practice */
        }
    }
    hcsi_mutex_unlock(&f->lock);
}

static void fs_destroy(hcsi_gcs_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    if (!f)
        return;
    if (f->own) {
        close(f->rd);
        if (f->wr != f->rd)
            close(f->wr);
    }
    close(f->wake[0]);
    close(f->wake[1]);
    hcsi_mutex_destroy(&f->lock);
    free(f);
}

static const hcsi_gcs_stream_ops g_fd_ops = {fs_read, fs_write, fs_wait, fs_shutdown,
                                            fs_destroy};

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

hcs_result hcsi_gcs_stream_from_fds(intptr_t rd, intptr_t wr, int own,
                                    hcsi_gcs_stream **out)
{
    fd_stream *f;
    if (rd < 0 || wr < 0 || rd > 0x7FFFFFFF || wr > 0x7FFFFFFF)
        return hcsi_err(HCS_ERR_INVALIDARG, "invalid fd pair (%ld, %ld)",
                        (long)rd, (long)wr);
    f = (fd_stream *)hcsi_calloc(1, sizeof *f);
    if (!f)
        return hcsi_err_oom();
    if (pipe(f->wake) != 0) {
        int e = errno;
        free(f);
        return hcsi_err(HCS_ERR_FAIL, "pipe: %s", strerror(e));
    }
    fcntl(f->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(f->wake[1], F_SETFD, FD_CLOEXEC);
    if (!set_nonblock((int)rd) || !set_nonblock((int)wr)) {
        int e = errno;
        close(f->wake[0]);
        close(f->wake[1]);
        free(f);
        return hcsi_err(HCS_ERR_INVALIDARG, "fd pair (%ld, %ld): %s", (long)rd,
                        (long)wr, strerror(e));
    }
    hcsi_mutex_init(&f->lock);
    f->base.ops = &g_fd_ops;
    f->rd = (int)rd;
    f->wr = (int)wr;
    f->own = own;
    *out = &f->base;
    return HCS_S_OK;
}

#endif

/* ================= addresses ================= */

void hcsi_gcs_vsock_service_guid(uint32_t port, hcs_guid *out)
{
    hcs_guid_parse(HCS_GCS_HVSOCK_TEMPLATE, out);
    out->data1 = port;
}

void hcsi_gcs_pack_sockaddr_vm(uint32_t cid, uint32_t port, uint8_t out[16])
{
    uint16_t fam = HCSI_AF_VSOCK_LINUX;
    memset(out, 0, 16);
    /* Host byte order, as the kernel's struct sockaddr_vm. */
    memcpy(out, &fam, 2);
    memcpy(out + 4, &port, 4);
    memcpy(out + 8, &cid, 4);
}

void hcsi_gcs_pack_sockaddr_hv(const hcs_guid *vm_id, const hcs_guid *service_id,
                               uint8_t out[36])
{
    uint16_t fam = HCSI_AF_HYPERV;
    memset(out, 0, 36);
    memcpy(out, &fam, 2);
    hcs_guid_to_bytes(vm_id, out + 4);
    hcs_guid_to_bytes(service_id, out + 20);
}

static hcs_result parse_port(const char *s, const char *text, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS address \"%s\": missing vsock port number", text);
    v = strtoull(s, &end, 0);
    if (*end || v > 0xFFFFFFFFull)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS address \"%s\": \"%s\" is not a 32-bit port number",
                        text, s);
    *out = (uint32_t)v;
    return HCS_S_OK;
}

hcs_result hcsi_gcs_addr_parse(const char *text, hcsi_gcs_addr *out)
{
    hcs_result hr;
    memset(out, 0, sizeof *out);
    if (!text)
        return hcsi_err(HCS_ERR_INVALIDARG, "GCS address: NULL");
    if (strncmp(text, "vsock:", 6) == 0) {
        out->kind = HCSI_GCS_ADDR_VSOCK;
        if (text[6] == '\0') {
            out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
            return HCS_S_OK;
        }
        return parse_port(text + 6, text, &out->port);
    }
    if (strncmp(text, "hvsock:", 7) == 0) {
        const char *p = text + 7;
        char vm[40];
        out->kind = HCSI_GCS_ADDR_HVSOCK;
        if (strlen(p) < HCS_GUID_STRING_LEN ||
            (p[HCS_GUID_STRING_LEN] && p[HCS_GUID_STRING_LEN] != ':'))
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "GCS address \"%s\": expected hvsock:VMID[:SERVICEGUID] "
                            "with 36-character GUIDs", text);
        memcpy(vm, p, HCS_GUID_STRING_LEN);
        vm[HCS_GUID_STRING_LEN] = '\0';
        hr = hcs_guid_parse(vm, &out->vm_id);
        if (HCS_FAILED(hr))
            return hcsi_err_wrap(hr, "GCS address \"%s\": VM id", text);
        if (p[HCS_GUID_STRING_LEN] == ':') {
            hr = hcs_guid_parse(p + HCS_GUID_STRING_LEN + 1, &out->service_id);
            if (HCS_FAILED(hr))
                return hcsi_err_wrap(hr, "GCS address \"%s\": service id", text);
            out->has_service = 1;
        }
        out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        return HCS_S_OK;
    }
    if (strncmp(text, "unix:", 5) == 0) {
        size_t n = strlen(text + 5);
        if (n == 0)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "GCS address \"%s\": missing directory", text);
        out->kind = HCSI_GCS_ADDR_UNIX;
        out->dir = hcsi_strdup(text + 5);
        if (!out->dir)
            return hcsi_err_oom();
        /* "unix:DIR/" and "unix:DIR" name the same directory */
        while (n > 1 && (out->dir[n - 1] == '/' || out->dir[n - 1] == '\\'))
            out->dir[--n] = '\0';
        out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        return HCS_S_OK;
    }
    return hcsi_err(HCS_ERR_INVALIDARG,
                    "GCS address \"%s\": expected vsock:PORT, "
                    "hvsock:VMID[:SERVICEGUID] or unix:DIR", text);
}

void hcsi_gcs_addr_free(hcsi_gcs_addr *a)
{
    if (!a)
        return;
    free(a->dir);
    a->dir = NULL;
}

static char *unix_port_path(const hcsi_gcs_addr *a, uint32_t port)
{
    return hcsi_asprintf("%s/%lu", a->dir, (unsigned long)port);
}

#ifdef _WIN32
static hcs_result listen_hv(const hcs_guid *vm, const hcs_guid *svc, hcsi_sock *out)
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
#else
static hcs_result listen_vsock(uint32_t port, hcsi_sock *out)
{
#  ifdef __linux__
    uint8_t sa[16];
    int fd;
    hcsi_gcs_pack_sockaddr_vm(HCSI_VMADDR_CID_ANY, port, sa);
    fd = socket(HCSI_AF_VSOCK_LINUX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED, "AF_VSOCK socket: %s",
                        strerror(errno));
    if (bind(fd, (const struct sockaddr *)sa, sizeof sa) != 0 ||
        listen(fd, 16) != 0) {
        int e = errno;
        close(fd);
        return hcsi_err(HCS_ERR_CONNECT_FAILED,
                        "cannot listen on vsock port %lu (0x%08lx): %s",
                        (unsigned long)port, (unsigned long)port, strerror(e));
    }
    *out = fd;
    return HCS_S_OK;
#  else
    (void)port;
    (void)out;
    return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED, "vsock: AF_VSOCK is Linux-only");
#  endif
}
#endif

static hcs_result listen_kind(const hcsi_gcs_addr *a, uint32_t port,
                              const hcs_guid *svc, hcsi_sock *out)
{
    switch (a->kind) {
    case HCSI_GCS_ADDR_UNIX: {
        char *path = unix_port_path(a, port);
        hcs_result hr;
        if (!path)
            return hcsi_err_oom();
        hr = hcsi_sock_listen_unix(path, out);
        free(path);
        return hr;
    }
    case HCSI_GCS_ADDR_VSOCK:
#ifdef _WIN32
        (void)port;
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                        "vsock: AF_VSOCK is Linux-only (use hvsock:VMID on Windows)");
#else
        return listen_vsock(port, out);
#endif
    case HCSI_GCS_ADDR_HVSOCK:
#ifdef _WIN32
        return listen_hv(&a->vm_id, svc, out);
#else
        (void)svc;
        return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                        "hvsock: AF_HYPERV is Windows-only (use vsock:PORT on Linux)");
#endif
    }
    return hcsi_err(HCS_ERR_INVALIDARG, "GCS address: unknown kind");
}

hcs_result hcsi_gcs_addr_listen_bridge(const hcsi_gcs_addr *a, int windows_guest,
                                       hcsi_sock *out)
{
    hcs_guid svc;
    hcs_result hr = hcsi_net_init();
    if (HCS_FAILED(hr))
        return hr;
    if (a->has_service)
        svc = a->service_id;
    else
        hcs_guid_parse(windows_guest ? HCS_GCS_WINDOWS_SERVICE_ID
                                     : HCS_GCS_LINUX_SERVICE_ID, &svc);
    return listen_kind(a, a->port, &svc, out);
}

hcs_result hcsi_gcs_addr_listen_port(const hcsi_gcs_addr *a, uint32_t port,
                                     hcsi_sock *out)
{
    hcs_guid svc;
    hcs_result hr = hcsi_net_init();
    if (HCS_FAILED(hr))
        return hr;
    hcsi_gcs_vsock_service_guid(port, &svc);
    return listen_kind(a, port, &svc, out);
}

void hcsi_gcs_addr_unlink_port(const hcsi_gcs_addr *a, uint32_t port)
{
    char *path;
    if (a->kind != HCSI_GCS_ADDR_UNIX)
        return;
    path = unix_port_path(a, port);
    if (!path)
        return;
#ifdef _WIN32
    DeleteFileA(path);
#else
    unlink(path);
#endif
    free(path);
}
