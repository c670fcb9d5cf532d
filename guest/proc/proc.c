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
#include <dirent.h>
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

void hcsg_pi_errtext(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

void hcsg_pi_close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

void hcsg_pi_close_fds(int *const *fds, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        hcsg_pi_close_fd(fds[i]);
}

uint64_t hcsg_pi_now_ns(void) { return hcsi_now_ns(); }

/* ---- table (lock held) ---- */

proc *hcsg_pi_find_locked(hcsg_procs *p, pid_t pid)
{
    proc *pr;
    for (pr = p->table; pr; pr = pr->next)
        if (pr->pid == pid)
            return pr;
    return NULL;
}

proc *hcsg_pi_find_host_locked(hcsg_procs *p, pid_t pid, const char *owner)
{
    proc *pr = pid > 0 ? hcsg_pi_find_locked(p, pid) : NULL;
    if (!pr || pr->kind == HCSG_PROC_HELPER || strcmp(pr->owner, owner ? owner : "") != 0)
        return NULL;
    return pr;
}

void hcsg_pi_free_proc(proc *pr)
{
    int *const fds[] = {&pr->master,   &pr->in_sock,   &pr->out_sock,
                        &pr->err_sock, &pr->held_sock, &pr->stop_efd};
    hcsg_pi_close_fds(fds, HCSI_ARRAY_LEN(fds));
    free(pr);
}

void hcsg_pi_unref_locked(proc *pr)
{
    if (--pr->refs == 0)
        hcsg_pi_free_proc(pr);
}

/* Unlinks pr and drops the table's reference. */
void hcsg_pi_remove_locked(hcsg_procs *p, proc *pr)
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
    hcsg_pi_unref_locked(pr);
}

pending *hcsg_pi_pend(pending **list, uint64_t id, const char *aid, int32_t hr,
                     uint32_t code, pid_t pid)
{
    pending *pd = (pending *)calloc(1, sizeof *pd);
    if (!pd)
        return NULL; /* the response is lost; logged by the caller */
    pd->id = id;
    pd->hr = hr;
    pd->code = code;
    pd->pid = pid;
    snprintf(pd->aid, sizeof pd->aid, "%s", aid);
    pd->next = *list;
    *list = pd;
    return pd;
}

void hcsg_pi_send_pending(hcsg_procs *p, pending *list)
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
            p->done_fn(p->done_ctx, rev->id, rev->aid, rev->hr, rev->code, rev->pid);
        free(rev);
        rev = n;
    }
}

uint32_t hcsg_pi_exit_code_of(int status)
{
    if (WIFEXITED(status))
        return (uint32_t)WEXITSTATUS(status);
    /* Go's ProcessState.ExitCode() is -1 for a signalled process; the Go
     * GCS sends it as uint32. */
    return 0xFFFFFFFFu;
}

/* Declares pr done when it has exited and drained; answers its waiters
 * (queued into *out) and removes it when one of them got the code. */
uint32_t hcsg_pi_code_of(const proc *pr)
{
    /* Container processes: 128 + signal, as the Go GCS's runc wrapper
     * (waitOnProcess) reports them. */
    if (pr->kind == HCSG_PROC_CONTAINER && WIFSIGNALED(pr->status))
        return 128u + (uint32_t)WTERMSIG(pr->status);
    return hcsg_pi_exit_code_of(pr->status);
}

void hcsg_pi_check_done_locked(hcsg_procs *p, proc *pr, pending **out)
{
    waiter **wp;
    int answered = 0;
    if (pr->done || !pr->exited || pr->relays_out > 0)
        return;
    pr->done = 1;
    pr->exit_code = hcsg_pi_code_of(pr);
    HCSG_DEBUG("process %ld done: exit code %lu", (long)pr->pid,
               (unsigned long)pr->exit_code);
    if (pr->stop_efd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(pr->stop_efd, &one, sizeof one);
        (void)w;
    }
    hcsg_pi_close_fd(&pr->held_sock);
    wp = &p->waiters;
    while (*wp) {
        waiter *w = *wp;
        if (w->pr == pr) {
            *wp = w->next;
            p->nwaiters--;
            if (!hcsg_pi_pend(out, w->id, w->aid, 0, pr->exit_code, pr->pid))
                HCSG_ERROR("out of memory: WaitForProcess %llu response lost",
                           (unsigned long long)w->id);
            free(w);
            answered = 1;
            continue;
        }
        wp = &w->next;
    }
    if (answered)
        hcsg_pi_remove_locked(p, pr);
    /* The timer is not woken: a waiter answered here only leaves it an
     * earlier deadline than needed, which it finds empty. */
    pthread_cond_broadcast(&p->changed);
}


/* ---- timer ---- */

static void *timer_main(void *arg)
{
    hcsg_procs *p = (hcsg_procs *)arg;
    pthread_setname_np(pthread_self(), "gcs-timer");
    pthread_mutex_lock(&p->m);
    while (!p->quit) {
        uint64_t next = UINT64_MAX, now = hcsg_pi_now_ns();
        pending *out = NULL;
        waiter **wp = &p->waiters;
        while (*wp) {
            waiter *w = *wp;
            if (w->deadline <= now) {
                *wp = w->next;
                p->nwaiters--;
                if (!hcsg_pi_pend(&out, w->id, w->aid, HCSG_HR_TIMEOUT, 0, w->pr->pid))
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
            hcsg_pi_send_pending(p, out);
            pthread_mutex_lock(&p->m);
            continue;
        }
        p->timer_next = next;
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
    p->timer_next = UINT64_MAX;
    return p;
}

void hcsg_procs_set_exit_fn(hcsg_procs *p, hcsg_exit_fn fn, void *ctx)
{
    p->exit_fn = fn;
    p->exit_ctx = ctx;
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
    if (pthread_create(&p->spawner, NULL, hcsg_pi_spawner_main, p) != 0)
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

int hcsg_procs_free(hcsg_procs *p)
{
    size_t left;
    if (!p)
        return 1;
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
        hcsg_pi_remove_locked(p, p->table);
    left = p->nrelays;
    pthread_mutex_unlock(&p->m);
    /* Relays still running keep their process alive; they only exist when
     * cleanup timed out, and then the agent is exiting anyway. */
    if (left)
        return 0;
    close(p->abort_efd);
    pthread_cond_destroy(&p->changed);
    pthread_cond_destroy(&p->timer_cv);
    pthread_cond_destroy(&p->spawn_cv);
    pthread_mutex_destroy(&p->m);
    free(p);
    return 1;
}

void hcsg_procs_reap(hcsg_procs *p)
{
    for (;;) {
        int status;
        pending *out = NULL;
        proc *pr;
        pid_t pid;
        int notify = 0;
        /* Reaped under the lock: a spawn that finds its child neither in
         * the table's records nor waitable knows its exit was lost. */
        pthread_mutex_lock(&p->m);
        do {
            pid = waitpid(-1, &status, WNOHANG);
        } while (pid < 0 && errno == EINTR);
        if (pid <= 0) {
            pthread_mutex_unlock(&p->m);
            break;
        }
        pr = hcsg_pi_find_locked(p, pid);
        if (pr && !pr->exited) {
            pr->exited = 1;
            pr->status = status;
            notify = pr->kind == HCSG_PROC_CONTAINER;
            HCSG_DEBUG("process %ld exited (%s %d)", (long)pid,
                       WIFEXITED(status) ? "status" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            hcsg_pi_check_done_locked(p, pr, &out);
            pthread_cond_broadcast(&p->changed);
        } else {
            /* Kept for hcsg_proc_adopt: a container process may exit before
             * its runtime command told us its pid. */
            size_t i = p->orphan_next++ % HCSG_MAX_ORPHANS;
            p->orphans[i].pid = pid;
            p->orphans[i].status = status;
            p->orphans[i].seq = ++p->reap_seq;
            HCSG_TRACE("reaped untracked pid %ld", (long)pid);
        }
        pthread_mutex_unlock(&p->m);
        hcsg_pi_send_pending(p, out);
        if (notify && p->exit_fn)
            p->exit_fn(p->exit_ctx, pid, status);
    }
}


/* Locks p and finds the host's process pid of owner: NULL (unlocked, e
 * set: not found) when there is none. */
static proc *lock_host_proc(hcsg_procs *p, const char *owner, pid_t pid, hcsg_err *e)
{
    proc *pr;
    pthread_mutex_lock(&p->m);
    pr = hcsg_pi_find_host_locked(p, pid, owner);
    if (!pr || pid <= 0) {
        pthread_mutex_unlock(&p->m);
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        return NULL;
    }
    return pr;
}

int hcsg_proc_wait(hcsg_procs *p, const char *owner, pid_t pid, uint32_t timeout_ms,
                   uint64_t id, const char *aid, hcsg_err *e)
{
    proc *pr = lock_host_proc(p, owner, pid, e);
    pending *out = NULL;
    if (!pr)
        return -1;
    if (pr->done) {
        /* Answered now; the first successful wait removes the process. */
        if (!hcsg_pi_pend(&out, id, aid, 0, pr->exit_code, pr->pid)) {
            pthread_mutex_unlock(&p->m);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
        hcsg_pi_remove_locked(p, pr);
    } else if (timeout_ms == 0) {
        if (!hcsg_pi_pend(&out, id, aid, HCSG_HR_TIMEOUT, 0, pr->pid)) {
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
                          : hcsg_pi_now_ns() + (uint64_t)timeout_ms * 1000000u;
        snprintf(w->aid, sizeof w->aid, "%s", aid);
        w->next = p->waiters;
        p->waiters = w;
        p->nwaiters++;
        /* The timer only needs to know of a deadline earlier than the one
         * it sleeps to (a wake-up per wait is measurable). */
        if (w->deadline < p->timer_next)
            pthread_cond_signal(&p->timer_cv);
    }
    pthread_mutex_unlock(&p->m);
    hcsg_pi_send_pending(p, out);
    return 0;
}

int hcsg_proc_signal(hcsg_procs *p, const char *owner, pid_t pid, int sig, hcsg_err *e)
{
    proc *pr = lock_host_proc(p, owner, pid, e);
    int rc = 0;
    if (!pr)
        return -1;
    if (pr->exited) {
        /* syscall.Kill on a reaped pid: ESRCH -> HrErrNotFound. */
        hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        rc = -1;
    } else if (kill(pid, sig) != 0) {
        char et[128];
        if (errno == ESRCH) {
            hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        } else {
            hcsg_pi_errtext(errno, et, sizeof et);
            hcsg_err_plain(e, "%s", et);
        }
        rc = -1;
    } else {
        HCSG_INFO("delivered signal %d to process %ld", sig, (long)pid);
    }
    pthread_mutex_unlock(&p->m);
    return rc;
}

int hcsg_console_resize(int master, uint16_t rows, uint16_t cols)
{
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = rows;
    ws.ws_col = cols;
    return ioctl(master, TIOCSWINSZ, &ws);
}

int hcsg_proc_resize(hcsg_procs *p, const char *owner, pid_t pid, uint16_t h, uint16_t w,
                     hcsg_err *e)
{
    proc *pr = lock_host_proc(p, owner, pid, e);
    int rc = 0;
    if (!pr)
        return -1;
    if (!pr->tty) {
        hcsg_err_plain(e, "pid: %ld, is not a tty and cannot be resized", (long)pid);
        rc = -1;
    } else if (pr->master >= 0 && hcsg_console_resize(pr->master, h, w) != 0) {
        char et[128];
        hcsg_pi_errtext(errno, et, sizeof et);
        hcsg_err_plain(e, "%s", et);
        rc = -1;
    } /* no master: the relay already closed the console, nothing to resize (Go: ok) */
    pthread_mutex_unlock(&p->m);
    return rc;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

size_t hcsg_proc_list(hcsg_procs *p, const char *owner, pid_t **out)
{
    proc *pr;
    size_t n = 0;
    pid_t *v;
    pthread_mutex_lock(&p->m);
    v = (pid_t *)calloc(p->nprocs ? p->nprocs : 1, sizeof *v);
    if (v)
        for (pr = p->table; pr; pr = pr->next)
            if (pr->kind != HCSG_PROC_HELPER && strcmp(pr->owner, owner ? owner : "") == 0)
                v[n++] = pr->pid;
    pthread_mutex_unlock(&p->m);
    if (v)
        qsort(v, n, sizeof *v, cmp_pid);
    *out = v;
    return v ? n : 0;
}

size_t hcsg_proc_count(hcsg_procs *p)
{
    return hcsg_locked_size(&p->m, &p->nprocs);
}

void hcsg_procs_reopen(hcsg_procs *p)
{
    pthread_mutex_lock(&p->m);
    p->closed = 0;
    pthread_mutex_unlock(&p->m);
}

size_t hcsg_procs_relays(hcsg_procs *p)
{
    return hcsg_locked_size(&p->m, &p->nrelays);
}

void hcsg_proc_dump(hcsg_procs *p, hcsi_buf *b)
{
    proc *pr;
    waiter *w;
    uint64_t now = hcsg_pi_now_ns();
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
        hcsi_buf_printf(b, "  pid %ld %s%s%s%s: %s%s, age %.1fs, relays %d (output %d), "
                           "waiters %zu",
                        (long)pr->pid, pr->argv0,
                        pr->kind == HCSG_PROC_HELPER ? " (runtime command)" : "",
                        pr->owner[0] ? " in container " : "", pr->owner,
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
        /* Each child leads its own session and process group: the group
         * is signalled even when its leader already exited (its background
         * children are still in it). Container processes are signalled
         * themselves (their init takes its pid namespace with it). */
        if (pr->kind == HCSG_PROC_UVM)
            (void)kill(-pr->pid, sig);
        if (pr->exited)
            continue;
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

/* Kills every child of the agent that is not tracked, once: descendants
 * that left their process group (setsid) and were reparented to the agent
 * (it is the child subreaper) when their parent exited. Returns how many. */
static size_t kill_strays_once(void)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t self = getpid();
    size_t n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char path[64], buf[512], *rp;
        long pid, ppid = 0;
        FILE *f;
        size_t got;
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        pid = strtol(de->d_name, NULL, 10);
        if (pid <= 1 || pid == (long)self)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        f = fopen(path, "re");
        if (!f)
            continue;
        got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        /* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
        rp = strrchr(buf, ')');
        if (!rp || sscanf(rp + 1, " %*c %ld", &ppid) != 1 || ppid != (long)self)
            continue;
        (void)kill((pid_t)pid, SIGKILL);
        n++;
    }
    closedir(d);
    return n;
}

/* Until no child of the agent is left alive (killing one orphans its own
 * children, which then come to the agent), bounded by deadline. Zombies
 * are reaped here too. */
static size_t kill_strays(hcsg_procs *p, uint64_t deadline)
{
    size_t total = 0, n;
    do {
        hcsg_procs_reap(p);
        n = kill_strays_once();
        total += n;
        if (n)
            hcsi_sleep_ms(5);
    } while (n && hcsg_pi_now_ns() < deadline);
    hcsg_procs_reap(p);
    return total;
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
        deadline = hcsg_pi_now_ns() + (uint64_t)grace_ms * 1000000u;
        while (!all_exited_locked(p) && hcsg_pi_now_ns() < deadline)
            timed_wait_locked(p, deadline);
        if (signal_all_locked(p, SIGKILL))
            HCSG_INFO("cleanup: killed the processes that ignored SIGTERM");
    }
    pthread_mutex_unlock(&p->m);
    /* Descendants that escaped their group (setsid) or outlived their
     * parent: every one of the agent's children goes. */
    {
        size_t strays = kill_strays(p, hcsg_pi_now_ns() + (uint64_t)wait_ms * 1000000u);
        if (strays)
            HCSG_INFO("cleanup: killed %zu stray descendant%s", strays, strays == 1 ? "" : "s");
    }
    /* Stop every relay: the host is gone. */
    w = write(p->abort_efd, &one, sizeof one);
    (void)w;
    pthread_mutex_lock(&p->m);
    deadline = hcsg_pi_now_ns() + (uint64_t)wait_ms * 1000000u;
    while ((!all_exited_locked(p) || p->nrelays > 0) && hcsg_pi_now_ns() < deadline)
        timed_wait_locked(p, deadline);
    if (!all_exited_locked(p) || p->nrelays > 0)
        HCSG_WARN("cleanup: %s still present after %lu ms",
                  p->nrelays ? "stdio relays" : "unreaped processes",
                  (unsigned long)wait_ms);
    while (p->table)
        hcsg_pi_remove_locked(p, p->table);
    if (p->nrelays == 0) {
        /* Re-arm for the next connection (--reconnect). */
        uint64_t v;
        ssize_t r = read(p->abort_efd, &v, sizeof v);
        (void)r;
    }
    pthread_mutex_unlock(&p->m);
    return alive;
}
