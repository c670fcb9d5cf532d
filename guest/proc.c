/*
 * hcs-gcs processes in the UVM: spawning, stdio relays, exit reporting.
 *
 * Threads:
 *   spawner  the only thread that forks, and it lives as long as the agent,
 *            so children can ask for SIGKILL when it dies (PR_SET_PDEATHSIG
 *            is tied to the forking thread);
 *   timer    times out WaitForProcess requests;
 *   relays   one per stdio stream (detached, small stacks): stdin
 *            socket -> pipe/pty, pipe/pty -> stdout/stderr socket;
 * and the agent's signal thread calls hcsg_procs_reap() on SIGCHLD.
 *
 * A process is "done" once it has been reaped AND its stdout/stderr relays
 * have drained: each output relay copies to EOF, half-closes its socket and
 * waits for the host to close its end (the Go GCS's pipe relay), so the exit
 * code is only reported after the host has read everything. Done also stops
 * the stdin relay (the Go GCS's CloseRead). The first WaitForProcess that
 * reports the exit code removes the process (later waits: 0x80070490).
 *
 * One mutex (p->m) guards the table, every process's state and the waiters;
 * relays do their I/O without it. Responses are sent after unlocking.
 */
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

#include "gcs.h"

#define RELAY_BUF (64u * 1024u)
#define RELAY_STACK (256u * 1024u)

typedef struct proc proc;
typedef struct waiter waiter;

struct proc {
    proc *next;
    pid_t pid;
    int refs;
    int in_table;
    char argv0[80];
    int tty;
    int master;        /* pty master (tty) or -1 */
    int in_sock;       /* stdin socket while its relay runs */
    int out_sock, err_sock; /* output sockets while their relays run */
    int held_sock;     /* tty: the stderr socket, closed when done */
    int stop_efd;      /* signalled when done: ends the stdin relay */
    int relays_out;    /* output relays still running (gate "done") */
    int relays_all;    /* relays still running (gate closing master) */
    int exited, status;
    int done;
    uint32_t exit_code;
    uint64_t started_ns;
};

struct waiter {
    waiter *next;
    proc *pr;
    uint64_t id;
    uint64_t deadline; /* UINT64_MAX: infinite */
    char aid[256];
};

/* A response to send once the lock is released. */
typedef struct pending {
    struct pending *next;
    uint64_t id;
    int32_t hr;
    uint32_t code;
    char aid[256];
} pending;

typedef struct spawn_job {
    struct spawn_job *next;
    const hcsg_spawn *s;
    proc *pr;
    int fd0, fd1, fd2, ctty;
    int done;
    int reserved;      /* holds one of p->reserved until inserted */
    pid_t pid;
    int stage, err;
} spawn_job;

struct hcsg_procs {
    pthread_mutex_t m;
    pthread_cond_t changed; /* process/relay state changed */
    pthread_cond_t timer_cv;
    pthread_cond_t spawn_cv;
    proc *table;
    size_t nprocs;
    size_t max_procs;  /* cap on nprocs + reserved */
    size_t reserved;   /* slots taken by starts not yet in the table */
    waiter *waiters;
    size_t nwaiters;
    size_t nrelays;
    spawn_job *jobs;
    int quit;
    int started;
    int closed;        /* cleanup running/done: no new processes */
    int abort_efd;
    pthread_t spawner, timer;
    hcsg_wait_done_fn done_fn;
    void *done_ctx;
};

enum { STAGE_NONE, STAGE_SETSID, STAGE_CTTY, STAGE_DUP, STAGE_CHDIR,
       STAGE_GROUPS, STAGE_SETGID, STAGE_SETUID, STAGE_EXEC, STAGE_FORK,
       STAGE_CLOSED };

static void errtext(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static uint64_t now_ns(void) { return hcsi_now_ns(); }

/* ---- table (lock held) ---- */

static proc *find_locked(hcsg_procs *p, pid_t pid)
{
    proc *pr;
    for (pr = p->table; pr; pr = pr->next)
        if (pr->pid == pid)
            return pr;
    return NULL;
}

static void free_proc(proc *pr)
{
    close_fd(&pr->master);
    close_fd(&pr->in_sock);
    close_fd(&pr->out_sock);
    close_fd(&pr->err_sock);
    close_fd(&pr->held_sock);
    close_fd(&pr->stop_efd);
    free(pr);
}

static void unref_locked(proc *pr)
{
    if (--pr->refs == 0)
        free_proc(pr);
}

/* Unlinks pr and drops the table's reference. */
static void remove_locked(hcsg_procs *p, proc *pr)
{
    proc **pp;
    if (!pr->in_table)
        return;
    for (pp = &p->table; *pp; pp = &(*pp)->next) {
        if (*pp == pr) {
            *pp = pr->next;
            break;
        }
    }
    pr->in_table = 0;
    p->nprocs--;
    unref_locked(pr);
}

static pending *pend(pending **list, uint64_t id, const char *aid, int32_t hr,
                     uint32_t code)
{
    pending *pd = (pending *)calloc(1, sizeof *pd);
    if (!pd)
        return NULL; /* the response is lost; logged by the caller */
    pd->id = id;
    pd->hr = hr;
    pd->code = code;
    snprintf(pd->aid, sizeof pd->aid, "%s", aid);
    pd->next = *list;
    *list = pd;
    return pd;
}

static void send_pending(hcsg_procs *p, pending *list)
{
    /* Reverse to answer in the order the waits were queued. */
    pending *rev = NULL;
    while (list) {
        pending *n = list->next;
        list->next = rev;
        rev = list;
        list = n;
    }
    while (rev) {
        pending *n = rev->next;
        if (p->done_fn)
            p->done_fn(p->done_ctx, rev->id, rev->aid, rev->hr, rev->code);
        free(rev);
        rev = n;
    }
}

static uint32_t exit_code_of(int status)
{
    if (WIFEXITED(status))
        return (uint32_t)WEXITSTATUS(status);
    /* Go's ProcessState.ExitCode() is -1 for a signalled process; the Go
     * GCS sends it as uint32. */
    return 0xFFFFFFFFu;
}

/* Declares pr done when it has exited and drained; answers its waiters
 * (queued into *out) and removes it when one of them got the code. */
static void check_done_locked(hcsg_procs *p, proc *pr, pending **out)
{
    waiter **wp;
    int answered = 0;
    if (pr->done || !pr->exited || pr->relays_out > 0)
        return;
    pr->done = 1;
    pr->exit_code = exit_code_of(pr->status);
    HCSG_DEBUG("process %ld done: exit code %lu", (long)pr->pid,
               (unsigned long)pr->exit_code);
    if (pr->stop_efd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(pr->stop_efd, &one, sizeof one);
        (void)w;
    }
    close_fd(&pr->held_sock);
    wp = &p->waiters;
    while (*wp) {
        waiter *w = *wp;
        if (w->pr == pr) {
            *wp = w->next;
            p->nwaiters--;
            if (!pend(out, w->id, w->aid, 0, pr->exit_code))
                HCSG_ERROR("out of memory: WaitForProcess %llu response lost",
                           (unsigned long long)w->id);
            free(w);
            answered = 1;
            continue;
        }
        wp = &w->next;
    }
    if (answered)
        remove_locked(p, pr);
    pthread_cond_broadcast(&p->changed);
    pthread_cond_signal(&p->timer_cv);
}

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

/* Writes all of buf; 0 ok, -1 I/O error, -2 aborted/stopped. */
static int write_all(hcsg_procs *p, int fd, const char *buf, size_t n,
                     int stop_efd, int is_sock)
{
    while (n > 0) {
        ssize_t w = is_sock ? send(fd, buf, n, MSG_NOSIGNAL) : write(fd, buf, n);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!relay_wait(p, fd, POLLOUT, stop_efd))
                return -2;
            continue;
        }
        return -1;
    }
    return 0;
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
        close_fd(&pr->master);
    check_done_locked(p, pr, &out);
    p->nrelays--;
    pthread_cond_broadcast(&p->changed);
    unref_locked(pr);
    pthread_mutex_unlock(&p->m);
    send_pending(p, out);
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
static void start_relay(hcsg_procs *p, proc *pr, int out, int src, int dst,
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

/* ---- spawning ---- */

static void child_fail(int errfd, int stage)
{
    int rec[2];
    ssize_t w;
    rec[0] = stage;
    rec[1] = errno;
    w = write(errfd, rec, sizeof rec);
    (void)w;
    _exit(127);
}

static void set_fd(int from, int to, int errfd)
{
    if (from == to) {
        if (fcntl(to, F_SETFD, 0) != 0)
            child_fail(errfd, STAGE_DUP);
    } else if (dup2(from, to) < 0) {
        child_fail(errfd, STAGE_DUP);
    }
}

/* The child: async-signal-safe calls only. */
static void child_main(const spawn_job *j, int errfd, pid_t parent)
{
    const hcsg_spawn *s = j->s;
    struct sigaction sa;
    sigset_t none;
    int sig;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (sig = 1; sig < 65; sig++)
        (void)sigaction(sig, &sa, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0)
        child_fail(errfd, STAGE_SETSID);
    if (j->ctty >= 0 && ioctl(j->ctty, TIOCSCTTY, 0) < 0)
        child_fail(errfd, STAGE_CTTY);
    set_fd(j->fd0, 0, errfd);
    set_fd(j->fd1, 1, errfd);
    set_fd(j->fd2, 2, errfd);
    if (s->dir && *s->dir && chdir(s->dir) != 0)
        child_fail(errfd, STAGE_CHDIR);
    if (s->has_user) {
        /* Raw system calls: glibc's wrappers broadcast credential changes
         * to all threads, which a forked child of a threaded process must
         * not rely on. */
        if ((getegid() != s->user.gid || geteuid() != s->user.uid) &&
            syscall(SYS_setgroups, (long)s->user.ngroups, s->user.groups) != 0)
            child_fail(errfd, STAGE_GROUPS);
        if (getegid() != s->user.gid && syscall(SYS_setgid, (long)s->user.gid) != 0)
            child_fail(errfd, STAGE_SETGID);
        if (geteuid() != s->user.uid && syscall(SYS_setuid, (long)s->user.uid) != 0)
            child_fail(errfd, STAGE_SETUID);
    }
    /* Die with the agent (the spawner thread lives as long as it does). */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    execve(s->path, s->argv, s->envp);
    child_fail(errfd, STAGE_EXEC);
}

static void run_job(hcsg_procs *p, spawn_job *j)
{
    int ep[2];
    pid_t parent = getpid();
    int rec[2];
    ssize_t got;
    if (pipe2(ep, O_CLOEXEC) != 0) {
        j->stage = STAGE_FORK;
        j->err = errno;
        return;
    }
    /* The lock is held across fork and insertion, so the reaper cannot
     * miss the pid of a child that exits at once. */
    pthread_mutex_lock(&p->m);
    if (p->closed) {
        /* A cleanup ran while this request was on its way: nothing may
         * start after it. */
        pthread_mutex_unlock(&p->m);
        close(ep[0]);
        close(ep[1]);
        j->stage = STAGE_CLOSED;
        j->err = 0;
        j->pid = 0;
        return;
    }
    j->pid = fork();
    if (j->pid == 0) {
        close(ep[0]);
        child_main(j, ep[1], parent);
        _exit(127);
    }
    if (j->pid < 0) {
        j->stage = STAGE_FORK;
        j->err = errno;
        pthread_mutex_unlock(&p->m);
        close(ep[0]);
        close(ep[1]);
        return;
    }
    j->pr->pid = j->pid;
    j->pr->in_table = 1;
    j->pr->refs++;
    j->pr->next = p->table;
    p->table = j->pr;
    p->nprocs++;
    if (j->reserved) { /* the reserved slot becomes a table entry */
        j->reserved = 0;
        p->reserved--;
    }
    pthread_mutex_unlock(&p->m);
    close(ep[1]);
    do {
        got = read(ep[0], rec, sizeof rec);
    } while (got < 0 && errno == EINTR);
    close(ep[0]);
    if (got == (ssize_t)sizeof rec) {
        j->stage = rec[0];
        j->err = rec[1];
    } else {
        j->stage = STAGE_NONE; /* exec succeeded: the pipe closed */
    }
}

static void *spawner_main(void *arg)
{
    hcsg_procs *p = (hcsg_procs *)arg;
    pthread_setname_np(pthread_self(), "gcs-spawner");
    pthread_mutex_lock(&p->m);
    for (;;) {
        spawn_job *j;
        while (!p->jobs && !p->quit)
            pthread_cond_wait(&p->spawn_cv, &p->m);
        if (p->quit && !p->jobs)
            break;
        j = p->jobs;
        p->jobs = j->next;
        pthread_mutex_unlock(&p->m);
        run_job(p, j);
        pthread_mutex_lock(&p->m);
        j->done = 1;
        pthread_cond_broadcast(&p->spawn_cv);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* ---- timer ---- */

static void *timer_main(void *arg)
{
    hcsg_procs *p = (hcsg_procs *)arg;
    pthread_setname_np(pthread_self(), "gcs-timer");
    pthread_mutex_lock(&p->m);
    while (!p->quit) {
        uint64_t next = UINT64_MAX, now = now_ns();
        pending *out = NULL;
        waiter **wp = &p->waiters;
        while (*wp) {
            waiter *w = *wp;
            if (w->deadline <= now) {
                *wp = w->next;
                p->nwaiters--;
                if (!pend(&out, w->id, w->aid, HCSG_HR_TIMEOUT, 0))
                    HCSG_ERROR("out of memory: WaitForProcess %llu response lost",
                               (unsigned long long)w->id);
                free(w);
                continue;
            }
            if (w->deadline < next)
                next = w->deadline;
            wp = &w->next;
        }
        if (out) {
            pthread_mutex_unlock(&p->m);
            send_pending(p, out);
            pthread_mutex_lock(&p->m);
            continue;
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&p->timer_cv, &p->m);
        } else {
            struct timespec ts;
            ts.tv_sec = (time_t)(next / 1000000000u);
            ts.tv_nsec = (long)(next % 1000000000u);
            pthread_cond_timedwait(&p->timer_cv, &p->m, &ts);
        }
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* ---- public ---- */

hcsg_procs *hcsg_procs_new(hcsg_wait_done_fn done, void *ctx)
{
    hcsg_procs *p = (hcsg_procs *)calloc(1, sizeof *p);
    pthread_condattr_t ca;
    if (!p)
        return NULL;
    p->abort_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->abort_efd < 0) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->m, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->changed, &ca);
    pthread_cond_init(&p->timer_cv, &ca);
    pthread_cond_init(&p->spawn_cv, &ca);
    pthread_condattr_destroy(&ca);
    p->done_fn = done;
    p->done_ctx = ctx;
    p->max_procs = HCSG_MAX_PROCESSES;
    return p;
}

void hcsg_procs_set_max(hcsg_procs *p, size_t max)
{
    pthread_mutex_lock(&p->m);
    p->max_procs = max ? max : 1;
    pthread_mutex_unlock(&p->m);
}

int hcsg_procs_start(hcsg_procs *p)
{
    if (p->started)
        return 0;
    if (pthread_create(&p->spawner, NULL, spawner_main, p) != 0)
        return -1;
    if (pthread_create(&p->timer, NULL, timer_main, p) != 0) {
        pthread_mutex_lock(&p->m);
        p->quit = 1;
        pthread_cond_broadcast(&p->spawn_cv);
        pthread_mutex_unlock(&p->m);
        pthread_join(p->spawner, NULL);
        return -1;
    }
    p->started = 1;
    return 0;
}

void hcsg_procs_free(hcsg_procs *p)
{
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->m);
        p->quit = 1;
        pthread_cond_broadcast(&p->spawn_cv);
        pthread_cond_broadcast(&p->timer_cv);
        pthread_mutex_unlock(&p->m);
        pthread_join(p->spawner, NULL);
        pthread_join(p->timer, NULL);
    }
    hcsg_procs_drop_waiters(p);
    pthread_mutex_lock(&p->m);
    while (p->table)
        remove_locked(p, p->table);
    pthread_mutex_unlock(&p->m);
    /* Relays still running keep their process alive; they only exist when
     * cleanup timed out, and then the agent is exiting anyway. */
    if (p->nrelays == 0) {
        close(p->abort_efd);
        pthread_cond_destroy(&p->changed);
        pthread_cond_destroy(&p->timer_cv);
        pthread_cond_destroy(&p->spawn_cv);
        pthread_mutex_destroy(&p->m);
        free(p);
    }
}

void hcsg_procs_reap(hcsg_procs *p)
{
    for (;;) {
        int status;
        pending *out = NULL;
        proc *pr;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            break;
        pthread_mutex_lock(&p->m);
        pr = find_locked(p, pid);
        if (pr && !pr->exited) {
            pr->exited = 1;
            pr->status = status;
            HCSG_DEBUG("process %ld exited (%s %d)", (long)pid,
                       WIFEXITED(status) ? "status" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            check_done_locked(p, pr, &out);
            pthread_cond_broadcast(&p->changed);
        } else {
            HCSG_TRACE("reaped untracked pid %ld", (long)pid);
        }
        pthread_mutex_unlock(&p->m);
        send_pending(p, out);
    }
}

static int open_pty(int *master, int *slave, uint16_t rows, uint16_t cols,
                    hcsg_err *e)
{
    char name[64];
    unsigned int n = 0;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        goto fail;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ioctl(m, TIOCGPTN, &n) != 0)
        goto fail;
    snprintf(name, sizeof name, "/dev/pts/%u", n);
    *slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*slave < 0)
        goto fail;
    if (rows && cols) {
        struct winsize ws;
        memset(&ws, 0, sizeof ws);
        ws.ws_row = rows;
        ws.ws_col = cols;
        (void)ioctl(m, TIOCSWINSZ, &ws);
    }
    *master = m;
    return 0;
fail:
    {
        char et[128];
        errtext(errno, et, sizeof et);
        hcsg_err_plain(e, "failed to create console for external process: %s", et);
    }
    if (m >= 0)
        close(m);
    return -1;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int hcsg_proc_start(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e)
{
    proc *pr = NULL;
    spawn_job job;
    int devnull = -1, slave = -1;
    int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
    int rc = -1;
    char et[128];
    memset(&job, 0, sizeof job);
    /* Check the cap and take the slot under one lock: concurrent starts
     * (up to HCSG_MAX_EXEC_WORKERS) must not all pass the check. The
     * reservation turns into the table entry in run_job, or is released
     * at out. */
    pthread_mutex_lock(&p->m);
    if (p->nprocs + p->reserved >= p->max_procs) {
        size_t max = p->max_procs;
        pthread_mutex_unlock(&p->m);
        hcsg_err_plain(e, "failed to call Start for external process: too many "
                          "processes (%zu tracked; wait for some first)",
                       max);
        goto out;
    }
    p->reserved++;
    job.reserved = 1;
    pthread_mutex_unlock(&p->m);
    pr = (proc *)calloc(1, sizeof *pr);
    if (!pr) {
        hcsg_err_plain(e, "failed to call Start for external process: out of memory");
        goto out;
    }
    pr->master = pr->in_sock = pr->out_sock = pr->err_sock = -1;
    pr->held_sock = pr->stop_efd = -1;
    pr->tty = s->tty;
    pr->started_ns = now_ns();
    snprintf(pr->argv0, sizeof pr->argv0, "%s", s->argv0 ? s->argv0 : s->path);
    job.s = s;
    job.pr = pr;
    job.ctty = -1;
    if (s->in_sock >= 0) {
        pr->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (pr->stop_efd < 0)
            goto sys_fail;
    }
    if (s->tty) {
        if (open_pty(&pr->master, &slave, s->rows, s->cols, e) != 0)
            goto out;
        if (set_nonblock(pr->master) != 0)
            goto sys_fail;
        job.fd0 = job.fd1 = job.fd2 = job.ctty = slave;
        pr->relays_out = 1; /* the pty output (relayed or discarded) */
        pr->relays_all = 1 + (s->in_sock >= 0);
    } else {
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0)
            goto sys_fail;
        job.fd0 = job.fd1 = job.fd2 = devnull;
        if (s->in_sock >= 0) {
            if (pipe2(inp, O_CLOEXEC) != 0 || set_nonblock(inp[1]) != 0)
                goto sys_fail;
            job.fd0 = inp[0];
        }
        if (s->out_sock >= 0) {
            if (pipe2(outp, O_CLOEXEC) != 0 || set_nonblock(outp[0]) != 0)
                goto sys_fail;
            job.fd1 = outp[1];
        }
        if (s->err_sock >= 0) {
            if (pipe2(errp, O_CLOEXEC) != 0 || set_nonblock(errp[0]) != 0)
                goto sys_fail;
            job.fd2 = errp[1];
        }
        pr->relays_out = (s->out_sock >= 0) + (s->err_sock >= 0);
        pr->relays_all = pr->relays_out + (s->in_sock >= 0);
    }
    if ((s->in_sock >= 0 && set_nonblock(s->in_sock) != 0) ||
        (s->out_sock >= 0 && set_nonblock(s->out_sock) != 0) ||
        (s->err_sock >= 0 && set_nonblock(s->err_sock) != 0))
        goto sys_fail;

    /* Hand the job to the spawner thread and wait for it. */
    pthread_mutex_lock(&p->m);
    if (!p->started || p->quit) {
        pthread_mutex_unlock(&p->m);
        hcsg_err_plain(e, "failed to call Start for external process: the agent is stopping");
        goto out;
    }
    job.next = NULL;
    {
        spawn_job **jp = &p->jobs;
        while (*jp)
            jp = &(*jp)->next;
        *jp = &job;
    }
    pthread_cond_broadcast(&p->spawn_cv);
    while (!job.done)
        pthread_cond_wait(&p->spawn_cv, &p->m);
    pthread_mutex_unlock(&p->m);

    /* The child's ends are the child's now. */
    close_fd(&slave);
    close_fd(&devnull);
    close_fd(&inp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[1]);

    if (job.stage != STAGE_NONE) {
        errtext(job.err, et, sizeof et);
        switch (job.stage) {
        case STAGE_CLOSED:
            hcsg_err_plain(e, "failed to call Start for external process: the bridge is "
                              "closing (every process is being stopped)");
            break;
        case STAGE_CHDIR:
            hcsg_err_plain(e, "failed to call Start for external process: chdir %s: %s",
                           s->dir, et);
            break;
        case STAGE_GROUPS:
        case STAGE_SETGID:
        case STAGE_SETUID:
            hcsg_err_plain(e, "failed to call Start for external process: "
                              "fork/exec %s: cannot switch to uid %lu gid %lu: %s",
                           s->path, (unsigned long)s->user.uid,
                           (unsigned long)s->user.gid, et);
            break;
        default:
            hcsg_err_plain(e, "failed to call Start for external process: fork/exec %s: %s",
                           s->path, et);
            break;
        }
        pthread_mutex_lock(&p->m);
        if (job.pid > 0) {
            /* The failed child is reaped by the reaper; forget it. */
            remove_locked(p, pr);
            pr = NULL; /* freed: the table held the only reference */
        }
        pthread_mutex_unlock(&p->m);
        goto out;
    }

    /* Running: the sockets and pipe ends move to the relays. We hold a
     * reference of our own until we are done with pr (a cleanup may remove
     * it from the table meanwhile) and work from copies taken under the
     * lock (relays update their slots as they finish). */
    *pid = job.pid;
    {
        int tty = s->tty, in = s->in_sock, out = s->out_sock, err = s->err_sock;
        int master;
        pthread_mutex_lock(&p->m);
        pr->in_sock = in;
        pr->out_sock = out;
        if (tty)
            pr->held_sock = err; /* unused with a tty (Go: stderr merged) */
        else
            pr->err_sock = err;
        s->in_sock = s->out_sock = s->err_sock = -1;
        pr->refs += pr->relays_all + 1;
        p->nrelays += (size_t)pr->relays_all;
        master = pr->master;
        pthread_mutex_unlock(&p->m);
        if (tty) {
            start_relay(p, pr, 1, master, out, &pr->out_sock, "stdout");
            if (in >= 0)
                start_relay(p, pr, 0, in, master, &pr->in_sock, "stdin");
        } else {
            if (out >= 0)
                start_relay(p, pr, 1, outp[0], out, &pr->out_sock, "stdout");
            if (err >= 0)
                start_relay(p, pr, 1, errp[0], err, &pr->err_sock, "stderr");
            if (in >= 0)
                start_relay(p, pr, 0, in, inp[1], &pr->in_sock, "stdin");
        }
        outp[0] = errp[0] = inp[1] = -1; /* owned by the relays */
        HCSG_INFO("started process %ld (%s)%s", (long)job.pid,
                  s->argv0 ? s->argv0 : s->path, tty ? " with a tty" : "");
        pthread_mutex_lock(&p->m);
        unref_locked(pr);
        pthread_mutex_unlock(&p->m);
    }
    pr = NULL; /* the table owns it */
    rc = 0;
    goto out;

sys_fail:
    errtext(errno, et, sizeof et);
    hcsg_err_plain(e, "failed to call Start for external process: %s", et);
out:
    pthread_mutex_lock(&p->m);
    if (job.reserved) { /* never inserted: give the slot back */
        job.reserved = 0;
        p->reserved--;
    }
    pthread_mutex_unlock(&p->m);
    close_fd(&slave);
    close_fd(&devnull);
    close_fd(&inp[0]);
    close_fd(&inp[1]);
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    if (pr)
        free_proc(pr);
    if (rc != 0) {
        close_fd(&s->in_sock);
        close_fd(&s->out_sock);
        close_fd(&s->err_sock);
    }
    return rc;
}

int hcsg_proc_wait(hcsg_procs *p, pid_t pid, uint32_t timeout_ms,
                   uint64_t id, const char *aid, hcsg_err *e)
{
    proc *pr;
    pending *out = NULL;
    pthread_mutex_lock(&p->m);
    pr = find_locked(p, pid);
    if (!pr || pid <= 0) {
        pthread_mutex_unlock(&p->m);
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return -1;
    }
    if (pr->done) {
        /* Answered now; the first successful wait removes the process. */
        if (!pend(&out, id, aid, 0, pr->exit_code)) {
            pthread_mutex_unlock(&p->m);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
        remove_locked(p, pr);
    } else if (timeout_ms == 0) {
        if (!pend(&out, id, aid, HCSG_HR_TIMEOUT, 0)) {
            pthread_mutex_unlock(&p->m);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
    } else {
        waiter *w;
        if (p->nwaiters >= HCSG_MAX_WAITERS) {
            pthread_mutex_unlock(&p->m);
            hcsg_err_plain(e, "too many outstanding WaitForProcess requests (%u)",
                           HCSG_MAX_WAITERS);
            return -1;
        }
        w = (waiter *)calloc(1, sizeof *w);
        if (!w) {
            pthread_mutex_unlock(&p->m);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
        w->pr = pr;
        w->id = id;
        w->deadline = timeout_ms == HCS_GCS_INFINITE_WAIT
                          ? UINT64_MAX
                          : now_ns() + (uint64_t)timeout_ms * 1000000u;
        snprintf(w->aid, sizeof w->aid, "%s", aid);
        w->next = p->waiters;
        p->waiters = w;
        p->nwaiters++;
        pthread_cond_signal(&p->timer_cv);
    }
    pthread_mutex_unlock(&p->m);
    send_pending(p, out);
    return 0;
}

int hcsg_proc_signal(hcsg_procs *p, pid_t pid, int sig, hcsg_err *e)
{
    proc *pr;
    int rc = 0;
    pthread_mutex_lock(&p->m);
    pr = find_locked(p, pid);
    if (!pr || pid <= 0) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        rc = -1;
    } else if (pr->exited) {
        /* syscall.Kill on a reaped pid: ESRCH -> HrErrNotFound. */
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        rc = -1;
    } else if (kill(pid, sig) != 0) {
        char et[128];
        if (errno == ESRCH) {
            hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        } else {
            errtext(errno, et, sizeof et);
            hcsg_err_plain(e, "%s", et);
        }
        rc = -1;
    } else {
        HCSG_INFO("delivered signal %d to process %ld", sig, (long)pid);
    }
    pthread_mutex_unlock(&p->m);
    return rc;
}

int hcsg_proc_resize(hcsg_procs *p, pid_t pid, uint16_t h, uint16_t w,
                     hcsg_err *e)
{
    proc *pr;
    int rc = 0;
    pthread_mutex_lock(&p->m);
    pr = find_locked(p, pid);
    if (!pr || pid <= 0) {
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        rc = -1;
    } else if (!pr->tty) {
        hcsg_err_plain(e, "pid: %ld, is not a tty and cannot be resized", (long)pid);
        rc = -1;
    } else if (pr->master >= 0) {
        struct winsize ws;
        memset(&ws, 0, sizeof ws);
        ws.ws_row = h;
        ws.ws_col = w;
        if (ioctl(pr->master, TIOCSWINSZ, &ws) != 0) {
            char et[128];
            errtext(errno, et, sizeof et);
            hcsg_err_plain(e, "%s", et);
            rc = -1;
        }
    } /* the relay already closed the console: nothing to resize (Go: ok) */
    pthread_mutex_unlock(&p->m);
    return rc;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

size_t hcsg_proc_list(hcsg_procs *p, pid_t **out)
{
    proc *pr;
    size_t n = 0;
    pid_t *v;
    pthread_mutex_lock(&p->m);
    v = (pid_t *)calloc(p->nprocs ? p->nprocs : 1, sizeof *v);
    if (v)
        for (pr = p->table; pr; pr = pr->next)
            v[n++] = pr->pid;
    pthread_mutex_unlock(&p->m);
    if (v)
        qsort(v, n, sizeof *v, cmp_pid);
    *out = v;
    return v ? n : 0;
}

size_t hcsg_proc_count(hcsg_procs *p)
{
    size_t n;
    pthread_mutex_lock(&p->m);
    n = p->nprocs;
    pthread_mutex_unlock(&p->m);
    return n;
}

void hcsg_procs_reopen(hcsg_procs *p)
{
    pthread_mutex_lock(&p->m);
    p->closed = 0;
    pthread_mutex_unlock(&p->m);
}

size_t hcsg_procs_relays(hcsg_procs *p)
{
    size_t n;
    pthread_mutex_lock(&p->m);
    n = p->nrelays;
    pthread_mutex_unlock(&p->m);
    return n;
}

void hcsg_proc_dump(hcsg_procs *p, hcsi_buf *b)
{
    proc *pr;
    waiter *w;
    uint64_t now = now_ns();
    pthread_mutex_lock(&p->m);
    hcsi_buf_printf(b, "processes: %zu tracked, %zu stdio relays, %zu waiters\n",
                    p->nprocs, p->nrelays, p->nwaiters);
    for (pr = p->table; pr; pr = pr->next) {
        size_t nw = 0;
        for (w = p->waiters; w; w = w->next)
            if (w->pr == pr)
                nw++;
        if (b->len > HCSG_MAX_STACKS_TEXT - 256) {
            hcsi_buf_puts(b, "  ... (truncated)\n");
            break;
        }
        hcsi_buf_printf(b, "  pid %ld %s: %s%s, age %.1fs, relays %d (output %d), "
                           "waiters %zu",
                        (long)pr->pid, pr->argv0,
                        pr->done ? "done" : pr->exited ? "exited, draining output" : "running",
                        pr->tty ? ", tty" : "", (double)(now - pr->started_ns) / 1e9,
                        pr->relays_all, pr->relays_out, nw);
        if (pr->done)
            hcsi_buf_printf(b, ", exit code %lu", (unsigned long)pr->exit_code);
        hcsi_buf_putc(b, '\n');
    }
    pthread_mutex_unlock(&p->m);
}

void hcsg_procs_drop_waiters(hcsg_procs *p)
{
    pthread_mutex_lock(&p->m);
    while (p->waiters) {
        waiter *w = p->waiters;
        p->waiters = w->next;
        free(w);
    }
    p->nwaiters = 0;
    pthread_mutex_unlock(&p->m);
}

static size_t signal_all_locked(hcsg_procs *p, int sig)
{
    proc *pr;
    size_t n = 0;
    for (pr = p->table; pr; pr = pr->next) {
        if (pr->exited)
            continue;
        /* Each child leads its own session and process group. */
        (void)kill(-pr->pid, sig);
        (void)kill(pr->pid, sig);
        n++;
    }
    return n;
}

static int all_exited_locked(hcsg_procs *p)
{
    proc *pr;
    for (pr = p->table; pr; pr = pr->next)
        if (!pr->exited)
            return 0;
    return 1;
}

static void timed_wait_locked(hcsg_procs *p, uint64_t deadline)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline / 1000000000u);
    ts.tv_nsec = (long)(deadline % 1000000000u);
    pthread_cond_timedwait(&p->changed, &p->m, &ts);
}

size_t hcsg_procs_cleanup(hcsg_procs *p, uint32_t grace_ms, uint32_t wait_ms)
{
    size_t alive;
    uint64_t deadline;
    uint64_t one = 1;
    ssize_t w;
    hcsg_procs_drop_waiters(p);
    pthread_mutex_lock(&p->m);
    p->closed = 1;
    alive = signal_all_locked(p, grace_ms ? SIGTERM : SIGKILL);
    if (alive)
        HCSG_INFO("cleanup: %s %zu process group%s", grace_ms ? "terminating" : "killing",
                  alive, alive == 1 ? "" : "s");
    if (grace_ms && alive) {
        deadline = now_ns() + (uint64_t)grace_ms * 1000000u;
        while (!all_exited_locked(p) && now_ns() < deadline)
            timed_wait_locked(p, deadline);
        if (signal_all_locked(p, SIGKILL))
            HCSG_INFO("cleanup: killed the processes that ignored SIGTERM");
    }
    pthread_mutex_unlock(&p->m);
    /* Stop every relay: the host is gone. */
    w = write(p->abort_efd, &one, sizeof one);
    (void)w;
    pthread_mutex_lock(&p->m);
    deadline = now_ns() + (uint64_t)wait_ms * 1000000u;
    while ((!all_exited_locked(p) || p->nrelays > 0) && now_ns() < deadline)
        timed_wait_locked(p, deadline);
    if (!all_exited_locked(p) || p->nrelays > 0)
        HCSG_WARN("cleanup: %s still present after %lu ms",
                  p->nrelays ? "stdio relays" : "unreaped processes",
                  (unsigned long)wait_ms);
    while (p->table)
        remove_locked(p, p->table);
    if (p->nrelays == 0) {
        /* Re-arm for the next connection (--reconnect). */
        uint64_t v;
        ssize_t r = read(p->abort_efd, &v, sizeof v);
        (void)r;
    }
    pthread_mutex_unlock(&p->m);
    return alive;
}
