/*
 * hcs-gcs container processes and OCI runtime commands.
 *
 * The agent is the child subreaper of the VM (PR_SET_CHILD_SUBREAPER), so a
 * container's processes, whose parent (the OCI runtime) exits once they
 * run, are reparented to it and reaped by the same reaper as the agent's own
 * children. The runtime commands themselves ("helpers") are spawned by the
 * spawner thread like every child, tracked in the table (the reaper must
 * know their pids) but never visible to the host.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/proc_internal.h"

void hcsg_attach_init(hcsg_attach *at)
{
    at->master = at->in_w = at->out_r = at->err_r = -1;
    at->in_sock = at->out_sock = at->err_sock = -1;
}

void hcsg_attach_close(hcsg_attach *at)
{
    int *const fds[] = {&at->master,  &at->in_w,     &at->out_r,   &at->err_r,
                        &at->in_sock, &at->out_sock, &at->err_sock};
    hcsg_pi_close_fds(fds, HCSI_ARRAY_LEN(fds));
}

static proc *new_proc(int kind, const char *owner, const char *argv0, int tty)
{
    proc *pr = (proc *)calloc(1, sizeof *pr);
    if (!pr)
        return NULL;
    pr->master = pr->in_sock = pr->out_sock = pr->err_sock = -1;
    pr->held_sock = pr->stop_efd = -1;
    pr->kind = kind;
    pr->tty = tty;
    pr->started_ns = hcsg_pi_now_ns();
    snprintf(pr->owner, sizeof pr->owner, "%s", owner ? owner : "");
    snprintf(pr->argv0, sizeof pr->argv0, "%s", argv0 ? argv0 : "?");
    return pr;
}

int hcsg_proc_spawn_helper(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e)
{
    spawn_job job;
    proc *pr;
    int devnull = -1, i;
    int *fd[3];
    char et[128];
    memset(&job, 0, sizeof job);
    pr = new_proc(HCSG_PROC_HELPER, "", s->argv0 ? s->argv0 : s->path, 0);
    if (!pr) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    fd[0] = &job.fd0;
    fd[1] = &job.fd1;
    fd[2] = &job.fd2;
    for (i = 0; i < 3; i++) {
        if (s->fds[i] >= 0) {
            *fd[i] = s->fds[i];
            continue;
        }
        if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
            hcsg_pi_errtext(errno, et, sizeof et);
            hcsg_err_plain(e, "open /dev/null: %s", et);
            hcsg_pi_free_proc(pr);
            return -1;
        }
        *fd[i] = devnull;
    }
    job.s = s;
    job.pr = pr;
    job.ctty = -1;
    pthread_mutex_lock(&p->m);
    if (!p->started || p->quit) {
        pthread_mutex_unlock(&p->m);
        hcsg_pi_close_fd(&devnull);
        hcsg_pi_free_proc(pr);
        hcsg_err_plain(e, "cannot run %s: the agent is stopping", s->path);
        return -1;
    }
    hcsg_pi_spawn_locked(p, &job);
    if (job.stage != STAGE_NONE) {
        if (job.pid > 0)
            hcsg_pi_remove_locked(p, pr); /* the reaper collects it */
        else
            hcsg_pi_free_proc(pr);
        pthread_mutex_unlock(&p->m);
        hcsg_pi_close_fd(&devnull);
        hcsg_pi_errtext(job.err, et, sizeof et);
        hcsg_err_plain(e, "fork/exec %s: %s", s->path, et);
        return -1;
    }
    pthread_mutex_unlock(&p->m);
    hcsg_pi_close_fd(&devnull);
    *pid = job.pid;
    return 0;
}

int hcsg_proc_wait_helper(hcsg_procs *p, pid_t pid, uint32_t timeout_ms, int *status,
                          hcsg_err *e)
{
    proc *pr;
    uint64_t deadline = hcsg_pi_now_ns() + (uint64_t)timeout_ms * 1000000u;
    int killed = 0;
    char name[80];
    pthread_mutex_lock(&p->m);
    pr = hcsg_pi_find_locked(p, pid);
    if (!pr || pr->kind != HCSG_PROC_HELPER) {
        pthread_mutex_unlock(&p->m);
        hcsg_err_plain(e, "runtime command %ld is not tracked", (long)pid);
        return -1;
    }
    pr->refs++; /* a cleanup may drop the table's reference meanwhile */
    while (!pr->exited) {
        struct timespec ts;
        uint64_t now = hcsg_pi_now_ns();
        if (now >= deadline) {
            if (killed)
                break;
            (void)kill(pid, SIGKILL);
            killed = 1;
            deadline = now + 5000000000ull; /* the reaper still collects it */
        }
        ts.tv_sec = (time_t)(deadline / 1000000000u);
        ts.tv_nsec = (long)(deadline % 1000000000u);
        pthread_cond_timedwait(&p->changed, &p->m, &ts);
    }
    *status = pr->status;
    snprintf(name, sizeof name, "%s", pr->argv0);
    if (pr->exited || killed)
        hcsg_pi_remove_locked(p, pr); /* no-op when no longer in the table */
    hcsg_pi_unref_locked(pr);
    pthread_mutex_unlock(&p->m);
    if (killed) {
        hcsg_err_plain(e, "%s did not finish within %lu ms and was killed", name,
                       (unsigned long)timeout_ms);
        return -1;
    }
    return 0;
}

/* Counts the relays of at and sets the process's gates (lock held). */
static void set_gates_locked(proc *pr, const hcsg_attach *at)
{
    if (pr->tty) {
        pr->relays_out = 1;
        pr->relays_all = 1 + (at->in_sock >= 0);
    } else {
        pr->relays_out = (at->out_r >= 0) + (at->err_r >= 0);
        pr->relays_all = pr->relays_out + (at->in_sock >= 0 && at->in_w >= 0);
    }
}

static int prepare_attach(proc *pr, hcsg_attach *at, hcsg_err *e)
{
    char et[128];
    if (pr->tty && at->master < 0) {
        hcsg_err_plain(e, "container process %ld has a terminal but no console",
                       (long)pr->pid);
        return -1;
    }
    if (!pr->tty && at->in_sock >= 0 && at->in_w < 0) {
        hcsg_pi_close_fd(&at->in_sock);
    }
    if (at->in_sock >= 0) {
        pr->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (pr->stop_efd < 0) {
            hcsg_pi_errtext(errno, et, sizeof et);
            hcsg_err_plain(e, "eventfd: %s", et);
            return -1;
        }
    }
    {
        int fds[7], i;
        fds[0] = at->master;
        fds[1] = at->in_w;
        fds[2] = at->out_r;
        fds[3] = at->err_r;
        fds[4] = at->in_sock;
        fds[5] = at->out_sock;
        fds[6] = at->err_sock;
        for (i = 0; i < 7; i++) {
            int fl = fds[i] >= 0 ? fcntl(fds[i], F_GETFL) : 0;
            if (fl < 0 || (fds[i] >= 0 && fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) != 0)) {
                hcsg_pi_errtext(errno, et, sizeof et);
                hcsg_err_plain(e, "fcntl: %s", et);
                return -1;
            }
        }
    }
    return 0;
}

static void start_attached(hcsg_procs *p, proc *pr, hcsg_attach *at)
{
    hcsg_pi_begin_relays(p, pr, at->master, at->in_w, at->out_r, at->err_r, at->in_sock,
                         at->out_sock, at->err_sock);
    hcsg_attach_init(at); /* owned by the relays */
}

int hcsg_proc_adopt(hcsg_procs *p, pid_t pid, const char *owner, int tty,
                    const char *argv0, hcsg_attach *at, hcsg_err *e)
{
    proc *pr = new_proc(HCSG_PROC_CONTAINER, owner, argv0, tty);
    size_t i;
    int exited = 0, status = 0;
    pending *out = NULL;
    if (!pr) {
        if (at)
            hcsg_attach_close(at);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    pr->pid = pid;
    if (at && prepare_attach(pr, at, e) != 0) {
        hcsg_attach_close(at);
        hcsg_pi_free_proc(pr);
        return -1;
    }
    pthread_mutex_lock(&p->m);
    if (hcsg_pi_find_locked(p, pid)) {
        pthread_mutex_unlock(&p->m);
        if (at)
            hcsg_attach_close(at);
        hcsg_pi_free_proc(pr);
        hcsg_err_plain(e, "process %ld is already tracked", (long)pid);
        return -1;
    }
    if (at)
        set_gates_locked(pr, at);
    pr->in_table = 1;
    pr->refs = 2; /* the table's and ours until the relays run */
    pr->next = p->table;
    p->table = pr;
    p->nprocs++;
    for (i = 0; i < HCSG_MAX_ORPHANS; i++) {
        if (p->orphans[i].pid == pid) {
            p->orphans[i].pid = 0;
            pr->exited = exited = 1;
            pr->status = status = p->orphans[i].status;
            hcsg_pi_check_done_locked(p, pr, &out);
        }
    }
    pthread_mutex_unlock(&p->m);
    if (at)
        start_attached(p, pr, at);
    pthread_mutex_lock(&p->m);
    hcsg_pi_unref_locked(pr);
    pthread_mutex_unlock(&p->m);
    hcsg_pi_send_pending(p, out);
    if (exited && p->exit_fn)
        p->exit_fn(p->exit_ctx, pid, status);
    return 0;
}

int hcsg_proc_attach(hcsg_procs *p, pid_t pid, hcsg_attach *at, hcsg_err *e)
{
    proc *pr;
    pthread_mutex_lock(&p->m);
    pr = hcsg_pi_find_locked(p, pid);
    if (!pr || pr->kind != HCSG_PROC_CONTAINER || pr->relays_all || pr->exited) {
        int gone = pr && pr->exited;
        pthread_mutex_unlock(&p->m);
        hcsg_attach_close(at);
        if (gone)
            hcsg_err_bare(e, HCSG_HR_NOT_FOUND);
        else
            hcsg_err_plain(e, "process %ld cannot take stdio now", (long)pid);
        return -1;
    }
    pr->refs++;
    pthread_mutex_unlock(&p->m);
    if (prepare_attach(pr, at, e) != 0) {
        hcsg_attach_close(at);
        pthread_mutex_lock(&p->m);
        hcsg_pi_unref_locked(pr);
        pthread_mutex_unlock(&p->m);
        return -1;
    }
    pthread_mutex_lock(&p->m);
    set_gates_locked(pr, at);
    pthread_mutex_unlock(&p->m);
    start_attached(p, pr, at);
    pthread_mutex_lock(&p->m);
    hcsg_pi_unref_locked(pr);
    pthread_mutex_unlock(&p->m);
    return 0;
}

int hcsg_proc_state(hcsg_procs *p, pid_t pid, int *status)
{
    proc *pr;
    int rc;
    pthread_mutex_lock(&p->m);
    pr = hcsg_pi_find_locked(p, pid);
    rc = !pr ? -1 : pr->exited;
    if (pr && pr->exited && status)
        *status = pr->status;
    pthread_mutex_unlock(&p->m);
    return rc;
}

void hcsg_proc_forget(hcsg_procs *p, pid_t pid)
{
    proc *pr;
    pthread_mutex_lock(&p->m);
    pr = hcsg_pi_find_locked(p, pid);
    if (pr) {
        waiter **wp = &p->waiters;
        while (*wp) {
            waiter *w = *wp;
            if (w->pr == pr) {
                *wp = w->next;
                p->nwaiters--;
                free(w);
                continue;
            }
            wp = &w->next;
        }
        hcsg_pi_remove_locked(p, pr);
    }
    pthread_mutex_unlock(&p->m);
}

size_t hcsg_proc_forget_owner(hcsg_procs *p, const char *owner)
{
    size_t n = 0;
    proc *pr;
    pending *out = NULL;
    pthread_mutex_lock(&p->m);
    for (;;) {
        waiter **wp;
        for (pr = p->table; pr; pr = pr->next)
            if (pr->kind == HCSG_PROC_CONTAINER && strcmp(pr->owner, owner) == 0)
                break;
        if (!pr)
            break;
        wp = &p->waiters;
        while (*wp) {
            waiter *w = *wp;
            if (w->pr == pr) {
                /* Answered, not dropped: the exit code when the process
                 * exited (its output was still draining), else what a
                 * wait after the Delete gets. */
                uint32_t code = 0;
                int32_t hr = HCSG_HR_SYSTEM_NOT_FOUND;
                if (pr->exited) {
                    hr = 0;
                    code = hcsg_pi_code_of(pr);
                }
                if (!hcsg_pi_pend(&out, w->id, w->aid, hr, code, pr->pid))
                    HCSG_ERROR("out of memory: WaitForProcess %llu response lost",
                               (unsigned long long)w->id);
                *wp = w->next;
                p->nwaiters--;
                free(w);
                continue;
            }
            wp = &w->next;
        }
        hcsg_pi_remove_locked(p, pr);
        n++;
    }
    pthread_mutex_unlock(&p->m);
    hcsg_pi_send_pending(p, out);
    return n;
}
