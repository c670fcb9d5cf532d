/* hcs-gcs: transports and addresses ("vsock:PORT", "unix:DIR") and
 * dialling them (the bridge and the stdio relays). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "gcs.h"

/* Go's syscall error strings are glibc's with a lower-case first letter. */
static void errtext(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* ---- addresses ---- */

static int parse_u32(const char *s, uint32_t *out)
{
    unsigned long long v = 0;
    int base = 10, digits = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        v = v * (unsigned)base + (unsigned)d;
        if (v > 0xFFFFFFFFull)
            return -1;
        digits++;
    }
    if (!digits)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A bad address is the caller's invalid argument (the text as before). */
static void bad_addr(hcsg_err *e, const char *fmt, ...) HCSI_PRINTF(2, 3);
static void bad_addr(hcsg_err *e, const char *fmt, ...)
{
    va_list ap;
    e->hr = HCSG_HR_INVALID_ARG;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

int hcsg_addr_parse(const char *spec, hcsg_addr *a, hcsg_err *e)
{
    memset(a, 0, sizeof *a);
    if (!spec || !*spec) {
        bad_addr(e, "empty address (want vsock:PORT or unix:DIR)");
        return -1;
    }
    if (strcmp(spec, "vsock") == 0 || strncmp(spec, "vsock:", 6) == 0) {
        a->kind = HCSG_TRANSPORT_VSOCK;
        a->cid = HCS_GCS_VSOCK_CID_HOST;
        a->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        if (spec[5] == ':' && parse_u32(spec + 6, &a->port) != 0) {
            bad_addr(e, "bad vsock port \"%s\" (want 1..4294967295, decimal or 0x-hex)",
                     spec + 6);
            return -1;
        }
        if (a->port == 0) {
            bad_addr(e, "bad vsock port 0");
            return -1;
        }
        return 0;
    }
    if (strncmp(spec, "unix:", 5) == 0) {
        const char *d = spec + 5;
        size_t n = strlen(d);
        while (n > 1 && d[n - 1] == '/')
            n--; /* "DIR/" and "DIR" are the same directory */
        if (n == 0) {
            bad_addr(e, "unix: needs a directory (unix:DIR)");
            return -1;
        }
        if (n > HCSG_UNIX_DIR_MAX) {
            bad_addr(e,
                     "unix directory \"%s\" is too long (%zu bytes, limit %d so "
                     "that DIR/<port> fits a socket address)",
                     d, n, HCSG_UNIX_DIR_MAX);
            return -1;
        }
        a->kind = HCSG_TRANSPORT_UNIX;
        a->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        memcpy(a->dir, d, n);
        a->dir[n] = '\0';
        return 0;
    }
    bad_addr(e, "unknown address \"%s\" (want vsock:PORT or unix:DIR)", spec);
    return -1;
}

void hcsg_addr_format(const hcsg_addr *a, char *buf, size_t n)
{
    switch (a->kind) {
    case HCSG_TRANSPORT_VSOCK:
        snprintf(buf, n, "vsock:%lu (cid %lu)", (unsigned long)a->port,
                 (unsigned long)a->cid);
        break;
    case HCSG_TRANSPORT_UNIX: snprintf(buf, n, "unix:%s", a->dir); break;
    default: snprintf(buf, n, "(none)"); break;
    }
}

/* Waits until fd is writable (a connect in progress finished), the
 * deadline passes (0) or abort_fd fires (-1). 1 when ready. */
static int wait_connect(int fd, uint64_t deadline, int abort_fd)
{
    for (;;) {
        struct pollfd f[2];
        uint64_t now = hcsi_now_ns();
        int ms, rc;
        if (now >= deadline)
            return 0;
        /* In slices: a huge timeout must not overflow poll's int. */
        ms = (deadline - now) / 1000000u >= 60000u ? 60000 : (int)((deadline - now) / 1000000u) + 1;
        hcsg_pollfd(&f[0], fd, POLLOUT);
        hcsg_pollfd(&f[1], abort_fd, POLLIN);
        rc = poll(f, abort_fd >= 0 ? 2 : 1, ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return 1; /* let SO_ERROR tell */
        if (abort_fd >= 0 && f[1].revents)
            return -1;
        if (f[0].revents)
            return 1;
    }
}

static int aborted(int abort_fd)
{
    struct pollfd f;
    if (abort_fd < 0)
        return 0;
    hcsg_pollfd(&f, abort_fd, POLLIN);
    return poll(&f, 1, 0) > 0 && f.revents;
}

/* One non-blocking connect bounded by deadline and abort_fd; the socket
 * is made blocking again when connected. 0, or an errno (ETIMEDOUT for
 * the deadline, ECANCELED for an abort). */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t len, uint64_t deadline,
                           int abort_fd)
{
    int fl = fcntl(fd, F_GETFL), err = 0;
    socklen_t el = sizeof err;
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return errno;
    for (;;) {
        if (connect(fd, sa, len) == 0)
            break;
        err = errno;
        if (err == EINTR)
            continue;
        if (err == EAGAIN) {
            /* AF_UNIX: the listener's backlog is full; nothing to poll
             * for, so retry until the deadline. */
            if (aborted(abort_fd))
                return ECANCELED;
            if (hcsi_now_ns() >= deadline)
                return ETIMEDOUT;
            hcsi_sleep_ms(10);
            continue;
        }
        if (err != EINPROGRESS)
            return err;
        switch (wait_connect(fd, deadline, abort_fd)) {
        case 0:
            return ETIMEDOUT;
        case -1:
            return ECANCELED;
        default:
            break;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
            return errno;
        if (err)
            return err;
        break;
    }
    (void)fcntl(fd, F_SETFL, fl);
    return 0;
}

/* A new socket of family connected to sa (connect_bounded): the fd, or -1
 * with *en the connect error, or with *en 0 when the socket could not be
 * made (e names it, sock_what first). */
static int connect_new(int family, const struct sockaddr *sa, socklen_t len, uint64_t deadline,
                       int abort_fd, const char *sock_what, int *en, hcsg_err *e)
{
    char et[128];
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    *en = 0;
    if (fd < 0) {
        errtext(errno, et, sizeof et);
        hcsg_err_plain(e, "%s: %s", sock_what, et);
        return -1;
    }
    *en = connect_bounded(fd, sa, len, deadline, abort_fd);
    if (*en != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int hcsg_dial(const hcsg_addr *t, uint32_t port, hcsg_err *e)
{
    return hcsg_dial_bounded(t, port, HCSG_DIAL_TIMEOUT_MS, -1, e);
}

int hcsg_dial_bounded(const hcsg_addr *t, uint32_t port, uint32_t timeout_ms, int abort_fd,
                      hcsg_err *e)
{
    char et[128];
    int fd, attempt, en;
    uint64_t deadline = hcsi_now_ns() + (uint64_t)timeout_ms * 1000000u;
    if (t->kind == HCSG_TRANSPORT_UNIX) {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%lu", t->dir,
                 (unsigned long)port);
        fd = connect_new(AF_UNIX, (struct sockaddr *)&sa, sizeof sa, deadline, abort_fd, "socket",
                         &en, e);
        if (fd < 0 && en != 0) {
            if (en == ETIMEDOUT)
                hcsg_err_plain(e, "dial unix %s: connect: not accepted within %lu ms",
                               sa.sun_path, (unsigned long)timeout_ms);
            else if (en == ECANCELED)
                hcsg_err_plain(e, "dial unix %s: connect: abandoned (the agent is stopping)",
                               sa.sun_path);
            else {
                errtext(en, et, sizeof et);
                hcsg_err_plain(e, "dial unix %s: connect: %s", sa.sun_path, et);
            }
        }
        return fd;
    }
    if (t->kind == HCSG_TRANSPORT_VSOCK) {
        /* The Go GCS retries a vsock dial that times out, 10 times; all of
         * them within our deadline. */
        for (attempt = 0; attempt < 10; attempt++) {
            struct sockaddr_vm sv;
            memset(&sv, 0, sizeof sv);
            sv.svm_family = AF_VSOCK;
            sv.svm_cid = t->cid;
            sv.svm_port = port;
            fd = connect_new(AF_VSOCK, (struct sockaddr *)&sv, sizeof sv, deadline, abort_fd,
                             "vsock socket", &en, e);
            if (fd >= 0 || en == 0)
                return fd;
            if (en == ECANCELED) {
                hcsg_err_plain(e, "vsock connect cid %lu port %lu: abandoned (the agent is "
                                  "stopping)", (unsigned long)t->cid, (unsigned long)port);
                return -1;
            }
            errtext(en, et, sizeof et);
            hcsg_err_plain(e, "vsock connect cid %lu port %lu: %s", (unsigned long)t->cid,
                           (unsigned long)port, et);
            if (en != ETIMEDOUT || hcsi_now_ns() >= deadline)
                return -1;
        }
        return -1;
    }
    hcsg_err_plain(e, "no stdio transport configured (use --connect or --stdio-dir)");
    return -1;
}
