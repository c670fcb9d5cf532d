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
} hcsg_spawn;

/* Called when a waited process is done: send the WaitForProcess response. */
typedef void (*hcsg_wait_done_fn)(void *ctx, uint64_t id, const char *aid,
                                  int32_t hr, uint32_t exit_code);

hcsg_procs *hcsg_procs_new(hcsg_wait_done_fn done, void *ctx);
/* Processes tracked at once (default HCSG_MAX_PROCESSES); set before
 * hcsg_procs_start. */
void hcsg_procs_set_max(hcsg_procs *p, size_t max);
void hcsg_procs_free(hcsg_procs *p);
/* Starts the reaper/spawner/timer threads. 0 or -1. */
int hcsg_procs_start(hcsg_procs *p);

/* Spawns a process. Returns 0 with *pid, or -1 with e set (Go messages:
 * "failed to call Start for external process: ..."). */
int hcsg_proc_start(hcsg_procs *p, hcsg_spawn *s, pid_t *pid, hcsg_err *e);
/* WaitForProcess: answers through the done callback, immediately or later.
 * Returns 0, or -1 with e set for immediate errors (not found). */
int hcsg_proc_wait(hcsg_procs *p, pid_t pid, uint32_t timeout_ms,
                   uint64_t id, const char *aid, hcsg_err *e);
int hcsg_proc_signal(hcsg_procs *p, pid_t pid, int sig, hcsg_err *e);
int hcsg_proc_resize(hcsg_procs *p, pid_t pid, uint16_t h, uint16_t w,
                     hcsg_err *e);
/* Pids of tracked processes (ascending); caller frees *out. */
size_t hcsg_proc_list(hcsg_procs *p, pid_t **out);
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
