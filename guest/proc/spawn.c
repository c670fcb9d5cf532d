/* hcs-gcs spawning: the spawner thread forks every child (so PDEATHSIG
 * ties them to a thread that lives as long as the agent). */
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proc/proc_internal.h"

/* ---- spawning ----
 *
 * Children start with clone(CLONE_VM | CLONE_VFORK); what the child does
 * between clone and execve, and why it may only make raw system calls, is
 * in child.c. */

#define CHILD_STACK (64u * 1024u)

/* Takes the exit of a child the reaper collected before it was in the
 * table (it runs the moment the child exists). Lock held. */
static void claim_early_exit(hcsg_procs *p, proc *pr, pending **out)
{
    siginfo_t si;
    size_t i;
    for (i = 0; i < HCSG_MAX_ORPHANS; i++) {
        if (p->orphans[i].pid == pr->pid && p->orphans[i].seq > p->spawn_seq) {
            p->orphans[i].pid = 0;
            pr->exited = 1;
            pr->status = p->orphans[i].status;
            hcsg_pi_check_done_locked(p, pr, out);
            return;
        }
    }
    /* Not in the ring: alive, a zombie the reaper will see now that it is
     * tracked, or reaped and pushed out of the ring by a burst of other
     * exits (then its status is lost: report it as killed). */
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pr->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 &&
        errno == ECHILD) {
        HCSG_WARN("process %ld exited before it was tracked and its status was lost",
                  (long)pr->pid);
        pr->exited = 1;
        pr->status = SIGKILL; /* as if killed */
        hcsg_pi_check_done_locked(p, pr, out);
    }
}

static void run_job(hcsg_procs *p, spawn_job *j)
{
    char *stack = p->spawn_stack;
    child_arg ca;
    sigset_t all, old;
    pending *out = NULL;
    memset(&ca, 0, sizeof ca);
    ca.j = j;
    ca.parent = getpid();
    ca.reset = p->sig_reset;
    ca.stage = STAGE_NONE;
    pthread_mutex_lock(&p->m);
    if (p->closed && j->pr->kind != HCSG_PROC_HELPER) {
        /* A cleanup ran while this request was on its way: nothing may
         * start after it. */
        pthread_mutex_unlock(&p->m);
        j->stage = STAGE_CLOSED;
        j->err = 0;
        j->pid = 0;
        return;
    }
    /* Exits the reaper collects from here on may be this child's. */
    p->spawn_seq = p->reap_seq;
    pthread_mutex_unlock(&p->m);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    j->pid = hcsg_pi_clone_child(&ca, stack + CHILD_STACK);
    j->err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (j->pid < 0) {
        j->stage = STAGE_FORK;
        return;
    }
    j->stage = ca.stage;
    j->err = ca.err;
    pthread_mutex_lock(&p->m);
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
    claim_early_exit(p, j->pr, &out);
    pthread_mutex_unlock(&p->m);
    hcsg_pi_send_pending(p, out);
}

void *hcsg_pi_spawner_main(void *arg)
{
    hcsg_procs *p = (hcsg_procs *)arg;
    char *stack;
    int sig;
    pthread_setname_np(pthread_self(), "gcs-spawner");
    /* Every disposition that is not the default is reset in the child
     * (handlers must not run there; ignored signals must not leak into
     * the process). The agent sets its dispositions before this thread
     * starts. */
    for (sig = 1; sig < HCSG_PI_NSIG; sig++) {
        struct sigaction sa;
        p->sig_reset[sig] = sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 &&
                            sa.sa_handler != SIG_DFL;
    }
    p->sig_reset[SIGPIPE] = 1;
    stack = (char *)mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    p->spawn_stack = stack == MAP_FAILED ? NULL : stack;
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
        if (j->fn) {
            /* Posted work: it owns itself and may spawn inline. */
            j->fn(j->arg);
            free(j);
            pthread_mutex_lock(&p->m);
            continue;
        }
        hcsg_pi_spawn_inline(p, j);
        pthread_mutex_lock(&p->m);
        j->done = 1;
        pthread_cond_broadcast(&p->spawn_cv);
    }
    pthread_mutex_unlock(&p->m);
    if (p->spawn_stack)
        munmap(p->spawn_stack, CHILD_STACK);
    p->spawn_stack = NULL;
    return NULL;
}

/* Appends a job for the spawner and wakes it. Lock held. */
static void enqueue_locked(hcsg_procs *p, spawn_job *j)
{
    spawn_job **jp = &p->jobs;
    j->next = NULL;
    while (*jp)
        jp = &(*jp)->next;
    *jp = j;
    pthread_cond_broadcast(&p->spawn_cv);
}

void hcsg_pi_spawn_inline(hcsg_procs *p, spawn_job *j)
{
    if (!p->spawn_stack) {
        j->stage = STAGE_FORK;
        j->err = ENOMEM;
        j->pid = 0;
        return;
    }
    run_job(p, j);
}

/* Queues a job for the spawner and waits for it, or runs it here when
 * this is the spawner (posted work). Lock held on entry and return. */
void hcsg_pi_spawn_locked(hcsg_procs *p, spawn_job *j)
{
    if (pthread_equal(pthread_self(), p->spawner)) {
        pthread_mutex_unlock(&p->m);
        hcsg_pi_spawn_inline(p, j);
        pthread_mutex_lock(&p->m);
        j->done = 1;
        return;
    }
    enqueue_locked(p, j);
    while (!j->done)
        pthread_cond_wait(&p->spawn_cv, &p->m);
}

int hcsg_procs_post(hcsg_procs *p, void (*fn)(void *), void *arg)
{
    spawn_job *j = (spawn_job *)calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->fn = fn;
    j->arg = arg;
    pthread_mutex_lock(&p->m);
    if (!p->started || p->quit) {
        pthread_mutex_unlock(&p->m);
        free(j);
        return -1;
    }
    enqueue_locked(p, j);
    pthread_mutex_unlock(&p->m);
    return 0;
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
    if (rows && cols)
        (void)hcsg_console_resize(m, rows, cols);
    *master = m;
    return 0;
fail:
    {
        char et[128];
        hcsg_pi_errtext(errno, et, sizeof et);
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

static int set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : (fl & O_NONBLOCK) ? fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) : 0;
}

int hcsg_proc_start(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e)
{
    proc *pr = NULL;
    spawn_job job;
    int devnull = -1, slave = -1;
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
    pr->started_ns = hcsg_pi_now_ns();
    snprintf(pr->argv0, sizeof pr->argv0, "%s", s->argv0 ? s->argv0 : s->path);
    job.s = s;
    job.pr = pr;
    job.ctty = -1;
    if (s->tty && s->in_sock >= 0) {
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
        /* No tty: the sockets themselves are the process's stdio, as the Go
         * GCS hands them to an external process (spec 6.3). No relay, so
         * the exit is reported when the process is reaped, whoever still
         * holds the sockets (its background children, a host that has not
         * closed them yet). The child needs them blocking. */
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0)
            goto sys_fail;
        if ((s->in_sock >= 0 && set_blocking(s->in_sock) != 0) ||
            (s->out_sock >= 0 && set_blocking(s->out_sock) != 0) ||
            (s->err_sock >= 0 && set_blocking(s->err_sock) != 0))
            goto sys_fail;
        job.fd0 = s->in_sock >= 0 ? s->in_sock : devnull;
        job.fd1 = s->out_sock >= 0 ? s->out_sock : devnull;
        job.fd2 = s->err_sock >= 0 ? s->err_sock : devnull;
        pr->relays_out = pr->relays_all = 0;
    }
    if (s->tty && ((s->in_sock >= 0 && set_nonblock(s->in_sock) != 0) ||
                   (s->out_sock >= 0 && set_nonblock(s->out_sock) != 0) ||
                   (s->err_sock >= 0 && set_nonblock(s->err_sock) != 0)))
        goto sys_fail;

    /* Hand the job to the spawner thread and wait for it. */
    pthread_mutex_lock(&p->m);
    if (!p->started || p->quit) {
        pthread_mutex_unlock(&p->m);
        hcsg_err_plain(e, "failed to call Start for external process: the agent is stopping");
        goto out;
    }
    hcsg_pi_spawn_locked(p, &job);
    pthread_mutex_unlock(&p->m);

    /* The child's ends are the child's now (without a tty, the sockets
     * too). */
    hcsg_pi_close_fd(&slave);
    hcsg_pi_close_fd(&devnull);
    if (!s->tty) {
        hcsg_pi_close_fd(&s->in_sock);
        hcsg_pi_close_fd(&s->out_sock);
        hcsg_pi_close_fd(&s->err_sock);
    }

    if (job.stage != STAGE_NONE) {
        hcsg_pi_errtext(job.err, et, sizeof et);
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
            hcsg_pi_remove_locked(p, pr);
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
        int in = s->in_sock, out = s->out_sock, err = s->err_sock;
        s->in_sock = s->out_sock = s->err_sock = -1;
        pthread_mutex_lock(&p->m);
        pr->refs++; /* ours, until the relays are started */
        pthread_mutex_unlock(&p->m);
        if (s->tty)
            hcsg_pi_begin_relays(p, pr, -1, -1, -1, -1, in, out, err);
        HCSG_INFO("started process %ld (%s)%s", (long)job.pid,
                  s->argv0 ? s->argv0 : s->path, s->tty ? " with a tty" : "");
        pthread_mutex_lock(&p->m);
        hcsg_pi_unref_locked(pr);
        pthread_mutex_unlock(&p->m);
    }
    pr = NULL; /* the table owns it */
    rc = 0;
    goto out;

sys_fail:
    hcsg_pi_errtext(errno, et, sizeof et);
    hcsg_err_plain(e, "failed to call Start for external process: %s", et);
out:
    pthread_mutex_lock(&p->m);
    if (job.reserved) { /* never inserted: give the slot back */
        job.reserved = 0;
        p->reserved--;
    }
    pthread_mutex_unlock(&p->m);
    hcsg_pi_close_fd(&slave);
    hcsg_pi_close_fd(&devnull);
    if (pr)
        hcsg_pi_free_proc(pr);
    if (rc != 0) {
        hcsg_pi_close_fd(&s->in_sock);
        hcsg_pi_close_fd(&s->out_sock);
        hcsg_pi_close_fd(&s->err_sock);
    }
    return rc;
}


void hcsg_pi_begin_relays(hcsg_procs *p, proc *pr, int master, int in_w, int out_r,
                          int err_r, int in, int out, int err)
{
    int tty;
    pthread_mutex_lock(&p->m);
    tty = pr->tty;
    if (master >= 0)
        pr->master = master;
    master = pr->master;
    pr->in_sock = in;
    pr->out_sock = out;
    if (tty)
        pr->held_sock = err; /* unused with a tty (Go: stderr merged) */
    else
        pr->err_sock = err;
    pr->refs += pr->relays_all;
    p->nrelays += (size_t)pr->relays_all;
    pthread_mutex_unlock(&p->m);
    if (tty) {
        hcsg_pi_start_relay(p, pr, 1, master, out, &pr->out_sock, "stdout");
        if (in >= 0)
            hcsg_pi_start_relay(p, pr, 0, in, master, &pr->in_sock, "stdin");
    } else {
        if (out_r >= 0)
            hcsg_pi_start_relay(p, pr, 1, out_r, out, &pr->out_sock, "stdout");
        if (err_r >= 0)
            hcsg_pi_start_relay(p, pr, 1, err_r, err, &pr->err_sock, "stderr");
        if (in >= 0)
            hcsg_pi_start_relay(p, pr, 0, in, in_w, &pr->in_sock, "stdin");
        else if (in_w >= 0)
            close(in_w); /* no stdin: the process reads EOF */
    }
}
