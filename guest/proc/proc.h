/* hcs-gcs process manager (guest/proc): processes in the UVM and in
 * containers, their stdio relays, reaping and WaitForProcess. Internal. */
#ifndef HCS_GUEST_PROC_H
#define HCS_GUEST_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>



typedef struct hcsg_procs hcsg_procs;

/* Everything the spawner needs, prepared before fork (async-signal-safe
 * child). Sockets are taken over by hcsg_proc_start (closed on failure). */
typedef struct hcsg_spawn {
    char *path;         /* resolved executable */
    char **argv;        /* NULL-terminated */
    char **envp;        /* NULL-terminated */
    const char *dir;    /* NULL: inherit */
    int has_user;
    hcsg_user user;
    int tty;
    uint16_t rows, cols; /* initial console size (0: leave) */
    int in_sock, out_sock, err_sock; /* -1 when not requested */
    const char *argv0;  /* for logs and DumpStacks */
    /* Helpers (hcsg_proc_spawn_helper): the child's fds 0-2 as given (-1:
     * /dev/null), no relays, no session of its own. */
    int fds[3];
} hcsg_spawn;

/* Called when a waited process is done: send the WaitForProcess response
 * (pid: the process it answered for). */
typedef void (*hcsg_wait_done_fn)(void *ctx, uint64_t id, const char *aid,
                                  int32_t hr, uint32_t exit_code, pid_t pid);
/* Called (no lock held) when a container process has exited (reaped). */
typedef void (*hcsg_exit_fn)(void *ctx, pid_t pid, int status);

/* What a tracked process is. */
enum { HCSG_PROC_UVM = 0, HCSG_PROC_CONTAINER = 1, HCSG_PROC_HELPER = 2 };

hcsg_procs *hcsg_procs_new(hcsg_wait_done_fn done, void *ctx);
void hcsg_procs_set_exit_fn(hcsg_procs *p, hcsg_exit_fn fn, void *ctx);
/* Processes tracked at once (default HCSG_MAX_PROCESSES); set before
 * hcsg_procs_start. */
void hcsg_procs_set_max(hcsg_procs *p, size_t max);
/* Returns 0 when relays still run (cleanup timed out): the table is then
 * left allocated, and so must be whatever their answers reach. */
int hcsg_procs_free(hcsg_procs *p);
/* Starts the reaper/spawner/timer threads. 0 or -1. */
int hcsg_procs_start(hcsg_procs *p);
/* Runs fn(arg) on the spawner thread, where starting a process costs no
 * hand-off. For short work that starts at most one process and cannot
 * block for long (no dials). 0, or -1 when stopping or out of memory (fn
 * is then not called). */
int hcsg_procs_post(hcsg_procs *p, void (*fn)(void *), void *arg);

/* Spawns a process. Returns 0 with *pid, or -1 with e set (Go messages:
 * "failed to call Start for external process: ..."). */
int hcsg_proc_start(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e);
/* WaitForProcess: answers through the done callback, immediately or later.
 * Returns 0, or -1 with e set for immediate errors (not found). */
/* owner: the container id the request names ("" for the UVM); a process of
 * another owner is "not found". */
int hcsg_proc_wait(hcsg_procs *p, const char *owner, pid_t pid, uint32_t timeout_ms,
                   uint64_t id, const char *aid, hcsg_err *e);
int hcsg_proc_signal(hcsg_procs *p, const char *owner, pid_t pid, int sig, hcsg_err *e);
int hcsg_proc_resize(hcsg_procs *p, const char *owner, pid_t pid, uint16_t h, uint16_t w,
                     hcsg_err *e);
/* Sets a console's size (TIOCSWINSZ on its master): 0, or -1 with errno. */
int hcsg_console_resize(int master, uint16_t rows, uint16_t cols);
/* Pids of the owner's tracked processes (ascending); caller frees *out. */
size_t hcsg_proc_list(hcsg_procs *p, const char *owner, pid_t **out);

/* ---- OCI runtime commands and container processes (adopt.c) ---- */

/* Starts a helper (an OCI runtime command): s->path/argv/envp, s->fds as
 * its stdio. Tracked but never visible to the host; allowed during a
 * cleanup (it may be the cleanup). 0 with *pid, or -1 with e. */
int hcsg_proc_spawn_helper(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e);
/* Waits for a helper to exit (SIGKILL after timeout_ms) and forgets it.
 * 0 with *status (a wait status), -1 with e (timed out: killed). */
int hcsg_proc_wait_helper(hcsg_procs *p, pid_t pid, uint32_t timeout_ms, int *status,
                          hcsg_err *e);

/* Container process stdio for hcsg_proc_adopt / hcsg_proc_attach: the
 * agent's ends (pipes or the pty master) and the host's sockets; -1 where
 * absent. Every fd is taken, also on failure. */
typedef struct hcsg_attach {
    int master;                    /* tty: the pty master */
    int in_w, out_r, err_r;        /* pipes: the agent's ends */
    int in_sock, out_sock, err_sock;
} hcsg_attach;
void hcsg_attach_init(hcsg_attach *at);
void hcsg_attach_close(hcsg_attach *at);

/* Tracks pid, a container process the agent did not fork (reparented to it
 * as child subreaper), for owner. at: start its relays now; NULL: later
 * with hcsg_proc_attach (a container's init before Start). If pid already
 * exited, its status is taken from the orphan record. 0 or -1 with e. */
int hcsg_proc_adopt(hcsg_procs *p, pid_t pid, const char *owner, int tty,
                    const char *argv0, hcsg_attach *at, hcsg_err *e);
int hcsg_proc_attach(hcsg_procs *p, pid_t pid, hcsg_attach *at, hcsg_err *e);
/* 1 exited (status in *status), 0 running, -1 not tracked. */
int hcsg_proc_state(hcsg_procs *p, pid_t pid, int *status);
/* Forgets a tracked container process whatever its state (no answer is
 * sent to its waiters: the container is being torn down). */
void hcsg_proc_forget(hcsg_procs *p, pid_t pid);
/* Forgets every process of a container (Delete, cleanup); returns how
 * many were still tracked. */
size_t hcsg_proc_forget_owner(hcsg_procs *p, const char *owner);
/* Appends a human-readable state dump (DumpStacks). */
void hcsg_proc_dump(hcsg_procs *p, hcsi_buf *b);
size_t hcsg_proc_count(hcsg_procs *p);
/* Cleanup: signals every child's process group (SIGTERM then SIGKILL after
 * grace_ms; grace_ms 0: SIGKILL at once), aborts every stdio relay, fails
 * nothing (waiters are dropped: the bridge is gone), and waits up to
 * wait_ms for children to be reaped and relays to stop. Returns the number
 * of processes that were still alive. */
size_t hcsg_procs_cleanup(hcsg_procs *p, uint32_t grace_ms, uint32_t wait_ms);
/* After a cleanup no process can start (requests still in flight fail)
 * until hcsg_procs_reopen (a new connection). */
void hcsg_procs_reopen(hcsg_procs *p);
/* Drops pending waiters without answering (bridge gone). */
void hcsg_procs_drop_waiters(hcsg_procs *p);
/* Reaps every exited child (waitpid(-1), WNOHANG): call on SIGCHLD. */
void hcsg_procs_reap(hcsg_procs *p);
/* Counts of live relay threads (tests, DumpStacks). */
size_t hcsg_procs_relays(hcsg_procs *p);

#endif
