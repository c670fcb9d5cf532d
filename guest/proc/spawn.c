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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proc/proc_internal.h"

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
    if (p->closed && j->pr->kind != HCSG_PROC_HELPER) {
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

void *hcsg_pi_spawner_main(void *arg)
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
    pr->started_ns = hcsg_pi_now_ns();
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
    hcsg_pi_close_fd(&slave);
    hcsg_pi_close_fd(&devnull);
    hcsg_pi_close_fd(&inp[0]);
    hcsg_pi_close_fd(&outp[1]);
    hcsg_pi_close_fd(&errp[1]);

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
        hcsg_pi_begin_relays(p, pr, -1, inp[1], outp[0], errp[0], in, out, err);
        outp[0] = errp[0] = inp[1] = -1; /* owned by the relays */
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
    hcsg_pi_close_fd(&inp[0]);
    hcsg_pi_close_fd(&inp[1]);
    hcsg_pi_close_fd(&outp[0]);
    hcsg_pi_close_fd(&outp[1]);
    hcsg_pi_close_fd(&errp[0]);
    hcsg_pi_close_fd(&errp[1]);
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
