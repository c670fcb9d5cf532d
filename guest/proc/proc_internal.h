/* hcs-gcs process manager internals (guest/proc). See proc.c for the
 * threads and the "done" rule. One mutex (p->m) guards everything here. */
#ifndef HCS_GUEST_PROC_INTERNAL_H
#define HCS_GUEST_PROC_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "gcs.h"

#define RELAY_BUF (64u * 1024u)
#define RELAY_STACK (256u * 1024u)
#define HCSG_MAX_ORPHANS 64u

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
    int kind;          /* HCSG_PROC_UVM / _CONTAINER / _HELPER */
    char owner[HCSG_MAX_ID + 1]; /* container id ("" in the UVM) */
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
    pid_t pid;
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
    void (*fn)(void *); /* hcsg_procs_post: run fn(arg) instead */
    void *arg;
} spawn_job;

/* Signal numbers 1..64 (the kernel's), indexes of hcsg_procs.sig_reset. */
#define HCSG_PI_NSIG 65

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
    hcsg_exit_fn exit_fn;   /* container processes reaped */
    void *exit_ctx;
    /* Exits of children reaped before anyone tracked them: a container
     * process reparented to the agent (child subreaper) may exit before
     * its runtime command returned its pid. */
    /* Untracked exits, newest last; seq orders them against spawns. */
    struct { pid_t pid; int status; uint64_t seq; } orphans[HCSG_MAX_ORPHANS];
    uint64_t timer_next; /* the deadline the timer thread sleeps to */
    uint64_t reap_seq;  /* exits put in the ring so far */
    uint64_t spawn_seq; /* reap_seq when the current spawn began */
    unsigned char sig_reset[HCSG_PI_NSIG]; /* dispositions a child resets (spawner) */
    char *spawn_stack;           /* the children's stack (spawner) */
    size_t orphan_next;
    void *done_ctx;
};

enum { STAGE_NONE, STAGE_SETSID, STAGE_CTTY, STAGE_DUP, STAGE_CHDIR,
       STAGE_GROUPS, STAGE_SETGID, STAGE_SETUID, STAGE_EXEC, STAGE_FORK,
       STAGE_CLOSED };


void hcsg_pi_errtext(int err, char *buf, size_t n);
void hcsg_pi_close_fd(int *fd);
/* hcsg_pi_close_fd on each of n descriptors. */
void hcsg_pi_close_fds(int *const *fds, size_t n);
uint64_t hcsg_pi_now_ns(void);
proc *hcsg_pi_find_locked(hcsg_procs *p, pid_t pid);
/* A process the host may name: not a helper, and owned by owner. */
proc *hcsg_pi_find_host_locked(hcsg_procs *p, pid_t pid, const char *owner);
/* Starts the relays of a running process (its fds and sockets are taken;
 * -1 where absent). Lock not held; the caller holds a reference. */
void hcsg_pi_begin_relays(hcsg_procs *p, proc *pr, int master, int in_w, int out_r,
                          int err_r, int in_sock, int out_sock, int err_sock);
void hcsg_pi_free_proc(proc *pr);
void hcsg_pi_unref_locked(proc *pr);
void hcsg_pi_remove_locked(hcsg_procs *p, proc *pr);
pending *hcsg_pi_pend(pending **list, uint64_t id, const char *aid, int32_t hr, uint32_t code,
                      pid_t pid);
void hcsg_pi_send_pending(hcsg_procs *p, pending *list);
uint32_t hcsg_pi_exit_code_of(int status);
/* The code a wait reports for an exited record (containers: 128 + signal). */
uint32_t hcsg_pi_code_of(const proc *pr);
void hcsg_pi_check_done_locked(hcsg_procs *p, proc *pr, pending **out);
/* Starts a relay thread (relay.c); on failure its resources are released
 * as if it had finished at once. Lock not held. */
void hcsg_pi_start_relay(hcsg_procs *p, proc *pr, int out, int src, int dst, int *slot,
                         const char *name);
/* The spawner thread (spawn.c). */
void *hcsg_pi_spawner_main(void *arg);

/* The spawner's view of a child, shared with it (child.c, CLONE_VM). */
typedef struct child_arg {
    const spawn_job *j;
    pid_t parent;
    const unsigned char *reset; /* signals to reset, 1..HCSG_PI_NSIG-1 */
    volatile int stage, err;    /* STAGE_NONE once exec'd */
} child_arg;
/* Starts the child (clone, CLONE_VM | CLONE_VFORK) on the given stack and
 * returns once it has exec'd or failed: its pid, or -1 (errno). */
pid_t hcsg_pi_clone_child(child_arg *ca, char *stack_top);
/* Runs a spawn job here (the spawner thread only). */
void hcsg_pi_spawn_inline(hcsg_procs *p, spawn_job *j);
/* Hands a job to the spawner and waits, or runs it inline on the spawner
 * itself. Lock held on entry and return (dropped meanwhile). */
void hcsg_pi_spawn_locked(hcsg_procs *p, spawn_job *j);

#endif
