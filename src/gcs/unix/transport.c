/* GCS transports, POSIX half (see transport.h, gcs/os.h): fd-pair streams
 * over non-blocking fds and a self-pipe, AF_VSOCK listeners, unlink. */
#include "gcs/os.h"
#include "gcs/unix/wake.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ================= fd-pair stream ================= */

typedef struct fd_stream {
    hcsi_gcs_stream base;
    int rd, wr;
    int own;
    int wake[2]; /* self-pipe: shutdown writes a byte, pollers wake */
    hcsi_mutex lock;
    int down;
} fd_stream;

static int fs_is_down(fd_stream *f) { return hcsi_gcs_locked_int(&f->lock, &f->down); }

/* Waits for `events` on fd or a shutdown; returns 1 ready, 0 timed out,
 * -1 shut down (timeout_ms < 0: forever). */
static int fs_poll(fd_stream *f, int fd, short events, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    for (;;) {
        int r = hcsi_gcs_wake_poll(f->wake, fd, events,
                                   hcsi_gcs_pio_left_ms(timeout_ms, deadline));
        if (r == 2 && errno == EINTR)
            continue;
        return r == 2 ? 1 : r;
    }
}

static hcs_result fs_wait(hcsi_gcs_stream *s, int64_t timeout_ms)
{
    fd_stream *f = (fd_stream *)s;
    if (fs_poll(f, f->rd, POLLIN, timeout_ms) == 0)
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
        if (fs_poll(f, f->rd, POLLIN, -1) == -1)
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
        if (fs_poll(f, f->wr, POLLOUT, -1) == -1)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "write: stream shut down");
    }
    return HCS_S_OK;
}

static void fs_shutdown(hcsi_gcs_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    hcsi_mutex_lock(&f->lock);
    if (!f->down) {
        f->down = 1;
        hcsi_gcs_wake_signal(f->wake);
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
    hcsi_gcs_wake_close(f->wake);
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
    hcs_result hr;
    if (rd < 0 || wr < 0 || rd > 0x7FFFFFFF || wr > 0x7FFFFFFF)
        return hcsi_err(HCS_ERR_INVALIDARG, "invalid fd pair (%ld, %ld)",
                        (long)rd, (long)wr);
    f = (fd_stream *)hcsi_calloc(1, sizeof *f);
    if (!f)
        return hcsi_err_oom();
    hr = hcsi_gcs_wake_open(f->wake);
    if (HCS_FAILED(hr)) {
        free(f);
        return hr;
    }
    if (!set_nonblock((int)rd) || !set_nonblock((int)wr)) {
        int e = errno;
        hcsi_gcs_wake_close(f->wake);
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

/* ================= listeners ================= */

hcs_result hcsi_gcs_listen_vsock(uint32_t port, hcsi_sock *out)
{
#ifdef __linux__
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
#else
    (void)port;
    (void)out;
    return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED, "vsock: AF_VSOCK is Linux-only");
#endif
}

hcs_result hcsi_gcs_listen_hv(const hcs_guid *vm, const hcs_guid *svc, hcsi_sock *out)
{
    (void)vm;
    (void)svc;
    (void)out;
    return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED,
                    "hvsock: AF_HYPERV is Windows-only (use vsock:PORT on Linux)");
}

void hcsi_gcs_remove_file(const char *path) { unlink(path); }
