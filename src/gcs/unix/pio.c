/* Bounded, cancellable stdio I/O of GCS processes, POSIX half (see pio.h,
 * gcs/os.h): MSG_DONTWAIT send/recv, polls together with a self-pipe that
 * cancel writes to, and the relay's reads and writes on the caller's fds. */
#include "gcs/os.h"
#include "gcs/unix/wake.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct hcsi_gcs_pio_os {
    int wake[2]; /* self-pipe; cancel writes one byte, never read */
};

hcs_result hcsi_gcs_pio_os_init(hcsi_gcs_pio_os **out)
{
    hcsi_gcs_pio_os *os = (hcsi_gcs_pio_os *)hcsi_calloc(1, sizeof *os);
    hcs_result hr;
    if (!os)
        return hcsi_err_oom();
    hr = hcsi_gcs_wake_open(os->wake);
    if (HCS_FAILED(hr)) {
        free(os);
        return hr;
    }
    *out = os;
    return HCS_S_OK;
}

void hcsi_gcs_pio_os_destroy(hcsi_gcs_pio_os *os)
{
    hcsi_gcs_wake_close(os->wake);
    free(os);
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
        io->cancelled = 1;
        hcsi_gcs_wake_signal(io->os->wake); /* every later poll sees it */
    }
    hcsi_mutex_unlock(&io->lock);
}

/* Polls fd for events together with the cancel: 1 ready, 2 interrupted
 * (EINTR), 0 timed out, -1 cancelled. */
static int wait_fd(hcsi_gcs_pio *io, int fd, short events, int64_t ms)
{
    return hcsi_gcs_wake_poll(io->os->wake, fd, events, ms);
}

const int hcsi_gcs_pio_os_waits_first = 1;

int hcsi_gcs_pio_os_wait(hcsi_gcs_pio *io, int slot, hcsi_sock s, int for_write, int64_t ms)
{
    (void)slot;
    return wait_fd(io, s, for_write ? POLLOUT : POLLIN, ms);
}

hcsi_gcs_pio_try hcsi_gcs_pio_os_recv(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                                      size_t n, size_t *moved, hcs_result *hr)
{
    ssize_t r = recv(s, buf, n, MSG_DONTWAIT);
    (void)io;
    (void)slot;
    if (r >= 0 || errno == ECONNRESET) {
        *moved = r > 0 ? (size_t)r : 0; /* a reset is EOF */
        return HCSI_GCS_PIO_DONE;
    }
    if (errno == EINTR)
        return HCSI_GCS_PIO_RETRY;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return HCSI_GCS_PIO_BLOCKED;
    *hr = hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "recv: %s", strerror(errno));
    return HCSI_GCS_PIO_FAILED;
}

hcsi_gcs_pio_try hcsi_gcs_pio_os_send(hcsi_gcs_pio *io, int slot, hcsi_sock s,
                                      const void *buf, size_t n, size_t *moved,
                                      hcs_result *hr)
{
    ssize_t w = send(s, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)io;
    (void)slot;
    if (w >= 0) {
        *moved = (size_t)w;
        return HCSI_GCS_PIO_DONE;
    }
    if (errno == EINTR)
        return HCSI_GCS_PIO_RETRY;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return HCSI_GCS_PIO_BLOCKED;
    if (errno == EPIPE || errno == ECONNRESET)
        *hr = hcsi_err(HCS_ERR_CONNECTION_CLOSED, "send: the guest closed the stream (%s)",
                       strerror(errno));
    else
        *hr = hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "send: %s", strerror(errno));
    return HCSI_GCS_PIO_FAILED;
}

void hcsi_gcs_pio_set_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread)
{
    (void)io; /* the cancel byte wakes its poll (hcsi_gcs_fd_read) */
    (void)thread;
}

void hcsi_gcs_pio_join_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread)
{
    (void)io;
    hcsi_thread_join(thread);
}

int hcsi_gcs_fd_read(hcsi_gcs_pio *io, hcs_os_handle fd, void *buf, size_t n, size_t *got)
{
    *got = 0;
    for (;;) {
        ssize_t r;
        int w;
        /* Until fd is readable or hung up, or the pio is cancelled. */
        while ((w = wait_fd(io, (int)fd, POLLIN, -1)) == 2) {
        }
        if (w != 1)
            return -1; /* cancelled (or closing) */
        r = read((int)fd, buf, n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r > 0)
            *got = (size_t)r;
        return 0; /* data, EOF or a failed source */
    }
}

void hcsi_gcs_nosigpipe_enter(hcsi_gcs_nosigpipe *g)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->raised = 0;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    g->was_blocked = sigismember(&old, SIGPIPE) == 1;
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

void hcsi_gcs_nosigpipe_leave(hcsi_gcs_nosigpipe *g)
{
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if (g->raised && !g->was_pending) {
        struct timespec zero;
        zero.tv_sec = 0;
        zero.tv_nsec = 0;
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    /* Only SIGPIPE changed since enter: put back just that bit. */
    if (!g->was_blocked)
        pthread_sigmask(SIG_UNBLOCK, &pipe_set, NULL);
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
