/* POSIX implementation of the platform layer. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/platform.h"
#include "base/internal.h"

/* ---- threads ---- */

typedef struct thread_start {
    hcsi_thread_fn fn;
    void *arg;
} thread_start;

static void *thread_tramp(void *p)
{
    thread_start s = *(thread_start *)p;
    free(p);
    s.fn(s.arg);
    return NULL;
}

hcs_result hcsi_thread_start(hcsi_thread *t, hcsi_thread_fn fn, void *arg)
{
    thread_start *s = (thread_start *)malloc(sizeof(*s));
    int rc;
    if (!s)
        return hcsi_err_oom();
    s->fn = fn;
    s->arg = arg;
    rc = pthread_create(&t->tid, NULL, thread_tramp, s);
    if (rc != 0) {
        free(s);
        return hcsi_err(HCS_ERR_FAIL, "cannot start thread: %s", strerror(rc));
    }
    return HCS_S_OK;
}

void hcsi_thread_join(hcsi_thread *t) { pthread_join(t->tid, NULL); }
void hcsi_thread_detach(hcsi_thread *t) { pthread_detach(t->tid); }

void hcsi_mutex_init(hcsi_mutex *m) { pthread_mutex_init(&m->m, NULL); }
void hcsi_mutex_destroy(hcsi_mutex *m) { pthread_mutex_destroy(&m->m); }
void hcsi_mutex_lock(hcsi_mutex *m) { pthread_mutex_lock(&m->m); }
void hcsi_mutex_unlock(hcsi_mutex *m) { pthread_mutex_unlock(&m->m); }

void hcsi_cond_init(hcsi_cond *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&c->c, &a);
    pthread_condattr_destroy(&a);
}
void hcsi_cond_destroy(hcsi_cond *c) { pthread_cond_destroy(&c->c); }
void hcsi_cond_wait(hcsi_cond *c, hcsi_mutex *m) { pthread_cond_wait(&c->c, &m->m); }

int hcsi_cond_wait_until(hcsi_cond *c, hcsi_mutex *m, uint64_t deadline_ns)
{
    struct timespec ts;
    if (deadline_ns == UINT64_MAX) {
        pthread_cond_wait(&c->c, &m->m);
        return 0;
    }
    ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
    ts.tv_nsec = (long)(deadline_ns % 1000000000u);
    return pthread_cond_timedwait(&c->c, &m->m, &ts) == ETIMEDOUT;
}
void hcsi_cond_signal(hcsi_cond *c) { pthread_cond_signal(&c->c); }
void hcsi_cond_broadcast(hcsi_cond *c) { pthread_cond_broadcast(&c->c); }

void hcsi_once_run(hcsi_once *o, void (*fn)(void)) { pthread_once(&o->once, fn); }

/* ---- time ---- */

uint64_t hcsi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hcsi_sleep_ms(uint32_t ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- randomness ---- */

hcs_result hcsi_random_bytes(void *buf, size_t n)
{
    unsigned char *p = (unsigned char *)buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return hcsi_err(HCS_ERR_FAIL, "getrandom failed: %s", strerror(errno));
        }
        p += r;
        n -= (size_t)r;
    }
    return HCS_S_OK;
}

/* ---- sockets ---- */

static hcs_result errno_result(int e)
{
    switch (e) {
    case ENOENT: return HCS_ERR_WIN32_FILE_NOT_FOUND;
    case EACCES:
    case EPERM: return HCS_ERR_ACCESSDENIED;
    case ECONNREFUSED: return HCS_ERR_WIN32_CONNECTION_REFUSED;
    case EPIPE:
    case ECONNRESET: return HCS_ERR_CONNECTION_CLOSED;
    case ENOMEM: return HCS_ERR_OUTOFMEMORY;
    case EINVAL: return HCS_ERR_INVALIDARG;
    case ENAMETOOLONG: return HCS_ERR_WIN32_BAD_PATHNAME;
    default: return HCS_ERR_FAIL;
    }
}

hcs_result hcsi_net_init(void)
{
    /* Nothing to start. SIGPIPE is left alone: sockets use MSG_NOSIGNAL,
     * pipes hcsi_write_nosigpipe. */
    return HCS_S_OK;
}

ssize_t hcsi_write_nosigpipe(int fd, const void *buf, size_t n)
{
    sigset_t pipe_set, old, pending;
    ssize_t w;
    int e, was_pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    /* Blocked for this thread only: a SIGPIPE raised by this write stays
     * pending instead of killing the process... */
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    /* ...unless one was already pending (the caller blocks SIGPIPE): that
     * one is the caller's and stays. */
    was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    w = write(fd, buf, n);
    e = errno;
    if (w < 0 && e == EPIPE && !was_pending) {
        /* ...and is consumed before the mask is restored. */
        struct timespec zero;
        zero.tv_sec = 0;
        zero.tv_nsec = 0;
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

hcs_result hcsi_sock_pair(hcsi_sock out[2])
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return hcsi_err(errno_result(errno), "socketpair: %s", strerror(errno));
    out[0] = sv[0];
    out[1] = sv[1];
    return HCS_S_OK;
}

/* A stream socket on a unix-socket path: listening (a stale socket file
 * removed first) or connected. */
static hcs_result unix_open(const char *path, int listening, hcsi_sock *out)
{
    struct sockaddr_un a;
    hcs_result r = hcsi_unix_path_check(path, sizeof(a.sun_path));
    int fd, e;
    if (HCS_FAILED(r))
        return r;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hcsi_err(errno_result(errno), "socket: %s", strerror(errno));
    if (listening) {
        unlink(path);
        e = bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ? errno : 0;
    } else {
        do
            e = connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ? errno : 0;
        while (e == EINTR);
    }
    if (e) {
        close(fd);
        return hcsi_err(errno_result(e), "cannot %s unix socket %s: %s",
                        listening ? "listen on" : "connect to", path, strerror(e));
    }
    *out = fd;
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

static int poll_ms(int64_t timeout_ms, uint64_t deadline)
{
    uint64_t now;
    if (timeout_ms < 0)
        return -1;
    now = hcsi_now_ns();
    if (now >= deadline)
        return 0;
    return (int)((deadline - now + 999999u) / 1000000u > 0x7FFFFFFF
                     ? 0x7FFFFFFF
                     : (deadline - now + 999999u) / 1000000u);
}

hcs_result hcsi_sock_wait_readable(hcsi_sock s, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    for (;;) {
        struct pollfd p;
        int rc;
        p.fd = s;
        p.events = POLLIN;
        p.revents = 0;
        rc = poll(&p, 1, poll_ms(timeout_ms, deadline));
        if (rc > 0)
            return HCS_S_OK;
        if (rc == 0)
            return hcsi_err(HCS_ERR_CONNECTION_TIMEOUT,
                            "timed out after %lld ms", (long long)timeout_ms);
        if (errno != EINTR)
            return hcsi_err(errno_result(errno), "poll: %s", strerror(errno));
    }
}

hcs_result hcsi_sock_accept(hcsi_sock l, int64_t timeout_ms, hcsi_sock *out)
{
    hcs_result r = hcsi_sock_wait_readable(l, timeout_ms);
    int fd;
    if (HCS_FAILED(r))
        return hcsi_err_wrap(r, "waiting for a connection");
    for (;;) {
        fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno != EINTR)
            return hcsi_err(errno_result(errno), "accept: %s", strerror(errno));
    }
    *out = fd;
    return HCS_S_OK;
}

hcs_result hcsi_sock_read(hcsi_sock s, void *buf, size_t n, size_t *got)
{
    for (;;) {
        ssize_t r = read(s, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return HCS_S_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET) {
            *got = 0;
            return HCS_S_OK;
        }
        return hcsi_err(errno_result(errno), "read: %s", strerror(errno));
    }
}

hcs_result hcsi_sock_write_full(hcsi_sock s, const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    while (n > 0) {
        ssize_t w = send(s, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = hcsi_write_nosigpipe(s, p, n); /* pipes used as a transport */
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return hcsi_err(errno_result(errno), "write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return HCS_S_OK;
}

hcs_result hcsi_sock_shutdown_write(hcsi_sock s)
{
    if (shutdown(s, SHUT_WR) != 0 && errno != ENOTCONN)
        return hcsi_err(errno_result(errno), "shutdown: %s", strerror(errno));
    return HCS_S_OK;
}

void hcsi_sock_shutdown_both(hcsi_sock s) { (void)shutdown(s, SHUT_RDWR); }

void hcsi_sock_close(hcsi_sock s)
{
    if (s >= 0)
        close(s);
}

const char *hcsi_sock_strerror(void) { return strerror(errno); }
