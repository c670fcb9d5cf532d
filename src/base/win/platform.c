/* Windows implementation of the platform layer (Win32 + Winsock). */
#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform.h"
#include "base/internal.h"

#include <afunix.h>
#include <bcrypt.h>
#include <ws2tcpip.h>

#ifndef BCRYPT_USE_SYSTEM_PREFERRED_RNG
#define BCRYPT_USE_SYSTEM_PREFERRED_RNG 0x00000002
#endif

/* ---- threads ---- */

typedef struct thread_start {
    hcsi_thread_fn fn;
    void *arg;
} thread_start;

static unsigned __stdcall thread_tramp(void *p)
{
    thread_start s = *(thread_start *)p;
    free(p);
    s.fn(s.arg);
    return 0;
}

hcs_result hcsi_thread_start(hcsi_thread *t, hcsi_thread_fn fn, void *arg)
{
    thread_start *s = (thread_start *)malloc(sizeof(*s));
    uintptr_t h;
    if (!s)
        return hcsi_err_oom();
    s->fn = fn;
    s->arg = arg;
    h = _beginthreadex(NULL, 0, thread_tramp, s, 0, NULL);
    if (h == 0) {
        free(s);
        return hcsi_err(HCS_ERR_FAIL, "cannot start thread");
    }
    t->handle = (HANDLE)h;
    return HCS_S_OK;
}

void hcsi_thread_join(hcsi_thread *t)
{
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
}

void hcsi_thread_detach(hcsi_thread *t) { CloseHandle(t->handle); }

void hcsi_mutex_init(hcsi_mutex *m) { InitializeSRWLock(&m->lock); }
void hcsi_mutex_destroy(hcsi_mutex *m) { (void)m; }
void hcsi_mutex_lock(hcsi_mutex *m) { AcquireSRWLockExclusive(&m->lock); }
void hcsi_mutex_unlock(hcsi_mutex *m) { ReleaseSRWLockExclusive(&m->lock); }

void hcsi_cond_init(hcsi_cond *c) { InitializeConditionVariable(&c->cv); }
void hcsi_cond_destroy(hcsi_cond *c) { (void)c; }
void hcsi_cond_wait(hcsi_cond *c, hcsi_mutex *m)
{
    SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
}

int hcsi_cond_wait_until(hcsi_cond *c, hcsi_mutex *m, uint64_t deadline_ns)
{
    uint64_t now = hcsi_now_ns();
    DWORD ms;
    if (deadline_ns == UINT64_MAX) {
        hcsi_cond_wait(c, m);
        return 0;
    }
    if (now >= deadline_ns)
        return 1;
    ms = (deadline_ns - now) / 1000000u >= INFINITE - 1
             ? INFINITE - 1
             : (DWORD)((deadline_ns - now + 999999u) / 1000000u);
    if (!SleepConditionVariableSRW(&c->cv, &m->lock, ms, 0))
        return GetLastError() == ERROR_TIMEOUT;
    return 0;
}
void hcsi_cond_signal(hcsi_cond *c) { WakeConditionVariable(&c->cv); }
void hcsi_cond_broadcast(hcsi_cond *c) { WakeAllConditionVariable(&c->cv); }

static BOOL CALLBACK once_tramp(PINIT_ONCE o, PVOID param, PVOID *ctx)
{
    (void)o;
    (void)ctx;
    ((void (*)(void))param)();
    return TRUE;
}

void hcsi_once_run(hcsi_once *o, void (*fn)(void))
{
    /* A function pointer travels through PVOID: fine on every Windows ABI. */
    InitOnceExecuteOnce(&o->once, once_tramp, *(PVOID *)&fn, NULL);
}

/* ---- time ---- */

uint64_t hcsi_now_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000000u +
           (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000000u /
               (uint64_t)freq.QuadPart;
}

void hcsi_sleep_ms(uint32_t ms) { Sleep(ms); }

/* ---- randomness ---- */

hcs_result hcsi_random_bytes(void *buf, size_t n)
{
    NTSTATUS st;
    if (n > 0xFFFFFFFFu)
        return hcsi_err(HCS_ERR_INVALIDARG, "random: request too large");
    st = BCryptGenRandom(NULL, (PUCHAR)buf, (ULONG)n,
                         BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (st != 0)
        return hcsi_err(HCS_ERR_FAIL, "BCryptGenRandom failed: 0x%08lx",
                        (unsigned long)st);
    return HCS_S_OK;
}

/* ---- sockets ---- */

static char g_wsa_msg[64];

static hcs_result wsa_result(int e)
{
    switch (e) {
    case WSAECONNREFUSED: return HCS_ERR_WIN32_CONNECTION_REFUSED;
    case WSAECONNRESET:
    case WSAECONNABORTED: return HCS_ERR_CONNECTION_CLOSED;
    case WSAEACCES: return HCS_ERR_ACCESSDENIED;
    case WSAEINVAL: return HCS_ERR_INVALIDARG;
    case WSAENOBUFS: return HCS_ERR_OUTOFMEMORY;
    default: return (hcs_result)(0x80070000u | (unsigned)(e & 0xFFFF));
    }
}

const char *hcsi_sock_strerror(void)
{
    /* Wine has no message text for WSA codes: report the number. */
    snprintf(g_wsa_msg, sizeof g_wsa_msg, "Winsock error %d", WSAGetLastError());
    return g_wsa_msg;
}

static int g_wsa_ok;
static void wsa_init(void)
{
    WSADATA d;
    g_wsa_ok = WSAStartup(MAKEWORD(2, 2), &d) == 0;
}
static hcsi_once g_net_once = HCSI_ONCE_INIT;

hcs_result hcsi_net_init(void)
{
    hcsi_once_run(&g_net_once, wsa_init);
    if (!g_wsa_ok)
        return hcsi_err(HCS_ERR_FAIL, "WSAStartup failed");
    return HCS_S_OK;
}

#define SOCK_FAIL(what) \
    hcsi_err(wsa_result(WSAGetLastError()), "%s: Winsock error %d", what, \
             WSAGetLastError())

hcs_result hcsi_sock_pair(hcsi_sock out[2])
{
    /* No socketpair() on Windows: a loopback TCP pair. */
    SOCKET l = INVALID_SOCKET, a = INVALID_SOCKET, c = INVALID_SOCKET;
    struct sockaddr_in sa;
    int len = sizeof(sa), one = 1;
    hcs_result r = hcsi_net_init();
    if (HCS_FAILED(r))
        return r;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (l == INVALID_SOCKET || bind(l, (struct sockaddr *)&sa, sizeof sa) ||
        listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &len)) {
        r = SOCK_FAIL("socket pair listener");
        goto fail;
    }
    c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (c == INVALID_SOCKET || connect(c, (struct sockaddr *)&sa, sizeof sa)) {
        r = SOCK_FAIL("socket pair connect");
        goto fail;
    }
    a = accept(l, NULL, NULL);
    if (a == INVALID_SOCKET) {
        r = SOCK_FAIL("socket pair accept");
        goto fail;
    }
    setsockopt(a, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    closesocket(l);
    out[0] = a;
    out[1] = c;
    return HCS_S_OK;
fail:
    if (l != INVALID_SOCKET)
        closesocket(l);
    if (c != INVALID_SOCKET)
        closesocket(c);
    return r;
}

/* An AF_UNIX stream socket on path (Windows 10 1803+): listening (a stale
 * socket file removed first) or connected. */
static hcs_result unix_open(const char *path, int listening, hcsi_sock *out)
{
    struct sockaddr_un a;
    SOCKET s;
    int bad;
    hcs_result r = hcsi_net_init();
    if (HCS_FAILED(r) || HCS_FAILED(r = hcsi_unix_path_check(path, sizeof(a.sun_path))))
        return r;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path));
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s == INVALID_SOCKET)
        return SOCK_FAIL("AF_UNIX socket");
    if (listening) {
        DeleteFileA(path);
        bad = bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64);
    } else {
        bad = connect(s, (struct sockaddr *)&a, sizeof a) != 0;
    }
    if (bad) {
        r = SOCK_FAIL(listening ? "listen on unix socket" : "connect to unix socket");
        closesocket(s);
        return hcsi_err_wrap(r, "%s", path);
    }
    *out = s;
    return HCS_S_OK;
}

hcs_result hcsi_sock_listen_unix(const char *path, hcsi_sock *out)
{
    return unix_open(path, 1, out);
}

hcs_result hcsi_sock_connect_unix(const char *path, hcsi_sock *out)
{
    return unix_open(path, 0, out);
}

hcs_result hcsi_sock_wait_readable(hcsi_sock s, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    for (;;) {
        WSAPOLLFD p;
        int rc, ms = -1;
        if (timeout_ms >= 0) {
            uint64_t now = hcsi_now_ns();
            ms = now >= deadline ? 0
                 : (deadline - now) / 1000000u > 0x7FFFFFFF
                     ? 0x7FFFFFFF
                     : (int)((deadline - now + 999999u) / 1000000u);
        }
        p.fd = s;
        p.events = POLLRDNORM;
        p.revents = 0;
        rc = WSAPoll(&p, 1, ms);
        if (rc > 0)
            return HCS_S_OK;
        if (rc == 0)
            return hcsi_err(HCS_ERR_CONNECTION_TIMEOUT,
                            "timed out after %lld ms", (long long)timeout_ms);
        return SOCK_FAIL("WSAPoll");
    }
}

hcs_result hcsi_sock_accept(hcsi_sock l, int64_t timeout_ms, hcsi_sock *out)
{
    SOCKET s;
    hcs_result r = hcsi_sock_wait_readable(l, timeout_ms);
    if (HCS_FAILED(r))
        return hcsi_err_wrap(r, "waiting for a connection");
    s = accept(l, NULL, NULL);
    if (s == INVALID_SOCKET)
        return SOCK_FAIL("accept");
    *out = s;
    return HCS_S_OK;
}

hcs_result hcsi_sock_read(hcsi_sock s, void *buf, size_t n, size_t *got)
{
    int r = recv(s, (char *)buf, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
    if (r >= 0) {
        *got = (size_t)r;
        return HCS_S_OK;
    }
    if (WSAGetLastError() == WSAECONNRESET ||
        WSAGetLastError() == WSAECONNABORTED || WSAGetLastError() == WSAESHUTDOWN) {
        *got = 0;
        return HCS_S_OK;
    }
    return SOCK_FAIL("recv");
}

hcs_result hcsi_sock_write_full(hcsi_sock s, const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    while (n > 0) {
        int w = send(s, p, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
        if (w < 0)
            return SOCK_FAIL("send");
        p += w;
        n -= (size_t)w;
    }
    return HCS_S_OK;
}

hcs_result hcsi_sock_shutdown_write(hcsi_sock s)
{
    if (shutdown(s, SD_SEND) != 0 && WSAGetLastError() != WSAENOTCONN)
        return SOCK_FAIL("shutdown");
    return HCS_S_OK;
}

void hcsi_sock_shutdown_both(hcsi_sock s) { (void)shutdown(s, SD_BOTH); }

void hcsi_sock_close(hcsi_sock s)
{
    if (s != INVALID_SOCKET)
        closesocket(s);
}
