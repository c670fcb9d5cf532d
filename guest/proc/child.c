/* hcs-gcs: the child side of a spawn, between clone and execve.
 *
 * The child is started with clone(CLONE_VM | CLONE_VFORK), as posix_spawn
 * does: it borrows the agent's memory instead of copying its page tables,
 * and the spawner resumes when the child has exec'd (or given up), so the
 * outcome is known without a pipe. Because the child shares the agent's
 * memory and runs on the spawner's TLS, it makes raw system calls only: no
 * libc wrapper may change state the agent shares. All signals stay
 * blocked until the child has reset every disposition that is not the
 * default, so no handler of the agent's ever runs on the child's stack.
 *
 * This file is built without sanitizer instrumentation (guest/CMakeLists):
 * a sanitizer's per-thread state belongs to the suspended spawner, and
 * ThreadSanitizer's clone interceptor assumes a copied address space. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "proc/proc_internal.h"

#ifdef __GLIBC__
/* glibc's own exported name for clone: the same function, but not the
 * symbol ThreadSanitizer intercepts (and this file is uninstrumented, so
 * it cannot tell whether the build is sanitized). */
extern int __clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
#define HCSG_CLONE __clone
#else
#define HCSG_CLONE clone
#endif

/* The spawner's view of a child, shared with it (CLONE_VM). */
static long sys_fail(child_arg *ca, int stage, long rc)
{
    ca->stage = stage;
    ca->err = rc < 0 ? (int)-rc : EIO;
    return 127;
}

/* syscall() returns -1 and sets errno (the spawner's, which is suspended). */
static long raw(long rc) { return rc == -1 ? -(long)errno : rc; }

static int child_set_fd(int from, int to)
{
    if (from == to)
        return (int)raw(syscall(SYS_fcntl, to, F_SETFD, 0));
    return (int)raw(syscall(SYS_dup3, from, to, 0));
}

/* The child. Returns only on failure (the exit status; clone's trampoline
 * exits with it). */
static int child_main(void *arg)
{
    child_arg *ca = (child_arg *)arg;
    const spawn_job *j = ca->j;
    const hcsg_spawn *s = j->s;
    unsigned long dfl[4] = {0, 0, 0, 0}; /* a kernel sigaction: SIG_DFL, no flags, empty mask */
    unsigned long none = 0;
    long rc;
    int sig;
    for (sig = 1; sig < HCSG_PI_NSIG; sig++)
        if (ca->reset[sig])
            (void)syscall(SYS_rt_sigaction, sig, dfl, NULL, sizeof none);
    if ((rc = raw(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none))) < 0)
        return (int)sys_fail(ca, STAGE_SETSID, rc);
    if ((rc = raw(syscall(SYS_setsid))) < 0)
        return (int)sys_fail(ca, STAGE_SETSID, rc);
    if (j->ctty >= 0 && (rc = raw(syscall(SYS_ioctl, j->ctty, TIOCSCTTY, 0))) < 0)
        return (int)sys_fail(ca, STAGE_CTTY, rc);
    if ((rc = child_set_fd(j->fd0, 0)) < 0 || (rc = child_set_fd(j->fd1, 1)) < 0 ||
        (rc = child_set_fd(j->fd2, 2)) < 0)
        return (int)sys_fail(ca, STAGE_DUP, rc);
    if (s->dir && *s->dir && (rc = raw(syscall(SYS_chdir, s->dir))) < 0)
        return (int)sys_fail(ca, STAGE_CHDIR, rc);
    if (s->has_user) {
        /* Raw calls here anyway: glibc's wrappers would broadcast the change
         * to the agent's threads. */
        uid_t euid = (uid_t)syscall(SYS_geteuid);
        gid_t egid = (gid_t)syscall(SYS_getegid);
        if ((egid != s->user.gid || euid != s->user.uid) &&
            (rc = raw(syscall(SYS_setgroups, (long)s->user.ngroups, s->user.groups))) < 0)
            return (int)sys_fail(ca, STAGE_GROUPS, rc);
        if (egid != s->user.gid && (rc = raw(syscall(SYS_setgid, (long)s->user.gid))) < 0)
            return (int)sys_fail(ca, STAGE_SETGID, rc);
        if (euid != s->user.uid && (rc = raw(syscall(SYS_setuid, (long)s->user.uid))) < 0)
            return (int)sys_fail(ca, STAGE_SETUID, rc);
    }
    /* Die with the agent (the spawner thread lives as long as it does). */
    (void)syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if ((pid_t)syscall(SYS_getppid) != ca->parent)
        return (int)sys_fail(ca, STAGE_EXEC, -ESRCH);
    rc = raw(syscall(SYS_execve, s->path, s->argv, s->envp));
    return (int)sys_fail(ca, STAGE_EXEC, rc);
}


pid_t hcsg_pi_clone_child(child_arg *ca, char *stack_top)
{
    return (pid_t)HCSG_CLONE(child_main, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, ca);
}
