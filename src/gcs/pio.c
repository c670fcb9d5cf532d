/* Bounded, cancellable stdio I/O of GCS processes (see pio.h), and writes
 * to the caller's fds for the relay. */
#include "gcs/pio.h"

#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#  include <errno.h>
#  include <fcntl.h>
#  include <poll.h>
#  include <sys/socket.h>
#  include <unistd.h>
#endif

int hcsi_gcs_pio_cancelled(hcsi_gcs_pio *io)
{
    int c;
    hcsi_mutex_lock(&io->lock);
    c = io->cancelled;
    hcsi_mutex_unlock(&io->lock);
    return c;
}

/* Milliseconds left until deadline for a wait (-1: none). */
static int64_t left_ms(int64_t timeout_ms, uint64_t deadline)
{
    uint64_t now;
    if (timeout_ms < 0)
        return -1;
    now = hcsi_now_ns();
    if (now >= deadline)
        return 0;
    return (int64_t)((deadline - now + 999999u) / 1000000u);
}

#ifdef _WIN32

hcs_result hcsi_gcs_pio_init(hcsi_gcs_pio *io)
{
    int i;
    memset(io, 0, sizeof *io);
    for (i = 0; i < 3; i++)
        io->ev[i] = WSA_INVALID_EVENT;
    io->cancel_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!io->cancel_ev)
        return hcsi_err(hcs_hresult_from_win32(GetLastError()), "CreateEvent: error %lu",
                        (unsigned long)GetLastError());
    hcsi_mutex_init(&io->lock);
    io->ready = 1;
    return HCS_S_OK;
}

void hcsi_gcs_pio_destroy(hcsi_gcs_pio *io)
{
    int i;
    if (!io->ready)
        return;
    for (i = 0; i < 3; i++)
        if (io->ev[i] != WSA_INVALID_EVENT)
            WSACloseEvent(io->ev[i]);
    CloseHandle(io->cancel_ev);
    hcsi_mutex_destroy(&io->lock);
    io->ready = 0;
}

hcs_result hcsi_gcs_pio_attach(hcsi_gcs_pio *io, int slot, hcsi_sock s)
{
    WSAEVENT ev = WSACreateEvent();
    if (ev == WSA_INVALID_EVENT)
        return hcsi_err(HCS_ERR_FAIL, "WSACreateEvent: Winsock error %d", WSAGetLastError());
    if (WSAEventSelect(s, ev, FD_READ | FD_WRITE | FD_CLOSE) != 0) {
        int e = WSAGetLastError();
        WSACloseEvent(ev);
        return hcsi_err(HCS_ERR_FAIL, "WSAEventSelect: Winsock error %d", e);
    }
    io->ev[slot] = ev;
    return HCS_S_OK;
}

void hcsi_gcs_pio_cancel(hcsi_gcs_pio *io)
{
    hcsi_mutex_lock(&io->lock);
    io->cancelled = 1;
    SetEvent(io->cancel_ev);
    if (io->stdin_thread)
        CancelSynchronousIo(io->stdin_thread); /* a ReadFile on the source */
    hcsi_mutex_unlock(&io->lock);
}

void hcsi_gcs_pio_set_stdin_thread(hcsi_gcs_pio *io, HANDLE thread)
{
    hcsi_mutex_lock(&io->lock);
    io->stdin_thread = thread;
    if (thread && io->cancelled)
        CancelSynchronousIo(thread); /* cancelled before it was registered */
    hcsi_mutex_unlock(&io->lock);
}

/* Waits for the slot's event: 1 signalled, 0 timed out, -1 cancelled. */
static int wait_slot(hcsi_gcs_pio *io, int slot, int64_t ms)
{
    HANDLE h[2];
    DWORD rc;
    h[0] = io->ev[slot];
    h[1] = io->cancel_ev;
    rc = WaitForMultipleObjects(2, h, FALSE,
                                ms < 0 ? INFINITE : (DWORD)(ms > 0x7FFFFFFF ? 0x7FFFFFFF : ms));
    if (rc == WAIT_OBJECT_0 + 1)
        return -1;
    if (rc == WAIT_TIMEOUT)
        return 0;
    return 1;
}

hcs_result hcsi_gcs_pio_read(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                             size_t n, size_t *got, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    *got = 0;
    for (;;) {
        int r, e;
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        /* Reset before the attempt: data arriving after it sets it again. */
        WSAResetEvent(io->ev[slot]);
        r = recv(s, (char *)buf, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
        if (r >= 0) {
            *got = (size_t)r;
            return HCS_S_OK;
        }
        e = WSAGetLastError();
        if (e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAESHUTDOWN)
            return HCS_S_OK; /* EOF */
        if (e != WSAEWOULDBLOCK)
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "recv: Winsock error %d", e);
        switch (wait_slot(io, slot, left_ms(timeout_ms, deadline))) {
        case 0:
            return HCS_ERR_OPERATION_TIMEOUT;
        case -1:
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        default:
            break;
        }
    }
}

hcs_result hcsi_gcs_pio_write(hcsi_gcs_pio *io, int slot, hcsi_sock s, const void *buf,
                              size_t n, int64_t timeout_ms, size_t *written)
{
    const char *p = (const char *)buf;
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    *written = 0;
    while (*written < n) {
        size_t chunk = n - *written;
        int w, e;
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        WSAResetEvent(io->ev[slot]);
        w = send(s, p + *written, chunk > 0x7FFFFFFF ? 0x7FFFFFFF : (int)chunk, 0);
        if (w >= 0) {
            *written += (size_t)w;
            continue;
        }
        e = WSAGetLastError();
        if (e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAESHUTDOWN)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "send: the guest closed the stream "
                            "(Winsock error %d)", e);
        if (e != WSAEWOULDBLOCK)
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "send: Winsock error %d", e);
        switch (wait_slot(io, slot, left_ms(timeout_ms, deadline))) {
        case 0:
            return HCS_ERR_OPERATION_TIMEOUT;
        case -1:
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        default:
            break;
        }
    }
    return HCS_S_OK;
}

void hcsi_gcs_nosigpipe_enter(hcsi_gcs_nosigpipe *g) { g->raised = 0; }
void hcsi_gcs_nosigpipe_leave(hcsi_gcs_nosigpipe *g) { (void)g; }

hcs_result hcsi_gcs_fd_write_all(hcsi_gcs_pio *io, hcs_os_handle fd, const void *buf, size_t n,
                                 hcsi_gcs_nosigpipe *g)
{
    const char *p = (const char *)buf;
    (void)io;
    (void)g;
    while (n > 0) {
        DWORD w = 0;
        if (!WriteFile((HANDLE)fd, p, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &w, NULL))
            return hcsi_err(hcs_hresult_from_win32(GetLastError()), "WriteFile: error %lu",
                            (unsigned long)GetLastError());
        p += w;
        n -= w;
    }
    return HCS_S_OK;
}

#else /* POSIX */

hcs_result hcsi_gcs_pio_init(hcsi_gcs_pio *io)
{
    memset(io, 0, sizeof *io);
    if (pipe(io->wake) != 0)
        return hcsi_err(HCS_ERR_FAIL, "pipe: %s", strerror(errno));
    fcntl(io->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(io->wake[1], F_SETFD, FD_CLOEXEC);
    hcsi_mutex_init(&io->lock);
    io->ready = 1;
    return HCS_S_OK;
}

void hcsi_gcs_pio_destroy(hcsi_gcs_pio *io)
{
    if (!io->ready)
        return;
    close(io->wake[0]);
    close(io->wake[1]);
    hcsi_mutex_destroy(&io->lock);
    io->ready = 0;
}

hcs_result hcsi_gcs_pio_attach(hcsi_gcs_pio *io, int slot, hcsi_sock s)
{
    (void)io;
    (void)slot;
    (void)s;
    return HCS_S_OK;
}

void hcsi_gcs_pio_cancel(hcsi_gcs_pio *io)
{
    hcsi_mutex_lock(&io->lock);
    if (!io->cancelled) {
        char c = 1;
        io->cancelled = 1;
        /* The byte stays: every later poll sees the pipe readable. */
        if (write(io->wake[1], &c, 1) < 0) {
            /* an empty pipe of our own: cannot fail in practice */
        }
    }
    hcsi_mutex_unlock(&io->lock);
}

/* Polls fd for events together with the wake pipe: 1 ready, 2
 * interrupted (EINTR), 0 timed out, -1 cancelled. */
static int wait_fd(hcsi_gcs_pio *io, int fd, short events, int64_t ms)
{
    struct pollfd p[2];
    int rc;
    p[0].fd = fd;
    p[0].events = events;
    p[0].revents = 0;
    p[1].fd = io->wake[0];
    p[1].events = POLLIN;
    p[1].revents = 0;
    rc = poll(p, 2, ms < 0 ? -1 : (int)(ms > 0x7FFFFFFF ? 0x7FFFFFFF : ms));
    if (rc < 0)
        return 2;
    if (rc == 0)
        return 0;
    if (p[1].revents)
        return -1;
    return 1;
}

int hcsi_gcs_pio_wait_fd(hcsi_gcs_pio *io, int fd)
{
    for (;;) {
        int r = wait_fd(io, fd, POLLIN, -1);
        if (r == 2)
            continue;
        return r == 1;
    }
}

hcs_result hcsi_gcs_pio_read(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                             size_t n, size_t *got, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    /* After a short read the next one would most likely find nothing:
     * wait first (poll + recv) instead of recv + poll + recv. */
    int wait_first = !io->last_full[slot];
    *got = 0;
    for (;;) {
        ssize_t r;
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        if (wait_first) {
            wait_first = 0;
            switch (wait_fd(io, s, POLLIN, left_ms(timeout_ms, deadline))) {
            case 0:
                return HCS_ERR_OPERATION_TIMEOUT;
            case -1:
                return HCS_ERR_WIN32_OPERATION_ABORTED;
            default:
                continue;
            }
        }
        r = recv(s, buf, n, MSG_DONTWAIT);
        if (r >= 0) {
            *got = (size_t)r;
            io->last_full[slot] = n > 0 && (size_t)r == n;
            return HCS_S_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET)
            return HCS_S_OK; /* EOF */
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "recv: %s", strerror(errno));
        switch (wait_fd(io, s, POLLIN, left_ms(timeout_ms, deadline))) {
        case 0:
            return HCS_ERR_OPERATION_TIMEOUT;
        case -1:
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        default:
            break;
        }
    }
}

hcs_result hcsi_gcs_pio_write(hcsi_gcs_pio *io, int slot, hcsi_sock s, const void *buf,
                              size_t n, int64_t timeout_ms, size_t *written)
{
    const char *p = (const char *)buf;
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    (void)slot;
    *written = 0;
    while (*written < n) {
        ssize_t w;
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        w = send(s, p + *written, n - *written, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w >= 0) {
            *written += (size_t)w;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EPIPE || errno == ECONNRESET)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "send: the guest closed the stream "
                            "(%s)", strerror(errno));
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "send: %s", strerror(errno));
        switch (wait_fd(io, s, POLLOUT, left_ms(timeout_ms, deadline))) {
        case 0:
            return HCS_ERR_OPERATION_TIMEOUT;
        case -1:
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        default:
            break;
        }
    }
    return HCS_S_OK;
}

void hcsi_gcs_nosigpipe_enter(hcsi_gcs_nosigpipe *g)
{
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->raised = 0;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old);
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

void hcsi_gcs_nosigpipe_leave(hcsi_gcs_nosigpipe *g)
{
    if (g->raised && !g->was_pending) {
        sigset_t pipe_set;
        struct timespec zero;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        zero.tv_sec = 0;
        zero.tv_nsec = 0;
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

hcs_result hcsi_gcs_fd_write_all(hcsi_gcs_pio *io, hcs_os_handle fd, const void *buf, size_t n,
                                 hcsi_gcs_nosigpipe *g)
{
    const char *p = (const char *)buf;
    while (n > 0) {
        ssize_t w = write((int)fd, p, n); /* SIGPIPE blocked by g */
        if (w < 0) {
            if (errno == EPIPE)
                g->raised = 1;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* a non-blocking fd: wait for room, or a cancel */
                if (wait_fd(io, (int)fd, POLLOUT, -1) == -1)
                    return hcsi_err(HCS_ERR_WIN32_OPERATION_ABORTED,
                                    "write: I/O cancelled (hcs_gcs_process_cancel_io)");
                continue;
            }
            return hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return HCS_S_OK;
}

#endif
