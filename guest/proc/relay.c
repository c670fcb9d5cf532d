/* hcs-gcs stdio relays: stdin socket -> pipe/pty, pipe/pty -> stdout/stderr
 * socket; one detached thread each. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proc/proc_internal.h"

/* ---- relays ---- */

typedef struct relay {
    hcsg_procs *p;
    proc *pr;
    int out;   /* 1: process -> host, 0: host -> process */
    int src, dst;
    int *slot; /* the socket's slot in pr (taken under the lock to close) */
    const char *name;
} relay;

/* Waits for fd to be ready; 0 when the agent aborts (or stop fires). */
static int relay_wait(hcsg_procs *p, int fd, short ev, int stop_efd)
{
    struct pollfd f[3];
    nfds_t n = 2;
    f[0].fd = fd;
    f[0].events = ev;
    f[1].fd = p->abort_efd;
    f[1].events = POLLIN;
    if (stop_efd >= 0) {
        f[2].fd = stop_efd;
        f[2].events = POLLIN;
        n = 3;
    }
    for (;;) {
        int rc;
        f[0].revents = f[1].revents = 0;
        if (n == 3)
            f[2].revents = 0;
        rc = poll(f, n, -1);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return 1; /* let the I/O call report the error */
        }
        if (f[1].revents || (n == 3 && f[2].revents))
            return 0;
        return 1;
    }
}

/* Where write_all writes. */
typedef struct relay_dst {
    hcsg_procs *p;
    int fd, stop_efd, is_sock;
} relay_dst;

static ssize_t relay_put(void *ctx, const void *buf, size_t n)
{
    const relay_dst *d = (const relay_dst *)ctx;
    return d->is_sock ? send(d->fd, buf, n, MSG_NOSIGNAL) : write(d->fd, buf, n);
}

static int relay_blocked(void *ctx)
{
    const relay_dst *d = (const relay_dst *)ctx;
    return relay_wait(d->p, d->fd, POLLOUT, d->stop_efd) ? 0 : -2;
}

/* Writes all of buf; 0 ok, -1 I/O error, -2 aborted/stopped. */
static int write_all(hcsg_procs *p, int fd, const char *buf, size_t n,
                     int stop_efd, int is_sock)
{
    relay_dst d;
    d.p = p;
    d.fd = fd;
    d.stop_efd = stop_efd;
    d.is_sock = is_sock;
    return hcsg_write_loop(buf, n, relay_put, relay_blocked, &d);
}

static void relay_finish(relay *r)
{
    hcsg_procs *p = r->p;
    proc *pr = r->pr;
    pending *out = NULL;
    pthread_mutex_lock(&p->m);
    if (r->out)
        pr->relays_out--;
    pr->relays_all--;
    if (pr->relays_all == 0)
        hcsg_pi_close_fd(&pr->master);
    hcsg_pi_check_done_locked(p, pr, &out);
    hcsg_pi_unref_locked(pr);
    pthread_mutex_unlock(&p->m);
    /* Answer before counting the relay gone: once nrelays reaches 0 the
     * cleanup may free the tables these answers go through. */
    hcsg_pi_send_pending(p, out);
    pthread_mutex_lock(&p->m);
    p->nrelays--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->m);
}

/* Takes the socket out of its slot (so an abort can no longer shut it
 * down) and closes it. */
static void relay_close_slot(relay *r)
{
    int fd;
    pthread_mutex_lock(&r->p->m);
    fd = *r->slot;
    *r->slot = -1;
    pthread_mutex_unlock(&r->p->m);
    if (fd >= 0)
        close(fd);
}

static void *relay_out_main(void *arg)
{
    relay *r = (relay *)arg;
    hcsg_procs *p = r->p;
    pthread_setname_np(pthread_self(), r->name[3] == 'e' ? "gcs-stderr" : "gcs-stdout");
    char *buf = (char *)malloc(RELAY_BUF);
    int aborted = 0, failed = 0;
    uint64_t total = 0;
    if (!buf) {
        failed = 1;
        goto finish;
    }
    for (;;) {
        ssize_t n = read(r->src, buf, RELAY_BUF);
        if (n > 0) {
            total += (uint64_t)n;
            if (r->dst >= 0) {
                int rc = write_all(p, r->dst, buf, (size_t)n, -1, 1);
                if (rc == -2) {
                    aborted = 1;
                    break;
                }
                if (rc < 0) {
                    HCSG_DEBUG("process %ld %s: host side closed early: %s",
                               (long)r->pr->pid, r->name, strerror(errno));
                    failed = 1;
                    break;
                }
            }
            continue;
        }
        if (n == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!relay_wait(p, r->src, POLLIN, -1)) {
                aborted = 1;
                break;
            }
            continue;
        }
        /* EIO: the pty's last slave closed; anything else ends it too. */
        break;
    }
    if (r->pr->tty) {
        /* The console's output is complete: the unused stderr socket closes
         * now (Go's TtyRelay closes every socket when its copies end), so a
         * host may read stderr to EOF before closing stdout. */
        int held;
        pthread_mutex_lock(&p->m);
        held = r->pr->held_sock;
        r->pr->held_sock = -1;
        pthread_mutex_unlock(&p->m);
        if (held >= 0)
            close(held);
    }
    if (r->dst >= 0 && !aborted && !failed) {
        /* The Go GCS's clean close: half-close, then wait for the host to
         * close its end (one read: EOF, or data/error ends it as well). */
        if (shutdown(r->dst, SHUT_WR) == 0) {
            char b;
            for (;;) {
                ssize_t n = recv(r->dst, &b, 1, 0);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    if (!relay_wait(p, r->dst, POLLIN, -1))
                        break;
                    continue;
                }
                break;
            }
        }
    }
finish:
    HCSG_TRACE("process %ld %s relay: %llu bytes%s%s", (long)r->pr->pid, r->name,
               (unsigned long long)total, aborted ? ", aborted" : "",
               failed ? ", host closed" : "");
    free(buf);
    if (r->dst >= 0)
        relay_close_slot(r);
    if (!r->pr->tty)
        close(r->src); /* the pipe's read end: a still-writing child gets EPIPE */
    relay_finish(r);
    free(r);
    return NULL;
}

static void *relay_in_main(void *arg)
{
    relay *r = (relay *)arg;
    hcsg_procs *p = r->p;
    pthread_setname_np(pthread_self(), "gcs-stdin");
    char *buf = (char *)malloc(RELAY_BUF);
    uint64_t total = 0;
    int stop = r->pr->stop_efd;
    if (buf) {
        for (;;) {
            ssize_t n = recv(r->src, buf, RELAY_BUF, 0);
            if (n > 0) {
                total += (uint64_t)n;
                if (write_all(p, r->dst, buf, (size_t)n, stop, 0) != 0)
                    break; /* the process closed stdin / exited / abort */
                continue;
            }
            if (n == 0)
                break; /* host EOF (half-close) */
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!relay_wait(p, r->src, POLLIN, stop))
                    break;
                continue;
            }
            break;
        }
    }
    HCSG_TRACE("process %ld stdin relay: %llu bytes", (long)r->pr->pid,
               (unsigned long long)total);
    free(buf);
    relay_close_slot(r);
    if (!r->pr->tty)
        close(r->dst); /* the process reads EOF */
    relay_finish(r);
    free(r);
    return NULL;
}

/* Starts a relay thread; on failure the relay's resources are released as
 * if it had finished at once. Lock not held. */
void hcsg_pi_start_relay(hcsg_procs *p, proc *pr, int out, int src, int dst,
                        int *slot, const char *name)
{
    relay *r = (relay *)calloc(1, sizeof *r);
    pthread_attr_t attr;
    pthread_t t;
    int rc = -1;
    if (r) {
        r->p = p;
        r->pr = pr;
        r->out = out;
        r->src = src;
        r->dst = dst;
        r->slot = slot;
        r->name = name;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, RELAY_STACK);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&t, &attr, out ? relay_out_main : relay_in_main, r);
        pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        HCSG_ERROR("process %ld: cannot start the %s relay: %s", (long)pr->pid,
                   name, strerror(rc > 0 ? rc : ENOMEM));
        if (r) {
            relay_close_slot(r);
            if (!pr->tty)
                close(out ? src : dst);
            relay_finish(r);
            free(r);
        }
    }
}

